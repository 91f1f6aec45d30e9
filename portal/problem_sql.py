"""The SQL of the problem list: what a page needs to know of its round, and how free text and a
page's fingerprints are matched.

Which rows a filter matches, in which order and how many is `portal.round_index`'s (arrays kept
per process); this module is the store's side of it:
- a page learns its round, state and context from one small query (`round_context`), which
  also says when the context (and the decisions laid over a draft) must be read again;
- a draft's decisions are the stored ones but for those made since the round was evaluated,
  named by fingerprint (`changed_decisions`: usually a few hundred), or every latest decision
  when there are more than `MAX_CHANGED` (`latest_decisions`);
- free text is one scan of the round (LIKE, wildcards escaped; on PostgreSQL text with ASCII
  letters by a regular expression naming both cases, never ILIKE, which lower-cases every row
  first), matching the evidence as its stored JSON text rather than parsing every row's JSON;
- a page's ≤ 200 fingerprints are one array parameter on PostgreSQL (`one_of`).
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
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

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
    rewritten_at: dt.datetime | None = None  # `zwgk recheck` changed its rows in place then
    version: tuple = ()  # what `round_context` read it under: changes with any of the above

    @property
    def draft(self) -> bool:
        return self.publication is None


_CONTEXTS: Memo[RoundContext] = Memo(size=32)
# What says whether a round's context may have changed: built once (every page runs it).
_STAMP = (
    select(
        ROUNDS.c.evaluated_at,
        ROUNDS.c.rewritten_at,
        ROUNDS.c.complete,
        *(PUBLICATIONS.c[name] for name in Publication._fields),
        select(func.max(DECISIONS.c.id)).scalar_subquery().label("decision"),
        select(func.count()).select_from(ROUNDS).scalar_subquery().label("rounds"),
    )
    .outerjoin(PUBLICATIONS, PUBLICATIONS.c.round == ROUNDS.c.id)
    .where(ROUNDS.c.id == bindparam("round"))
)


def round_context(store: Store, round_id: str) -> RoundContext:
    """The round's context, read again only when something it holds may have changed: the
    round evaluated again or rewritten in place (`zwgk recheck`), published or closed, a
    decision taken (decisions are only ever added, so the newest id names them all) or a round
    added — one small query per call, the only one a page needs to know the round.
    `RoundNotFound` for an unknown round, `RoundIncomplete` for one still missing a city's
    part."""
    with store.reader.connect() as conn:
        stamp = conn.execute(_STAMP, {"round": round_id}).first()
    if stamp is None or not stamp.complete:
        get_round(store, round_id)  # raises RoundNotFound / RoundIncomplete, naming what is
    published = (
        None
        if stamp.state is None
        else Publication(*(getattr(stamp, n) for n in Publication._fields))
    )
    rewritten = stamp.rewritten_at
    key = (
        store.url, round_id, stamp.evaluated_at, rewritten, published, stamp.decision, stamp.rounds
    )  # fmt: skip
    return _CONTEXTS.get(key, lambda: _read_context(store, round_id, published, rewritten, key))


def _read_context(
    store: Store,
    round_id: str,
    published: Publication | None,
    rewritten_at: dt.datetime | None,
    version: tuple,
) -> RoundContext:
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
        rewritten_at,
        version,
    )


def one_of(column: Any, values: Collection[str], dialect: str) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter however many
    values, so the statement's text is the same each time — compiled once, no bind rendered
    per value (50 fingerprints of a page cost more to render than to look up)."""
    if dialect == "postgresql":
        return column == any_(_array(values))
    return column.in_(list(values))


def _array(values: Collection[str]) -> Any:
    return bindparam(None, list(values), type_=ARRAY(String))


def one_of_named(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """`one_of` with its values left to the parameter ``name``, for a statement built once
    and run with ``{name: [values…]}``."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String)))
    return column.in_(bindparam(name, expanding=True))


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
