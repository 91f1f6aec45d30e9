"""The JSON API's answers assembled from the store (portal/api.py routes, portal/api_models.py
shapes): a round's header and state, its counts over the viewer's units, a problem in full, an
answer with its review, and a unit's result with its 得分变化说明 and 优先整改. Scoping is the caller's (`portal.viewer`): these functions are given
the units to count and return what they are asked for."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from portal.answer_states import AnswerState
from portal.api_models import (
    AnswerOut,
    ChangeLineOut,
    ChangePartOut,
    FixFirstOut,
    FixOut,
    FixPlanOut,
    ProblemOut,
    ReviewOut,
    RoundOut,
    RoundSummary,
    ScoreChangeOut,
    TotalOut,
    UnitRoundOut,
)
from portal.lifecycle import RoundState
from portal.problem_query import DECISION_FILTERS, ProblemFilter, ProblemRow, query
from portal.score_change import FixFirstView, ScoreChange, UnitHelp
from portal.unit_results import UnitResult
from reports.checklist.data import ANSWER_ZH
from reports.wording import round_label
from store import Store
from store.responses import RESPONSES
from store.rounds import PROBLEMS, TOTALS, RoundInfo

REVIEW_ZH = {"accepted": "已通过", "sent_back": "退回"}


def round_out(info: RoundInfo, current: RoundState) -> RoundOut:
    return RoundOut(
        id=info.id,
        label=round_label(info.id),
        as_of=info.as_of,
        state=current.state,
        state_zh=current.state_zh,
        deadline=current.deadline,
        published_at=current.published_at,
        indicator_set_id=info.indicator_set_id,
        indicator_set_version=info.indicator_set_version,
        pass_line=info.pass_line,
    )


def round_summary(store: Store, round_id: str, units: Collection[str] | None) -> RoundSummary:
    """Counts of round ``round_id`` over ``units`` (None: every unit), in SQL."""
    t, p, r = TOTALS.c, PROBLEMS.c, RESPONSES.c
    in_totals = [t.round == round_id]
    in_problems = [p.round == round_id]
    in_answers = [r.round == round_id]
    if units is not None:
        chosen = list(units)
        in_totals.append(t.unit_id.in_(chosen))
        in_problems.append(p.unit_id.in_(chosen))
        in_answers.append(r.unit_id.in_(chosen))
    with store.engine.connect() as conn:
        count, scored, passed = conn.execute(
            select(
                func.count(), func.count(t.total), func.count().filter(t.passed.is_(True))
            ).where(*in_totals)
        ).one()
        by_status = dict(
            conn.execute(
                select(p.status, func.count()).where(*in_problems).group_by(p.status)
            ).all()
        )
        answered = conn.scalar(select(func.count(func.distinct(r.fingerprint))).where(*in_answers))
    # A draft's decisions in force are not all in its rows yet: counted as its problem list
    # counts them (`portal.problem_query`).
    by_decision = {
        decision: query(store, ProblemFilter(round_id, decision=decision, per_page=20), units).total
        for decision in DECISION_FILTERS
    }
    return RoundSummary(
        units=count,
        scored=scored,
        passed=passed,
        problems=sum(by_status.values()),
        by_status=by_status,
        by_decision=by_decision,
        answered=int(answered or 0),
    )


def problem_out(row: ProblemRow) -> ProblemOut:
    return ProblemOut.model_validate(row, from_attributes=True)


def answer_out(answer: AnswerState) -> AnswerOut:
    review = None
    if answer.verdict is not None:
        review = ReviewOut(
            verdict=answer.verdict,
            verdict_zh=REVIEW_ZH[answer.verdict],
            comment=answer.comment,
            at=answer.reviewed_at,
        )
    return AnswerOut(
        fingerprint=answer.fingerprint,
        unit_id=answer.unit_id,
        status=answer.status,
        status_zh=ANSWER_ZH[answer.status],
        note=answer.note,
        source=answer.source,
        answered_at=answer.answered_at,
        review=review,
    )


def unit_round_out(result: UnitResult, helped: UnitHelp) -> UnitRoundOut:
    total = TotalOut.model_validate(result, from_attributes=True)
    return UnitRoundOut(
        **total.model_dump(),
        score_change=score_change_out(helped.change),
        fix_first=fix_first_out(helped.fix_first),
    )


def score_change_out(change: ScoreChange) -> ScoreChangeOut:
    parts = [
        ChangePartOut(
            part=p.part,  # type: ignore[arg-type]
            part_zh=p.part_zh,
            change=p.change,
            lines=[
                ChangeLineOut(
                    kind=line.kind,  # type: ignore[arg-type]
                    indicator_id=line.indicator_id,
                    indicator_name=line.name,
                    change=line.change,
                )
                for line in p.lines
            ],
        )
        for p in change.parts
    ]
    return ScoreChangeOut(
        previous_round=change.previous_round,
        before=change.before,
        after=change.after,
        change=change.change,
        parts=parts,
        passed_before=change.passed_before,
        passed_after=change.passed_after,
        verdict=change.verdict,
        reason=change.reason,
    )


def fix_first_out(fix: FixFirstView) -> FixFirstOut:
    return FixFirstOut(
        total=fix.total,
        passed=fix.passed,
        problems=[FixOut.model_validate(i, from_attributes=True) for i in fix.items],
        plans=[
            FixPlanOut(
                target=p.target,  # type: ignore[arg-type]
                target_zh=p.target_zh,
                goal=p.goal,
                fixes=list(p.fixes),
                total=p.total,
                reachable=p.reachable,
                sentence=p.sentence,
            )
            for p in fix.plans
        ],
        reason=fix.reason,
    )
