"""The problem list's index of a round (问题清单索引): each portal process keeps, per round, the
columns the list filters, sorts and counts on as arrays — one row per problem, in the list's
unit order — so that a page of the list costs one query, the one reading its rows.

Why not filter, count and page in SQL each time (as the list did before): on PostgreSQL with
twenty evaluators at work, the server's time for the list went mostly to counting and skipping.
A filter's first count read the round's whole index (an indicator 11 ms, two statuses 55 ms, a
frequent word 85 ms); a deep page skipped up to 50,000 index entries (5 ms); every page sent a
query of its own. Here each of those is a few array operations over 100,000 rows, well under a
millisecond, and the count comes with the page.

What it costs: one read of the round's (fingerprint, unit, indicator, status, decision,
deduction, first seen) per process and round version — evaluated (`evaluated_at`) or rewritten in
place by `zwgk recheck` (`rewritten_at`) — read in slices so that no more than a slice's rows
are ever held as Python objects; measured on 100,000 problems: see `read`. `KEPT` rounds at most.
Twenty requests arriving at once for a round not yet read wait for one read, not twenty.

A draft shows the decision in force now: the stored one, but for those made since the round was
evaluated (`RoundContext.changed`; all of the round's latest decisions when there are too many
to name) laid over it — once per context, i.e. once per new decision. Free text is matched in
SQL (`problem_sql.text_condition`: no index serves "contains"), once per term and index.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from common.vocabulary import STATUSES
from portal._memo import Memo
from portal.problem_filter import ProblemFilter
from portal.problem_sql import RoundContext, latest_decisions, text_condition
from store import Store
from store.rounds import PROBLEMS

KEPT = 4  # rounds a process keeps indexed (the newest draft and a few published ones)
TEXT_TERMS = 64  # free-text terms an index keeps the matches of
NO_DECISION = -1  # the code of "no decision"
SLICE = 10_000  # rows read at a time
FINGERPRINT_LENGTH = 16  # hex digits (store.models.Problem.fingerprint)
FINGERPRINT = f"S{FINGERPRINT_LENGTH}"
_READING = threading.Lock()


def round_index(store: Store, ctx: RoundContext) -> RoundIndex:
    """The index of the round of ``ctx``, read if this process has none of its version."""
    key = (store.url, ctx.info.id, ctx.info.evaluated_at, ctx.rewritten_at)

    def read_once() -> RoundIndex:
        with _READING:  # the others wait, then find what the first one read
            return _INDEXES.get(key, lambda: RoundIndex.read(store, ctx.info.id))

    return _INDEXES.get(key, read_once)


class _Coder:
    """Codes for the values of a column read slice by slice: each new value the next code;
    `sorted` renumbers them in the values' order (None, "no decision", stays NO_DECISION)."""

    def __init__(self) -> None:
        self.codes: dict[Any, int] = {None: NO_DECISION}
        self.parts: list[np.ndarray] = []

    def add(self, values: Sequence[Any]) -> None:
        local, distinct = pd.factorize(np.array(values, dtype=object))  # None: -1
        codes = self.codes
        to_global = [codes.setdefault(v, len(codes) - 1) for v in distinct] + [NO_DECISION]
        self.parts.append(np.array(to_global, dtype=np.int32)[local])

    def sorted(self) -> tuple[np.ndarray, list[Any]]:
        values = sorted(v for v in self.codes if v is not None)
        renumber = np.empty(len(self.codes), dtype=np.int32)  # old code → new; -1 at the end
        renumber[-1] = NO_DECISION
        for new, value in enumerate(values):
            renumber[self.codes[value]] = new
        joined = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        return renumber[joined], values


def _ranks(codes: np.ndarray, values: list[str], first: list[str]) -> np.ndarray:
    """Each row's rank when the values in ``first`` come first, in that order, and the others
    after them by name (the order `ProblemFilter`'s status and first-seen sorts promise)."""
    rank = {v: i for i, v in enumerate(first)}
    for value in sorted(v for v in values if v not in rank):
        rank[value] = len(rank)
    lookup = np.array([rank[v] for v in values] or [0], dtype=np.int32)
    return lookup[codes]


class RoundIndex:
    """One round's problems as arrays, row ``i`` the ``i``-th in the list's unit order (unit
    id, indicator id, fingerprint, as the store orders them)."""

    def __init__(self, round_id: str, fingerprints: np.ndarray, columns: dict[str, Any]) -> None:
        self.round_id = round_id
        # Fingerprints are 16 hex digits (`scoring.scorer.fingerprint`): kept as 16 bytes each
        # (1.6 MB a round), found by binary search rather than a dict of 100,000 strings.
        self.fingerprints = fingerprints
        self._by_fingerprint = np.argsort(fingerprints, kind="stable")
        self._sorted = fingerprints[self._by_fingerprint]
        self.unit, self.unit_ids = columns["unit_id"]
        self.indicator, self.indicator_ids = columns["indicator_id"]
        self.status, self.statuses = columns["status"]
        self.decision, self.decisions = columns["decision"]
        self.first_seen, self.first_seen_ids = columns["first_seen_round"]
        self.deduction = columns["deduction"]
        self._orders: dict[Any, np.ndarray] = {}
        self._texts: Memo[np.ndarray] = Memo(size=TEXT_TERMS)
        self._decided: Memo[tuple[np.ndarray, list[Any]]] = Memo(size=2)

    CODED = ("unit_id", "indicator_id", "status", "decision", "first_seen_round")

    @classmethod
    def read(cls, store: Store, round_id: str) -> RoundIndex:
        """The round's list columns from the store, ``SLICE`` rows at a time. Measured on
        100,000 problems (PostgreSQL, benchmarks/portal.py's store): 0.35–0.46 s of CPU; kept
        about 7 MB of arrays (up to 17 MB with every order and `TEXT_TERMS` terms), the process
        grew by 29–31 MiB in all (what the driver and the allocator keep of the read)."""
        p = PROBLEMS.c
        coded = [p[name] for name in cls.CODED]
        stmt = (
            select(p.fingerprint, p.deduction, *coded)
            .where(p.round == round_id)
            .order_by(p.unit_id, p.indicator_id, p.fingerprint)
        )
        coders = {name: _Coder() for name in cls.CODED}
        fingerprints: list[np.ndarray] = []
        deductions: list[np.ndarray] = []
        with store.reader.connect() as conn:
            # Rows become Python objects a slice at a time (the driver holds the rest as it
            # received it): a server-side cursor would need a transaction the reader has not.
            for rows in conn.execute(stmt).partitions(SLICE):
                fps, deduction, *values = zip(*rows, strict=True)
                if max(map(len, fps)) > FINGERPRINT_LENGTH:  # never cut one short
                    raise ValueError(f"round {round_id}: a fingerprint longer than 16 characters")
                fingerprints.append(np.array(fps, dtype=FINGERPRINT))
                deductions.append(np.array(deduction, dtype=float))
                for name, column in zip(cls.CODED, values, strict=True):
                    coders[name].add(column)
        columns: dict[str, Any] = {name: coder.sorted() for name, coder in coders.items()}
        columns["deduction"] = np.concatenate(deductions) if deductions else np.empty(0)
        if not fingerprints:
            return cls(round_id, np.empty(0, dtype=FINGERPRINT), columns)
        return cls(round_id, np.concatenate(fingerprints), columns)

    def __len__(self) -> int:
        return len(self.fingerprints)

    def keys(self, rows: np.ndarray) -> list[str]:
        """The fingerprints of ``rows``."""
        return [fp.decode("ascii") for fp in self.fingerprints[rows]]

    def rows_of(self, fingerprints: Iterable[str]) -> np.ndarray:
        """The rows of those of ``fingerprints`` the round has."""
        wanted = np.array(list(fingerprints), dtype=FINGERPRINT)
        if not len(wanted) or not len(self):
            return np.empty(0, dtype=np.intp)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self) - 1)
        return self._by_fingerprint[at[self._sorted[at] == wanted]]

    # -- which rows ------------------------------------------------------------------------
    def matching(
        self, conn: Any, f: ProblemFilter, units: Collection[str] | None, ctx: RoundContext
    ) -> np.ndarray | None:
        """The rows ``f`` matches within ``units`` (None: every unit), as a mask; None: all."""
        mask: np.ndarray | None = None

        def narrow(rows: np.ndarray) -> None:
            nonlocal mask
            mask = rows if mask is None else mask & rows

        if units is not None:
            narrow(_among(self.unit, self.unit_ids, units))
        if f.indicator is not None:
            narrow(_among(self.indicator, self.indicator_ids, [f.indicator]))
        if f.statuses:
            narrow(_among(self.status, self.statuses, f.statuses))
        if f.decision is not None:
            codes, values = self.decisions_now(conn, ctx)
            if f.decision == "none":
                narrow(codes == NO_DECISION)
            else:
                narrow(_among(codes, values, [f.decision]))
        if f.text:
            narrow(self.text_matches(conn, f.text, ctx.dialect))
        return mask

    def decisions_now(self, conn: Any, ctx: RoundContext) -> tuple[np.ndarray, list[Any]]:
        """Each row's decision code as the list shows it, and the values the codes name."""
        if not ctx.draft or ctx.changed == {}:
            return self.decision, self.decisions
        return self._decided.get(ctx.version, lambda: self._lay_over(conn, ctx))

    def _lay_over(self, conn: Any, ctx: RoundContext) -> tuple[np.ndarray, list[Any]]:
        latest = ctx.changed
        if latest is None:  # too many since the evaluation to name: every latest decision
            ld, p = latest_decisions(), PROBLEMS.c
            stmt = select(ld.c.fingerprint, ld.c.decision).join(
                PROBLEMS, (p.fingerprint == ld.c.fingerprint) & (p.round == self.round_id)
            )
            latest = {fp: decision for fp, decision in conn.execute(stmt)}
        codes, values = self.decision.copy(), list(self.decisions)
        for decision in set(latest.values()):
            if decision not in values:
                values.append(decision)
            rows = self.rows_of(fp for fp, d in latest.items() if d == decision)
            codes[rows] = values.index(decision)
        return codes, values

    def text_matches(self, conn: Any, text: str, dialect: str) -> np.ndarray:
        """The rows holding ``text`` (`problem_sql.text_condition`), as a mask."""

        def read() -> np.ndarray:
            p = PROBLEMS.c
            stmt = select(p.fingerprint).where(
                p.round == self.round_id, text_condition(text, dialect)
            )
            rows = self.rows_of(conn.scalars(stmt))
            mask = np.zeros(len(self), dtype=bool)
            mask[rows] = True
            return mask

        return self._texts.get(text, read)

    # -- in which order --------------------------------------------------------------------
    def order(self, f: ProblemFilter, ctx: RoundContext) -> np.ndarray:
        """Every row in the order ``f`` asks for: its sort key, then unit, indicator and
        fingerprint (the rows' own order); descending reverses the whole order."""
        if f.sort == "first_seen":
            key: Any = ("first_seen", tuple(ctx.rounds_order))
        else:
            key = f.sort
        ascending = self._orders.get(key)
        if ascending is None:
            ascending = self._orders[key] = np.argsort(self._sort_key(f.sort, ctx), kind="stable")
        return ascending[::-1] if f.descending else ascending

    def _sort_key(self, sort: str, ctx: RoundContext) -> np.ndarray:
        if sort == "unit":
            return np.arange(len(self))
        if sort == "indicator":
            return self.indicator
        if sort == "deduction":
            return self.deduction
        if sort == "status":
            return _ranks(self.status, self.statuses, list(STATUSES))
        if sort == "first_seen":
            return _ranks(self.first_seen, self.first_seen_ids, ctx.rounds_order)
        raise ValueError(f"unknown sort {sort!r}")

    def select(
        self, conn: Any, f: ProblemFilter, units: Collection[str] | None, ctx: RoundContext
    ) -> np.ndarray:
        """The rows ``f`` matches, in its order (every page's)."""
        ordered = self.order(f, ctx)
        mask = self.matching(conn, f, units, ctx)
        # take and compress, not mask[ordered] and ordered[…]: a fifth of the time on 100,000
        return ordered if mask is None else np.compress(np.take(mask, ordered), ordered)


FEW_VALUES = 8  # up to this many wanted values, one comparison each beats a lookup table


def _among(codes: np.ndarray, values: list[Any], wanted: Collection[Any]) -> np.ndarray:
    """The rows whose value is one of ``wanted`` (values the index does not hold match none).
    A few values: a comparison each (3–6 µs on 100,000 rows); more (a county's units): a
    lookup table by code (75 µs; indexing it as table[codes] took 135)."""
    chosen = set(wanted)
    hits = [code for code, value in enumerate(values) if value in chosen]
    if len(hits) <= FEW_VALUES:
        mask = np.zeros(len(codes), dtype=bool)
        for code in hits:
            mask |= codes == code
        return mask
    allowed = np.zeros(len(values) + 1, dtype=bool)  # the last: NO_DECISION's (-1) slot
    allowed[hits] = True
    return np.take(allowed, codes)


_INDEXES: Memo[RoundIndex] = Memo(size=KEPT)
