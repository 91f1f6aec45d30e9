"""One problem as its page shows it: its row, evidence, the decisions taken on it over time,
and its status in every round that had it (history across rounds, 历次测评).

A problem the viewer may not see reads exactly like one that does not exist (None), so a
guessed fingerprint learns nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portal.problem_query import ProblemRow, problem_rows
from portal.problem_sql import round_context
from store import Store, models
from store.rounds import PROBLEMS, DecisionInfo, decision_history

ROUNDS = models.Round.__table__


@dataclass(frozen=True)
class ProblemDetail:
    """A problem's page: its row, evidence, decisions over time and its rounds."""

    row: ProblemRow
    round_id: str
    evidence: dict[str, Any]
    nominal: float
    decisions: list[DecisionInfo] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # round, as_of, status, …


def get_problem(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> ProblemDetail | None:
    """Problem ``fingerprint`` of round ``round_id`` with its evidence, decisions and rounds;
    None when there is none or the viewer may not see its unit (the two read the same)."""
    ctx = round_context(store, round_id)
    p = PROBLEMS.c
    with store.reader.connect() as conn:
        row = problem_rows(conn, ctx, [fingerprint]).get(fingerprint)
        if row is None or (visible is not None and row.unit_id not in set(visible)):
            return None
        evidence, nominal = conn.execute(
            select(p.evidence, p.nominal).where(p.round == round_id, p.fingerprint == fingerprint)
        ).one()
        history = [
            dict(r)
            for r in conn.execute(
                select(
                    p.round, ROUNDS.c.as_of, p.status, p.deduction, p.decision, p.first_seen_round
                )
                .join(ROUNDS, ROUNDS.c.id == p.round)
                .where(p.fingerprint == fingerprint, ROUNDS.c.complete)
                .order_by(ROUNDS.c.as_of, p.round)
            ).mappings()
        ]
    return ProblemDetail(
        row=row,
        round_id=round_id,
        evidence=evidence or {},
        nominal=float(nominal),
        decisions=decision_history(store, fingerprint),
        history=history,
    )
