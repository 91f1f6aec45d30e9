"""List pages in every common shape (issue 15, point 2): `ul/li` with or without classes, the
信息公开目录 table under header cells (its cells as each row's metadata), rows inside comments,
JSON in a script, rows found by their repeated structure without a selector — and a list that
yields no rows while showing more pages or article links, which is an extraction anomaly, never
a blank column.

The pages are hand-written after real CMS output (Hanweb 信息公开 tables, gov.cn's 政策文件 list,
a TRS `ul` list, a newer site's embedded JSON, a county's class-less table).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import test_extract_badinput

from crawler.extract import parse_listing
from crawler.extract.scriptdata import MAX_ROWS
from crawler.profile_model import get_profile

GENERIC = get_profile("generic")


def page(body: str, title: str = "政府信息公开") -> str:
    """A portal page around `body`: header, navigation menu and footer, as real sites print."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="top"><span class="date">2024年05月20日 星期一</span>
<a href="/">首页</a><a href="/wza/">无障碍浏览</a></div>
<div class="nav"><ul><li><a href="/">网站首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="main">{body}</div>
<div class="footer"><ul><li><a href="/wzdt.html">网站地图导航</a></li>
<li><a href="/lxwm.html">联系我们方式</a></li><li><a href="/ysbh.html">隐私保护声明</a></li></ul>
<p>主办单位：江淮市人民政府办公室 © 2019-2024 网站标识码3415000001</p></div></body></html>"""


# -- Hanweb 信息公开目录 table: a first row of <td>s as its header -------------------------------
HANWEB_URL = "http://www.jh.gov.cn/col/col1229/index.html"
HANWEB = page("""
<table width="100%" border="0" cellspacing="0" cellpadding="0" class="tb_xxgk">
  <tr class="tr_title" bgcolor="#f2f2f2">
    <td width="16%">索 引 号</td><td width="46%">名　称</td><td width="14%">发布机构</td>
    <td width="12%">文号</td><td width="12%">生成日期</td></tr>
  <tr><td>002482082/2024-00332</td>
    <td><a href="/art/2024/10/21/art_1229_58942886.html" target="_blank"
      title="江淮市教育局关于公布2024年度义务教育优质均衡发展区的通知">江淮市教育局关于公布2024年度义务教育优质均衡…</a></td>
    <td>市教育局</td><td>淮教基〔2024〕12号</td><td>2024-10-21</td></tr>
  <tr><td>002482082/2024-00318</td>
    <td><a href="/art/2024/10/9/art_1229_58911202.html" target="_blank"
      title="关于做好2024年秋季学期学生资助工作的通知">关于做好2024年秋季学期学生资助工作的通知</a></td>
    <td>市教育局</td><td></td><td>2024-10-09</td></tr>
  <tr><td>002482082/2024-00301</td>
    <td><a href="/art/2024/9/27/art_1229_58890011.html" target="_blank"
      title="江淮市中小学校课后服务管理办法">江淮市中小学校课后服务管理办法</a></td>
    <td>市教育局 市财政局</td><td>淮教规〔2024〕3号</td><td>2024-09-27</td></tr>
</table>""")


@pytest.fixture(scope="module")
def hanweb():
    return parse_listing(HANWEB, HANWEB_URL, GENERIC)


def test_hanweb_table_rows_are_the_linked_rows_under_the_header(hanweb):
    assert [(r.url, r.date) for r in hanweb.rows] == [
        ("http://www.jh.gov.cn/art/2024/10/21/art_1229_58942886.html", dt.date(2024, 10, 21)),
        ("http://www.jh.gov.cn/art/2024/10/9/art_1229_58911202.html", dt.date(2024, 10, 9)),
        ("http://www.jh.gov.cn/art/2024/9/27/art_1229_58890011.html", dt.date(2024, 9, 27)),
    ]


def test_hanweb_table_title_is_the_links_full_title(hanweb):
    assert hanweb.rows[0].title == "江淮市教育局关于公布2024年度义务教育优质均衡发展区的通知"


def test_hanweb_table_cells_give_the_rows_metadata_by_their_header(hanweb):
    assert hanweb.rows[0].fields == {
        "index_no": "002482082/2024-00332",
        "publisher": "市教育局",
        "doc_no": "淮教基〔2024〕12号",
        "written_date": "2024-10-21",
    }
    assert hanweb.rows[0].index_no == "002482082/2024-00332"


def test_an_empty_cell_gives_no_field(hanweb):
    assert "doc_no" not in hanweb.rows[1].fields


def test_header_columns_are_read_by_label_not_position():
    swapped = HANWEB.replace(
        '<td width="14%">发布机构</td>\n    <td width="12%">文号</td>',
        '<td width="14%">文号</td>\n    <td width="12%">发布机构</td>',
    )
    row = parse_listing(swapped, HANWEB_URL, GENERIC).rows[0]
    assert (row.fields["doc_no"], row.fields["publisher"]) == ("市教育局", "淮教基〔2024〕12号")


# -- gov.cn 政策文件 list: <thead> of <th>, 发布日期 beside 成文日期 --------------------------------
GOVCN_URL = "https://www.gov.cn/zhengce/zuixin/home.htm"
GOVCN = page("""
<div class="list list_1 list_2"><table class="dataList" cellspacing="0">
<thead><tr><th class="xh">序号</th><th class="bt">标题</th><th class="fwzh">发文字号</th>
<th class="cwrq">成文日期</th><th class="fbrq">发布日期</th></tr></thead>
<tbody>
<tr><td>1</td><td class="info"><a href="/zhengce/content/202405/content_6950010.htm" target="_blank">国务院办公厅关于印发《政务服务效能提升"高效办成一件事"2024年度第二批重点事项清单》的通知</a></td>
<td>国办发〔2024〕21号</td><td>2024年04月30日</td><td>2024年05月09日</td></tr>
<tr><td>2</td><td class="info"><a href="/zhengce/content/202404/content_6947391.htm" target="_blank">国务院关于修改和废止部分行政法规的决定</a></td>
<td>国令第777号</td><td>2024年03月10日</td><td>2024年03月22日</td></tr>
</tbody></table></div>""")


def test_govcn_list_date_is_the_publish_date_not_the_written_date():
    rows = parse_listing(GOVCN, GOVCN_URL, GENERIC).rows
    assert [(r.url, r.date) for r in rows] == [
        ("https://www.gov.cn/zhengce/content/202405/content_6950010.htm", dt.date(2024, 5, 9)),
        ("https://www.gov.cn/zhengce/content/202404/content_6947391.htm", dt.date(2024, 3, 22)),
    ]


def test_govcn_list_cells_give_doc_no_and_both_dates():
    row = parse_listing(GOVCN, GOVCN_URL, GENERIC).rows[1]
    assert row.fields == {
        "doc_no": "国令第777号",
        "written_date": "2024年03月10日",
        "publish_date": "2024年03月22日",
    }


# -- a county's class-less 信息公开目录 table, header in <th>, the standard four columns ---------
COUNTY_URL = "http://www.fx.gov.cn/xxgk/xxgkml/index.html"
COUNTY = page("""
<table><tr><th>名称</th><th>索引号</th><th>发布机构</th><th>发布日期</th></tr>
<tr><td><a href="./202405/t20240516_4821.html">肥西县2024年第一季度财政预算执行情况</a></td>
  <td>11340123003033891L/202405-00021</td><td>县财政局</td><td>2024-05-16</td></tr>
<tr><td><a href="./202405/t20240508_4790.html">关于2024年度耕地地力保护补贴发放的公示</a></td>
  <td>11340123003033891L/202405-00017</td><td>县农业农村局</td><td>2024-05-08</td></tr>
</table>""")


def test_classless_table_with_the_standard_four_columns():
    rows = parse_listing(COUNTY, COUNTY_URL, GENERIC).rows
    assert [(r.url, r.title, r.date, r.fields) for r in rows] == [
        (
            "http://www.fx.gov.cn/xxgk/xxgkml/202405/t20240516_4821.html",
            "肥西县2024年第一季度财政预算执行情况",
            dt.date(2024, 5, 16),
            {
                "index_no": "11340123003033891L/202405-00021",
                "publisher": "县财政局",
                "publish_date": "2024-05-16",
            },
        ),
        (
            "http://www.fx.gov.cn/xxgk/xxgkml/202405/t20240508_4790.html",
            "关于2024年度耕地地力保护补贴发放的公示",
            dt.date(2024, 5, 8),
            {
                "index_no": "11340123003033891L/202405-00017",
                "publisher": "县农业农村局",
                "publish_date": "2024-05-08",
            },
        ),
    ]


def test_a_layout_table_is_not_a_header_table():
    """A table whose first row is content (a long line, no labels) is no catalogue."""
    html = page(
        "<table><tr><td>本栏目发布江淮市人民政府的政策文件，名称、索引号见下表</td></tr>"
        '<tr><td><a href="/a/t20240101_1.html">关于做好春节期间安全工作的通知</a></td></tr></table>'
    )
    assert parse_listing(html, COUNTY_URL, GENERIC).rows == []


def test_a_profile_row_selector_on_table_rows_gets_the_cells_too():
    """TRS's `table.list tr` rows: the header row has no link, the cells give the fields."""
    html = page(
        '<table class="list"><tr><td>标题</td><td>文号</td><td>日期</td></tr>'
        '<tr><td><a href="./t20240105_1.html">江淮市人民政府关于调整最低工资标准的通知</a></td>'
        "<td>淮政〔2024〕1号</td><td>2024-01-05</td></tr></table>"
    )
    [row] = parse_listing(html, COUNTY_URL, get_profile("trs")).rows
    assert (row.date, row.fields) == (
        dt.date(2024, 1, 5),
        {"doc_no": "淮政〔2024〕1号", "visible_date": "2024-01-05"},
    )


# -- ul/li, with or without classes: no selector written for the site --------------------------
TRS_UL_URL = "http://www.jh.gov.cn/jhs/xxgk/tzgg/index.html"
TRS_UL = page("""
<div class="gl_right"><div class="gl_tit">通知公告</div>
<ul class="gl_list">
<li><a href="./202405/t20240517_9412.html" target="_blank" title="江淮市2024年度公开招聘教师公告">江淮市2024年度公开招聘教师公告</a><span>2024-05-17</span></li>
<li><a href="./202405/t20240511_9398.html" target="_blank" title="关于开展2024年安全生产月活动的通知">关于开展2024年安全生产月活动的通知</a><span>2024-05-11</span></li>
<li><a href="./202404/t20240426_9361.html" target="_blank" title="江淮市防汛抗旱指挥部关于进入汛期的通告">江淮市防汛抗旱指挥部关于进入汛期的通告</a><span>2024-04-26</span></li>
</ul>
<div class="page"><script>createPageHTML(4, 0, "index", "html");</script></div></div>""")


@pytest.mark.parametrize("profile", ["generic", "trs"])
def test_a_trs_ul_list_no_selector_names_is_found_by_its_shape(profile):
    listing = parse_listing(TRS_UL, TRS_UL_URL, get_profile(profile))
    assert [(r.url, r.date) for r in listing.rows] == [
        ("http://www.jh.gov.cn/jhs/xxgk/tzgg/202405/t20240517_9412.html", dt.date(2024, 5, 17)),
        ("http://www.jh.gov.cn/jhs/xxgk/tzgg/202405/t20240511_9398.html", dt.date(2024, 5, 11)),
        ("http://www.jh.gov.cn/jhs/xxgk/tzgg/202404/t20240426_9361.html", dt.date(2024, 4, 26)),
    ]
    assert listing.next_url == "http://www.jh.gov.cn/jhs/xxgk/tzgg/index_1.html"


def test_a_classless_list_with_dates_in_every_written_form():
    html = page(
        "<div><ul>"
        '<li><a href="/xw/20240517/1.html">市政府召开第45次常务会议</a> 2024年5月17日</li>'
        '<li><a href="/xw/20240511/2.html">全市优化营商环境推进会召开</a> 2024/05/11</li>'
        '<li><a href="/xw/20240426/3.html">市领导调研重点项目建设情况</a> 2024.04.26</li>'
        '<li><a href="/xw/20240420/4.html">江淮市举办春季招聘会活动</a> [04-20]</li>'
        "</ul></div>"
    )
    rows = parse_listing(html, "http://www.jh.gov.cn/xw/", GENERIC).rows
    # [04-20] shows no year: the row is found, its date is not guessed.
    assert [r.date for r in rows] == [
        dt.date(2024, 5, 17),
        dt.date(2024, 5, 11),
        dt.date(2024, 4, 26),
        None,
    ]


def test_rows_split_over_several_lists_of_one_column_count_together():
    """TRS prints five rows a `ul`, with a rule between: one list."""
    li = '<li><a href="./t2024050{n}_{n}.html">第{n}号关于安全生产检查的通知</a><span>2024-05-0{n}</span></li>'
    html = page(
        '<div class="zfxxgk_zdgkc">'
        + "".join(f"<ul>{li.format(n=n)}{li.format(n=n + 1)}</ul><hr>" for n in (1, 3))
        + "</div>"
    )
    rows = parse_listing(html, TRS_UL_URL, GENERIC).rows
    assert [r.date.day for r in rows] == [1, 2, 3, 4]


def test_rows_inside_a_comment_without_classes():
    html = page(
        "<ul>\n<!--\n"
        + "".join(
            f'<li><a href="/jyt/c110634/202405/17424{n}.shtml">关于公布第{n}批省级教学成果奖的通知</a>'
            f"<b>2024-05-1{n}</b></li>\n"
            for n in range(3)
        )
        + "-->\n</ul>"
    )
    rows = parse_listing(html, "http://jyt.gansu.gov.cn/jyt/c110634/zwgklist.shtml", GENERIC).rows
    assert [r.date for r in rows] == [dt.date(2024, 5, 10 + n) for n in range(3)]


# -- the article rows, not the page's furniture ---------------------------------------------
FURNISHED_URL = "http://www.jh.gov.cn/jhs/xxgk/zcwj/index.html"


def _dated_links(base: str, count: int, start: int = 1) -> str:
    return "".join(
        f'<li><a href="{base}t202405{d:02d}_{d}.html" title="第{d}号文件">关于印发第{d}号管理办法的通知</a>'
        f"<span>2024-05-{d:02d}</span></li>"
        for d in range(start, start + count)
    )


FURNISHED = page(f"""
<div class="left_menu"><h3>最新文件</h3><ul>{_dated_links("/jhs/xxgk/tzgg/", 4, 20)}</ul></div>
<div class="zcwj_list"><ul class="clearfix">{_dated_links("./", 3)}</ul></div>
<div class="hot"><h3>热点关注</h3><ul>
<li><a href="https://www.gov.cn/zhengce/content/202405/content_1.htm">国务院关于促进外贸稳增长的若干措施</a><span>2024-05-02</span></li>
<li><a href="https://www.gov.cn/zhengce/content/202405/content_2.htm">国务院办公厅关于优化营商环境的意见</a><span>2024-05-03</span></li>
<li><a href="https://www.gov.cn/zhengce/content/202405/content_3.htm">国务院关于加强基层治理体系建设的意见</a><span>2024-05-04</span></li>
</ul></div>""")


def test_auto_rows_pick_the_article_list_over_menu_sidebar_and_footer():
    rows = parse_listing(FURNISHED, FURNISHED_URL, GENERIC).rows
    assert [r.url for r in rows] == [
        f"http://www.jh.gov.cn/jhs/xxgk/zcwj/t202405{d:02d}_{d}.html" for d in (1, 2, 3)
    ]


def test_nav_and_footer_links_are_never_rows():
    """A page of nothing but furniture lists nothing."""
    assert parse_listing(page(""), FURNISHED_URL, GENERIC).rows == []


def test_a_column_of_one_article_is_read_when_its_list_is_the_only_one():
    html = page(f'<ul class="news">{_dated_links("./", 1)}</ul>')
    assert len(parse_listing(html, FURNISHED_URL, GENERIC).rows) == 1


def test_an_undated_link_list_is_not_a_list_of_articles():
    html = page(
        '<ul class="lm">'
        + "".join(f'<li><a href="/c/{n}/">第{n}类政府信息公开栏目</a></li>' for n in range(6))
        + "</ul>"
    )
    assert parse_listing(html, FURNISHED_URL, GENERIC).rows == []


# -- JSON in a script ------------------------------------------------------------------------
NEWER_URL = "https://www.jh.gov.cn/zwgk/zcjd/"
ITEMS = [
    {"title": "《江淮市促进民营经济发展若干措施》政策解读", "pubDate": "2024-05-16 09:30:00",
     "urls": json.dumps({"common": "/art/2024/5/16/art_5461_3001.html"}), "id": 3001},
    {"title": "一图读懂：2024年市政府工作报告", "pubDate": 1714960800000,
     "urls": json.dumps({"common": "/art/2024/5/6/art_5461_2990.html"}), "id": 2990},
    {"title": "<em>江淮市</em>稳就业政策问答", "pubDate": "2024年04月28日",
     "urls": json.dumps({"common": "/art/2024/4/28/art_5461_2977.html"}), "id": 2977},
]  # fmt: skip
EXPECTED = [
    ("https://www.jh.gov.cn/art/2024/5/16/art_5461_3001.html", "《江淮市促进民营经济发展若干措施》政策解读", dt.date(2024, 5, 16)),
    ("https://www.jh.gov.cn/art/2024/5/6/art_5461_2990.html", "一图读懂：2024年市政府工作报告", dt.date(2024, 5, 6)),
    ("https://www.jh.gov.cn/art/2024/4/28/art_5461_2977.html", "江淮市稳就业政策问答", dt.date(2024, 4, 28)),
]  # fmt: skip


def _rows(html: str) -> list[tuple]:
    return [(r.url, r.title, r.date) for r in parse_listing(html, NEWER_URL, GENERIC).rows]


def test_json_array_assigned_in_a_script():
    html = page(
        '<div id="app"><ul class="list" v-for="item in list"></ul></div>'
        f"<script>var pageSize = 15;\nvar data = {json.dumps(ITEMS, ensure_ascii=False)};\n"
        "render(data);</script>"
    )
    assert _rows(html) == EXPECTED


def test_json_list_inside_a_state_object():
    state = {"column": {"name": "政策解读", "id": 5461}, "page": {"total": 3, "list": ITEMS},
             "menu": [{"title": "首页", "url": "/"}, {"title": "政务公开", "url": "/zwgk/"}]}  # fmt: skip
    html = page(
        '<div id="root"></div><script>window.__DATA__ = '
        f"{json.dumps(state, ensure_ascii=False)};</script>"
    )
    assert _rows(html) == EXPECTED  # the undated menu is not the list


def test_json_script_element():
    body = json.dumps({"data": {"records": [
        {"docTitle": "江淮市2024年重点民生实事项目", "docUrl": "/zwgk/t20240510_1.html", "publishTime": "2024-05-10"},
    ]}}, ensure_ascii=False)  # fmt: skip
    html = page(f'<script type="application/json" id="__NEXT_DATA__">{body}</script>')
    assert _rows(html) == [
        (
            "https://www.jh.gov.cn/zwgk/t20240510_1.html",
            "江淮市2024年重点民生实事项目",
            dt.date(2024, 5, 10),
        )
    ]


def test_a_javascript_literal_json_cannot_read_is_left_alone():
    """Unquoted keys are JavaScript, not JSON: never evaluated, so no rows from it."""
    html = page(
        "<script>var data = [{title: '某通知', url: '/a/t20240101_1.html', date: '2024-01-01'}];</script>"
    )
    assert _rows(html) == []


def test_script_data_is_bounded():
    deep = "[" * 5000 + "]" * 5000
    many = [
        {"title": f"第{n}号公告", "url": f"/a/{n}.html", "date": "2024-01-01"}
        for n in range(MAX_ROWS + 50)
    ]
    html = page(
        f"<script>var a = {deep};\nvar b = {json.dumps(many, ensure_ascii=False)};</script>"
    )
    assert len(_rows(html)) == MAX_ROWS


def test_on_a_tie_the_markups_rows_win_over_script_data():
    html = TRS_UL.replace("</body>", f"<script>var data = {json.dumps(ITEMS)};</script></body>")
    rows = parse_listing(html, TRS_UL_URL, GENERIC).rows
    assert rows[0].url.endswith("t20240517_9412.html")


# -- a list that shows articles but yields no rows -------------------------------------------
def test_a_page_count_above_one_is_kept_on_a_row_less_page():
    html = page(
        '<div id="list"></div><div class="page"><script>createPageHTML(7, 0, "index", "html");</script></div>'
    )
    listing = parse_listing(html, TRS_UL_URL, GENERIC)
    assert (listing.rows, listing.page_count) == ([], 7)


def test_article_links_are_kept_on_a_row_less_page():
    """Rows whose dates the parser cannot see (a script writes them): the links are evidence."""
    html = page(
        '<div class="xxgk_list">'
        + "".join(
            f'<p><a href="./202405/t2024051{n}_{n}.html">关于第{n}批项目的公示</a></p>'
            for n in range(7)
        )
        + "</div>"
    )
    listing = parse_listing(html, TRS_UL_URL, GENERIC)
    assert listing.rows == []
    assert listing.article_links == [
        f"http://www.jh.gov.cn/jhs/xxgk/tzgg/202405/t2024051{n}_{n}.html" for n in range(5)
    ]


def test_a_truly_empty_list_shows_nothing():
    html = page('<ul class="gl_list"></ul><div class="no_data">暂无信息</div>'
                '<script>createPageHTML(1, 0, "index", "html");</script>')  # fmt: skip
    listing = parse_listing(html, TRS_UL_URL, GENERIC)
    assert (listing.rows, listing.page_count, listing.article_links) == ([], 1, [])


def test_article_links_are_not_collected_when_rows_were_read():
    assert parse_listing(TRS_UL, TRS_UL_URL, GENERIC).article_links == []


def test_script_data_longer_than_a_side_box_of_the_markup_wins():
    side = page(f'<div class="zxgk"><ul>{_dated_links("/jhs/xxgk/tzgg/", 1, 20)}</ul></div>')
    html = side.replace("</body>", f"<script>var data = {json.dumps(ITEMS)};</script></body>")
    assert [r.url for r in parse_listing(html, NEWER_URL, GENERIC).rows] == [
        u for u, _, _ in EXPECTED
    ]


# -- the extraction-anomaly rule: the crawler's side -----------------------------------------
# The spider of tests/test_extract_badinput.py (a Lonsun unit: the TRS-like and table pages below
# match none of its row selectors, so its fallbacks read them).
spider = test_extract_badinput.spider


def _column_items(spider, html: str) -> list[dict]:
    from scrapy.http import HtmlResponse, Request

    url = "http://jh.test/jh/xxgk/tzgg/index.html"
    response = HtmlResponse(url, body=html.encode(), request=Request(url), encoding="utf-8")
    return [i for i in spider.parse_column(response, "jh", url, 1) if isinstance(i, dict)]


def test_the_spider_hands_an_empty_lists_page_count_and_article_links_on(spider):
    html = page(
        '<div class="xxgk_list"><p><a href="./202405/t20240510_1.html">关于第1批项目的公示</a></p></div>'
        "<script>Ls.pagination('#page', load, {currPage:1,pageCount:7,pageSize:15});</script>"
    )
    [item] = _column_items(spider, html)
    assert (item["type"], item["page_count"], item["article_links"]) == (
        "column_empty",
        7,
        ["http://jh.test/jh/xxgk/tzgg/202405/t20240510_1.html"],
    )


def test_the_spider_reads_a_shape_the_profile_has_no_selector_for(spider):
    items = _column_items(spider, COUNTY)
    assert [i["type"] for i in items] == ["listing", "listing"]


def _empty(**shown) -> dict:
    from test_crawl_pipeline import COLUMN

    return {
        "type": "column_empty",
        "unit_id": "jh-d01",
        "column_url": COLUMN,
        "url": COLUMN,
        **shown,
    }


@pytest.mark.parametrize(
    "shown, detail",
    [
        ({"page_count": 7}, "栏目列表页显示共7页，但未解析出任何条目"),
        (
            {"article_links": ["http://127.0.0.11:18600/public/1002/9.html"]},
            "栏目列表页有指向文章的链接（如 http://127.0.0.11:18600/public/1002/9.html），但未解析出任何条目",
        ),
    ],
    ids=["page-count", "article-links"],
)
def test_a_list_showing_articles_but_no_rows_is_an_anomaly_not_a_blank_column(
    store_url: str, shown, detail
):
    from test_crawl_pipeline import COLUMN, run_once

    from store import open_store
    from store.observed import observed_columns

    db_url = store_url
    run_once(db_url, [_empty(**shown)])
    with open_store(db_url) as store:
        issues = store.crawl_issues_frame()
        columns = observed_columns(
            store.columns_frame(), issues, store.listings_frame(), run_id=None
        )
    assert [(i.kind, i.url, i.detail) for i in issues.itertuples()] == [
        ("extraction_anomaly", COLUMN, detail)
    ]
    assert not columns.iloc[0]["observed"]  # not read, so never judged blank


def test_a_truly_empty_list_is_a_blank_column_and_no_crawl_issue(store_url):
    from test_crawl_pipeline import run_once

    from store import open_store
    from store.observed import observed_columns

    db_url = store_url
    run_once(db_url, [_empty(page_count=1, article_links=[])])
    with open_store(db_url) as store:
        issues = store.crawl_issues_frame()
        columns = observed_columns(
            store.columns_frame(), issues, store.listings_frame(), run_id=None
        )
    assert len(issues) == 0
    assert (bool(columns.iloc[0]["observed"]), int(columns.iloc[0]["rows"])) == (True, 0)


def test_an_anomaly_on_a_data_fragment_names_that_page():
    from crawler.pipelines import empty_list_anomaly

    fragment = "http://jh.test/site/label/8888?labelName=publicInfoList&pageIndex=1"
    item = _empty(page_count=3) | {"url": fragment}
    assert (
        empty_list_anomaly(item, None)
        == f"栏目列表页显示共3页，但未解析出任何条目（列表页 {fragment}）"
    )


# -- the real jyt.gansu list: its 20 rows, exactly, whether by selector or by shape ----------
def test_jyt_rows_found_by_shape_equal_the_trs_selectors_rows():
    from test_extract_realpages import JYT, URLS, _page_bytes

    html = _page_bytes(JYT)
    by_selector = parse_listing(html, URLS[JYT], get_profile("trs")).rows
    by_shape = parse_listing(html, URLS[JYT], GENERIC).rows
    assert len(by_selector) == 20
    assert [(r.url, r.title, r.date) for r in by_shape] == [
        (r.url, r.title, r.date) for r in by_selector
    ]
