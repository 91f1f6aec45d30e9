"""Fix these first (优先整改) on a unit's checklist: the 优先级 column and the 优先整改建议 line.

The order and the plans are `scoring.fix_first.plan_fixes` on the stored round's rows (the unit's
`round_scores` and problems, the round's frozen set and pass line): 优先级 1 is fixed first. A
problem nothing can be done about (a one-time event, 今后注意), a dismissed one and the records
(已整改, 超出测评期) have none; neither has one whose indicator a fix would not move (a veto
count's own row: its count falls when the problems it counts are fixed).

The line names, for each target the unit has not reached (the pass line, the next rank in its
level — within its city when the round ranks by city —, full marks), the 序号 of the fewest
fixes that reach it, or that fixing cannot reach it this round (a veto by a one-time event).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from common.vocabulary import PRESENT
from reports.checklist.rows import ChecklistRow, missing
from scoring.fix_first import FULL, NEXT_RANK, PASS, TARGET_ZH, FixFirst, plan_fixes

ORDER_NOTE = "「优先级」列是建议的整改先后顺序（1为最先整改）。"
VETO_UNREACHABLE = (
    "有已经发生、无法整改的单项否决问题（今后注意），完成全部整改本轮也无法达到合格线。"
)
UNREACHABLE = {
    PASS: "有已经发生、无法整改的问题扣分，完成全部整改本轮也无法达到合格线。",
    NEXT_RANK: "有已经发生、无法整改的问题扣分，完成全部整改也无法前进一个名次。",
    FULL: "有已经发生、无法整改的问题扣分，完成全部整改也无法得满分。",
}


def next_totals(totals: pd.DataFrame) -> dict[str, float | None]:
    """Unit → the total of the unit ranked just above it (`scoring.fix_first.next_totals`, the
    portal's rule too)."""
    from scoring.fix_first import next_totals as ranked_above

    return ranked_above(totals)


def fix_first(
    unit_id: str,
    scores: pd.DataFrame,
    problems: pd.DataFrame,
    indicator_set: Any,
    *,
    pass_line: float,
    next_total: float | None,
) -> FixFirst | None:
    """The unit's fix-first order on its stored rows; None when it was not scored or has
    nothing a fix could recover (no present, rectifiable, undismissed problem: `plan_fixes`
    costs tens of milliseconds a unit, spent only where it can say something)."""
    if scores.empty or missing(pass_line) or not _fixable(problems).any():
        return None
    return plan_fixes(
        unit_id, scores, problems, indicator_set, pass_line=pass_line, next_total=next_total
    )


def _fixable(problems: pd.DataFrame) -> pd.Series:
    if problems.empty:
        return pd.Series(False, index=problems.index)
    rectifiable = (
        problems["rectifiable"].astype(object).where(problems["rectifiable"].notna(), True)
    )
    return (
        problems["status"].isin(PRESENT)
        & problems["decision"].astype(object).ne("dismissed")
        & rectifiable.astype(bool)
    )


def priorities(fixes: FixFirst | None) -> dict[str, int]:
    """Fingerprint → 优先级."""
    if fixes is None:
        return {}
    frame = fixes.problems
    return dict(zip(frame["fingerprint"], (int(p) for p in frame["priority"]), strict=True))


def vetoed_by_event(fixes: FixFirst) -> bool:
    """A pass plan that fixes nothing and does not reach: a veto no fix lifts (`fix_first`
    gives up on it before choosing any fix)."""
    plan = next((p for p in fixes.plans if p.target == PASS), None)
    return plan is not None and not plan.reachable and not plan.fixes


def advice(fixes: FixFirst | None, rows: Sequence[ChecklistRow]) -> str:
    """The 优先整改建议 line: for each plan, the rows' 序号 that reach it, or that it cannot be
    reached; "" when there is nothing to advise (nothing to fix, or full marks)."""
    if fixes is None or fixes.problems.empty:
        return ""
    number: Mapping[str, int] = {r.fingerprint: r.number for r in rows if r.priority is not None}
    sentences: list[str] = []
    reached: list[tuple[tuple[int, ...], list[str]]] = []  # the same rows reach several targets
    for plan in fixes.plans:
        shown = tuple(sorted(number[fp] for fp in plan.fixes if fp in number))
        if not plan.reachable:
            vetoed = plan.target == PASS and vetoed_by_event(fixes)
            sentences.append(VETO_UNREACHABLE if vetoed else UNREACHABLE[plan.target])
        elif shown and reached and reached[-1][0] == shown:
            reached[-1][1].append(TARGET_ZH[plan.target])
        elif shown:
            reached.append((shown, [TARGET_ZH[plan.target]]))
    done = [
        f"完成以下{len(shown)}项整改即可{'并'.join(targets)}：序号{'、'.join(map(str, shown))}。"
        for shown, targets in reached
    ]
    if not done and not sentences:
        return ""
    return "优先整改建议：" + ORDER_NOTE + "".join(done + sentences)
