"""The SQL of the problem list: which rows a filter matches, in which order, how many.

Kept apart from `portal.problem_query` (which reads pages and rows) because it holds the
decisions about speed. A city round holds up to ~100,000 problems and the list must answer in
well under 150 ms with twenty evaluators at work, so:
- a filter reads the index of migration 0012 (round, unit, indicator, fingerprint, status,
  decision, deduction), not the rows with their evidence — a level becomes the round's units of
  that level (from `round_totals`, 500 rows read in Python), never a join;
- "unit" order is the unit id (the index's order), descending reverses the whole order (the
  index read backwards), deduction order has an index of its own;
- a draft's decisions are the stored ones but for those made since the round was evaluated,
  named by fingerprint (`changed_decisions`: usually a few hundred), never a join with every
  decision ever made — unless there are more than `MAX_CHANGED` of them;
- counts are remembered per round version and filter for `COUNT_TTL` seconds, so paging
  through one filter counts once; so are a text filter's matches (up to `TEXT_KEPT`), so that
  paging through them reads the round once;
- free text is one scan of the round (LIKE, wildcards escaped; on PostgreSQL text with ASCII
  letters by a regular expression naming both cases, never ILIKE, which lower-cases every row
  first), matching the evidence as its stored JSON text rather than parsing every row's JSON;
- a page learns its round, state and context from one small query (`round_context`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    Text,
    all_,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from common.vocabulary import STATUSES
from portal._memo import Memo
from portal.problem_filter import ProblemFilter
from store import Store
from store.portal_models import RoundPublication
from store.rounds import DECISIONS, PROBLEMS, ROUNDS, TOTALS, RoundInfo, get_round

PUBLICATIONS = RoundPublication.__table__

# Decisions made since a draft round was last evaluated are the only ones its stored rows may
# not show; read from this long before the evaluation (a decision made while the round was
# scored may have been read too late), and looked up by fingerprint up to this many.
SINCE_EVALUATION = dt.timedelta(days=1)
MAX_CHANGED = 10_000


def changed_decisions(conn: Any, info: RoundInfo) -> dict[str, str]:
    """fingerprint → decision in force now, for the round's problems decided since it was
    last evaluated (what a draft shows before publishing scores it)."""
    d, p = DECISIONS.c, PROBLEMS.c
    recent = select(d.fingerprint).where(d.at > info.evaluated_at - SINCE_EVALUATION)
    stmt = (
        select(d.fingerprint, d.decision)
        .join(PROBLEMS, and_(p.round == info.id, p.fingerprint == d.fingerprint))
        .where(d.fingerprint.in_(recent))
        .order_by(d.at, d.id)
    )
    return {fp: decision for fp, decision in conn.execute(stmt)}  # the latest wins


def latest_decisions() -> FromClause:
    """fingerprint → the decision in force (the latest by time, then id): the join used when
    too many decisions were made since the evaluation to name them."""
    d = DECISIONS.c
    ranked = select(
        d.fingerprint,
        d.decision,
        func.row_number()
        .over(partition_by=d.fingerprint, order_by=(d.at.desc(), d.id.desc()))
        .label("n"),
    ).subquery()
    return select(ranked.c.fingerprint, ranked.c.decision).where(ranked.c.n == 1).subquery("ld")


class Publication(NamedTuple):
    """A round's `round_publications` row as the stamp reads it (lifecycle.state_from reads
    the round's state from it)."""

    state: str
    deadline: dt.date | None
    published_at: dt.datetime | None
    published_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None


@dataclass(frozen=True)
class RoundContext:
    """What a query needs to know of the round, read once: its header, its units' names and
    levels, its rounds' order, (draft) the decisions its rows do not show yet, and its
    publication."""

    info: RoundInfo
    units: dict[str, tuple[str, str]]  # unit id → (name, level)
    changed: dict[str, str] | None  # None: too many, use the join
    rounds_order: list[str]  # every round's id by as_of (first_seen sorts by it)
    dialect: str = "sqlite"
    publication: Publication | None = None  # None: a draft

    @property
    def draft(self) -> bool:
        return self.publication is None


_CONTEXTS: Memo[RoundContext] = Memo(size=32)


def round_context(store: Store, round_id: str) -> RoundContext:
    """The round's context, read again only when something it holds may have changed: the
    round evaluated again, published or closed, a decision taken (decisions are only ever
    added, so the newest id names them all) or a round added — one small query per call, the
    only one a page needs to know the round. `RoundNotFound` for an unknown round,
    `RoundIncomplete` for one still missing a city's part."""
    rounds, pub, d = ROUNDS.c, PUBLICATIONS.c, DECISIONS.c
    stamp_stmt = (
        select(
            rounds.evaluated_at,
            rounds.complete,
            *(pub[name] for name in Publication._fields),
            select(func.max(d.id)).scalar_subquery().label("decision"),
            select(func.count()).select_from(ROUNDS).scalar_subquery().label("rounds"),
        )
        .outerjoin(PUBLICATIONS, pub.round == rounds.id)
        .where(rounds.id == round_id)
    )
    with store.reader.connect() as conn:
        stamp = conn.execute(stamp_stmt).first()
    if stamp is None or not stamp.complete:
        get_round(store, round_id)  # raises RoundNotFound / RoundIncomplete, naming what is
    published = (
        None
        if stamp.state is None
        else Publication(*(getattr(stamp, n) for n in Publication._fields))
    )
    key = (store.url, round_id, stamp.evaluated_at, published, stamp.decision, stamp.rounds)
    return _CONTEXTS.get(key, lambda: _read_context(store, round_id, published))


def _read_context(store: Store, round_id: str, published: Publication | None) -> RoundContext:
    """The context read from the store (`round_context` keeps it)."""
    draft = published is None
    info = get_round(store, round_id)
    t = TOTALS.c
    with store.reader.connect() as conn:
        units = {
            u: (name, level)
            for u, name, level in conn.execute(
                select(t.unit_id, t.name, t.level).where(t.round == round_id)
            )
        }
        changed = changed_decisions(conn, info) if draft else {}
        rounds = ROUNDS.c
        order = list(
            conn.scalars(
                select(rounds.id).where(rounds.complete).order_by(rounds.as_of, rounds.created_at)
            )
        )
    return RoundContext(
        info,
        units,
        changed if len(changed) <= MAX_CHANGED else None,
        order,
        store.engine.dialect.name,
        published,
    )


def one_of(column: Any, values: Collection[str], dialect: str) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter however many
    values, so the statement's text is the same each time — compiled once, no bind rendered
    per value (50 fingerprints of a page cost more to render than to look up)."""
    if dialect == "postgresql":
        return column == any_(_array(values))
    return column.in_(list(values))


def none_of(column: Any, values: Collection[str], dialect: str) -> ColumnElement[bool]:
    """``column NOT IN values`` (a column without NULLs); on PostgreSQL ``column <> ALL(array)``,
    one parameter as in `one_of`."""
    if dialect == "postgresql":
        return column != all_(_array(values))
    return column.not_in(list(values))


def _array(values: Collection[str]) -> Any:
    return bindparam(None, list(values), type_=ARRAY(String))


def units_for(
    f: ProblemFilter, visible: Collection[str] | None, ctx: RoundContext
) -> list[str] | None:
    """The units the query may return (None: every unit): the filter's units and level,
    within the viewer's."""
    wanted: set[str] | None = set(f.unit_ids) if f.unit_ids else None
    if visible is not None:
        wanted = set(visible) if wanted is None else wanted & set(visible)
    if f.level is not None:
        at_level = {u for u, (_, level) in ctx.units.items() if level == f.level}
        wanted = at_level if wanted is None else wanted & at_level
    return None if wanted is None else sorted(wanted)


def _like(text: str) -> str:
    """A LIKE pattern holding ``text`` anywhere, with ``!`` escaping the wildcards."""
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def text_condition(text: str, dialect: str) -> ColumnElement[bool]:
    """Free text in the subject, the suggestion or the evidence (title, 文号, column, link
    text …). The evidence is matched as its stored JSON text, which SQLite keeps with
    non-ASCII characters escaped (\\uXXXX): the text is escaped the same way there. One scan
    of the round's rows either way, without parsing each row's JSON — at the price that a
    search for an evidence key's name (``title``, ``url``) matches every problem having it."""
    p = PROBLEMS.c
    evidence = cast(p.evidence, Text)
    if dialect == "sqlite":  # LIKE is already case-insensitive for ASCII letters
        json_text = json.dumps(text)[1:-1]
        return or_(
            p.fingerprint == text,
            p.subject.like(_like(text), escape="!"),
            p.suggestion.like(_like(text), escape="!"),
            evidence.like(_like(json_text), escape="!"),
        )
    columns = (p.subject, p.suggestion, evidence)
    if not any(c.isascii() and c.isalpha() for c in text):  # nothing to fold: LIKE, cheapest
        return or_(p.fingerprint == text, *(c.like(_like(text), escape="!") for c in columns))
    # ILIKE lower-cases every row's whole text first (five times LIKE's time on a round's
    # evidence); a pattern naming both cases of each letter reads the rows as they are.
    pattern = ascii_caseless(text)
    return or_(p.fingerprint == text, *(c.regexp_match(pattern) for c in columns))


def ascii_caseless(text: str) -> str:
    """A PostgreSQL regular expression matching ``text`` literally, its ASCII letters in either
    case — the matching of SQLite's LIKE, so a search finds the same on either store."""
    out = []
    for c in text:
        if c.isascii() and c.isalpha():
            out.append(f"[{c.lower()}{c.upper()}]")
        elif c.isascii() and not c.isdigit():  # punctuation, space: escaped, so taken as is
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


class Plan:
    """The FROM clause, conditions and order of one filter (the joins it needs only)."""

    def __init__(self, f: ProblemFilter, units: list[str] | None, ctx: RoundContext):
        p = PROBLEMS.c
        source: Any = PROBLEMS
        conds: list[Any] = [p.round == f.round_id]
        if units is not None:
            conds.append(one_of(p.unit_id, units, ctx.dialect))
        if f.indicator is not None:
            conds.append(p.indicator_id == f.indicator)
        if f.statuses:
            conds.append(one_of(p.status, f.statuses, ctx.dialect))
        if f.decision is not None and ctx.changed is None:
            latest = latest_decisions()
            source = source.outerjoin(latest, latest.c.fingerprint == p.fingerprint)
            now = func.coalesce(latest.c.decision, p.decision)
            conds.append(now.is_(None) if f.decision == "none" else now == f.decision)
        elif f.decision is not None:
            conds.append(decision_condition(f.decision, ctx.changed or {}, ctx.dialect))
        if f.text:
            conds.append(text_condition(f.text, ctx.dialect))
        self.source, self.conditions = source, conds
        self.order = order_of(f, ctx)

    def select(self, *columns: Any) -> Select[Any]:
        return select(*columns).select_from(self.source).where(*self.conditions)


def order_of(f: ProblemFilter, ctx: RoundContext) -> list[Any]:
    """ORDER BY of the list: the sort key, then unit, indicator, fingerprint (unique in a
    round, so pages never overlap); descending reverses the whole order, so that an index
    serves it read backwards. "unit" is the unit id, the order the index keeps."""
    p = PROBLEMS.c
    keys: list[Any] = [p.unit_id, p.indicator_id, p.fingerprint]
    if f.sort == "status":
        keys.insert(0, case({s: i for i, s in enumerate(STATUSES)}, value=p.status))
    elif f.sort == "first_seen":
        rounds = {r: i for i, r in enumerate(ctx.rounds_order)}
        keys.insert(0, case(rounds, value=p.first_seen_round, else_=len(rounds)))
    elif f.sort != "unit":
        keys.insert(0, {"indicator": p.indicator_id, "deduction": p.deduction}[f.sort])
    return [k.desc() for k in keys] if f.descending else keys


def decision_condition(decision: str, changed: dict[str, str], dialect: str) -> ColumnElement[bool]:
    """Rows whose decision now is ``decision`` (none: no decision): the stored one unless
    decided since the evaluation."""
    p = PROBLEMS.c
    if not changed:
        return p.decision.is_(None) if decision == "none" else p.decision == decision
    unchanged = none_of(p.fingerprint, changed, dialect)
    if decision == "none":
        return and_(p.decision.is_(None), unchanged)
    now = [fp for fp, d in changed.items() if d == decision]
    return or_(one_of(p.fingerprint, now, dialect), and_(p.decision == decision, unchanged))


# Counts of recent filters, so paging through one filter counts its rows once. The key holds
# all a count depends on but `zwgk recheck`, which rewrites statuses in place: hence the TTL.
COUNT_TTL = 30.0  # seconds
_COUNTS: Memo[Any] = Memo(size=512, ttl=COUNT_TTL)


# Free text is matched by reading every row of the round in scope (no index serves "contains"),
# so a text filter's matches are read once, in the list's order, and kept like a count: paging
# through them is then a slice. Up to TEXT_KEPT of them; a term matching more is paged in SQL
# (matches that dense are found early on the index, whatever the planner guessed).
TEXT_KEPT = 2_000
_TEXT_MATCHES: Memo[list[str] | None] = Memo(size=64, ttl=COUNT_TTL)


def text_matches(conn: Any, plan: Plan, key: tuple) -> list[str] | None:
    """The fingerprints a text filter matches, in the page's order (None: more than
    `TEXT_KEPT`). Without this, the page's own query was left to the planner's guess at how
    many rows contain the text: a guess of few sorted the whole round's matches on every page
    (0.3 s of server time a page on 100,000 problems); the count scanned the round again."""

    def read() -> list[str] | None:
        stmt = plan.select(PROBLEMS.c.fingerprint).order_by(*plan.order).limit(TEXT_KEPT + 1)
        found = list(conn.scalars(stmt))
        return found if len(found) <= TEXT_KEPT else None

    return _TEXT_MATCHES.get(key, read)


def page_keys(
    store: Store,
    conn: Any,
    ctx: RoundContext,
    f: ProblemFilter,
    units: list[str] | None,
    plan: Plan,
) -> tuple[list[str], int]:
    """The fingerprints of the page ``f`` asks for, and how many rows match in all.

    Status and first-seen orders have a handful of values: the rows are counted per value (on
    the index, remembered), and the page is read value by value in unit order — the index's
    order — instead of sorting the whole round by a computed key."""
    p = PROBLEMS.c
    changed = None if ctx.changed is None else hash(frozenset(ctx.changed.items()))
    page_free = f.replace(page=1, per_page=50, sort="unit", descending=False)
    key = (store.url, ctx.info.evaluated_at, ctx.draft, changed, page_free, tuple(units or ()))
    if f.text:
        found = text_matches(conn, plan, (*key, f.sort, f.descending))
        if found is not None:
            return found[f.offset : f.offset + f.per_page], len(found)
    if f.sort not in ("status", "first_seen"):
        total = _COUNTS.get(key, lambda: int(conn.scalar(plan.select(func.count())) or 0))
        page = plan.select(p.fingerprint).order_by(*plan.order)
        return list(conn.scalars(page.limit(f.per_page).offset(f.offset))), total
    column = p.status if f.sort == "status" else p.first_seen_round
    known = list(STATUSES) if f.sort == "status" else ctx.rounds_order
    counted = plan.select(column, func.count()).group_by(column)
    groups = _COUNTS.get((*key, f.sort), lambda: {v: int(n) for v, n in conn.execute(counted)})
    values = [v for v in known if v in groups] + sorted(v for v in groups if v not in known)
    within: list[Any] = [p.unit_id, p.indicator_id, p.fingerprint]
    if f.descending:
        values.reverse()
        within = [c.desc() for c in within]
    keys: list[str] = []
    skip, wanted = f.offset, f.per_page
    for value in values:
        if skip >= groups[value]:
            skip -= groups[value]
            continue
        take = min(wanted, groups[value] - skip)
        part = plan.select(p.fingerprint).where(column == value).order_by(*within)
        keys += conn.scalars(part.limit(take).offset(skip))
        skip, wanted = 0, wanted - take
        if not wanted:
            break
    return keys, sum(groups.values())
