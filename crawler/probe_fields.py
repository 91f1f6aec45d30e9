"""Every field `zwgk units probe` read from a sample article, and where it came from.

The extraction (`crawler.extract.article`) says which kind of place the publish date came from
(`date_source`) and keeps every label it found with its value (`ArticleData.metadata`); when it
records per-field provenance itself (`ArticleData.provenance`, field → rule), that is shown as
it says. Otherwise the probe names the source by looking: the profile's direct selector for the
field that finds the value, the label (as printed) whose value it is, the `<meta>` name, or the
page's `<title>`. Display only — nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.vocabulary import ARTICLE_FIELDS
from crawler.extract.text import norm_space, parse_date, squash, strip_colon

if TYPE_CHECKING:
    from crawler.extract.article import ArticleData
    from crawler.extract.dom import Document
    from crawler.profile_model import Profile

# The fields an article page can give, in the order a 信息公开 table prints them, with their
# Chinese names (ARTICLE_FIELDS for the stored ones).
FIELD_NAMES = {
    **ARTICLE_FIELDS,
    "source": "来源",
    "category": "信息分类",
    "disclosure_mode": "公开方式",
    "summary": "内容概述",
    "effective_date": "生效日期",
    "expiry_date": "废止日期",
}
FIELDS = (
    "title", "index_no", "publisher", "source", "doc_no", "written_date", "publish_date",
    "validity", "subject", "keywords", "category", "disclosure_mode", "summary",
    "effective_date", "expiry_date",
)  # fmt: skip
_DATE_SOURCE = {"metadata": "metadata table", "visible": "visible date", "meta": "<meta>"}


@dataclass
class FieldRead:
    """One field of a sample article: its name, Chinese name, value, and where it came from."""

    field: str
    name: str
    value: str
    source: str


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _same(raw: str, value: object) -> bool:
    if isinstance(value, dt.date):
        return parse_date(raw) == value
    raw, text = norm_space(raw), str(value)
    return bool(raw) and (raw == text or text in raw or raw in text)


def _label(field: str, value: object, data: ArticleData, profile: Profile) -> str | None:
    """The label as printed whose value this is (索引号, 发布机构 …), if the profile knows it."""
    known = {squash(label) for label in profile.article.metadata.labels.get(field, ())}
    if field == "publish_date":
        known |= {squash(x) for x in profile.article.metadata.labels.get("visible_date", ())}
    for label, raw in data.metadata.items():
        if squash(strip_colon(label)) in known and _same(raw, value):
            return label
    return None


def source_of(field: str, value: object, data: ArticleData, doc: Document, profile: Profile) -> str:
    """Where `field`'s value came from, in a few words (see the module docstring)."""
    given = getattr(data, "provenance", None)
    if isinstance(given, dict) and given.get(field):
        return str(given[field])
    spec = profile.article
    for selector in spec.fields.get(field, ()):
        found = selector.first(doc.index)
        if found and _same(found, value):
            return f"selector {selector.source}"
    if field == "title":
        for selector in spec.title:
            found = selector.first(doc.index)
            if found and _same(found, value):
                return f"selector {selector.source}"
    label = _label(field, value, data, profile)
    where = _DATE_SOURCE.get(data.date_source or "", "") if field == "publish_date" else ""
    if label:
        return f"label {label}" + (f" ({where})" if where else "")
    for name in spec.meta.get(field, ()):
        found = doc.meta.get(name.lower())
        if found and _same(found, value):
            return f"<meta name={name}>"
    if where:
        return where
    if field == "title":
        return "<title>"
    return "?"


def read_fields(
    data: ArticleData, doc: Document, profile: Profile
) -> tuple[list[FieldRead], list[str]]:
    """(every field read with its source, the names of those not read)."""
    read, missing = [], []
    for field in FIELDS:
        value = getattr(data, field, None)
        if value in (None, ""):
            missing.append(field)
            continue
        source = source_of(field, value, data, doc, profile)
        read.append(FieldRead(field, FIELD_NAMES[field], _shown(value), source))
    return read, missing
