"""List rows as table rows under header cells: the 信息公开目录 table.

The national disclosure catalogue prints a column as a table — 序号 | 名称 | 索引号 | 发布机构 |
文号 | 发布日期 (生成日期, 成文日期 …) — often a class-less `<table>` whose header is a row of `<th>`,
or a first row of `<td>`s. The header names each column by the same labels an article's
metadata table uses, so the profile's label synonyms (`article.metadata.labels`) say which
field a column holds: the cells then give each row's metadata (its 索引号, 发布机构, 文号, dates),
read by the header's label, never by position.

`header_of(tr)` is the header of the table a row sits in (cached per table); `header_tables`
finds the rows of every table whose header names the title and one more field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from crawler.extract.text import node_text, squash

_MAX_LABEL = 12  # a header cell longer than this is content, not a label
_HEADER_SCAN = 3  # the header is one of a table's first rows


@dataclass(slots=True)
class Header:
    """Which field each column holds (column index, colspans counted), and the header row."""

    row: etree._Element
    fields: dict[int, str]

    @property
    def title_column(self) -> int | None:
        return next((i for i, f in self.fields.items() if f == "title"), None)

    def cells(self, tr: etree._Element) -> dict[str, etree._Element]:
        """field → the row's cell in that column."""
        out: dict[str, etree._Element] = {}
        for index, cell in _columns(tr):
            field = self.fields.get(index)
            if field is not None:
                out.setdefault(field, cell)
        return out


class HeaderReader:
    """Header look-ups for one page: label synonyms compiled once, headers cached per table."""

    def __init__(self, field_of: Mapping[str, str]) -> None:
        self.field_of = field_of  # squashed label (no colon) → field name
        self._cache: dict[etree._Element, Header | None] = {}

    def header_of(self, tr: etree._Element) -> Header | None:
        """The header of the table holding `tr` (None: no header naming the title)."""
        table = next(tr.iterancestors("table"), None)
        return None if table is None else self.header_of_table(table)

    def header_of_table(self, table: etree._Element) -> Header | None:
        if table not in self._cache:
            self._cache[table] = self._read_header(table)
        return self._cache[table]

    def _read_header(self, table: etree._Element) -> Header | None:
        for tr in _rows(table)[:_HEADER_SCAN]:
            fields: dict[int, str] = {}
            for index, cell in _columns(tr):
                label = squash(node_text(cell)).strip(":：")
                if label and len(label) <= _MAX_LABEL and label in self.field_of:
                    fields.setdefault(index, self.field_of[label])
            if "title" in fields.values() and len(fields) >= 2:
                return Header(tr, fields)
        return None

    def header_tables(self, tops: Sequence[etree._Element]) -> list[etree._Element]:
        """Rows with a link under a header naming the title, of the table with the most."""
        best: list[etree._Element] = []
        for top in tops:
            for table in top.iter("table"):
                header = self.header_of_table(table)
                if header is None:
                    continue
                rows = [
                    tr
                    for tr in _rows(table)
                    if tr is not header.row and _link_in_title(header, tr) is not None
                ]
                if len(rows) > len(best):
                    best = rows
        return best


def _link_in_title(header: Header, tr: etree._Element) -> etree._Element | None:
    cell = header.cells(tr).get("title")
    scope = cell if cell is not None else tr
    return next((a for a in scope.iter("a") if a.get("href")), None)


def _rows(table: etree._Element) -> list[etree._Element]:
    """The table's own rows (thead/tbody/tfoot included, nested tables' rows not)."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _columns(tr: etree._Element) -> list[tuple[int, etree._Element]]:
    """(column index, cell) with colspans counted."""
    out = []
    index = 0
    for cell in tr:
        if cell.tag not in ("td", "th"):
            continue
        out.append((index, cell))
        span = cell.get("colspan", "1").strip()
        index += int(span) if span.isdigit() and 0 < int(span) < 100 else 1
    return out
