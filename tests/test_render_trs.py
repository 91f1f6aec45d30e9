"""TRS WCM pages of the sample portal: static lists, GBK bytes, docs/domain.md §4.2 markup."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
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
    return Selector(text=page(site, url).body.decode("gbk"))


def metadata(doc: Selector) -> list[tuple[str, str]]:
    """(label, value) of the <p><strong>label</strong>：value</p> blocks, in page order."""
    out = []
    for p in doc.css("div.xxgk_info > p"):
        label = p.css("strong::text").get()
        out.append((label, p.xpath("string()").get()[len(label) :].removeprefix("：")))
    return out


def test_gbk_hosts_send_gbk_bytes_with_and_without_a_declaration(world):
    portal, named, site = world
    declared = page(site, urls.article_url(portal, named["jh-ja"]["doc"]))
    silent = page(site, urls.article_url(portal, named["jh-ja-mdz"]["doc"]))
    for result in (declared, silent):
        with pytest.raises(UnicodeDecodeError):
            result.body.decode("utf-8")
        assert "江淮市" in result.body.decode("gbk")
    assert declared.content_type == "text/html; charset=GBK"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=GBK">' in declared.body
    assert silent.content_type == "text/html"
    assert b"charset" not in silent.body.lower()
    # The 404 page too goes out in the host's encoding.
    missing = page(site, urls.platform_home(portal, "ja") + "x", 404)
    assert "页面不存在" in missing.body.decode("gbk")


def test_home_and_directory_link_units_and_columns(world):
    portal, named, site = world
    home = sel(site, urls.platform_home(portal, "ja"))
    assert home.css("div.unit_list a::attr(href)").getall() == [
        urls.unit_entry(portal, u) for u in portal.index.units_on["ja"]
    ]
    unit = portal.index.unit["jh-ja"]
    entry = urls.unit_entry(portal, unit)
    directory = page(site, entry)
    assert directory.last_modified is not None
    doc = Selector(text=directory.body.decode("gbk"))
    d = named[unit.id]
    group = doc.css("ul.xxgk_tree > li.tree_group")[0]
    assert group.css("span.group_name::text").get() == "政策文件"
    hrefs = group.css("ul a::attr(href)").getall()
    assert all(h.startswith("./") for h in hrefs)
    assert [urljoin(entry, h) for h in hrefs] == [
        urls.column_url(portal, d[k]) for k in ("normative", "policy", "interp")
    ]
    every = {urljoin(entry, h) for h in doc.css("ul.xxgk_tree a::attr(href)").getall()}
    assert urls.column_url(portal, d["personnel"]) in every
    assert urls.column_url(portal, d["plan"]) not in every  # hidden: missing column
    page(site, urls.column_url(portal, d["plan"]), 404)


def test_list_pages_relative_rows_and_page_count_only_in_script(world):
    portal, named, site = world
    column = named["jh-ja-mdz"]["policy"]  # 41 rows → 20 + 20 + 1
    items = portal.index.articles_of[column.id]
    listed = []
    for k, size in enumerate((20, 20, 1)):
        url = urls.list_page_url(portal, column, k)
        result = page(site, url)
        assert result.last_modified == items[0].published
        text = result.body.decode("gbk")
        assert re.findall(r"createPageHTML\((\d+), (\d+), \"index\", \"html\"\)", text) == [
            ("3", str(k))
        ]
        doc = Selector(text=text)
        rows = doc.css("ul.list_ul > li")
        assert len(rows) == size
        for li in rows:
            href = li.css("a::attr(href)").get()
            assert re.fullmatch(r"\./\d{6}/t\d{8}_\d+\.html", href)
            listed.append(
                (urljoin(url, href), li.css("a::attr(title)").get(), li.css("span::text").get())
            )
    assert listed == [
        (urls.article_url(portal, a), a.title, a.published.isoformat()) for a in items
    ]
    page(site, urls.list_page_url(portal, column, 3), 404)
    page(site, urls.column_url(portal, column).replace("index.html", "index_0.html"), 404)


def test_rows_inside_an_html_comment(world):
    portal, named, site = world
    column = named["jh-ja"]["policy"]  # rows_in_comment
    url = urls.list_page_url(portal, column, 1)
    text = page(site, url).body.decode("gbk")
    tree = lxml.html.fromstring(text)
    ul = tree.cssselect("ul.list_ul")[0]
    assert ul.cssselect("li") == []  # nothing visible to a naive parser
    comments = [c.text for c in ul.iter(lxml.etree.Comment)]
    assert len(comments) == 1
    inner = Selector(text=comments[0])
    hrefs = [urljoin(url, h) for h in inner.css("li a::attr(href)").getall()]
    expected = portal.index.articles_of[column.id][20:40]
    assert hrefs == [urls.article_url(portal, a) for a in expected]
    assert 'createPageHTML(3, 1, "index", "html")' in comments[0]
    assert "n.nodeType === 8" in text  # the script that would draw them


def test_blank_and_group_columns(world):
    portal, named, site = world
    blank = sel(site, urls.column_url(portal, named["jh-ja"]["personnel"]))
    assert blank.css("ul.list_ul > li") == []
    assert blank.css("div.no_data::text").get() == "暂无信息"
    assert 'createPageHTML(1, 0, "index", "html")' in blank.get()
    group = sel(site, urls.column_url(portal, named["jh-ja"]["key_group"]))
    assert group.css("ul.sub_columns a::attr(href)").getall() == [
        urls.column_url(portal, named["jh-ja"]["air"])
    ]


def test_article_metadata_blocks_by_label(world):
    portal, named, site = world
    a = named["jh-ja"]["doc"]
    result = page(site, urls.article_url(portal, a))
    assert result.last_modified == a.published
    doc = Selector(text=result.body.decode("gbk"))
    values = dict(metadata(doc))
    style = site.catalog.styles["ja"]
    assert values["索引号"] == a.index_no
    assert values["文号"] == a.doc_no
    assert values["名称"] == a.title
    assert values["发布日期"] == f"{a.published:%Y年%m月%d日}"
    assert values[style.written_label] == f"{a.written:%Y年%m月%d日}"
    assert len(values) == 10
    assert doc.css("h1.article_title::text").get() == a.title
    info = doc.css("div.info").xpath("string()").get()
    assert f"发布日期：{a.published.isoformat()}" in info
    pubdate = doc.css('meta[name="PubDate"]::attr(content)').get()
    assert pubdate[:10] > a.published.isoformat()
    body = doc.css("div.TRS_Editor").xpath("string()").get()
    assert a.body_doc_no in body


def test_metadata_order_differs_between_hosts(world):
    portal, named, site = world
    dates = {"生成日期", "成文日期", "发文日期"}  # compare order, not the date label's wording

    def order(unit_id):
        doc = sel(site, urls.article_url(portal, named[unit_id]["doc"]))
        return ["written" if k in dates else k for k, _ in metadata(doc)]

    assert order("jh-ja") != order("jh-ja-mdz")


def test_attachments_are_relative_and_resolve(world):
    portal, named, site = world
    a = named["jh-ja"]["doc"]
    url = urls.article_url(portal, a)
    doc = sel(site, url)
    hrefs = doc.css("div.fujian a::attr(href)").getall()
    assert all(re.fullmatch(r"\./P0\d{8}\d+\.(pdf|docx)", h) for h in hrefs)
    resolved = [urljoin(url, h) for h in hrefs]
    assert resolved == [urls.attachment_url(portal, a, f) for f in a.attachments]
    pdf = page(site, resolved[0])
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF-")
    assert pdf.last_modified == a.published


def test_hidden_related_blocks_link_both_ways(world):
    portal, named, site = world
    d = named["jh-ja"]
    url = urls.article_url(portal, d["doc"])
    doc = sel(site, url)
    block = doc.css("div.xxgk_xglj")
    assert block.attrib["style"] == "display:none;"
    assert block.css("h2::text").get() == "相关解读"
    assert [urljoin(url, h) for h in block.css("a::attr(href)").getall()] == [
        urls.article_url(portal, portal.index.article[i]) for i in d["interps"]
    ]
    graphic = portal.index.article[d["interps"][1]]
    gurl = urls.article_url(portal, graphic)
    gdoc = sel(site, gurl)
    back = gdoc.css("div.xxgk_xgwj")
    assert back.css("h2::text").get() == "相关文件"
    assert urljoin(gurl, back.css("a::attr(href)").get()) == url
    img = gdoc.css("div.TRS_Editor img::attr(src)").get()
    assert urljoin(gurl, img) == urls.attachment_url(portal, graphic, graphic.attachments[0])
    assert page(site, urljoin(gurl, img)).content_type == "image/png"
    lone = sel(site, urls.article_url(portal, d["no_link_back"]))
    assert not lone.css("div.xxgk_xgwj") and not lone.css("div.xxgk_xglj")


def test_article_without_publish_date_and_blank_fields(world):
    portal, named, site = world
    d = named["jh-ja-mdz"]
    undated = sel(site, urls.article_url(portal, d["undated"]))
    assert dict(metadata(undated))["发布日期"] == ""
    assert "发布日期" not in undated.css("div.info").xpath("string()").get()
    assert not undated.css('meta[name="PubDate"]')
    blank = dict(metadata(sel(site, urls.article_url(portal, d["repealed"]))))
    assert blank["关键词"] == "" and blank["主题分类"] == "" and blank["有效性"] == "废止"


def test_wrong_paths_are_404(world):
    portal, named, site = world
    a = named["jh-ja"]["doc"]
    good = urls.article_url(portal, a)
    for url in (
        good.replace("/gfxwj/", "/qtwj/"),  # right id, wrong column
        good.replace(f"_{a.id}.html", "_999999.html"),
        good.replace("/ja/xxgk/", "/nosuch/xxgk/"),
        urls.attachment_url(portal, a, a.attachments[0]).replace(".pdf", ".docx"),
    ):
        assert fetch(site, url).status == 404, url


def test_bytes_are_deterministic(world):
    portal, named, site = world
    again_portal, _ = small_portal()
    again = Site(again_portal)
    d = named["jh-ja"]
    for url in (
        urls.platform_home(portal, "ja"),
        urls.unit_entry(portal, portal.index.unit["jh-ja"]),
        urls.list_page_url(portal, d["policy"], 1),
        urls.article_url(portal, d["doc"]),
        urls.attachment_url(portal, d["doc"], d["doc"].attachments[1]),
    ):
        assert fetch(site, url).body == fetch(again, url).body, url
