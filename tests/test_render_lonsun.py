"""Lonsun EX-CMS pages of the sample portal: the markup contracts of docs/domain.md §4.1."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from demo_fixtures import fetch, page, small_portal
from parsel import Selector

from demo import urls
from demo.site import Site


@pytest.fixture(scope="module")
def world():
    portal, named = small_portal()
    return portal, named, Site(portal)


def sel(site, url) -> Selector:
    result = page(site, url)
    assert result.content_type == "text/html; charset=utf-8"
    return Selector(text=result.body.decode("utf-8"))


def table(doc: Selector, which: str) -> list[tuple[str, str]]:
    """(label, value) pairs of one metadata table copy, in row order."""
    pairs = []
    for row in doc.css(f"table.table_suoyin.{which} tr"):
        labels = [t.strip().rstrip("：") for t in row.css("th::text").getall()]
        values = [v.xpath("string()").get().strip() for v in row.css("td.pmingcheng")]
        pairs += list(zip(labels, values, strict=True))
    return pairs


# -- home and directory ---------------------------------------------------------------------
def test_home_lists_every_unit_of_the_host_by_its_entry(world):
    portal, _, site = world
    doc = sel(site, urls.platform_home(portal, "www"))
    links = doc.css("div.xxgk_units li a::attr(href)").getall()
    expected = [urls.unit_entry(portal, u) for u in portal.index.units_on["www"]]
    assert sorted(links) == sorted(expected)


def test_directory_has_unit_header_top_links_and_column_tree(world):
    portal, named, site = world
    unit = portal.index.unit["jh-fgw"]
    doc = sel(site, urls.unit_entry(portal, unit))
    header = doc.css("div.nav_dwxx").xpath("string()").get()
    assert f"公开单位：{unit.name}" in header
    assert f"办公地址：{unit.address}" in header
    assert f"联系电话：{unit.phone}" in header
    d = named[unit.id]
    top = doc.css("div.xxgk_top_nav a::attr(href)").getall()
    assert top == [urls.column_url(portal, d[k]) for k in ("rules", "guide", "annual")]
    assert [urlsplit(u).query.split("&")[0] for u in top] == ["type=1", "type=2", "type=3"]
    group = doc.css("ul.xxgk_tree > li.tree_group")[0]
    assert group.css("span.group_name::text").get() == "政策文件"
    assert group.css("ul a::attr(href)").getall() == [
        urls.column_url(portal, d[k]) for k in ("normative", "policy", "interp")
    ]
    leaves = doc.css("ul.xxgk_tree a::attr(href)").getall()
    assert urls.column_url(portal, d["personnel"]) in leaves
    # A planted missing column (hidden) is not in the directory, and its page is gone.
    assert urls.column_url(portal, d["plan"]) not in leaves
    page(site, urls.column_url(portal, d["plan"]), 404)
    page(site, urls.list_page_url(portal, d["plan"], 0), 404)


# -- column shell and list fragment ---------------------------------------------------------
def test_column_shell_script_names_the_fragment_parameters(world):
    portal, named, site = world
    column = named["jh-fgw"]["policy"]
    doc = sel(site, urls.column_url(portal, column))
    assert doc.css("div.nav_dwxx")
    script = " ".join(doc.css("script::text").getall())
    found = re.search(r'"(/site/label/8888\?labelName=publicInfoList[^"]*)"', script)
    assert found, "the shell must name the fragment URL"
    params = dict(parse_qsl(urlsplit(found.group(1)).query))
    assert params["pageSize"] == "15"
    host = portal.index.host["www"]
    built = (
        f"{host.base_url}/site/label/8888?labelName=publicInfoList&siteId={params['siteId']}"
        f"&organId={params['organId']}&catId={params['catId']}&pageIndex=2&pageSize=15"
    )
    assert built == urls.list_page_url(portal, column, 1)


def test_fragment_pages_rows_and_page_count(world):
    portal, named, site = world
    column = named["jh-fgw"]["policy"]  # 41 rows → 15 + 15 + 11
    items = portal.index.articles_of[column.id]
    seen = []
    for k, size in enumerate((15, 15, 11)):
        result = page(site, urls.list_page_url(portal, column, k))
        assert result.last_modified is None  # a dynamic endpoint
        doc = Selector(text=result.body.decode("utf-8"))
        assert doc.css("div.nav_tit ul.tit li::text").getall() == [
            "序号",
            "索引号",
            "信息名称",
            "生成日期",
        ]
        rows = doc.css("div.xxgk_navli > ul")
        assert len(rows) == size
        assert re.search(r"pageCount:(\d+)", result.body.decode()).group(1) == "3"
        for row in rows:
            seen.append(
                (
                    int(row.css("li.xh::text").get()),
                    row.css("li.mc > a::attr(href)").get(),
                    row.css("li.yh::text").get(),
                    row.css("li.rq::text").get(),
                )
            )
    assert seen == [
        (i + 1, urls.article_url(portal, a), a.index_no, a.published.isoformat())
        for i, a in enumerate(items)
    ]
    past = page(site, urls.list_page_url(portal, column, 5)).body.decode()
    assert "xxgk_navli" not in past and "pageCount:3" in past


def test_fragment_hover_card_repeats_the_metadata(world):
    portal, named, site = world
    doc_article = named["jh-fgw"]["doc"]
    frag = Selector(
        text=page(site, urls.list_page_url(portal, named["jh-fgw"]["normative"], 0)).body.decode()
    )
    box = next(
        b
        for b in frag.css("div.xxgk_navli")
        if b.css("li.mc > a::attr(href)").get() == urls.article_url(portal, doc_article)
    )
    card = {
        re.sub(r"\s|：", "", item.css("div.vname").xpath("string()").get()): item.css("p")
        .xpath("string()")
        .get()
        for item in box.css("div.listviewbox > div.vitem")
    }
    assert box.css("div.listviewbox::attr(style)").get() == "display:none;"
    assert card["索引号"] == doc_article.index_no
    assert card["名称"] == doc_article.title
    assert card["文号"] == doc_article.doc_no
    assert card["发文日期"] == doc_article.published.isoformat()
    assert card["生成日期"] == doc_article.written.isoformat()


def test_fragment_cross_links_and_repealed_tag(world):
    portal, named, site = world
    d = named["jh-fgw"]

    def row_of(column, article):
        frag = Selector(text=page(site, urls.list_page_url(portal, column, 0)).body.decode())
        for li in frag.css("div.xxgk_navli li.mc"):
            if li.css("a::attr(href)").get() == urls.article_url(portal, article):
                return li
        raise AssertionError(f"{article.title} not listed")

    doc = row_of(d["normative"], d["doc"])
    assert doc.css("a.a::text").getall() == ["解读1", "解读2", "解读3"]
    interps = [portal.index.article[i] for i in d["interps"]]
    assert doc.css("a.a::attr(href)").getall() == [urls.article_url(portal, a) for a in interps]
    assert doc.css("span.split::text").getall() == ["|"] * 3
    assert not doc.css('span[style="color:red;"]')

    repealed = row_of(d["normative"], d["repealed"])
    assert repealed.css('span[style="color:red;"]::text').get() == "废止"
    assert repealed.css("a.a::text").getall() == ["解读"]

    text_interp = row_of(d["interp"], interps[0])
    assert text_interp.css("a.a::text").getall() == ["文件"]
    assert text_interp.css("a.a::attr(href)").get() == urls.article_url(portal, d["doc"])
    # An interpretation that does not link back shows no "| 文件".
    assert not row_of(d["interp"], d["no_link_back"]).css("a.a")


def test_blank_column_fragment_has_one_page_and_no_rows(world):
    portal, named, site = world
    body = page(site, urls.list_page_url(portal, named["jh-fgw"]["personnel"], 0)).body.decode()
    doc = Selector(text=body)
    assert not doc.css("div.xxgk_navli")
    assert "pageCount:1" in body
    assert doc.css("div.no_data::text").get() == "暂无信息"


def test_plain_lists_of_sections_1_2_3_show_every_item(world):
    portal, named, site = world
    column = named["jh-fgw"]["annual"]
    doc = sel(site, urls.column_url(portal, column))
    items = doc.css("ul.doc_list > li")
    expected = portal.index.articles_of[column.id]
    assert [li.css("a.left::attr(href)").get() for li in items] == [
        urls.article_url(portal, a) for a in expected
    ]
    assert [li.css("a.left::attr(title)").get() for li in items] == [a.title for a in expected]
    assert [li.css("span.right.date::text").get() for li in items] == [
        a.published.isoformat() for a in expected
    ]


# -- articles --------------------------------------------------------------------------------
def test_article_meta_tags_and_visible_fields(world):
    portal, named, site = world
    a = named["jh-fgw"]["doc"]
    result = page(site, urls.article_url(portal, a))
    assert result.last_modified == a.published
    doc = Selector(text=result.body.decode())
    assert doc.css('meta[name="ArticleTitle"]::attr(content)').get() == a.title
    assert doc.css('meta[name="ContentSource"]::attr(content)').get() == a.publisher
    pubdate = doc.css('meta[name="PubDate"]::attr(content)').get()
    shown = doc.css("span.fbsj::text").get().removeprefix("发布时间：")
    assert shown.startswith(a.published.isoformat())
    assert pubdate > shown  # regeneration time, later than the visible publish time
    assert doc.css("h1.newstitle::text").get() == a.title
    assert doc.css("span.res::text").get() == f"来源：{a.publisher}"
    assert doc.css("div.wzy_position a::attr(href)").getall()[-1] == urls.column_url(
        portal, named["jh-fgw"]["normative"]
    )
    body = doc.css("div.j-fontContent").xpath("string()").get()
    assert a.body_doc_no in body
    files = doc.css("div.fj_box a::attr(href)").getall()
    assert files == [urls.attachment_url(portal, a, f) for f in a.attachments]


def test_metadata_tables_two_copies_by_label(world):
    portal, named, site = world
    a = named["jh-fgw"]["doc"]
    doc = sel(site, urls.article_url(portal, a))
    style = site.catalog.styles["www"]
    desktop = dict(table(doc, "hidden-sm.hidden-xs"))
    mobile = table(doc, "hidden-lg.hidden-md")
    assert desktop == dict(mobile)
    assert desktop["索引号"] == a.index_no
    assert desktop["名称"] == a.title
    assert desktop["文号"] == a.doc_no
    assert desktop[style.written_label] == a.written.isoformat()
    assert desktop["发布日期"] == a.published.isoformat()
    assert desktop["组配分类"] == "政策文件/行政规范性文件"
    assert desktop["有效性"] == "有效"
    assert len(mobile) == 10
    assert doc.css("table.hidden-sm td#_fileNum::text").get() == a.doc_no
    assert doc.css("table.hidden-lg td#_fileNum::text").get() == a.doc_no
    for row in doc.css("table.table_suoyin.hidden-sm.hidden-xs tr"):
        assert 1 <= len(row.css("th")) <= 2
    for row in doc.css("table.table_suoyin.hidden-lg.hidden-md tr"):
        assert len(row.css("th")) == 1


def test_metadata_row_order_differs_between_hosts(world):
    portal, named, site = world
    first = table(sel(site, urls.article_url(portal, named["jh-fgw"]["doc"])), "hidden-lg")
    second = table(sel(site, urls.article_url(portal, named["jh-hs"]["doc"])), "hidden-lg")
    # Compare field order, not wording: the written-date label may differ too (生成/成文/发文日期).
    dates = {"生成日期", "成文日期", "发文日期"}
    labels = ["written" if label in dates else label for label, _ in first]
    other = ["written" if label in dates else label for label, _ in second]
    assert labels != other
    # Same information, read by label: only the order and (maybe) the date label differ.
    assert {"索引号", "文号", "名称", "发布日期"} <= set(labels) & set(other)


def test_blank_fields_render_empty_and_body_keeps_its_own_doc_no(world):
    portal, named, site = world
    a = named["jh-fgw"]["repealed"]  # blank keywords/subject; body 文号 differs
    doc = sel(site, urls.article_url(portal, a))
    for which in ("hidden-sm.hidden-xs", "hidden-lg.hidden-md"):
        values = dict(table(doc, which))
        assert values["关键词"] == "" and values["主题分类"] == ""
        assert values["有效性"] == "废止"
        assert values["文号"] == a.doc_no
    body = doc.css("div.j-fontContent").xpath("string()").get()
    assert a.body_doc_no in body and a.doc_no not in body
    assert doc.css("h1.newstitle span.fz::text").get() == "废止"


def test_article_without_publish_date_shows_no_date(world):
    portal, named, site = world
    a = named["jh-fgw"]["undated"]
    result = page(site, urls.article_url(portal, a))
    assert result.last_modified is None
    doc = Selector(text=result.body.decode())
    assert dict(table(doc, "hidden-lg"))["发布日期"] == ""
    assert doc.css("span.fbsj::text").get() == "发布时间："
    assert not doc.css('meta[name="PubDate"]')
    body = doc.css("div.j-fontContent").xpath("string()").get()
    assert not re.search(r"\d{4}(-\d{2}-\d{2}|年\d{1,2}月\d{1,2}日)", body)


def test_interpretation_pages_in_each_form(world):
    portal, named, site = world
    d = named["jh-fgw"]
    text, graphic, video = (portal.index.article[i] for i in d["interps"])
    doc = sel(site, urls.article_url(portal, graphic))
    png = graphic.attachments[0]
    assert doc.css("div.j-fontContent img::attr(src)").get() == urls.attachment_url(
        portal, graphic, png
    )
    assert not doc.css("div.fj_box")  # the picture is inline, not a download
    assert doc.css("div.xgjd h3::text").get() == "相关文件"
    assert doc.css("div.xgjd a::attr(href)").get() == urls.article_url(portal, d["doc"])
    doc = sel(site, urls.article_url(portal, video))
    assert doc.css("div.j-fontContent video source::attr(type)").get() == "video/mp4"
    assert doc.css("div.j-fontContent video::attr(src)").get() == urls.attachment_url(
        portal, video, video.attachments[0]
    )
    leader = d["no_link_back"]
    doc = sel(site, urls.article_url(portal, leader))
    assert (
        portal.index.unit["jh-fgw"].leader in doc.css("div.j-fontContent").xpath("string()").get()
    )
    assert not doc.css("div.xgjd")  # links_back=False: no way back to the document
    doc = sel(site, urls.article_url(portal, d["doc"]))
    assert doc.css("div.xgjd a::attr(href)").getall() == [
        urls.article_url(portal, a) for a in (text, graphic, video)
    ]


def test_bodies_of_consultation_feedback_annual_report_and_key_area(world):
    portal, named, site = world
    d = named["jh-fgw"]

    def body(article):
        doc = sel(site, urls.article_url(portal, article))
        return doc.css("div.j-fontContent").xpath("string()").get()

    consultation = body(d["consultation"])
    assert "征求意见时间：2024年4月1日至2024年4月30日" in consultation
    assert all(word in consultation for word in ("信函", "电话", "电子邮箱"))
    feedback = body(d["feedback_item"])
    assert d["consultation"].title in feedback and "采纳情况" in feedback
    report = body(portal.index.articles_of[d["annual"].id][0])
    for heading in ("一、总体情况", "二、主动公开", "三、收到和处理", "四、", "五、", "六、"):
        assert heading in report
    assert "2023年1月1日起至2023年12月31日" in report
    requests = report.split("三、收到和处理")[1].split("四、政府信息公开行政复议")[0]
    counts = dict(re.findall(r"(一|二|三|四)、[^\d]*?(\d+)", requests))
    assert int(counts["一"]) + int(counts["二"]) == int(counts["三"]) + int(counts["四"])
    air = portal.index.articles_of[d["air"].id][-1]
    assert "2024年3月" in body(air)


def test_in_body_links_and_planted_broken_targets(world):
    portal, named, site = world
    a = named["jh-fgw"]["withlinks"]
    doc = sel(site, urls.article_url(portal, a))
    hrefs = doc.css("div.j-fontContent a::attr(href)").getall()
    assert hrefs == [urls.link_url(portal, a, link.target) for link in a.links]
    page(site, hrefs[0], 404)
    broken = a.attachments[0]
    page(site, urls.attachment_url(portal, a, broken), 404)


def test_unknown_and_mismatched_urls_are_404_pages(world):
    portal, named, site = world
    host = portal.index.host["www"]
    d = named["jh-fgw"]
    a = d["doc"]
    other = portal.index.unit["jh-szf"]
    for url in (
        f"{host.base_url}/public/{other.num}/{a.id}.html",  # article under another unit
        f"{host.base_url}/public/{portal.index.unit['jh-fgw'].num}/123456.html",
        urls.column_url(portal, d["policy"]).replace("type=4", "type=2"),
        urls.list_page_url(portal, d["policy"], 0).replace("publicInfoList", "other"),
        urls.list_page_url(portal, named["jh-hs"]["policy"], 0),  # a unit of another host
        f"{host.base_url}/nothing/here.html",
    ):
        result = site.respond("www", *_pq(url))  # all asked of the www host
        assert result.status == 404, url
        assert "404" in result.body.decode("utf-8")
        assert result.content_type == "text/html; charset=utf-8"


def _pq(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path, parts.query


def test_robots_txt_allows_all_but_admin(world):
    _, _, site = world
    result = site.respond("www", "/robots.txt", "")
    assert result.status == 200 and result.content_type.startswith("text/plain")
    assert result.body.decode().splitlines() == ["User-agent: *", "Disallow: /admin/"]


def test_pages_are_byte_identical_across_builds(world):
    portal, named, site = world
    again_portal, again_named = small_portal()
    again = Site(again_portal)
    d = named["jh-fgw"]
    sample = [
        urls.platform_home(portal, "www"),
        urls.unit_entry(portal, portal.index.unit["jh-fgw"]),
        urls.column_url(portal, d["policy"]),
        urls.list_page_url(portal, d["normative"], 0),
        urls.article_url(portal, d["doc"]),
        urls.article_url(portal, d["feedback_item"]),
        urljoin(portal.index.host["www"].base_url, "/nothing.html"),
    ]
    for url in sample:
        assert fetch(site, url).body == fetch(again, url).body, url
