"""Property tests (hypothesis) on label/value extraction and date parsing (issue 9 point 10).

- `parse_date` never raises and reads back any date it is given in every format it accepts
  (年月日, -, /, ., with padding, spaces, a time or other text around it);
- `extract_article` on any text or bytes returns data or raises `ExtractionError`, nothing else;
- a label/value pair rendered into a metadata table in each layout the label scanner supports
  (label cell + value cell, ``<strong>label</strong>：value``, ``<dt>/<dd>``, ``<i>label：</i>value``,
  two pairs on one line, labels padded with ideographic spaces) reads back exactly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawler.extract import ExtractionError, extract_article
from crawler.extract.text import parse_date, squash
from crawler.profile_model import get_profile

PROFILE = get_profile("generic")
SCANNER = PROFILE.article.metadata.scanner
URL = "http://www.example.gov.cn/a/1.html"
TEXT_FIELDS = ("index_no", "publisher", "source", "doc_no", "validity", "subject", "keywords",
               "category")  # fmt: skip
DATE_FIELDS = ("written_date", "effective_date", "expiry_date")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- dates ------------------------------------------------------------------------------------
DATE_FORMATS = (
    "{y}年{m}月{d}日",
    "{y}年{m:02}月{d:02}日",
    "{y} 年 {m} 月 {d} 日",
    "{y}-{m:02}-{d:02}",
    "{y}-{m}-{d}",
    "{y}/{m:02}/{d:02}",
    "{y}.{m:02}.{d:02}",
    "{y}／{m}／{d}",
    "{y}-{m:02}-{d:02} 11:54",
    "{y}-{m:02}-{d:02}-23:59:59",
)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
AROUND = st.text(alphabet=st.sampled_from("发布日期：时间 (（)）【】abc"), max_size=6)


@given(st.text())
def test_parse_date_never_raises(text):
    found = parse_date(text)
    assert found is None or isinstance(found, dt.date)


@given(DATES, st.sampled_from(DATE_FORMATS), AROUND, AROUND)
def test_a_date_in_every_accepted_format_parses_back_to_itself(day, form, before, after):
    text = before + form.format(y=day.year, m=day.month, d=day.day) + after
    assert parse_date(text) == day


# -- any input: data or our own error ----------------------------------------------------------
@FAST
@given(st.one_of(st.text(), st.binary()))
def test_extract_article_returns_data_or_raises_its_own_error(page):
    try:
        data = extract_article(page, URL, PROFILE)
    except ExtractionError:
        return
    assert data.url == URL


HTMLISH = st.lists(
    st.sampled_from(["<div>", "</div>", "<td>", "<tr>", "<table>", "</table>", "<p>", "<br>",
                     "<!--", "-->", "</html>", "<body>", "索引号", "：", "发布日期", "2024-06-01",
                     "<h1 class='article_title'>", "</h1>", "&nbsp;", "　", "<script>", "字体",
                     "[大 中 小]", "<b>", "x"]),
    max_size=60,
).map("".join)  # fmt: skip


@FAST
@given(HTMLISH)
def test_tag_soup_returns_data_or_raises_its_own_error(page):
    with contextlib.suppress(ExtractionError):
        extract_article(page, URL, PROFILE)


# -- label/value round trips -------------------------------------------------------------------
LABELS = [
    (field, label)
    for field, synonyms in PROFILE.article.metadata.labels.items()
    if field in TEXT_FIELDS + DATE_FIELDS
    for label in synonyms
]
WORD = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from("ABCXYZabc0123456789-/〔〕（）《》、.&<>\"'"),
    ),
    min_size=1,
    max_size=8,
)
VALUE = st.lists(WORD, min_size=1, max_size=3).map(" ".join)


def _padded(label: str, pad: bool) -> str:
    return "　".join(label) if pad else label


def _readable(value: str, label: str) -> bool:
    """Values the scanner is not meant to read as they are: one that is itself a label, or
    that ends in widget words, or whose tail and the next label make a longer label."""
    if squash(value) in SCANNER.field_of or SCANNER.widgets.cut(value) != value:
        return False
    if value.strip(":：|｜") != value:
        return False
    tail = squash(value)[-SCANNER.longest :]
    return not any((tail[i:] + label) in SCANNER.field_of for i in range(len(tail)))


def _layouts(label: str, value: str, pad: bool, colon_needed: bool) -> dict[str, str]:
    lab, val = html.escape(_padded(label, pad)), html.escape(value)
    colon = "：" if colon_needed else ""
    return {
        "cells": f'<table class="table_suoyin"><tr><td>{lab}{colon}</td><td>{val}</td></tr></table>',
        "strong": f'<div class="xxgk_info"><p><strong>{lab}</strong>：{val}</p></div>',
        "bold-cells": f'<table class="bd1"><tr><td><b>{lab}：</b></td><td>{val}</td></tr></table>',
        "dl": f'<div class="xxgk_info"><dl><dt>{lab}：</dt><dd>{val}</dd></dl></div>',
        "italic": f'<div class="xxgk-info"><span><i>{lab}：</i>{val}</span></div>',
    }


def _page(meta: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>标题</title></head><body>{meta}'
        '<h1 class="article_title">关于某事的通知</h1><div class="TRS_Editor"><p>正文</p></div>'
        "</body></html>"
    )


@FAST
@given(st.sampled_from(LABELS), VALUE, DATES, st.booleans(), st.sampled_from(range(5)))
def test_a_labelled_value_reads_back_exactly_in_every_layout(pair, value, day, pad, layout):
    field, label = pair
    if field in DATE_FIELDS:
        value = f"{day.year}年{day.month}月{day.day}日"
    assume(_readable(value, label))
    colon_needed = squash(label) in SCANNER.colon_required
    name, meta = list(_layouts(label, value, pad, colon_needed).items())[layout]
    data = extract_article(_page(meta), URL, PROFILE)
    assert data.metadata.get(squash(label)) == value, name
    assert getattr(data, field) == (day if field in DATE_FIELDS else value), name


@FAST
@given(st.sampled_from(LABELS), st.sampled_from(LABELS), VALUE, VALUE, st.booleans())
def test_two_pairs_on_one_line_read_back_exactly(first, second, value1, value2, pad):
    (field1, label1), (field2, label2) = first, second
    assume(field1 != field2 and squash(label1) != squash(label2))
    assume(field1 not in DATE_FIELDS and field2 not in DATE_FIELDS)
    assume(_readable(value1, squash(label2)) and _readable(value2, ""))
    line = (
        f"{html.escape(_padded(label1, pad))}：{html.escape(value1)}　　"
        f"{html.escape(_padded(label2, pad))}：{html.escape(value2)}"
    )
    data = extract_article(_page(f'<div class="xxgk_info"><p>{line}</p></div>'), URL, PROFILE)
    assert (data.metadata.get(squash(label1)), data.metadata.get(squash(label2))) == (
        value1,
        value2,
    )
