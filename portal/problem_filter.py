"""The problem list's filter (问题筛选), as it travels in a URL query string.

The list's filter lives in the URL so that an evaluator can share it (a link to 裕安区's
undated articles still open) and go back to it. The query string is untrusted: every value is
checked and a bad one is a `FilterError` saying which and why in Chinese — never a server
error and never a silently different list. `ProblemFilter.to_query` writes what
`ProblemFilter.from_query` reads back to the same filter (defaults are left out, so links stay
short).

Keys: ``unit`` (repeatable), ``level``, ``indicator``, ``status`` (repeatable), ``decision``
(none / confirmed / dismissed), ``q`` (free text), ``sort`` (unit, indicator, deduction,
status, first_seen; a leading ``-`` sorts descending), ``page``, ``per_page``. Unknown keys
are ignored (a page may carry its own), empty values mean "any".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from common.vocabulary import STATUS_ZH, STATUSES
from store.text import inert

SORTS = {
    "unit": "单位",
    "indicator": "指标",
    "deduction": "扣分",
    "status": "状态",
    "first_seen": "首次发现",
}
DECISION_FILTERS = {"none": "未决定", "confirmed": "已确认", "dismissed": "已驳回"}
PER_PAGE = (20, 50, 100, 200)
MAX_TEXT = 100  # characters of free text
MAX_UNITS = 500  # units named in one filter
MAX_PAGE = 100_000
MAX_ID = 128  # a unit or indicator id (the store's column length)
KEYS = ("unit", "level", "indicator", "status", "decision", "q", "sort", "page", "per_page")
REPEATABLE = frozenset({"unit", "status"})


class FilterError(ValueError):
    """A query string the problem list cannot read; the message says what to fix, in Chinese."""


@dataclass(frozen=True)
class ProblemFilter:
    """What the problem list shows of round ``round_id``: the filters, the order and the page.

    ``unit_ids`` empty: every unit the viewer may see (the query always intersects it with
    the viewer's units); ``statuses`` empty: any status; ``decision`` None: any."""

    round_id: str
    unit_ids: tuple[str, ...] = ()
    level: str | None = None
    indicator: str | None = None
    statuses: tuple[str, ...] = ()
    decision: str | None = None
    text: str = ""
    sort: str = "unit"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    def replace(self, **changes: Any) -> ProblemFilter:
        return dataclasses.replace(self, **changes)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @classmethod
    def from_query(cls, round_id: str, query: Any) -> ProblemFilter:
        """The filter a query string (``a=1&b=2``, a mapping of values or lists, or a
        multi-dict with ``multi_items()``) asks for; `FilterError` for a bad value."""
        values: dict[str, list[str]] = {}
        for key, value in _pairs(query):
            if key in KEYS and value.strip():
                values.setdefault(key, []).append(value.strip())
        for key, found in values.items():
            if key not in REPEATABLE and len(found) > 1:
                raise FilterError(f"参数 {key} 只能有一个值，收到{len(found)}个")
        one = {k: v[0] for k, v in values.items() if k not in REPEATABLE}
        sort = one.get("sort", "unit")
        descending = sort.startswith("-")
        sort = sort.removeprefix("-")
        if sort not in SORTS:
            raise FilterError(f"排序方式“{_shown(sort)}”无效，应为{'、'.join(SORTS)}之一")
        return cls(
            round_id=round_id,
            unit_ids=_units(values.get("unit", [])),
            level=_bounded(one.get("level"), 32, "层级"),
            indicator=_bounded(one.get("indicator"), MAX_ID, "指标"),
            statuses=_statuses(values.get("status", [])),
            decision=_choice(one.get("decision"), DECISION_FILTERS, "决定"),
            text=_text(one.get("q", "")),
            sort=sort,
            descending=descending,
            page=_number(one.get("page"), 1, MAX_PAGE, "页码", 1),
            per_page=_per_page(one.get("per_page")),
        )

    def to_query(self, **changes: Any) -> str:
        """The query string of this filter (with ``changes``, e.g. ``page=2``), defaults left
        out; the round is not in it (it is in the path)."""
        f = self.replace(**changes) if changes else self
        pairs: list[tuple[str, str]] = [("unit", u) for u in f.unit_ids]
        pairs += [("level", f.level)] if f.level else []
        pairs += [("indicator", f.indicator)] if f.indicator else []
        pairs += [("status", s) for s in f.statuses]
        pairs += [("decision", f.decision)] if f.decision else []
        pairs += [("q", f.text)] if f.text else []
        if (f.sort, f.descending) != ("unit", False):
            pairs.append(("sort", f"-{f.sort}" if f.descending else f.sort))
        pairs += [("page", str(f.page))] if f.page != 1 else []
        pairs += [("per_page", str(f.per_page))] if f.per_page != 50 else []
        return urlencode(pairs)

    def described(self) -> list[str]:
        """The active filters in words, for the page's heading (用户可读)."""
        out = []
        if self.unit_ids:
            out.append(f"单位 {len(self.unit_ids)} 个")
        if self.level:
            out.append(f"层级：{self.level}")
        if self.indicator:
            out.append(f"指标：{self.indicator}")
        if self.statuses:
            out.append("状态：" + "、".join(STATUS_ZH[s] for s in self.statuses))
        if self.decision:
            out.append(f"决定：{DECISION_FILTERS[self.decision]}")
        if self.text:
            out.append(f"含“{self.text}”")
        return out


def _pairs(query: Any) -> Iterable[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        if len(query) > 64 * 1024:
            raise FilterError("查询参数过长")
        return parse_qsl(query, keep_blank_values=True)
    if hasattr(query, "multi_items"):
        return [(str(k), str(v)) for k, v in query.multi_items()]
    if isinstance(query, Mapping):
        out = []
        for key, value in query.items():
            items = value if isinstance(value, list | tuple) else [value]
            out += [(str(key), "" if v is None else str(v)) for v in items]
        return out
    raise TypeError(f"a query string, mapping or multi-dict, not {type(query).__name__}")


def _shown(value: str) -> str:
    text = (inert(value) or "").replace("\n", " ")
    return text[:30] + ("…" if len(text) > 30 else "")


def _bounded(value: str | None, limit: int, what: str) -> str | None:
    if value is not None and len(value) > limit:
        raise FilterError(f"{what}“{_shown(value)}”过长（最多{limit}个字符）")
    return value


def _units(found: list[str]) -> tuple[str, ...]:
    units = tuple(dict.fromkeys(found))
    if len(units) > MAX_UNITS:
        raise FilterError(f"一次最多筛选{MAX_UNITS}个单位，收到{len(units)}个")
    for unit in units:
        _bounded(unit, MAX_ID, "单位")
    return units


def _statuses(found: list[str]) -> tuple[str, ...]:
    bad = [s for s in found if s not in STATUSES]
    if bad:
        allowed = "、".join(f"{s}（{STATUS_ZH[s]}）" for s in STATUSES)
        raise FilterError(f"问题状态“{_shown(bad[0])}”无效，应为{allowed}之一")
    return tuple(s for s in STATUSES if s in found)  # the vocabulary's order: one spelling


def _choice(value: str | None, allowed: Mapping[str, str], what: str) -> str | None:
    if value is not None and value not in allowed:
        said = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise FilterError(f"{what}“{_shown(value)}”无效，应为{said}之一")
    return value


def _text(value: str) -> str:
    text = " ".join((inert(value) or "").split())
    if len(text) > MAX_TEXT:
        raise FilterError(f"搜索内容共{len(text)}字，最多{MAX_TEXT}字")
    return text


def _number(value: str | None, low: int, high: int, what: str, default: int) -> int:
    if value is None:
        return default
    digits = len(str(high))
    if not (
        value.isascii() and value.isdigit() and len(value) <= digits and low <= int(value) <= high
    ):
        raise FilterError(f"{what}“{_shown(value)}”无效，应为{low}到{high}之间的整数")
    return int(value)


def _per_page(value: str | None) -> int:
    if value is None:
        return 50
    if not (value.isascii() and value.isdigit() and len(value) <= 3 and int(value) in PER_PAGE):
        allowed = "、".join(str(n) for n in PER_PAGE)
        raise FilterError(f"每页条数“{_shown(value)}”无效，应为{allowed}之一")
    return int(value)
