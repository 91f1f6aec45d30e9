"""Read metadata by its label text, never by position (docs/domain.md §4: row order varies).

Works on the text lines of `dom.walk_lines`, so one scanner covers every layout seen so far:
- label and value in one line: ``<p><strong>索引号</strong>：…</p>``, ``<span><i>时间：</i>…</span>``,
  ``<li><span>来源：</span>…</li>``, several pairs in one line (``日期：2025-02-26 11:54 来源：…``);
- label in its own cell and the value in the next cell/sibling: ``<td>索 引 号：</td><td>…</td>``
  (gov.cn `table.bd1`), ``<th>发布机构</th><td class="pmingcheng">…</td>`` (Lonsun), ``<dt>/<dd>``,
  the Lonsun hover card ``div.vname + p``.
Labels are compared without whitespace (索　引　号 = 索引号) and with any of the vocabulary's colons.

What the labels are, which values mean "nothing" and what page furniture to cut is data: the
label vocabulary (`crawler/labels.yaml`, under every profile's `article.metadata`). A value ends
where the next label begins, and where the page's widgets begin: sites print the font-size
switch, print/close buttons, share bars and hit counters on the same line as a field (Lonsun
``来源：江淮市人民政府办公室字体：[大 中 小]``, TRS ``来源：…　　【字体：大 中 小】``, moe.gov.cn
``来源：教育部　下载　收藏``). `Cleaner.cut` removes them: "word：" (字体：, 浏览次数：) ends the value
wherever it stands, a bracketed group of widget words ([大 中 小], 【打印】) and trailing widget
words set apart by spaces (下载 收藏) are dropped — a word inside the value (关于关闭…的通知) is
kept; then each field's cleaning rules cut what is glued on (a trailing date, a byline), and a
placeholder (无, 暂无, --, /, null…) is read as no value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from crawler.extract.dom import Line
from crawler.extract.text import squash

# A label must not continue a Chinese word (报名时间 is not 时间) nor follow a slash (the
# combined Lonsun label 生效/废止日期 carries two dates and is left alone).
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff/／]")
COLONS = ":："  # when no vocabulary says otherwise


@dataclass(slots=True)
class Hit:
    """One label found: which field it names, the label as printed (squashed) and the value."""

    field: str
    label: str
    value: str
    in_meta: bool


_OPEN, _CLOSE = "[【(（〔", "]】)）〕"
_SIZES = frozenset("大中小")  # the font-size switch's buttons


def placeholder_key(text: str) -> str:
    """How placeholders are compared: no whitespace, no case (NULL = null, 暂 无 = 暂无)."""
    return squash(text).casefold()


class Cleaner:
    """What is never part of a field's value, compiled from the vocabulary (module docstring):
    the page's widget words, the placeholders, and each field's cleaning rules."""

    def __init__(
        self,
        words: Iterable[str],
        placeholders: Iterable[str] = (),
        rules: Mapping[str, Iterable[re.Pattern]] | None = None,
        colons: str = COLONS,
    ) -> None:
        self.words = frozenset(squash(w) for w in words if squash(w))
        self.placeholders = frozenset(placeholder_key(p) for p in placeholders) - {""}
        self.rules = {name: tuple(patterns) for name, patterns in (rules or {}).items()}
        self.colons = colons
        alternation = "|".join(
            "\\s*".join(map(re.escape, w)) for w in sorted(self.words, key=len, reverse=True)
        )
        opening, brackets = re.escape(_OPEN), re.escape(_OPEN + _CLOSE)
        # 字体：, 【字体：, [浏览次数: — a widget's own label ends the field's value.
        self._labelled = (
            re.compile(f"[{opening}]?\\s*(?:{alternation})\\s*[{re.escape(colons)}]")
            if self.words
            else None
        )
        self._bracketed = re.compile(f"[{opening}]([^{brackets}]*)[{re.escape(_CLOSE)}]$")
        self._last_word = re.compile(r"(^|\s)(\S+)$")

    def _widget_group(self, inside: str) -> bool:
        """[大 中 小], 【打印】, [打印 关闭]: a group of widget words (sizes count in twos)."""
        tokens = inside.split()
        if not tokens or not all(t in self.words or t in _SIZES for t in tokens):
            return False
        return len(tokens) > 1 or tokens[0] in self.words

    def strip(self, text: str) -> str:
        """`text` without the colons and separators around it."""
        return text.strip().strip(self.colons + "|｜").strip()

    def cut(self, value: str, field: str | None = None) -> str:
        """`value` without the widgets printed after it and, for `field`, what its cleaning rules
        cut; "" when what is left is a placeholder."""
        value = self.cut_furniture(value, field)
        return "" if self.is_placeholder(value) else value

    def cut_furniture(self, value: str, field: str | None = None) -> str:
        """`cut` without reading placeholders as empty."""
        if value and self._labelled is not None:
            value = self._cut_widgets(value)
        for rule in self.rules.get(field, ()) if field and value else ():
            value = rule.sub("", value).rstrip()
        return value

    def is_placeholder(self, value: str) -> bool:
        """True for a template's filler (无, 暂无, --, /, null…): a value that says nothing."""
        return bool(value) and placeholder_key(self.strip(value)) in self.placeholders

    def _cut_widgets(self, value: str) -> str:
        match = self._labelled.search(value)
        if match:
            value = value[: match.start()]
        while True:
            value = value.rstrip().rstrip("|｜/").rstrip()
            group = self._bracketed.search(value)
            if group and self._widget_group(group.group(1)):
                value = value[: group.start()]
                continue
            word = self._last_word.search(value)
            if word and word.group(2) in self.words:  # set apart by a space, or alone
                value = value[: word.start(2)]
                continue
            return value


class LabelScanner:
    """Compiled labels of one profile (`article.metadata`: the vocabulary and the profile's own).

    Labels are found from each colon backwards (a dictionary look-up of the few characters
    before it, whitespace skipped), which is several times faster on a page than one regex
    alternation of every label with whitespace allowed between its characters.
    """

    def __init__(
        self,
        labels: Mapping[str, Iterable[str]],
        colon_required: Iterable[str] = (),
        widgets: Iterable[str] = (),
        *,
        placeholders: Iterable[str] = (),
        rules: Mapping[str, Iterable[re.Pattern]] | None = None,
        colons: str = COLONS,
    ) -> None:
        self.colons = colons
        self.cleaner = Cleaner(widgets, placeholders, rules, colons)
        self._colon = re.compile(f"[{re.escape(colons)}]")
        # An unknown label that follows a value on the same line ends that value (浏览次数：…).
        self._next_label = re.compile(f"\\s+[\\u4e00-\\u9fff]{{2,8}}\\s*[{re.escape(colons)}]")
        self.field_of: dict[str, str] = {}
        for field_name, synonyms in labels.items():
            for label in synonyms:
                self.field_of.setdefault(self.label_key(label), field_name)
        self.colon_required = {self.label_key(x) for x in colon_required}
        self.longest = max(map(len, self.field_of), default=0)
        self.last_chars = frozenset(label[-1] for label in self.field_of)

    @property
    def widgets(self) -> Cleaner:
        """The cleaner (its first job was the widgets; tests and callers still ask by this name)."""
        return self.cleaner

    def label_key(self, label: str) -> str:
        """A label as compared: no whitespace, no colon after it."""
        return squash(label).rstrip(self.colons)

    def labels_in(self, text: str) -> list[tuple[int, int, str]]:
        """(label start, value start, label) for every "label：" in `text`, in order."""
        found: list[tuple[int, int, str]] = []
        floor = 0  # a label never reaches back into the previous label's value
        for colon in self._colon.finditer(text):
            i = colon.start() - 1
            while i >= floor and text[i].isspace():
                i -= 1
            if i < floor or text[i] not in self.last_chars:
                continue  # 电话：, 地址：… — cheap rejection of most colons on a page
            chars: list[str] = []
            starts: list[int] = []
            while i >= floor and len(chars) < self.longest:
                if not text[i].isspace():
                    chars.append(text[i])
                    starts.append(i)
                i -= 1
            for size in range(len(chars), 0, -1):
                label = "".join(reversed(chars[:size]))
                if label in self.field_of:
                    start = starts[size - 1]
                    if start == 0 or not _CJK.match(text[start - 1]):
                        found.append((start, colon.end(), label))
                        floor = colon.end()
                    break
        return found

    def _label_only(self, text: str) -> str | None:
        """The label when the whole line is one (索引号, 索 引 号：)."""
        if len(text) > self.longest * 3 + 2:
            return None
        label = self.label_key(text)
        return label if label in self.field_of else None

    def _is_label_line(self, text: str) -> bool:
        found = self.labels_in(text)
        return bool(found and found[0][0] == 0) or self._label_only(text) is not None

    def _clean(self, value: str, field: str) -> str:
        """A value as read, its furniture cut: not yet checked for a placeholder."""
        return self.cleaner.strip(self.cleaner.cut_furniture(self.cleaner.strip(value), field))

    def _value(self, value: str) -> str:
        return "" if self.cleaner.is_placeholder(value) else value

    def _next_value(self, lines: list[Line], i: int, field: str) -> str:
        """The value of a label alone in its cell: the next line, if it sits beside it."""
        if i + 1 >= len(lines):
            return ""
        here, nxt = lines[i], lines[i + 1]
        if nxt.in_body or self._is_label_line(nxt.text) or not _beside(here.block, nxt.block):
            return ""
        return self._value(self._clean(nxt.text, field))

    def scan(self, lines: list[Line]) -> list[Hit]:
        """Every labelled value outside the body, in document order."""
        hits: list[Hit] = []
        if not self.field_of:
            return hits
        for i, line in enumerate(lines):
            if line.in_body:
                continue
            text = line.text
            found = self.labels_in(text) if self._colon.search(text) else []
            if found:
                for j, (start, value_start, label) in enumerate(found):
                    field = self.field_of[label]
                    end = found[j + 1][0] if j + 1 < len(found) else len(text)
                    value = self._clean(self._next_label.split(text[value_start:end], 1)[0], field)
                    if not value and len(found) == 1 and start == 0:
                        value = self._next_value(lines, i, field)  # 索引号：| cell | value
                    hits.append(Hit(field, label, self._value(value), line.in_meta))
                continue
            label = self._label_only(text)
            if label is not None and label not in self.colon_required:
                field = self.field_of[label]
                hits.append(Hit(field, label, self._next_value(lines, i, field), line.in_meta))
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


def resolve(hits: list[Hit]) -> dict[str, Hit]:
    """field → the hit that gives its value (its label is the field's source): values inside
    metadata containers first, then document order."""
    out: dict[str, Hit] = {}
    for preferred in (True, False):
        for hit in hits:
            if hit.value and hit.in_meta is preferred:
                out.setdefault(hit.field, hit)
    return out


def raw_metadata(hits: list[Hit]) -> dict[str, str]:
    """label as printed (whitespace removed) → first non-empty value: kept as evidence."""
    out: dict[str, str] = {}
    for hit in hits:
        if hit.value:
            out.setdefault(hit.label, hit.value)
    return out
