"""extract_article on small hand-written Lonsun and TRS pages: the cases real sites vary on."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extract import extract_article
from crawler.profile_model import get_profile

LONSUN_URL = "http://www.example.gov.cn/public/6616/1234.html"
TRS_URL = "http://www.example.gov.cn/ja/xxgk/gfxwj/202405/t20240508_77.html"


def lonsun_page(desktop: str, mobile: str, *, extra_head: str = "", title_tag: str = "") -> str:
    """A Lonsun article: metadata in both table copies (desktop: two pairs a row)."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>关于印发《江淮市公共资源交易管理办法》的通知_江淮市人民政府</title>
<meta name="ArticleTitle" content="关于印发《江淮市公共资源交易管理办法》的通知">
<meta name="PubDate" content="2024-03-20 02:13:45">
<meta name="ContentSource" content="江淮市发展和改革委员会">{extra_head}</head><body>
<div class="wzy_position">当前位置：<a href="/">首页</a> &gt; <a href="/public/index.html">信息公开</a></div>
<div class="div_table_suoyin">
<table class="table_suoyin hidden-sm hidden-xs">{desktop}</table>
<table class="table_suoyin hidden-lg hidden-md">{mobile}</table>
</div>
<div class="wzy_content"><h1 class="newstitle">关于印发《江淮市公共资源交易管理办法》的通知{title_tag}</h1>
<div class="newsinfo"><span class="fbsj">发布时间：2024-03-15 09:30</span><span class="res">来源：江淮市发展和改革委员会</span></div>
<div class="wzcon j-fontContent clearfix" id="zoom">
<p style="text-align:center;">江发改〔2024〕3号</p>
<p>各县区人民政府，市政府各部门：</p>
<p>《江淮市公共资源交易管理办法》已经研究同意，现印发给你们。详见：<a href="/public/6616/999.html">交易目录</a></p>
</div>
<div class="fj_box"><p class="fj_tit">附件：</p><ul>
<li><a href="/group1/M00/0A/778.docx">附件1：江淮市公共资源交易管理办法.docx</a></li>
<li><a href="/group1/M00/0B/779.wps">附件2：办法（WPS版）.wps</a></li>
<li><a href="/download?fileId=780">附件3：交易流程图.pdf</a></li>
</ul></div>
<div class="xgjd" style="display:none;"><h3>相关解读</h3><ul>
<li><a href="/public/6616/1240.html">《江淮市公共资源交易管理办法》政策解读</a></li>
<li><a href="/public/6616/1241.html">一图读懂《江淮市公共资源交易管理办法》</a></li>
</ul></div></div></body></html>"""


# Desktop copy: two label/value pairs a row, in one site's order; mobile copy: one pair a row,
# in another order, with the labels padded by ideographic spaces and 文号 only in the mobile copy.
DESKTOP = """
<tr><th>发布机构：</th><td class="pmingcheng">江淮市发展和改革委员会</td><th>索引号：</th><td class="pmingcheng">11341500006602X/202403-00001</td></tr>
<tr><th>名称：</th><td class="pmingcheng" colspan="3">关于印发《江淮市公共资源交易管理办法》的通知</td></tr>
<tr><th>有效性：</th><td class="pmingcheng">有效</td><th>发布日期：</th><td class="pmingcheng">2024-03-15</td></tr>
<tr><th>生成日期：</th><td class="pmingcheng">2024-03-08</td><th>文号：</th><td class="pmingcheng" id="_fileNum"></td></tr>
<tr><th>组配分类：</th><td class="pmingcheng">政策文件/行政规范性文件</td><th>主题分类：</th><td class="pmingcheng">综合政务</td></tr>
<tr><th>关键词：</th><td class="pmingcheng">公共资源 交易</td></tr>
"""
MOBILE = """
<tr><th>文　　号：</th><td class="pmingcheng" id="_fileNum">江发改〔2024〕3号</td></tr>
<tr><th>索　引　号：</th><td class="pmingcheng">11341500006602X/202403-00001</td></tr>
<tr><th>关　键　词：</th><td class="pmingcheng">公共资源 交易</td></tr>
<tr><th>生成日期：</th><td class="pmingcheng">2024-03-08</td></tr>
<tr><th>发布日期：</th><td class="pmingcheng">2024-03-15</td></tr>
"""

LONSUN_FIELDS = {
    "title": "关于印发《江淮市公共资源交易管理办法》的通知",
    "index_no": "11341500006602X/202403-00001",
    "publisher": "江淮市发展和改革委员会",
    "doc_no": "江发改〔2024〕3号",  # desktop td#_fileNum is empty, the mobile copy has it
    "written_date": dt.date(2024, 3, 8),
    "publish_date": dt.date(2024, 3, 15),  # PubDate meta says 2024-03-20 (regeneration)
    "date_source": "metadata",
    "validity": "有效",
    "subject": "综合政务",
    "keywords": "公共资源 交易",
    "category": "政策文件/行政规范性文件",
    "source": "江淮市发展和改革委员会",
    "body_doc_no": "江发改〔2024〕3号",
    "repealed": False,
}


@pytest.fixture(scope="module")
def lonsun():
    return extract_article(lonsun_page(DESKTOP, MOBILE), LONSUN_URL, get_profile("lonsun"))


@pytest.mark.parametrize("field, expected", LONSUN_FIELDS.items())
def test_lonsun_field(lonsun, field, expected):
    assert getattr(lonsun, field) == expected


def test_lonsun_fields_do_not_depend_on_table_row_order():
    # Swap the copies: the first table seen now has another order and lacks nothing else.
    swapped = extract_article(lonsun_page(MOBILE, DESKTOP), LONSUN_URL, get_profile("lonsun"))
    for field in LONSUN_FIELDS:
        assert getattr(swapped, field) == LONSUN_FIELDS[field], field


def test_lonsun_attachments_by_extension_from_url_or_link_text(lonsun):
    assert [(a.url, a.type) for a in lonsun.attachments] == [
        ("http://www.example.gov.cn/group1/M00/0A/778.docx", "docx"),
        ("http://www.example.gov.cn/group1/M00/0B/779.wps", "wps"),
        ("http://www.example.gov.cn/download?fileId=780", "pdf"),  # type from "….pdf" text
    ]


def test_lonsun_attachment_text_is_the_link_text(lonsun):
    assert lonsun.attachments[0].text == "附件1：江淮市公共资源交易管理办法.docx"


def test_lonsun_hidden_related_block_is_kept(lonsun):
    assert [(r.url, r.kind) for r in lonsun.related] == [
        ("http://www.example.gov.cn/public/6616/1240.html", "interpretation"),
        ("http://www.example.gov.cn/public/6616/1241.html", "interpretation"),
    ]


def test_lonsun_body_links_are_absolute_and_exclude_attachments(lonsun):
    assert [(x.url, x.text) for x in lonsun.body_links] == [
        ("http://www.example.gov.cn/public/6616/999.html", "交易目录")
    ]


def test_lonsun_body_is_the_content_div_only(lonsun):
    assert lonsun.body_text.splitlines()[0] == "江发改〔2024〕3号"
    assert "索引号" not in lonsun.body_text and "附件1" not in lonsun.body_text


def test_lonsun_every_label_is_kept_as_evidence(lonsun):
    assert lonsun.metadata["文号"] == "江发改〔2024〕3号"
    assert lonsun.metadata["组配分类"] == "政策文件/行政规范性文件"


def test_repealed_tag_inside_the_title_marks_the_article_and_stays_out_of_the_title():
    page = lonsun_page(DESKTOP, MOBILE, title_tag='<span class="fz" style="color:red;">废止</span>')
    data = extract_article(page, LONSUN_URL, get_profile("lonsun"))
    assert (data.title, data.repealed) == (LONSUN_FIELDS["title"], True)


def test_validity_废止_marks_the_article_repealed():
    desktop = DESKTOP.replace(">有效<", ">废止<")
    data = extract_article(lonsun_page(desktop, ""), LONSUN_URL, get_profile("lonsun"))
    assert (data.validity, data.repealed) == ("废止", True)


# 有效性 given only as the red 废止 tag (docs/domain.md §4.1): the field's value is 废止.
NO_VALIDITY = DESKTOP.replace(
    '<th>有效性：</th><td class="pmingcheng">有效</td>',
    '<th>有效性：</th><td class="pmingcheng"></td>',
)
RED_TAG = '<span class="fz" style="color:red;">废止</span>'


def test_an_empty_validity_beside_a_red_废止_tag_reads_废止():
    page = lonsun_page(NO_VALIDITY, MOBILE, title_tag=RED_TAG)
    data = extract_article(page, LONSUN_URL, get_profile("lonsun"))
    assert (data.validity, data.repealed, data.title) == ("废止", True, LONSUN_FIELDS["title"])
    assert data.source_codes()["validity"] == "sel:h1.newstitle span@lonsun"


def test_the_generic_profile_reads_a_red_font_tag_too_as_a_fallback():
    page = lonsun_page(NO_VALIDITY, MOBILE, title_tag='<font color="red">【已废止】</font>')
    data = extract_article(page, LONSUN_URL, get_profile("generic"))
    assert data.validity == "废止"
    assert data.sources["validity"].fallback  # a rule of the generic profile


def test_without_a_tag_an_empty_validity_stays_empty():
    data = extract_article(lonsun_page(NO_VALIDITY, MOBILE), LONSUN_URL, get_profile("lonsun"))
    assert (data.validity, data.repealed) == (None, False)


def test_a_stated_validity_wins_over_a_tag():
    page = lonsun_page(DESKTOP.replace(">有效<", ">失效<"), MOBILE, title_tag=RED_TAG)
    data = extract_article(page, LONSUN_URL, get_profile("lonsun"))
    assert (data.validity, data.repealed) == ("失效", True)


def test_a_废止_tag_inside_the_body_is_not_this_pages_validity():
    page = lonsun_page(NO_VALIDITY, MOBILE).replace(
        "<p>各县区人民政府，市政府各部门：</p>",
        '<p>下列文件已清理：《旧办法》<span style="color:red;">废止</span></p>',
    )
    data = extract_article(page, LONSUN_URL, get_profile("generic"))
    assert data.validity is None


def test_base_href_decides_where_relative_links_point():
    page = lonsun_page(DESKTOP, MOBILE, extra_head='<base href="http://cdn.example.gov.cn/x/">')
    data = extract_article(page.replace('"/group1/', '"group1/'), LONSUN_URL, get_profile("lonsun"))
    assert data.attachments[0].url == "http://cdn.example.gov.cn/x/group1/M00/0A/778.docx"


# -- label synonyms and padding --------------------------------------------------------------
SYNONYMS = """<html><body><table class="table_suoyin">
<tr><td>发文机关</td><td class="pmingcheng">江淮市人民政府</td><td>发文字号</td><td class="pmingcheng">江政〔2023〕9号</td></tr>
<tr><td>成文日期</td><td class="pmingcheng">2023年1月9日</td><td>时效性</td><td class="pmingcheng">失效</td></tr>
<tr><td>发布日期</td><td class="pmingcheng">2023/01/12</td><td>主题词</td><td class="pmingcheng">城市管理</td></tr>
<tr><td>生效/废止日期</td><td class="pmingcheng">2023-01-12/2024-01-11</td><td>报名时间：</td><td>2023-02-01</td></tr>
</table><div id="zoom"><p>正文</p></div></body></html>"""


@pytest.mark.parametrize(
    "field, expected",
    [
        ("publisher", "江淮市人民政府"),  # 发文机关
        ("doc_no", "江政〔2023〕9号"),  # 发文字号
        ("written_date", dt.date(2023, 1, 9)),  # 成文日期, 年月日
        ("validity", "失效"),  # 时效性
        ("publish_date", dt.date(2023, 1, 12)),  # slashes
        ("keywords", "城市管理"),  # 主题词
        ("effective_date", None),  # 生效/废止日期 holds two dates: not guessed
        ("repealed", False),  # 失效 is expired, not repealed
    ],
)
def test_label_synonyms(field, expected):
    data = extract_article(SYNONYMS, LONSUN_URL, get_profile("lonsun"))
    assert getattr(data, field) == expected


def test_a_label_inside_a_longer_word_is_no_label():
    data = extract_article(SYNONYMS, LONSUN_URL, get_profile("generic"))
    assert "时间" not in data.metadata  # 报名时间：2023-02-01 is not 时间


# -- TRS article -----------------------------------------------------------------------------
TRS_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="PubDate" content="2024-05-11 02:20:01"/></head><body>
<div class="position">当前位置：<a href="/index.html">首页</a></div>
<div class="xxgk_info">
<p><strong>索引号</strong>：11341500008801X/202405-00004</p>
<p><strong>发布机构</strong>：江淮市金安区人民政府</p>
<p><strong>文号</strong>：金政〔2024〕5号</p>
<p><strong>发文日期</strong>：2024年05月06日</p>
<p><strong>发布日期</strong>：2024年05月08日</p>
<p><strong>有效性</strong>：有效</p>
<p><strong>关键词</strong>：</p>
</div>
<h1 class="article_title">金安区人民政府关于印发《金安区城市绿化管理办法》的通知</h1>
<div class="info">发布日期：2024-05-08　　来源：江淮市金安区人民政府　　【字体：<a href="javascript:;">大</a>】</div>
<div class="TRS_Editor"><p>各乡镇人民政府、街道办事处：</p><p>现印发给你们。</p></div>
<div class="fujian"><p>附件：</p><p><a href="./P020240508778.pdf">金安区城市绿化管理办法.pdf</a></p></div>
<div class="xxgk_xgwj" style="display:none;"><h2>相关文件</h2><ul class="xggj">
<li><a href="/ja/xxgk/zcjd/202405/t20240509_78.html">关于做好政策解读工作的通知</a></li></ul></div>
</body></html>"""

TRS_FIELDS = {
    "title": "金安区人民政府关于印发《金安区城市绿化管理办法》的通知",
    "index_no": "11341500008801X/202405-00004",
    "publisher": "江淮市金安区人民政府",
    "doc_no": "金政〔2024〕5号",
    "written_date": dt.date(2024, 5, 6),  # 发文日期
    "publish_date": dt.date(2024, 5, 8),
    "date_source": "metadata",
    "validity": "有效",
    "keywords": None,  # printed, but empty
    "body_text": "各乡镇人民政府、街道办事处：\n现印发给你们。",
}


@pytest.mark.parametrize("field, expected", TRS_FIELDS.items())
def test_trs_field(field, expected):
    data = extract_article(TRS_PAGE, TRS_URL, get_profile("trs"))
    assert getattr(data, field) == expected


def test_trs_relative_attachment_resolves_beside_the_article():
    data = extract_article(TRS_PAGE, TRS_URL, get_profile("trs"))
    assert [(a.url, a.type) for a in data.attachments] == [
        ("http://www.example.gov.cn/ja/xxgk/gfxwj/202405/P020240508778.pdf", "pdf")
    ]


def test_trs_related_files_block_heading_decides_the_kind():
    # The link text says 解读, but it sits under 相关文件: it is the document, not an interpretation.
    data = extract_article(TRS_PAGE, TRS_URL, get_profile("trs"))
    assert [(r.url, r.kind) for r in data.related] == [
        ("http://www.example.gov.cn/ja/xxgk/zcjd/202405/t20240509_78.html", "document")
    ]


def test_without_a_metadata_table_the_visible_date_wins_over_meta():
    page = TRS_PAGE.replace('<div class="xxgk_info">', '<div class="other">')
    data = extract_article(page, TRS_URL, get_profile("trs"))
    assert (data.publish_date, data.date_source) == (dt.date(2024, 5, 8), "visible")


def test_with_no_visible_date_the_meta_date_is_the_last_resort():
    page = TRS_PAGE.replace("发布日期", "发稿")
    data = extract_article(page, TRS_URL, get_profile("trs"))
    assert (data.publish_date, data.date_source) == (dt.date(2024, 5, 11), "meta")


def test_no_date_anywhere_is_none():
    page = TRS_PAGE.replace("发布日期", "发稿").replace('<meta name="PubDate"', '<meta name="x"')
    data = extract_article(page, TRS_URL, get_profile("trs"))
    assert (data.publish_date, data.date_source) == (None, None)


# -- malformed markup ------------------------------------------------------------------------
MALFORMED = """<html><head><title>公告_江淮市</title></head><body><div class="header">
<ul><li><a href="/">首页</a></ul></body></html><!--end header-->
<div class="content"><table class="bd1"><tr><td><b>索　引　号：</b></td><td>000014349/2024-00001
<td><b>发布日期：</b></td><td>2024年6月1日</td></tr></table>
<div id="UCAP-CONTENT"><p>第一段<p>第二段<div>未闭合</div>
</body></html><div class="footer">网站标识码</div>"""


@pytest.mark.parametrize(
    "field, expected",
    [
        ("index_no", "000014349/2024-00001"),
        ("publish_date", dt.date(2024, 6, 1)),
        ("body_text", "第一段\n第二段\n未闭合"),
        ("title", "公告"),  # <title> without the site name
    ],
)
def test_malformed_page_read_as_a_whole(field, expected):
    data = extract_article(MALFORMED, "http://www.example.gov.cn/a.htm", get_profile("generic"))
    assert getattr(data, field) == expected


def test_empty_page_gives_empty_data_not_an_error():
    data = extract_article(b"", "http://www.example.gov.cn/a.htm", get_profile("generic"))
    assert (data.title, data.publish_date, data.body_text) == (None, None, "")


# -- encodings -------------------------------------------------------------------------------
GBK_PAGE = TRS_PAGE.replace(
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', "{decl}"
)


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=GB2312">',
        '<meta charset="gbk">',
        "",
    ],
    ids=["gb2312-http-equiv", "meta-charset", "undeclared"],
)
def test_gbk_bytes_decode_with_or_without_declaration(declaration):
    body = GBK_PAGE.format(decl=declaration).encode("gbk")
    data = extract_article(body, TRS_URL, get_profile("trs"))
    assert (data.title, data.encoding) == (TRS_FIELDS["title"], "gb18030")


def test_explicit_encoding_overrides_detection():
    body = GBK_PAGE.format(decl="").encode("gbk")
    data = extract_article(body, TRS_URL, get_profile("trs"), encoding="gbk")
    assert data.publisher == "江淮市金安区人民政府"


# -- page widgets are not part of a field (issue 9 point 5) ----------------------------------
@pytest.mark.parametrize(
    "value, expected",
    [
        ("江淮市人民政府办公室字体：[大 中 小]", "江淮市人民政府办公室"),  # Lonsun, glued
        ("江淮市教育局　　【字体：大 中 小】　【打印】　【关闭】", "江淮市教育局"),  # TRS
        ("教育部　下载　收藏", "教育部"),  # moe.gov.cn
        ("新华社 浏览次数：1024 分享到：", "新华社"),
        ("江淮市财政局 [打印本页] [关闭窗口]", "江淮市财政局"),
        ("关于关闭小煤矿的通知", "关于关闭小煤矿的通知"),  # a widget word inside the value stays
        ("江淮市中心医院（中）", "江淮市中心医院（中）"),  # one size letter is no font switch
        ("收藏家协会", "收藏家协会"),
        ("下载", ""),  # nothing but a widget: no value
    ],
)
def test_widgets_printed_after_a_value_are_cut(value, expected):
    widgets = get_profile("generic").article.metadata.scanner.widgets
    assert widgets.cut(value).strip() == expected
