"""parse_listing and parse_directory on hand-written Lonsun and TRS pages."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extract import parse_directory, parse_listing
from crawler.profile_model import get_profile

HOST = "http://www.example.gov.cn"
FRAGMENT_URL = (
    f"{HOST}/site/label/8888?labelName=publicInfoList&siteId=2653861&organId=6616"
    "&catId=1002&pageIndex=2&pageSize=15"
)


def lonsun_row(n: int, title: str, extra: str = "", date: str = "2024-03-15") -> str:
    card = (
        '<div class="listviewbox" style="display:none;">'
        '<div class="vitem"><div class="vname">索&nbsp;引&nbsp;号：</div><p>X/202403-00001</p></div>'
        '<div class="vitem"><div class="vname">废止时间：</div><p>2024-06-01</p></div>'
        f'<div class="vitem"><div class="vname">名<span style="padding-left:20px"></span>称：</div><p>{title}</p></div>'
        "</div>"
    )
    return (
        '<div class="xxgk_navli"><ul>'
        f'<li class="xh">{n}</li><li class="yh">11341500006616X/202403-0000{n}</li>'
        f'<li class="mc"><a href="/public/6616/{100 + n}.html" title="{title}" target="_blank">{title}</a>{extra}</li>'
        f'<li class="rq">{date}</li></ul>{card}</div>'
    )


FRAGMENT = (
    '<div class="nav_tit"><ul class="tit"><li class="xh">序号</li><li class="yh">索引号</li>'
    '<li class="mc">信息名称</li><li class="rq">生成日期</li></ul></div>'
    + lonsun_row(1, "关于印发《交易管理办法》的通知",
                 '<span class="split">|</span><a class="a" href="/public/6616/201.html">解读1</a>'
                 '<span class="split">|</span><a class="a" href="/public/6616/202.html">解读2</a>')
    + lonsun_row(2, "关于规范收费的通知", '<span style="color:red;">废止</span>', "2023-11-06")
    + lonsun_row(3, "《交易管理办法》政策解读",
                 '<span class="split">|</span><a class="a" href="/public/6616/101.html">文件</a>')
    + '<div id="page_public_info" class="pagination"></div><script type="text/javascript">'
    'Ls.pagination("#page_public_info", function (i) { getPublicInfo(i); }, '
    "{currPage:2,pageCount:3,pageSize:15});</script>"
)  # fmt: skip


@pytest.fixture(scope="module")
def fragment():
    return parse_listing(FRAGMENT, FRAGMENT_URL, get_profile("lonsun"))


def test_fragment_rows_in_order(fragment):
    assert [r.url for r in fragment.rows] == [
        f"{HOST}/public/6616/{n}.html" for n in (101, 102, 103)
    ]


def test_fragment_titles_leave_out_tags_and_hover_card(fragment):
    assert [r.title for r in fragment.rows] == [
        "关于印发《交易管理办法》的通知",
        "关于规范收费的通知",
        "《交易管理办法》政策解读",
    ]


def test_fragment_row_fields(fragment):
    row = fragment.rows[1]
    assert (row.date, row.index_no, row.repealed) == (
        dt.date(2023, 11, 6),
        "11341500006616X/202403-00002",
        True,
    )


def test_only_the_red_tag_marks_a_row_repealed_not_the_cards_废止时间(fragment):
    assert [r.repealed for r in fragment.rows] == [False, True, False]


def test_numbered_interpretation_links(fragment):
    assert [(r.url, r.text, r.kind) for r in fragment.rows[0].related] == [
        (f"{HOST}/public/6616/201.html", "解读1", "interpretation"),
        (f"{HOST}/public/6616/202.html", "解读2", "interpretation"),
    ]


def test_interpretation_links_back_to_its_document(fragment):
    assert [(r.url, r.kind) for r in fragment.rows[2].related] == [
        (f"{HOST}/public/6616/101.html", "document")
    ]


def test_fragment_pagination_by_page_index(fragment):
    assert (fragment.page, fragment.page_count, fragment.next_url) == (
        2,
        3,
        FRAGMENT_URL.replace("pageIndex=2", "pageIndex=3"),
    )


def test_last_fragment_page_has_no_next():
    last = FRAGMENT_URL.replace("pageIndex=2", "pageIndex=3")
    page = parse_listing(FRAGMENT, last, get_profile("lonsun"))
    assert (page.next_url, page.page_urls) == (None, [])


def test_first_fragment_page_lists_every_later_page():
    first = FRAGMENT_URL.replace("pageIndex=2", "pageIndex=1")
    page = parse_listing(FRAGMENT, first, get_profile("lonsun"))
    assert page.page_urls == [FRAGMENT_URL.replace("pageIndex=2", f"pageIndex={n}") for n in (2, 3)]


# -- the type=4 column page is a shell: its rows come from the label endpoint ------------------
COLUMN_URL = f"{HOST}/public/column/6616?type=4&catId=1002&action=list"
SHELL = """<html><body><div class="xxgk_right"><div id="xxgk_lb" class="xxgk_lb"></div>
<script type="text/javascript">
var publicInfoUrl = "/site/label/8888?labelName=publicInfoList&siteId=2653861&organId=6616&catId=1002&pageSize=15";
function getPublicInfo(pageIndex) { $.ajax({url: publicInfoUrl + "&pageIndex=" + pageIndex}); }
getPublicInfo(1);
</script></div></body></html>"""


def test_column_shell_names_the_data_endpoint():
    page = parse_listing(SHELL, COLUMN_URL, get_profile("lonsun"))
    assert (page.rows, page.data_url) == (
        [],
        FRAGMENT_URL.replace("pageIndex=2", "pageIndex=1"),
    )


def test_column_shell_without_site_id_gives_no_endpoint():
    page = parse_listing(SHELL.replace("siteId", "site"), COLUMN_URL, get_profile("lonsun"))
    assert page.data_url is None


def test_doc_list_rows():
    html = (
        '<ul class="doc_list"><li><a class="left" href="/public/6616/7.html" title="2023年年报">'
        '2023年年报</a><span class="right date">2024-01-22</span></li></ul>'
    )
    page = parse_listing(
        html, f"{HOST}/public/column/6616?type=3&catId=9&action=list", get_profile("lonsun")
    )
    assert [(r.url, r.title, r.date) for r in page.rows] == [
        (f"{HOST}/public/6616/7.html", "2023年年报", dt.date(2024, 1, 22))
    ]


def test_department_site_rows_and_page_parameter():
    html = (
        '<div id="ls_navjz"><ul><li><a href="/content/detail/5.html">召开推进会</a>'
        "<span>2024-05-02</span></li></ul></div><script>pageCount:4</script>"
    )
    url = f"{HOST}/content/column/6789?pageIndex=1"
    page = parse_listing(html, url, get_profile("lonsun"))
    assert (len(page.rows), page.rows[0].date, page.next_url) == (
        1,
        dt.date(2024, 5, 2),
        f"{HOST}/content/column/6789?pageIndex=2",
    )


# -- TRS lists -------------------------------------------------------------------------------
TRS_DIR = f"{HOST}/ja/xxgk/qtwj/"
TRS_ROWS = "".join(
    f'<li><a href="./2024{m:02d}/t2024{m:02d}01_{m}.html" title="第{m}号通知" target="_blank">第{m}号通知</a>'
    f"<span>2024-{m:02d}-01</span></li>\n"
    for m in (5, 4)
)


def test_trs_index_page_numbering():
    html = (
        f'<ul class="list_ul">{TRS_ROWS}</ul><div class="page">'
        '<script>createPageHTML(5, 2, "index", "html");</script></div>'
    )
    page = parse_listing(html, TRS_DIR + "index_2.html", get_profile("trs"))
    assert (page.page, page.page_count, page.next_url, page.page_urls) == (
        3,
        5,
        TRS_DIR + "index_3.html",
        [TRS_DIR + "index_3.html", TRS_DIR + "index_4.html"],
    )


def test_trs_rows_resolve_against_the_list_page():
    page = parse_listing(
        f'<ul class="list_ul">{TRS_ROWS}</ul>', TRS_DIR + "index.html", get_profile("trs")
    )
    assert page.rows[0].url == TRS_DIR + "202405/t20240501_5.html"


def test_trs_rows_inside_a_comment_with_the_pager():
    html = (
        f'<ul class="list_ul" id="list_ul">\n<!--\n{TRS_ROWS}'
        '<script>createPageHTML(2, 0, "index", "html");</script>-->\n</ul>'
    )
    page = parse_listing(html, TRS_DIR + "index.html", get_profile("trs"))
    assert ([r.date for r in page.rows], page.next_url) == (
        [dt.date(2024, 5, 1), dt.date(2024, 4, 1)],
        TRS_DIR + "index_1.html",
    )


def test_one_row_inside_a_comment_is_found_too():
    one = TRS_ROWS.split("\n")[0]
    html = f'<ul class="list_ul">\n<!--\n{one}\n-->\n</ul>'
    page = parse_listing(html, TRS_DIR + "index_2.html", get_profile("trs"))
    assert [r.title for r in page.rows] == ["第5号通知"]


def test_directory_url_counts_as_the_first_index_page():
    html = f'<ul class="list_ul">{TRS_ROWS}</ul><script>createPageHTML(3, 0, "index", "html");</script>'
    page = parse_listing(html, TRS_DIR, get_profile("trs"))
    assert page.next_url == TRS_DIR + "index_1.html"


def test_next_link_pagination_on_an_unknown_platform():
    html = (
        '<div class="newslist"><ul>'
        '<li><a href="/a/1.html">关于开展安全生产检查的通知</a> 2024-05-01</li>'
        '<li><a href="/a/2.html">关于做好防汛抗旱工作的通知</a> 2024-04-02</li>'
        '<li><a href="/a/3.html">关于公布第一批行政许可事项的公告</a> 2024-03-03</li>'
        '</ul></div><div class="pager"><a href="/list?p=1">上一页</a><a href="/list?p=3">下一页</a></div>'
    )
    page = parse_listing(html, f"{HOST}/list?p=2", get_profile("generic"))
    assert ([r.url for r in page.rows], page.next_url) == (
        [f"{HOST}/a/{n}.html" for n in (1, 2, 3)],
        f"{HOST}/list?p=3",
    )


def test_generic_ignores_link_lists_without_dates():
    html = (
        '<ul class="nav"><li><a href="/c/1">机构职能信息公开</a></li><li><a href="/c/2">政策文件信息公开</a></li></ul>'
        '<ul class="x"><li><a href="/a/1.html">关于开展安全生产检查的通知</a><em>2024-05-01</em></li>'
        '<li><a href="/a/2.html">关于做好防汛抗旱工作的通知</a><em>2024-04-02</em></li></ul>'
    )
    page = parse_listing(html, f"{HOST}/list.html", get_profile("generic"))
    assert [r.url for r in page.rows] == [f"{HOST}/a/1.html", f"{HOST}/a/2.html"]


# -- directories -----------------------------------------------------------------------------
LONSUN_DIR = """<html><body><div class="xxgk_top_nav"><ul>
<li><a href="/public/column/6616?type=1&catId=1&action=list">政府信息公开制度</a></li></ul></div>
<div class="xxgk_tree_box"><h2>法定主动公开内容</h2><ul class="xxgk_tree" id="xxgk_tree">
<li class="tree_group"><span class="group_name">政策文件</span><ul>
  <li><a href="/public/column/6616?type=4&catId=11&action=list">行政规范性文件</a></li>
  <li class="tree_group"><span class="group_name">部门文件</span><ul>
    <li><a href="/public/column/6616?type=4&catId=12&action=list">其他文件</a></li></ul></li>
</ul></li>
<li><a href="/public/column/6616?type=4&catId=13&action=list">通知公告</a></li>
<li><a href="http://other.gov.cn/public/column/1?type=4&catId=14">外站栏目</a></li>
</ul></div></body></html>"""


@pytest.fixture(scope="module")
def lonsun_dir():
    url = f"{HOST}/public/column/6616?type=4&action=list&nav=3"
    return {c.name: c for c in parse_directory(LONSUN_DIR, url, get_profile("lonsun"))}


def test_directory_nested_groups_give_the_path(lonsun_dir):
    column = lonsun_dir["其他文件"]
    assert (column.parent, column.path) == ("部门文件", ("政策文件", "部门文件"))


def test_directory_top_level_column_has_no_parent(lonsun_dir):
    assert (lonsun_dir["通知公告"].parent, lonsun_dir["通知公告"].path) == (None, ())


def test_directory_sections_named_from_the_type_parameter(lonsun_dir):
    assert (lonsun_dir["政府信息公开制度"].section, lonsun_dir["通知公告"].section) == (
        "公开制度",
        "法定主动公开内容",
    )


def test_directory_urls_are_absolute_and_off_site_links_dropped(lonsun_dir):
    assert (
        lonsun_dir["行政规范性文件"].url == f"{HOST}/public/column/6616?type=4&catId=11&action=list"
    )
    assert "外站栏目" not in lonsun_dir


def test_trs_directory_relative_links():
    html = (
        '<ul class="xxgk_tree"><li class="tree_group"><span class="group_name">重点领域信息公开</span>'
        '<ul><li><a href="./kqzl/index.html" title="空气质量">空气质量</a></li></ul></li></ul>'
    )
    [column] = parse_directory(html, f"{HOST}/ja/xxgk/index.html", get_profile("trs"))
    assert (column.name, column.url, column.parent) == (
        "空气质量",
        f"{HOST}/ja/xxgk/kqzl/index.html",
        "重点领域信息公开",
    )


def test_next_page_url_keeps_the_rest_of_the_query_as_spelled():
    url = (
        f"{HOST}/site/label/8888?IsAjax=1&labelName=publicInfoList&pageIndex=1&siteId=6786551"
        "&result=%E6%9A%82%E6%97%A0&file=%2Fc3%2Fhs%2FpublicInfoList_newest"
    )
    page = parse_listing(FRAGMENT, url, get_profile("lonsun"))
    assert page.next_url == url.replace("pageIndex=1", "pageIndex=2")


def test_known_page_count_wins_over_a_next_link_on_the_last_page():
    html = '<ul class="list_ul"><li><a href="/a/1.html">第一号通知</a><span>2024-05-01</span></li></ul>'
    html += '<script>createPageHTML(2, 1, "index", "html");</script><a href="index.html">下一页</a>'
    page = parse_listing(html, TRS_DIR + "index_1.html", get_profile("trs"))
    assert (page.page, page.next_url) == (2, None)
