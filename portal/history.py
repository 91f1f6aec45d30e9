"""History across rounds (历次测评) for the evaluator pages: a problem's status in each round
that found or looked at it, with the decisions taken on it; a unit's total, rank and verdict
in each round.

A problem keeps its fingerprint from round to round (scoring.tracking), and a decision is kept
by fingerprint (the latest wins, the earlier ones stay as history), so both read straight from
the store: no round is scored or compared again here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from common.vocabulary import STATUS_ZH, verdict
from portal.decisions import DECISION_ZH
from store import Store
from store.rounds import PROBLEMS, ROUNDS, TOTALS, DecisionInfo, decision_history


@dataclass(frozen=True)
class ProblemRound:
    """The problem as one round stored it."""

    round_id: str
    as_of: dt.date
    status: str
    deduction: float
    decision: str | None  # the decision in force when the round was scored

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    @property
    def decision_zh(self) -> str:
        return DECISION_ZH.get(self.decision or "", "")


@dataclass(frozen=True)
class ProblemHistory:
    rounds: list[ProblemRound]
    decisions: list[DecisionInfo]  # oldest first; the last one is in force

    def decision_zh(self, decision: DecisionInfo) -> str:
        return DECISION_ZH.get(decision.decision, decision.decision)


def problem_history(store: Store, fingerprint: str) -> ProblemHistory:
    """Every stored round's row of problem ``fingerprint`` (oldest round first) and every
    decision taken on it. The caller has checked the viewer may see the problem's unit."""
    p, r = PROBLEMS.c, ROUNDS.c
    stmt = (
        select(p.round, r.as_of, p.status, p.deduction, p.decision)
        .join(ROUNDS, r.id == p.round)
        .where(p.fingerprint == fingerprint)
        .order_by(r.as_of, r.created_at, r.id)
    )
    with store.engine.connect() as conn:
        rounds = [ProblemRound(*row) for row in conn.execute(stmt)]
    return ProblemHistory(rounds, decision_history(store, fingerprint))


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
