"""Why a unit's score changed and what to fix first (得分变化说明 · 优先整改), for one unit of one
round, as the unit's own round page, the evaluators' unit page and the API show them.

The change is what the round stored with its rows (`store.explanations`, written by
`scoring.explain` when the round was evaluated): the previous round's total, this round's, the
parts — 指标体系调整, 网站自身变化, 测评人员核定, 重新计算差异 — in points, each with its
indicators by name, the largest first; and a pass/fail flip or a veto (单项否决) in words. A first
round, or one stored before the explanation existed, has none: one sentence says why.

The fix-first list is `scoring.fix_first.plan_fixes` on the round's stored rows of this unit
only (scores, problems without their evidence) and the round's frozen set: the unit's fixable
problems in priority order, and per target — the pass line, the next rank within its level and
city, full marks — how many fixes reach it, or that none does this round.

Scope is `portal.viewer`'s: `unit_help` answers None for a round or a unit the viewer may not
see (units: a draft, another unit), and leaves the previous round's total out when the viewer
may not see that round. No web imports here: the pages and the API call it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from portal.problem_query import indicator_names, problem_rows
from portal.problem_sql import RoundContext, round_context
from portal.unit_results import UnitResult, round_results
from portal.viewer import Viewer, can_see_unit, round_visible
from reports.checklist.change import FIRST_ROUND, NOT_STORED
from reports.wording import round_label, signed
from scoring.explain import BASE, BONUS, PART_ZH, PARTS
from scoring.fix_first import (
    NEXT_RANK,
    PASS,
    TARGET_ZH,
    FixFirst,
    Plan,
    next_totals,
    plan_fixes,
)
from scoring.round import frozen_set
from store import Store
from store.explanations import explanation_lines, has_explanation
from store.rounds import RoundNotFound, problems_frame, round_scores_frame

LINE_ZH = {BASE: "计分基数变化", BONUS: "加分"}
OTHER_INDICATOR = "其他指标"  # an indicator neither round's set names (never its id)
PREVIOUS_HIDDEN = "上轮测评结果尚未发布，暂不说明与上轮相比的得分变化。"
NOT_SCORED_NOW = "本轮未对本单位评分（网站未能访问），没有得分变化说明。"
NOT_SCORED_BEFORE = "上轮未对本单位评分（网站未能访问或未参加测评），无法与上轮比较得分变化。"
NO_TOTAL = "本轮未对本单位评分，没有可排定优先顺序的整改。"
NOTHING_TO_FIX = "本轮没有可以通过整改挽回得分的问题。"


@dataclass(frozen=True)
class ChangeLine:
    """One line of a part: an indicator by name, or the base / bonus line."""

    kind: str  # indicator / base / bonus
    indicator_id: str | None  # None for the base and bonus lines (the API gives it, pages never)
    name: str
    change: float

    @property
    def change_text(self) -> str:
        return signed(self.change)


@dataclass(frozen=True)
class ChangePart:
    part: str  # rules / site / decisions / recomputed
    part_zh: str
    change: float
    lines: tuple[ChangeLine, ...]  # the largest change first

    @property
    def change_text(self) -> str:
        return signed(self.change)


@dataclass(frozen=True)
class ScoreChange:
    """The change block, or (``reason`` set) the one sentence saying why there is none."""

    previous_round: str | None
    previous_label: str | None
    before: float | None = None
    after: float | None = None
    change: float | None = None
    parts: tuple[ChangePart, ...] = ()
    passed_before: bool | None = None
    passed_after: bool | None = None
    verdict: str | None = None  # a pass/fail flip or a veto, in words
    reason: str | None = None

    @property
    def shown(self) -> bool:
        return self.reason is None

    @property
    def change_text(self) -> str:
        return signed(self.change or 0.0)


@dataclass(frozen=True)
class FixItem:
    """One fixable problem in priority order (优先级 1 first)."""

    priority: int
    fingerprint: str
    indicator_id: str
    indicator_name: str
    subject: str
    title: str | None
    alone: float  # the total's rise when only this problem is fixed
    indicator_all: float  # … when every problem of its indicator is fixed
    lifts_veto: bool  # 可消除单项否决: needed to lift a veto
    in_plan: bool  # part of the first plan's fixes

    @property
    def alone_text(self) -> str:
        return signed(self.alone)

    @property
    def indicator_all_text(self) -> str:
        return signed(self.indicator_all)


@dataclass(frozen=True)
class FixPlan:
    target: str  # pass / next_rank / full
    target_zh: str
    goal: float | None  # None: the next rank's, to a unit (another unit's total)
    fixes: tuple[str, ...]  # fingerprints
    priorities: tuple[int, ...]  # the same fixes as the list numbers them
    total: float
    reachable: bool
    sentence: str


@dataclass(frozen=True)
class FixFirstView:
    """The fix-first list, or (``reason`` set) why there is none."""

    total: float | None
    passed: bool | None
    items: tuple[FixItem, ...] = ()
    plans: tuple[FixPlan, ...] = ()
    reason: str | None = None

    @property
    def sentences(self) -> list[str]:
        """The plans' sentences as the pages say them: targets the same fixes reach in one
        (完成以下1项整改即可前进一个名次并得满分 …)."""
        out: list[tuple[FixPlan, list[str]]] = []
        for plan in self.plans:
            if out and plan.reachable and out[-1][0].reachable and out[-1][0].fixes == plan.fixes:
                out[-1][1].append(_target_text(plan))
            else:
                out.append((plan, [_target_text(plan)]))
        return [
            _reached(plan, "并".join(targets), self.total or 0.0) if plan.reachable
            else plan.sentence
            for plan, targets in out
        ]  # fmt: skip


@dataclass(frozen=True)
class UnitHelp:
    round_id: str
    unit_id: str
    change: ScoreChange
    fix_first: FixFirstView


def unit_help(store: Store, viewer: Viewer, round_id: str, unit_id: str) -> UnitHelp | None:
    """Unit ``unit_id``'s change block and fix-first list in round ``round_id``; None when
    ``viewer`` may not see the round or the unit (or the round does not exist)."""
    if not can_see_unit(store, viewer, unit_id) or not round_visible(store, viewer, round_id):
        return None
    try:
        ctx = round_context(store, round_id)
    except RoundNotFound:
        return None
    (result,) = round_results(store, round_id, {unit_id}) or (None,)
    scores = round_scores_frame(store, round_id, [unit_id])
    return UnitHelp(
        round_id,
        unit_id,
        score_change(store, viewer, ctx, unit_id, result, scores),
        fix_first(store, ctx, unit_id, result, scores, others_hidden=viewer.is_unit),
    )


# --- 得分变化说明 -------------------------------------------------------------------------------


def score_change(
    store: Store,
    viewer: Viewer,
    ctx: RoundContext,
    unit_id: str,
    result: UnitResult | None,
    scores: pd.DataFrame,
) -> ScoreChange:
    """The unit's change against the previous round as the round stored it."""
    info = ctx.info
    previous_id = info.previous_round
    if not previous_id:
        return ScoreChange(None, None, reason=FIRST_ROUND)
    label = round_label(previous_id)
    if not round_visible(store, viewer, previous_id):
        return ScoreChange(previous_id, label, reason=PREVIOUS_HIDDEN)
    if not has_explanation(store, info.id):
        return ScoreChange(previous_id, label, reason=NOT_STORED)
    before = next(iter(round_results(store, previous_id, {unit_id})), None)
    if result is None or result.total is None:
        return ScoreChange(previous_id, label, reason=NOT_SCORED_NOW)
    if before is None or before.total is None:
        return ScoreChange(previous_id, label, reason=NOT_SCORED_BEFORE)
    names = _indicator_names(store, ctx, previous_id)
    lines = explanation_lines(store, info.id, [unit_id])
    parts = tuple(
        _part(part, lines[lines["part"] == part], names)
        for part in PARTS
        if (lines["part"] == part).any()
    )
    return ScoreChange(
        previous_id,
        label,
        before=before.total,
        after=result.total,
        change=round(result.total - before.total, 4),
        parts=parts,
        passed_before=before.passed,
        passed_after=result.passed,
        verdict=_verdict(store, previous_id, unit_id, before, result, scores, names),
    )


def _indicator_names(store: Store, ctx: RoundContext, previous_id: str) -> dict[str, str]:
    """Indicator id → name in the previous round's set and this one's (this one's first)."""
    # The previous round is visible (checked by the caller): it exists and is complete.
    return {**indicator_names(round_context(store, previous_id).info), **indicator_names(ctx.info)}


def _part(part: str, rows: pd.DataFrame, names: Mapping[str, str]) -> ChangePart:
    lines = []
    for indicator_id, change in zip(
        rows["indicator_id"], rows["change"].astype(float), strict=True
    ):
        if indicator_id in LINE_ZH:
            kind = "base" if indicator_id == BASE else "bonus"
            lines.append(ChangeLine(kind, None, LINE_ZH[indicator_id], change))
        else:
            name = names.get(indicator_id, OTHER_INDICATOR)
            lines.append(ChangeLine("indicator", indicator_id, name, change))
    lines.sort(key=lambda line: (-abs(line.change), line.name))
    total = round(sum(line.change for line in lines), 4)
    return ChangePart(part, PART_ZH[part], total, tuple(lines))


def _vetoes(scores: pd.DataFrame, names: Mapping[str, str]) -> str:
    """The veto indicators (单项否决) that failed the unit, by name."""
    if scores.empty:
        return ""
    hit = scores[scores["veto"].astype(bool) & ~scores["not_applicable"].astype(bool)]
    return "、".join(sorted(names.get(i, OTHER_INDICATOR) for i in hit["indicator_id"]))


def _verdict(
    store: Store,
    previous_id: str,
    unit_id: str,
    before: UnitResult,
    after: UnitResult,
    scores: pd.DataFrame,
    names: Mapping[str, str],
) -> str | None:
    vetoed_now = _vetoes(scores, names) if after.vetoed else ""
    if before.passed and after.passed is False:
        # worded as the checklist's block says it (reports.checklist.change)
        return (
            f"测评结果由合格变为不合格（单项否决：{vetoed_now}）。"
            if vetoed_now
            else ("测评结果由合格变为不合格。")
        )
    if before.passed is False and after.passed:
        if before.vetoed:
            was = _vetoes(round_scores_frame(store, previous_id, [unit_id]), names)
            return f"测评结果由不合格变为合格，上轮的单项否决（{was}）已消除。"
        return "测评结果由不合格变为合格。"
    if vetoed_now:
        return f"本轮触发单项否决：{vetoed_now}，测评结果为不合格。"
    return None


# --- 优先整改 -------------------------------------------------------------------------------------


def fix_first(
    store: Store,
    ctx: RoundContext,
    unit_id: str,
    result: UnitResult | None,
    scores: pd.DataFrame,
    *,
    others_hidden: bool = True,
) -> FixFirstView:
    """`plan_fixes` on the round's stored rows of the unit, with the words the pages show
    (``others_hidden``: the next rank's goal, another unit's total, left out)."""
    if result is None or result.total is None:
        return FixFirstView(None, None, reason=NO_TOTAL)
    info = ctx.info
    problems = problems_frame(store, info.id, [unit_id], evidence=False)
    planned = plan_fixes(
        unit_id,
        scores,
        problems,
        frozen_set(info),
        pass_line=info.pass_line,
        next_total=next_total(store, info.id, unit_id),
    )
    return fix_view(store, ctx, planned, others_hidden=others_hidden)


def fix_view(
    store: Store, ctx: RoundContext, planned: FixFirst, *, others_hidden: bool = True
) -> FixFirstView:
    """``planned`` with each problem's subject and indicator name, and the plans in words."""
    frame = planned.problems
    keys = list(frame["fingerprint"])
    with store.reader.connect() as conn:
        rows = problem_rows(conn, ctx, keys)
    names = indicator_names(ctx.info)
    items = tuple(
        FixItem(
            priority=int(r.priority),
            fingerprint=r.fingerprint,
            indicator_id=r.indicator_id,
            indicator_name=names.get(r.indicator_id, OTHER_INDICATOR),
            subject=rows[r.fingerprint].subject if r.fingerprint in rows else "",
            title=rows[r.fingerprint].title if r.fingerprint in rows else None,
            alone=float(r.alone),
            indicator_all=float(r.indicator_all),
            lifts_veto=bool(r.lifts_veto),
            in_plan=bool(r.in_plan),
        )
        for r in frame.itertuples(index=False)
    )
    priority = {item.fingerprint: item.priority for item in items}
    plans = tuple(
        _plan_view(plan, priority, planned.total, others_hidden) for plan in planned.plans
    )
    reason = NOTHING_TO_FIX if not items else None
    return FixFirstView(planned.total, planned.passed, items, plans, reason)


def _plan_view(plan: Plan, priority: Mapping[str, int], now: float, others_hidden: bool) -> FixPlan:
    numbers = tuple(sorted(priority[fp] for fp in plan.fixes if fp in priority))
    return FixPlan(
        plan.target,
        TARGET_ZH[plan.target],
        None if others_hidden and plan.target == NEXT_RANK else plan.goal,
        plan.fixes,
        numbers,
        plan.total,
        plan.reachable,
        plan_sentence(plan, numbers, now),
    )


def plan_sentence(plan: Plan, numbers: Sequence[int], now: float) -> str:
    """完成以下N项整改即可达到合格线 …, or why this round no fixes reach it."""
    if plan.reachable:
        return _reached(plan, _target_text(plan), now, numbers)
    if plan.target == PASS and plan.total >= plan.goal:
        return "本轮无法通过整改达到合格线：单项否决涉及的问题已无法整改（一次性问题）。"
    return (
        f"本轮即使完成全部可整改的问题，也无法{_target_text(plan)}，总分最多可达{plan.total:g}分。"
    )


def _target_text(plan: Plan | FixPlan) -> str:
    # The next rank's goal is another unit's total: not said (a unit sees its rank, not others').
    goal = f"（{plan.goal:g}分）" if plan.target == PASS and plan.goal is not None else ""
    return TARGET_ZH[plan.target] + goal


def _reached(
    plan: Plan | FixPlan, targets: str, now: float, numbers: Sequence[int] | None = None
) -> str:
    listed = "、".join(str(n) for n in (plan.priorities if numbers is None else numbers))
    return (
        f"完成以下{len(plan.fixes)}项整改即可{targets}，"
        f"总分将由{now:g}分升至{plan.total:g}分：优先级{listed}。"
    )


def next_total(store: Store, round_id: str, unit_id: str) -> float | None:
    """The total of the unit ranked just above ``unit_id`` within its level and city
    (`scoring.fix_first.next_totals`, the checklist's rule too); None when it ranks first or is
    not ranked. Read from the round's results the portal keeps (`portal.unit_results`)."""
    every = round_results(store, round_id)
    if not any(r.unit_id == unit_id and r.rank is not None for r in every):
        return None
    totals = pd.DataFrame(
        {
            "unit_id": [r.unit_id for r in every],
            "level": [r.level for r in every],
            "parent": [r.parent for r in every],
            "total": [r.total for r in every],
            "rank_in_level": pd.array([r.rank for r in every], dtype="Int64"),
        }
    )
    return next_totals(totals).get(unit_id)
