"""A unit's history across rounds (历次测评) for the evaluator pages: its total, rank within
its level, problems and verdict in every stored round that scored it. (A problem's history is
`portal.problem_detail`'s.)

Read straight from the stored totals: no round is scored or compared again here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from common.vocabulary import verdict
from store import Store
from store.rounds import ROUNDS, TOTALS


@dataclass(frozen=True)
class UnitRound:
    """A unit's result in one round."""

    round_id: str
    as_of: dt.date
    total: float | None
    rank_in_level: int | None
    level: str
    problems: int
    verdict: str


def unit_history(store: Store, unit_id: str) -> list[UnitRound]:
    """The unit's total, rank within its level and verdict in every stored round that scored
    it, oldest first."""
    t, r = TOTALS.c, ROUNDS.c
    stmt = (
        select(r.id, r.as_of, t.total, t.rank_in_level, t.level, t.problems)
        .add_columns(t.observed, t.vetoed, t.passed)
        .join(ROUNDS, r.id == t.round)
        .where(t.unit_id == unit_id)
        .order_by(r.as_of, r.created_at, r.id)
    )
    with store.engine.connect() as conn:
        rows: list[Any] = list(conn.execute(stmt))
    return [
        UnitRound(
            row.id,
            row.as_of,
            row.total,
            row.rank_in_level,
            row.level,
            int(row.problems),
            verdict(bool(row.observed), bool(row.vetoed), row.passed),
        )
        for row in rows
    ]
