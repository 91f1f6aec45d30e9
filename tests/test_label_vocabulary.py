"""The label vocabulary (crawler/labels.yaml) read on small pages, one case per entry: every
synonym in every markup shape real pages use, every placeholder, every widget word and every
cleaning rule. The cases are built from the vocabulary itself, so a word added to it is tested
by adding it (its field's sample value below must read back through it)."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from crawler.extract import extract_article
from crawler.extract.text import squash
from crawler.label_vocabulary import load_vocabulary
from crawler.profile_model import get_profile

URL = "http://www.example.gov.cn/xxgk/2024/06/13/art_1_2.html"
VOCABULARY = load_vocabulary()[1]
GENERIC = get_profile("generic")
DAY = dt.date(2024, 6, 13)
SAMPLE = {
    "title": "关于做好2024年防汛工作的通知",
    "index_no": "11341500006602X/202403-00001",
    "publisher": "江淮市应急管理局",
    "source": "江淮市人民政府办公室",
    "doc_no": "江应急〔2024〕12号",
    "validity": "有效",
    "subject": "综合政务",
    "keywords": "防汛 应急",
    "category": "通知公告",
    "disclosure_mode": "主动公开",
    "summary": "部署全市防汛工作",
}
DATES = ("written_date", "publish_date", "visible_date", "effective_date", "expiry_date")
LABELS = [(field, label) for field, words in VOCABULARY.labels.items() for label in words]
NEEDS_COLON = {squash(x) for x in VOCABULARY.colon_required}

# How real pages print one label/value pair ({L} label, {C} colon, {V} value).
SHAPES = {
    "td-cells": '<table class="table_suoyin"><tr><td>{L}{C}</td><td>{V}</td></tr></table>',
    "b-in-cell": '<table class="bd1"><tr><td><b>{L}{C}</b></td><td>{V}</td></tr></table>',
    "th-cell": '<table class="table_suoyin"><tr><th>{L}{C}</th><td>{V}</td></tr></table>',
    "strong-in-p": '<div class="xxgk_info"><p><strong>{L}</strong>{C}{V}</p></div>',
    "li-span": '<div class="xxgk_info"><ul><li><span>{L}{C}</span>{V}</li></ul></div>',
    "dt-dd": '<div class="xxgk_info"><dl><dt>{L}{C}</dt><dd>{V}</dd></dl></div>',
    "one-line": '<div class="xxgk-info"><p>{L}{C}{V}</p></div>',
}
# Spaces inside a label as pages print them.
PADDING = {
    "ascii-space": " ",
    "ideographic-space": "\u3000",
    "nbsp-entity": "&nbsp;",
    "nbsp-character": "\u00a0",
    "empty-padding-span": '<span style="padding-left:20px"></span>',
}


def page(meta: str, head: str = "", title: str = "") -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>页面标题</title>{head}</head><body>{title}'
        f'{meta}<div id="zoom"><p>正文内容。</p></div></body></html>'
    )


def read(meta: str, profile=GENERIC, **kwargs):
    return extract_article(page(meta, **kwargs), URL, profile)


def sample(field: str) -> str:
    return f"{DAY.year}年{DAY.month}月{DAY.day}日" if field in DATES else SAMPLE[field]


def field_value(data, field: str):
    return data.publish_date if field == "visible_date" else getattr(data, field)


def expected(field: str):
    return DAY if field in DATES else SAMPLE[field]


# -- every synonym ----------------------------------------------------------------------------
def test_the_bundled_vocabulary_is_what_generic_reads():
    assert GENERIC.article.metadata.labels == VOCABULARY.labels
    assert set(VOCABULARY.labels) == set(DATES) | set(SAMPLE)  # every field has labels


# Labels printed by real pages and templates (../shared/realpages, docs/domain.md §4): taking
# one out of the vocabulary fails here, not only in the page's own test.
KNOWN = {
    "index_no": ["索引号", "信息索引号", "信息索引", "索 引 号"],
    "doc_no": ["文号", "发文字号", "文件编号", "文件字号", "文　　号"],
    "publisher": ["发布机构", "发文机构", "发文单位", "发布单位", "发文机关"],
    "written_date": ["成文日期", "生成日期", "发文日期", "制发日期"],
    "publish_date": ["发布日期", "公开日期", "发布时间"],
    "subject": ["主题分类", "主题"],
    "keywords": ["关键词", "关键字", "主题词"],
    "category": ["组配分类", "信息分类", "信息类别", "公开分类"],
    "validity": ["有效性", "时效性", "效力状态"],
    "disclosure_mode": ["公开方式", "公开形式"],
    "summary": ["内容概述", "摘要"],
    "source": ["来源", "信息来源", "稿件来源"],
    "title": ["名称", "标题", "文件名称"],
    "effective_date": ["生效日期", "生效时间"],
    "expiry_date": ["废止日期", "失效日期"],
}


@pytest.mark.parametrize(
    ("field", "label"), [(f, label) for f, labels in KNOWN.items() for label in labels]
)
def test_labels_seen_on_real_pages_are_in_the_vocabulary(field, label):
    assert squash(label) in {squash(w) for w in VOCABULARY.labels[field]}


@pytest.mark.parametrize("placeholder", ["无", "暂无", "-", "--", "/", "空", "null", "请选择"])
def test_placeholders_seen_on_real_pages_are_in_the_vocabulary(placeholder):
    assert placeholder in VOCABULARY.placeholders


@pytest.mark.parametrize(
    "word", ["字体", "字号", "打印", "打印本页", "关闭窗口", "分享到", "收藏", "下载"]
)
def test_widgets_seen_on_real_pages_are_in_the_vocabulary(word):
    assert word in VOCABULARY.widgets


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("field", "label"), LABELS)
def test_every_synonym_reads_its_field_in_every_shape(field, label, shape):
    meta = SHAPES[shape].format(L=html.escape(label), C="：", V=html.escape(sample(field)))
    data = read(meta)
    assert field_value(data, field) == expected(field)
    assert data.metadata[squash(label)] == sample(field)


@pytest.mark.parametrize("padding", PADDING)
@pytest.mark.parametrize(("field", "label"), LABELS)
def test_spaces_inside_a_label_are_ignored(field, label, padding):
    padded = PADDING[padding].join(html.escape(c) for c in label)
    data = read(SHAPES["td-cells"].format(L=padded, C="：", V=html.escape(sample(field))))
    assert field_value(data, field) == expected(field)


@pytest.mark.parametrize("colon", VOCABULARY.colons)
@pytest.mark.parametrize("shape", ["td-cells", "strong-in-p", "one-line"])
def test_every_colon_ends_a_label(colon, shape):
    data = read(SHAPES[shape].format(L="发文字号", C=colon, V="江应急〔2024〕12号"))
    assert data.doc_no == "江应急〔2024〕12号"


@pytest.mark.parametrize(("field", "label"), [p for p in LABELS if squash(p[1]) not in NEEDS_COLON])
def test_a_label_alone_in_its_cell_needs_no_colon(field, label):
    data = read(SHAPES["th-cell"].format(L=html.escape(label), C="", V=html.escape(sample(field))))
    assert field_value(data, field) == expected(field)


@pytest.mark.parametrize("label", VOCABULARY.colon_required)
def test_a_short_generic_word_without_a_colon_is_no_label(label):
    data = read('<table class="list"><tr><th>' + label + "</th><td>2024-06-13</td></tr></table>")
    assert squash(label) not in data.metadata


def test_a_label_inside_a_word_is_no_label():
    data = read('<div class="xxgk-info"><p>报名时间：2024-06-13</p></div>')
    assert data.publish_date is None


@pytest.mark.parametrize(
    ("label", "field"), [(label, field) for label, field in VOCABULARY.meanings.items() if field]
)
def test_a_label_whose_meaning_differs_by_platform_has_its_default_field(label, field):
    assert label in VOCABULARY.labels[field]
    assert sum(label in words for words in VOCABULARY.labels.values()) == 1


# -- placeholders -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["td-cells", "strong-in-p", "li-span", "one-line"])
@pytest.mark.parametrize("placeholder", VOCABULARY.placeholders)
def test_a_placeholder_is_no_value(placeholder, shape):
    data = read(SHAPES[shape].format(L="文号", C="：", V=html.escape(placeholder)))
    assert data.doc_no is None
    assert "文号" not in data.metadata


@pytest.mark.parametrize("placeholder", ["NULL", "Null", "暂 无", "－ －", " 无 "])
def test_placeholders_are_compared_without_case_and_spaces(placeholder):
    assert read(SHAPES["td-cells"].format(L="文号", C="：", V=placeholder)).doc_no is None


@pytest.mark.parametrize("blank", ["\u3000", "&nbsp;", "&nbsp;&nbsp;", " ", ""])
def test_a_blank_value_is_no_value(blank):
    assert read(SHAPES["td-cells"].format(L="关键词", C="：", V=blank)).keywords is None


@pytest.mark.parametrize("placeholder", ["无", "暂无", "--", "/", "null", "请选择"])
def test_a_later_real_value_wins_over_a_placeholder(placeholder):
    meta = (
        SHAPES["td-cells"].format(L="来源", C="：", V=placeholder)
        + '<div class="newsinfo"><span>来源：江淮日报</span></div>'
    )
    assert read(meta).source == "江淮日报"


def test_a_placeholder_on_the_label_line_takes_nothing_from_the_next_line():
    meta = '<div class="xxgk-info"><p>文号：无</p><p>江应急〔2024〕12号为旧文号</p></div>'
    assert read(meta).doc_no is None


def test_a_value_that_only_contains_a_placeholder_word_is_kept():
    data = read(SHAPES["td-cells"].format(L="主题分类", C="：", V="无线电管理"))
    assert data.subject == "无线电管理"


def test_a_placeholder_in_a_direct_selector_or_a_meta_tag_is_no_value():
    table = '<table class="table_suoyin"><tr><th>索引号：</th><td>11341500/202403-00001</td>'
    table += '<th>文号：</th><td id="_fileNum">无</td></tr></table>'
    data = read(
        table, profile=get_profile("lonsun"), head='<meta name="ContentSource" content="--">'
    )
    assert (data.doc_no, data.source) == (None, None)


# -- widgets ----------------------------------------------------------------------------------
WIDGETS = VOCABULARY.widgets


@pytest.mark.parametrize("word", WIDGETS)
def test_a_widget_word_set_apart_after_a_value_is_cut(word):
    data = read(SHAPES["one-line"].format(L="来源", C="：", V=f"江淮日报\u3000{word}"))
    assert data.source == "江淮日报"


@pytest.mark.parametrize("word", WIDGETS)
def test_a_bracketed_widget_word_after_a_value_is_cut(word):
    data = read(SHAPES["one-line"].format(L="来源", C="：", V=f"江淮日报【{word}】[{word}]"))
    assert data.source == "江淮日报"


@pytest.mark.parametrize("word", WIDGETS)
def test_a_widget_word_with_a_colon_ends_the_value(word):
    data = read(SHAPES["one-line"].format(L="来源", C="：", V=f"江淮日报{word}：1024"))
    assert data.source == "江淮日报"


@pytest.mark.parametrize(
    "furniture",
    [
        "字体：[大 中 小]",
        "字号：大 中 小",
        "【字体：大 中 小】",
        "[打印本页] [关闭窗口]",
        "【打印】【关闭】",
        "分享到：",
        "打印本页 关闭窗口",
        "浏览次数：1024",
        "下载　收藏",
        "【我要纠错】",
    ],
)  # fmt: skip
@pytest.mark.parametrize("shape", ["one-line", "td-cells", "li-span"])
def test_page_furniture_printed_after_a_source_is_cut(furniture, shape):
    data = read(SHAPES[shape].format(L="来源", C="：", V=f"江淮市教育局\u3000\u3000{furniture}"))
    assert data.source == "江淮市教育局"


@pytest.mark.parametrize(
    "value", ["关于关闭小煤矿的通知", "江淮市中心医院（中）", "收藏家协会", "打印机耗材采购公告"]
)
def test_a_widget_word_inside_a_value_stays(value):
    assert read(SHAPES["td-cells"].format(L="来源", C="：", V=value)).source == value


# -- cleaning rules ---------------------------------------------------------------------------
TITLE = "关于做好2024年防汛工作的通知"


@pytest.mark.parametrize(
    "glued",
    [
        " 发布时间：2024-06-13 来源：江淮市应急管理局 字体：[大 中 小]",
        "发布日期：2024-06-13",
        "　来源：江淮日报",
        " 2024-06-13",
        "2024-06-13 10:20",
        " 2024/6/13",
        " 作者：张三",
        " 浏览次数：1024",
        "　【字体：大 中 小】【打印】【关闭】",
    ],
)  # fmt: skip
@pytest.mark.parametrize("where", ["heading", "label"])
def test_a_title_with_the_info_line_glued_on_is_cut_back(glued, where):
    if where == "heading":
        data = read("", title=f'<h1 class="article_title">{TITLE}{glued}</h1>')
    else:
        data = read(SHAPES["td-cells"].format(L="标题", C="：", V=TITLE + glued))
    assert data.title == TITLE


@pytest.mark.parametrize(
    "title",
    [
        "在全市防汛工作会议上的讲话（2024年6月13日）",  # a speech's date belongs to its title
        "关于2024-2025学年校历的通知",
        "关于调整作息时间的通知",
        "江淮市2024年国民经济和社会发展统计公报",
    ],
)
def test_a_title_that_only_looks_like_furniture_stays(title):
    assert read("", title=f'<h1 class="article_title">{title}</h1>').title == title


@pytest.mark.parametrize(
    ("field", "label", "glued"),
    [
        ("source", "来源", "2024-06-13"),
        ("source", "来源", " 2024-06-13 10:20:33"),
        ("source", "信息来源", "作者：张三"),
        ("source", "来源", "责任编辑：李四"),
        ("publisher", "发布机构", " 2024.06.13"),
        ("publisher", "发布机构", "记者：王五"),
    ],
)
def test_a_date_or_byline_glued_onto_a_source_or_publisher_is_cut(field, label, glued):
    data = read(SHAPES["one-line"].format(L=label, C="：", V=SAMPLE[field] + glued))
    assert getattr(data, field) == SAMPLE[field]


def test_a_cleaning_rule_only_touches_its_fields():
    data = read(SHAPES["td-cells"].format(L="文号", C="：", V="江应急〔2024〕12号 2024-06-13"))
    assert data.doc_no == "江应急〔2024〕12号 2024-06-13"


@pytest.mark.parametrize("name", list(VOCABULARY.cleaning))
def test_every_cleaning_rule_is_tested_here(name):
    tested = {"title_info_line", "trailing_date", "byline"}
    assert name in tested, "a rule was added to crawler/labels.yaml: give it cases above"
