"""Read metadata by its label text, never by position (domain.md §4: row order differs by site).

Works on the text lines of `dom.walk_lines`, so one scanner covers every layout seen so far:
- label and value in one line: ``<p><strong>索引号</strong>：…</p>``, ``<span><i>时间：</i>…</span>``,
  several pairs in one line (``日期：2025-02-26 11:54 来源：…``);
- label in its own cell and the value in the next cell/sibling: ``<td>索 引 号：</td><td>…</td>``
  (gov.cn `table.bd1`), ``<td>发布机构</td><td class="pmingcheng">…</td>`` (Lonsun), ``<dt>/<dd>``,
  the Lonsun hover card ``div.vname + p``.
Labels are compared without whitespace (索　引　号 = 索引号) and with either colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from crawler.extract.dom import Line
from crawler.extract.text import squash, strip_colon

# A label must not continue a Chinese word (报名时间 is not 时间) nor follow a slash (the
# combined Lonsun label 生效/废止日期 carries two dates and is left to the raw metadata).
_BEFORE = r"(?<![\u3400-\u4dbf\u4e00-\u9fff/／])"
# An unknown label that follows a value on the same line ends that value (浏览次数：…).
_NEXT_LABEL = re.compile(r"\s+[\u4e00-\u9fff]{2,8}\s*[:：]")


@dataclass(slots=True)
class Hit:
    """One label found: which field it names, the label as printed (squashed) and the value."""

    field: str
    label: str
    value: str
    in_meta: bool


class LabelScanner:
    """Compiled label synonyms of one profile (`article.metadata.labels`)."""

    def __init__(self, labels: dict[str, list[str]], colon_required: list[str] = ()) -> None:
        self.field_of: dict[str, str] = {}
        for field_name, synonyms in labels.items():
            for label in synonyms:
                self.field_of.setdefault(squash(label).rstrip(":："), field_name)
        self.colon_required = {squash(x).rstrip(":：") for x in colon_required}
        alternation = "|".join(
            r"\s*".join(re.escape(ch) for ch in label)
            for label in sorted(self.field_of, key=len, reverse=True)
        )
        self.regex = re.compile(rf"{_BEFORE}({alternation})\s*[:：]") if alternation else None

    def _is_label_line(self, text: str) -> bool:
        if self.regex and self.regex.match(text):
            return True
        return squash(text).rstrip(":：") in self.field_of

    def _next_value(self, lines: list[Line], i: int) -> str:
        """The value of a label alone in its cell: the next line, if it sits beside it."""
        if i + 1 >= len(lines):
            return ""
        here, nxt = lines[i], lines[i + 1]
        if nxt.in_body or self._is_label_line(nxt.text) or not _beside(here.block, nxt.block):
            return ""
        return strip_colon(nxt.text)

    def scan(self, lines: list[Line]) -> list[Hit]:
        """Every labelled value outside the body, in document order."""
        hits: list[Hit] = []
        if self.regex is None:
            return hits
        for i, line in enumerate(lines):
            if line.in_body:
                continue
            text = line.text
            matches = list(self.regex.finditer(text))
            if matches:
                for j, m in enumerate(matches):
                    end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
                    value = strip_colon(_NEXT_LABEL.split(text[m.end() : end], maxsplit=1)[0])
                    if not value and len(matches) == 1 and m.start() == 0:
                        value = self._next_value(lines, i)
                    label = squash(m.group(1))
                    hits.append(Hit(self.field_of[label], label, value, line.in_meta))
                continue
            label = squash(text).rstrip(":：")
            if label in self.field_of and label not in self.colon_required:
                hits.append(
                    Hit(self.field_of[label], label, self._next_value(lines, i), line.in_meta)
                )
        return hits


def _beside(label_block: etree._Element, value_block: etree._Element) -> bool:
    """True when the value's block is a sibling of the label's block (or inside one)."""
    parent = label_block.getparent()
    node = value_block
    for _ in range(4):
        if node is None:
            return False
        if node is label_block or node.getparent() is parent:
            return True  # same cell after a <br>, or the next cell / sibling
        node = node.getparent()
    return False


def resolve(hits: list[Hit]) -> dict[str, str]:
    """field → value: values inside metadata containers first, then document order."""
    out: dict[str, str] = {}
    for preferred in (True, False):
        for hit in hits:
            if hit.value and hit.in_meta is preferred:
                out.setdefault(hit.field, hit.value)
    return out


def raw_metadata(hits: list[Hit]) -> dict[str, str]:
    """label as printed (whitespace removed) → first non-empty value: kept as evidence."""
    out: dict[str, str] = {}
    for hit in hits:
        if hit.value:
            out.setdefault(hit.label, hit.value)
    return out
