"""The problem list (问题清单) of a round: filtered, sorted and paged, never by reading the round's
rows (a city round holds up to ~100,000 problems). A page is read in two steps: the
fingerprints of the page and how many match in all (`portal.round_index`: the round's list
columns, kept per process), then those ≤ 200 rows in full from the store.

What is shown as a problem's decision (决定) depends on the round's life: in a draft the
decision in force now (the latest in `decisions`, which publishing will score), in a published
round the one frozen with it (`problems.decision`). Units' names and levels are the round's
(`round_totals`), so an old round reads as it was.

Every query is intersected with the viewer's units (``visible``: a set of unit ids, None for
every unit): a unit named in the filter that the viewer may not see matches nothing.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import escape
from sqlalchemy import bindparam, func, select

from common.vocabulary import LEVELS, STATUS_ZH, STATUSES
from portal._memo import Memo
from portal.problem_filter import DECISION_FILTERS, SORTS, FilterError, ProblemFilter
from portal.problem_sql import RoundContext, one_of, one_of_named, round_context, units_for
from portal.round_index import round_index
from scoring.round import frozen_set
from store import Store
from store.rounds import DECISIONS, PROBLEMS, RoundInfo

__all__ = [
    "DECISION_FILTERS", "SORTS", "FilterError", "Page", "ProblemFilter", "ProblemRow", "facets",
    "indicator_names", "problem_rows", "query", "select_fingerprints",
]  # fmt: skip

MAX_SELECTED = 5000  # fingerprints one "select every match" may take (portal.decisions too)
_NAMES: dict[str, dict[str, str]] = {}  # indicator set sha256 → indicator id → name


@dataclass(frozen=True)
class ProblemRow:
    """One line of the problem list."""

    fingerprint: str
    unit_id: str
    unit_name: str
    level: str
    indicator_id: str
    indicator_name: str
    subject: str
    title: str | None  # the article's or column's name from the evidence, when it has one
    target_url: str | None
    deduction: float
    status: str
    first_seen_round: str
    decision: str | None
    suggestion: str | None
    rectifiable: bool

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)


@dataclass(frozen=True)
class Page:
    """One page of the list: its rows and how many match in all."""

    filter: ProblemFilter
    rows: list[ProblemRow]
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.filter.per_page))


def indicator_names(info: RoundInfo) -> dict[str, str]:
    """indicator id → name in the round's frozen set (parsed once per set)."""
    if info.indicator_set_sha256 not in _NAMES:
        _NAMES[info.indicator_set_sha256] = {i.id: i.name for i in frozen_set(info).indicators}
    return _NAMES[info.indicator_set_sha256]


def query(
    store: Store,
    f: ProblemFilter,
    visible: Collection[str] | None,
    ctx: RoundContext | None = None,
) -> Page:
    """The page ``f`` asks for of the problems of the units ``visible`` (None: all); ``ctx``:
    the round's context when the page has already read it."""
    ctx = ctx or round_context(store, f.round_id)
    units = units_for(f, visible, ctx)
    if units == []:
        return Page(f, [], 0)
    index = round_index(store, ctx)
    with store.reader.connect() as conn:
        chosen = index.select(conn, f, units, ctx)
        keys = index.keys(chosen[f.offset : f.offset + f.per_page])
        rows = problem_rows(conn, ctx, keys)
    return Page(f, [rows[k] for k in keys if k in rows], len(chosen))


def problem_rows(conn: Any, ctx: RoundContext, keys: list[str]) -> dict[str, ProblemRow]:
    """The rows of the problems ``keys`` of the round in full, by fingerprint."""
    if not keys:
        return {}
    d = DECISIONS.c
    latest: dict[str, str] = {}
    if ctx.draft and ctx.changed is not None:  # the decision in force now, as the filter has it
        latest = ctx.changed
    elif ctx.draft:  # too many decisions since the evaluation to keep: those of the page's rows
        decided = select(d.fingerprint, d.decision).where(one_of(d.fingerprint, keys, ctx.dialect))
        latest = dict(tuple(r) for r in conn.execute(decided.order_by(d.at, d.id)))
    names = indicator_names(ctx.info)
    out = {}
    found = conn.execute(_rows_statement(ctx.dialect), {"round": ctx.info.id, "keys": keys})
    for (
        fingerprint, unit_id, indicator_id, subject, title, target_url, deduction, status,
        first_seen_round, decision, suggestion, rectifiable,
    ) in found:  # fmt: skip
        unit_name, level = ctx.units.get(unit_id, (unit_id, ""))
        out[fingerprint] = ProblemRow(
            fingerprint=fingerprint,
            unit_id=unit_id,
            unit_name=unit_name,
            level=level,
            indicator_id=indicator_id,
            indicator_name=names.get(indicator_id, indicator_id),
            subject=subject,
            title=title,
            target_url=target_url,
            deduction=float(deduction),
            status=status,
            first_seen_round=first_seen_round,
            decision=latest.get(fingerprint, decision),
            suggestion=suggestion,
            rectifiable=rectifiable is not False,  # NULL before revision 0010: rectifiable
        )
    return out


_ROWS_STATEMENTS: dict[str, Any] = {}


def _rows_statement(dialect: str) -> Any:
    """The statement reading a page's rows (parameters: the round, the page's fingerprints),
    built once per dialect: building it anew took a tenth of a millisecond a page."""
    if dialect not in _ROWS_STATEMENTS:
        p = PROBLEMS.c
        title = func.coalesce(
            p.evidence["title"].as_string(), p.evidence["column_name"].as_string()
        )
        _ROWS_STATEMENTS[dialect] = select(
            p.fingerprint, p.unit_id, p.indicator_id, p.subject, title.label("title"),
            p.target_url, p.deduction, p.status, p.first_seen_round, p.decision, p.suggestion,
            p.rectifiable,
        ).where(p.round == bindparam("round"), one_of_named(p.fingerprint, "keys", dialect))  # fmt: skip
    return _ROWS_STATEMENTS[dialect]


def select_fingerprints(
    store: Store, f: ProblemFilter, visible: Collection[str] | None, limit: int = MAX_SELECTED
) -> list[str]:
    """Every fingerprint ``f`` matches (all pages, in the list's order) for a bulk decision;
    `FilterError` when more than ``limit`` match (narrow the filter)."""
    ctx = round_context(store, f.round_id)
    units = units_for(f, visible, ctx)
    if units == []:
        return []
    index = round_index(store, ctx)
    with store.reader.connect() as conn:
        chosen = index.select(conn, f, units, ctx)
    if len(chosen) > limit:
        raise FilterError(f"符合条件的问题超过{limit}个，请先缩小筛选范围再批量处理")
    return index.keys(chosen)


@dataclass(frozen=True)
class Facets:
    """What the filter form offers: the viewer's units of the round, levels, indicators."""

    units: list[tuple[str, str, str]]  # (unit id, name, level) in level order, then name
    levels: list[str]
    indicators: list[tuple[str, str]]  # (id, name) in the set's order
    statuses: list[tuple[str, str]] = field(
        default_factory=lambda: [(s, STATUS_ZH[s]) for s in STATUSES]
    )
    decisions: list[tuple[str, str]] = field(default_factory=lambda: list(DECISION_FILTERS.items()))
    sorts: list[tuple[str, str]] = field(default_factory=lambda: list(SORTS.items()))

    @cached_property
    def unit_options(self) -> str:
        """The unit filter's options, none selected — a city's 500 units, joined once here
        rather than per page in a template loop, which took half of the list's time."""
        return "".join(
            f'<option value="{escape(u)}">{escape(name)}（{escape(level)}）</option>'
            for u, name, level in self.units
        )


_FACETS: Memo[Facets] = Memo(size=64)


def facets(
    store: Store,
    round_id: str,
    visible: Collection[str] | None,
    ctx: RoundContext | None = None,
) -> Facets:
    """The choices of the filter form for round ``round_id`` and the viewer's units (from the
    round's context, kept per round version and scope: they change only when it is evaluated
    again)."""
    ctx = ctx or round_context(store, round_id)
    scope = None if visible is None else frozenset(visible)
    key = (store.url, round_id, ctx.info.evaluated_at, scope)
    return _FACETS.get(key, lambda: _facets(ctx, scope))


def _facets(ctx: RoundContext, visible: frozenset[str] | None) -> Facets:
    units = [(u, name, level) for u, (name, level) in ctx.units.items()]
    if visible is not None:
        units = [u for u in units if u[0] in visible]
    order = {level: i for i, level in enumerate(LEVELS)}
    units.sort(key=lambda u: (order.get(u[2], len(order)), u[2], u[1], u[0]))
    levels = list(dict.fromkeys(u[2] for u in units))
    return Facets(
        units=units,
        levels=levels,
        indicators=list(indicator_names(ctx.info).items()),
    )
