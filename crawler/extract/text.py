"""Text normalisation and date parsing shared by the extractors.

Government pages pad labels with ideographic spaces (索　引　号), `&nbsp;`, en-spaces and
zero-width characters, and print dates as 2018年12月21日, 2025-02-26 11:54 or 2007-08-20-23:59:59.
Everything here is plain string work so it can be tested without HTML.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

# \s in a str pattern already covers U+3000 (ideographic space), U+00A0 (nbsp), U+2002..U+200A;
# zero-width space/joiner and the BOM are not whitespace but show up as padding too.
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-年/.／]\s*(\d{1,2})\s*[-月/.／]\s*(\d{1,2})(?!\d)")
_TEXT_NODES = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script) and not(ancestor::style)]"
)


def norm_space(text: str | None) -> str:
    """Collapse every kind of whitespace (ideographic, nbsp, zero-width) to one space; strip."""
    if not text:
        return ""
    return _SPACE.sub(" ", text).strip()


_CJK_GAP = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3400-\u4dbf\u4e00-\u9fff])")


def tight(text: str | None) -> str:
    """`norm_space`, then no space between two Chinese characters: typographic padding in short
    names (规　　章 → 规章). Not for titles, where a space can separate joint issuers."""
    return _CJK_GAP.sub("", norm_space(text))


def squash(text: str) -> str:
    """Remove all whitespace: how labels are compared (索 引 号 == 索　引　号 == 索引号)."""
    return _SPACE.sub("", text)


def node_text(node: etree._Element) -> str:
    """An element's visible text (no script/style/comments), whitespace-normalised."""
    return norm_space("".join(_TEXT_NODES(node)))


def parse_date(text: str | None) -> dt.date | None:
    """The first plausible date in `text` (年月日, -, /, .), or None."""
    if not text:
        return None
    for match in _DATE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def strip_colon(text: str) -> str:
    """Drop leading/trailing colons and separators around a label's value."""
    return text.strip().strip(":：|｜").strip()


def own_text(node: etree._Element) -> str:
    """An element's own text: its text and its children's tails, not the children's text."""
    parts = [node.text or ""]
    parts += [child.tail or "" for child in node]
    return norm_space("".join(parts))
