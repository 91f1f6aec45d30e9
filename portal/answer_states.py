"""Where units' answers stand (整改进度): per problem (answered? accepted or sent back, and why)
and per unit (to answer, answered, accepted, sent back, not yet answered, overdue).

Read in SQL: the round overview counts a city round's ~100,000 problems for 500 units at once.
A problem to answer is one the checklist asks an answer for — still to fix (new, open,
regressed, not comparable), rectifiable (not a one-time event: 今后注意), not dismissed in the
round — the SQL form of `ChecklistRow.answerable` and the checklist's dismissed rows, which
tests/test_portal_answers.py holds equal. The answer in force is the latest per problem (by
time, then id: `store.responses`), its review the latest per answer. Overdue: not answered and
the deadline (整改期限) past, Beijing time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from common.vocabulary import UNRESOLVED
from portal.lifecycle import state
from reports.wording import today_in_beijing
from store import Store
from store.portal_models import ResponseReview
from store.responses import RESPONSES
from store.rounds import PROBLEMS, TOTALS, get_round

REVIEWS = ResponseReview.__table__


@dataclass(frozen=True)
class AnswerState:
    """A problem's answer in force and its latest review (None where there is none)."""

    fingerprint: str
    unit_id: str
    response_id: int
    status: str  # rectified / in_progress / cannot_rectify
    note: str | None
    source: str
    answered_at: dt.datetime
    verdict: str | None = None  # accepted / sent_back
    comment: str | None = None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None


@dataclass(frozen=True)
class UnitProgress:
    """One unit's answers in a round."""

    unit_id: str
    name: str
    level: str
    to_answer: int
    answered: int
    accepted: int
    sent_back: int
    overdue: int

    @property
    def not_answered(self) -> int:
        return self.to_answer - self.answered

    @property
    def awaiting_review(self) -> int:
        return self.answered - self.accepted - self.sent_back


def answerable() -> Any:
    """The condition on `problems` of a problem the checklist asks an answer for."""
    p = PROBLEMS.c
    return and_(
        p.status.in_(list(UNRESOLVED)),
        or_(p.rectifiable.is_(None), p.rectifiable.is_(True)),
        or_(p.decision.is_(None), p.decision != "dismissed"),
    )


def _latest_answers(round_id: str) -> Any:
    """The answer in force per (unit, problem) of the round, with its latest review."""
    r, v = RESPONSES.c, REVIEWS.c
    answers = select(
        r.id,
        r.unit_id,
        r.fingerprint,
        r.status,
        r.note,
        r.source,
        r.imported_at,
        func.row_number()
        .over(partition_by=(r.unit_id, r.fingerprint), order_by=(r.imported_at.desc(), r.id.desc()))
        .label("n"),
    ).where(r.round == round_id)
    answers = answers.subquery("ranked")
    reviews = (
        select(
            v.response_id,
            v.verdict,
            v.comment,
            v.by,
            v.at,
            func.row_number()
            .over(partition_by=v.response_id, order_by=(v.at.desc(), v.id.desc()))
            .label("n"),
        )
        .where(v.response_id.in_(select(r.id).where(r.round == round_id)))
        .subquery("reviews")
    )
    return (
        select(
            answers.c.id,
            answers.c.unit_id,
            answers.c.fingerprint,
            answers.c.status,
            answers.c.note,
            answers.c.source,
            answers.c.imported_at,
            reviews.c.verdict,
            reviews.c.comment,
            reviews.c.by,
            reviews.c.at,
        )
        .outerjoin(reviews, and_(reviews.c.response_id == answers.c.id, reviews.c.n == 1))
        .where(answers.c.n == 1)
        .subquery("latest")
    )


def answer_states(
    store: Store,
    round_id: str,
    *,
    unit_ids: Collection[str] | None = None,
    fingerprints: Collection[str] | None = None,
) -> dict[str, AnswerState]:
    """fingerprint → its answer in force with its review, for the round's problems of
    ``unit_ids`` and/or among ``fingerprints`` (None: no restriction)."""
    get_round(store, round_id)
    latest = _latest_answers(round_id)
    stmt = select(latest)
    if unit_ids is not None:
        stmt = stmt.where(latest.c.unit_id.in_(list(unit_ids)))
    if fingerprints is not None:
        stmt = stmt.where(latest.c.fingerprint.in_(list(fingerprints)))
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return {
        row.fingerprint: AnswerState(
            row.fingerprint,
            row.unit_id,
            int(row.id),
            row.status,
            row.note,
            row.source,
            row.imported_at,
            row.verdict,
            row.comment,
            row.by,
            row.at,
        )
        for row in rows
    }


def answer_history(store: Store, round_id: str, unit_id: str, fingerprint: str) -> list[dict]:
    """Every answer the unit gave to the problem, oldest first, each with its reviews."""
    r, v = RESPONSES.c, REVIEWS.c
    with store.engine.connect() as conn:
        answers = [
            dict(row)
            for row in conn.execute(
                select(r.id, r.status, r.note, r.source, r.imported_at)
                .where(r.round == round_id, r.unit_id == unit_id, r.fingerprint == fingerprint)
                .order_by(r.imported_at, r.id)
            ).mappings()
        ]
        ids = [a["id"] for a in answers]
        reviews = conn.execute(
            select(v.response_id, v.verdict, v.comment, v.by, v.at)
            .where(v.response_id.in_(ids))
            .order_by(v.at, v.id)
        ).mappings()
        by_answer: dict[int, list[dict]] = {}
        for review in reviews:
            by_answer.setdefault(review["response_id"], []).append(dict(review))
    return [a | {"reviews": by_answer.get(a["id"], [])} for a in answers]


def progress(
    store: Store,
    round_id: str,
    unit_ids: Collection[str] | None = None,
    *,
    today: dt.date | None = None,
) -> list[UnitProgress]:
    """Each unit's answers in round ``round_id`` (every unit of the round, or ``unit_ids``),
    in unit order; overdue counts only once the round's deadline has passed."""
    now = state(store, round_id, today=today)
    past = now.deadline is not None and (today or today_in_beijing()) > now.deadline
    p, t = PROBLEMS.c, TOTALS.c
    latest = _latest_answers(round_id)
    counts = (
        select(
            p.unit_id,
            func.count().label("to_answer"),
            func.count(latest.c.id).label("answered"),
            func.sum(case((latest.c.verdict == "accepted", 1), else_=0)).label("accepted"),
            func.sum(case((latest.c.verdict == "sent_back", 1), else_=0)).label("sent_back"),
        )
        .select_from(PROBLEMS)
        .outerjoin(
            latest, and_(latest.c.unit_id == p.unit_id, latest.c.fingerprint == p.fingerprint)
        )
        .where(p.round == round_id, answerable())
        .group_by(p.unit_id)
    )
    units = select(t.unit_id, t.name, t.level).where(t.round == round_id).order_by(t.unit_id)
    if unit_ids is not None:
        counts = counts.where(p.unit_id.in_(list(unit_ids)))
        units = units.where(t.unit_id.in_(list(unit_ids)))
    with store.engine.connect() as conn:
        found = {row.unit_id: row for row in conn.execute(counts)}
        listed = conn.execute(units).all()
    out = []
    for unit_id, name, level in listed:
        row = found.get(unit_id)
        to_answer, answered = (int(row.to_answer), int(row.answered)) if row else (0, 0)
        out.append(
            UnitProgress(
                unit_id,
                name,
                level,
                to_answer,
                answered,
                int(row.accepted or 0) if row else 0,
                int(row.sent_back or 0) if row else 0,
                to_answer - answered if past else 0,
            )
        )
    return out
