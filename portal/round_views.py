"""A round's overview page (测评概况) for the units a viewer may see: ranking per level, problems
counted by status and decision, each unit's answers, the round report's summary paragraph and
its charts.

The paragraph and the charts are the round report's own (`reports.round_data`,
`reports.round_text.paragraph`, `reports.round_html.chart_images`), so the page and the report
an evaluator files say the same. A viewer who sees part of the round (a county office) gets
them over its units only — the same functions on the frames cut to those units — and no trend
chart, whose averages are the whole city's. The report's frames take seconds to build at a
city's scale; they are kept per round version for `REPORT_TTL` seconds, and the drawn charts
with them. They read the round as scored: a draft's decisions taken since count there once
publishing has scored them, while the counts by decision are those in force now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from common.vocabulary import LEVELS
from portal._memo import Memo
from portal.answer_states import UnitProgress, progress
from portal.lifecycle import RoundState, state
from portal.problem_sql import round_context
from reports.round_data import RoundReportData, round_report_data
from reports.round_html import chart_images
from reports.round_text import paragraph
from reports.wording import round_label
from scoring.round import frozen_set
from scoring.summary import by_group, by_level, groups_of
from store import Store
from store.rounds import PROBLEMS, round_scores_frame

CHARTS = {
    "scores": "各层级得分分布",
    "groups": "问题按指标分组（一级、二级指标）",
    "trend": "历轮趋势：各层级平均分与问题数",
}
REPORT_TTL = 300.0  # seconds
_REPORTS: Memo[RoundReportData] = Memo(size=8, ttl=REPORT_TTL)
_CHARTS: Memo[dict[str, bytes]] = Memo(size=32, ttl=REPORT_TTL)


@dataclass(frozen=True)
class RankedUnit:
    """A unit in its level's ranking (rank within the whole level, as the report has it)."""

    unit_id: str
    name: str
    total: float | None
    rank: int | None
    verdict: str
    problems: int
    observed: bool


@dataclass(frozen=True)
class Overview:
    round_id: str
    label: str  # 2025年第二季度
    state: RoundState
    whole_round: bool  # False: the figures are over the viewer's units only
    ranking: list[tuple[str, list[RankedUnit]]]  # (level, its units in rank order)
    by_status: dict[str, int]
    by_decision: dict[str, int]  # none / confirmed / dismissed (in force now)
    by_status_and_decision: dict[tuple[str, str], int]
    progress: list[UnitProgress]
    paragraph: str
    charts: list[tuple[str, str]]  # (id for `chart_png`, title)


def _report(store: Store, round_id: str) -> RoundReportData:
    info = round_context(store, round_id).info
    key = ("report", store.url, round_id, info.evaluated_at)
    return _REPORTS.get(key, lambda: round_report_data(store, round_id))


def _cut(store: Store, data: RoundReportData, visible: Collection[str] | None) -> RoundReportData:
    """The report's frames over the units ``visible`` (the whole report when None)."""
    if visible is None:
        return data
    units = set(visible)
    totals = data.totals[data.totals["unit_id"].isin(units)]
    mine = data.problems["unit_id"].isin(units)
    added = ["unit_name", "level", "indicator_name", "group1", "via_recheck"]  # by round_data
    problems = data.problems[mine & ~data.problems["via_recheck"].astype(bool)].drop(
        columns=added, errors="ignore"
    )
    credit = data.credit[data.credit["unit_id"].isin(units)] if len(data.credit) else data.credit
    scores = round_scores_frame(store, data.info.id, sorted(units))
    groups = by_group(problems, scores, groups_of(frozen_set(data.info)))
    levels = by_level(totals)
    not_evaluated = data.not_evaluated[data.not_evaluated["unit_id"].isin(units)]
    said = paragraph(
        data.info.kind,
        groups,
        levels,
        totals,
        problems,
        credit,
        data.info.previous_round,
        not_evaluated["unit_id"].nunique(),
    )
    ranked = data.units[data.units["unit_id"].isin(units)]
    return dataclasses.replace(
        data,
        summary=dataclasses.replace(data.summary, by_group=groups, by_level=levels),
        totals=totals,
        units=ranked,
        problems=data.problems[mine],
        levels=[lv for lv in data.levels if lv in set(ranked["level"])],
        paragraph=said,
        credit=credit,
        not_evaluated=not_evaluated,
    )


def _ranking(units: pd.DataFrame) -> list[tuple[str, list[RankedUnit]]]:
    order = {level: i for i, level in enumerate(LEVELS)}
    out = []
    for level in sorted(set(units["level"]), key=lambda lv: (order.get(lv, len(order)), lv)):
        part = units[units["level"] == level]
        out.append(
            (
                level,
                [
                    RankedUnit(
                        r.unit_id,
                        r.name,
                        None if pd.isna(r.total) else float(r.total),
                        None if pd.isna(r.rank_in_level) else int(r.rank_in_level),
                        r.verdict,
                        int(r.problems),
                        bool(r.observed),
                    )
                    for r in part.itertuples()
                ],
            )
        )
    return out


def _counts(
    store: Store, round_id: str, visible: Collection[str] | None
) -> dict[tuple[str, str], int]:
    """(status, decision in force now: none / confirmed / dismissed) → problems."""
    ctx = round_context(store, round_id)
    p = PROBLEMS.c
    stmt = select(p.status, p.decision, func.count()).where(p.round == round_id)
    if visible is not None:
        stmt = stmt.where(p.unit_id.in_(sorted(visible)))
    counts: dict[tuple[str, str], int] = {}
    with store.engine.connect() as conn:
        for status, decision, n in conn.execute(stmt.group_by(p.status, p.decision)):
            counts[(status, decision or "none")] = int(n)
        changed = ctx.changed
        if changed is None:  # too many to name: read every decision in force
            from store.rounds import latest_decisions

            changed = {fp: d.decision for fp, d in latest_decisions(store).items()}
        rows = select(p.fingerprint, p.status, p.decision, p.unit_id).where(
            p.round == round_id, p.fingerprint.in_(list(changed))
        )
        for fp, status, stored, unit in conn.execute(rows) if changed else ():
            if visible is not None and unit not in visible:
                continue
            counts[(status, stored or "none")] -= 1
            counts[(status, changed[fp])] = counts.get((status, changed[fp]), 0) + 1
    return {k: v for k, v in counts.items() if v}


def overview(
    store: Store,
    round_id: str,
    visible: Collection[str] | None,
    *,
    today: dt.date | None = None,
) -> Overview:
    """Round ``round_id`` as the viewer of units ``visible`` (None: every unit) sees it."""
    data = _cut(store, _report(store, round_id), visible)
    counts = _counts(store, round_id, visible)
    by_status: dict[str, int] = {}
    by_decision: dict[str, int] = {}
    for (status, decision), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
        by_decision[decision] = by_decision.get(decision, 0) + n
    charts = [(k, t) for k, t in CHARTS.items() if visible is None or k != "trend"]
    return Overview(
        round_id=round_id,
        label=round_label(round_id),
        state=state(store, round_id, today=today),
        whole_round=visible is None,
        ranking=_ranking(data.units),
        by_status=by_status,
        by_decision=by_decision,
        by_status_and_decision=counts,
        progress=progress(store, round_id, visible, today=today),
        paragraph=data.paragraph,
        charts=charts,
    )


def chart_png(store: Store, round_id: str, chart: str, visible: Collection[str] | None) -> bytes:
    """The PNG of chart ``chart`` (an id of `Overview.charts`) over the units ``visible``;
    `KeyError` for a chart the viewer is not offered."""
    if chart not in CHARTS or (visible is not None and chart == "trend"):
        raise KeyError(f"no chart {chart!r} here (charts: {', '.join(CHARTS)})")
    report = _report(store, round_id)
    scope = None if visible is None else tuple(sorted(visible))
    key = ("charts", store.url, round_id, report.info.evaluated_at, scope)

    def draw() -> dict[str, bytes]:
        return {c["id"]: c["png"] for c in chart_images(_cut(store, report, visible))}

    return _CHARTS.get(key, draw)[chart]
