"""The frames of a round report (测评情况报告), assembled from a stored round.

Everything the XLSX workbook and the HTML page show comes from here, so the two agree:
units ranked by level with their change against the previous round, problems by indicator and
by unit, what could not be evaluated, the summary paragraph (`reports.round_text`), and the
trend over the stored rounds up to this one (a report on an old round does not change when later
rounds are stored). The previous round's problems fixed at its 回头看 count as fixed in this
round's comparison (`reports.round_followup.recheck_fixed`, rows with ``via_recheck``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from common.vocabulary import STATUSES
from reports import round_followup
from reports.fix_tables import PatrolFixes, level_order, patrol_fixes
from reports.round_change import Movement, movement
from reports.round_text import paragraph
from scoring.round import frozen_set, load_result
from scoring.summary import (
    RoundSummary,
    by_level,
    counted_problems,
    summarize,
    verdict,
)
from store import rounds as round_store

if TYPE_CHECKING:
    from store import Store

# Tracking statuses in the order reports list them, and "dismissed" (驳回) counted apart.
COUNTS = (*STATUSES, "dismissed")


@dataclass(frozen=True)
class RoundReportData:
    """``units``: one row per unit in ranking order (level, rank, unit) with its total, verdict,
    previous total/rank and problem counts by status; ``indicators``: one row per indicator in
    the set's order; ``problems``: every problem row of the round in unit order; ``trend``: one
    row per stored round up to this one (per-level averages in columns named by level);
    ``unread``: units not observed, with reasons; ``not_evaluated``: per unit, indicators not
    evaluated and why; ``single_levels``: levels with one scored unit (no average, no rank); ``patrol``: time to fix
    and warnings over the daily patrols up to the round's as-of day (None: no patrol, or not
    asked for); ``movement``: the change since the previous round per level, split into the
    indicator set's, the sites' and the decisions' parts (`reports.round_change`)."""

    info: round_store.RoundInfo
    summary: RoundSummary
    totals: pd.DataFrame
    units: pd.DataFrame
    indicators: pd.DataFrame
    problems: pd.DataFrame
    trend: pd.DataFrame
    levels: list[str]
    indicator_set_name: str = ""
    paragraph: str = ""
    credit: pd.DataFrame = field(default_factory=pd.DataFrame)
    unread: pd.DataFrame = field(default_factory=pd.DataFrame)
    not_evaluated: pd.DataFrame = field(default_factory=pd.DataFrame)
    single_levels: frozenset[str] = frozenset()
    patrol: PatrolFixes | None = None  # time to fix over the patrols up to as_of; None: none
    movement: Movement | None = None  # 得分变化原因: per level, rules vs sites vs decisions


def status_counts(problems: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by`` value: problems by tracking status, and how many were dismissed."""
    if problems.empty:
        return pd.DataFrame(columns=list(COUNTS), dtype=int)
    counts = pd.crosstab(problems[by], problems["status"]).reindex(
        columns=list(STATUSES), fill_value=0
    )
    dismissed = problems["decision"].astype(object).eq("dismissed")
    counts["dismissed"] = dismissed.groupby(problems[by]).sum().reindex(counts.index)
    return counts.astype(int)


def _units(
    store: Store, info: round_store.RoundInfo, totals: pd.DataFrame, problems: pd.DataFrame
) -> pd.DataFrame:

    names = store.units_frame().set_index("id")["name"]
    out = totals.copy()
    out["parent_name"] = [names.get(p, p) if isinstance(p, str) else "" for p in out["parent"]]
    out["verdict"] = [verdict(row) for row in out.itertuples()]
    if info.previous_round:
        before = round_store.round_totals_frame(store, info.previous_round).set_index("unit_id")
        out["previous_total"] = out["unit_id"].map(before["total"])
        out["previous_rank"] = out["unit_id"].map(before["rank_in_level"]).astype("Int64")
    else:
        out["previous_total"] = float("nan")
        out["previous_rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["change"] = (out["total"] - out["previous_total"]).round(2)
    counts = status_counts(problems, "unit_id")
    out = out.join(counts, on="unit_id").fillna({c: 0 for c in COUNTS})
    out[list(COUNTS)] = out[list(COUNTS)].astype(int)
    out["_level"] = level_order(out["level"])
    out["_rank"] = out["rank_in_level"].astype("Float64").fillna(1e9)
    out = out.sort_values(["_level", "level", "_rank", "unit_id"], kind="stable")
    return out.drop(columns=["_level", "_rank"]).reset_index(drop=True)


def _indicators(indicator_set: Any, scores: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for ind in indicator_set.indicators:
        group = tuple(ind.group) + ("",) * 3
        rows.append(
            {
                "indicator_id": ind.id,
                "name": ind.name,
                "group1": group[0],
                "group2": group[1],
                "group3": group[2],
                "points": float(ind.points),
                "kind": "否决项" if ind.veto else ("加分项" if ind.bonus else "扣分项"),
            }
        )
    out = pd.DataFrame(rows)
    live = counted_problems(problems)
    out["counted"] = out["indicator_id"].map(live.groupby("indicator_id").size())
    out["units"] = out["indicator_id"].map(live.groupby("indicator_id")["unit_id"].nunique())
    out["points_lost"] = out["indicator_id"].map(scores.groupby("indicator_id")["deduction"].sum())
    out = out.join(status_counts(problems, "indicator_id"), on="indicator_id")
    numbers = ["counted", "units", *COUNTS]
    out[numbers] = out[numbers].fillna(0).astype(int)
    out["points_lost"] = out["points_lost"].fillna(0.0).round(2)
    return out


def _problems(
    problems: pd.DataFrame, units: pd.DataFrame, indicators: pd.DataFrame
) -> pd.DataFrame:
    unit_cols = units[["unit_id", "name", "level"]].rename(columns={"name": "unit_name"})
    unit_cols = unit_cols.assign(_u=range(len(unit_cols)))
    ind_cols = indicators[["indicator_id", "name", "group1"]].rename(
        columns={"name": "indicator_name"}
    )
    ind_cols = ind_cols.assign(_i=range(len(ind_cols)))
    out = problems.merge(unit_cols, on="unit_id", how="left").merge(
        ind_cols, on="indicator_id", how="left"
    )
    out = out.sort_values(["_u", "_i", "subject"], kind="stable", na_position="last")
    return out.drop(columns=["_u", "_i"]).reset_index(drop=True)


def _trend(store: Store, info: round_store.RoundInfo) -> pd.DataFrame:
    """One row per round up to ``info``; 已整改 (fixed) of a round is what was fixed since the
    round before it: its own fixed rows and the previous round's fixed at 回头看 (which the
    previous round's row no longer counts: ``rechecked``)."""
    rounds = round_store.list_rounds(store)
    upto = next(i for i, r in enumerate(rounds) if r.id == info.id)
    rows = []
    for r in rounds[: upto + 1]:
        totals = round_store.round_totals_frame(store, r.id)
        problems = round_store.problems_frame(store, r.id, evidence=False)
        credit = round_followup.recheck_fixed(store, r, problems)
        levels = by_level(totals)
        at_recheck = problems["rechecked_at"].notna() & problems["status"].eq("fixed")
        counts = (
            problems.loc[~at_recheck, "status"].value_counts()
            if len(problems)
            else pd.Series(dtype=int)
        )
        row: dict[str, Any] = {
            "round": r.id,
            "kind": r.kind,
            "as_of": r.as_of,
            "units": len(totals),
            "passed": int(levels["passed"].sum()) if len(levels) else 0,
            "counted": len(counted_problems(problems)),
            "rechecked": int(at_recheck.sum()),
        }
        row |= {s: int(counts.get(s, 0)) for s in STATUSES}
        row["fixed"] += len(credit)
        row |= {lv.level: lv.average for lv in levels.itertuples()}
        rows.append(row)
    return pd.DataFrame(rows)


def round_report_data(store: Store, round_id: str, *, patrol: bool = False) -> RoundReportData:
    """Everything a round report shows, read from the store (RoundNotFound for a bad id);
    ``patrol``: with time to fix over the patrols (the report files; the portal's overview
    does without)."""
    result = load_result(store, round_id)
    info = result.info
    indicator_set = frozen_set(info)
    summary = summarize(result, indicator_set)
    credit = round_followup.recheck_fixed(store, info, result.problems)
    compared = pd.concat(
        [
            result.problems.assign(via_recheck=False),
            credit.drop(columns=["evidence"], errors="ignore"),
        ],
        ignore_index=True,
    )
    units = _units(store, info, result.totals, compared)
    indicators = _indicators(indicator_set, result.scores, compared)
    trend = _trend(store, info)
    levels = [lv for lv in units["level"].drop_duplicates() if lv in trend.columns]
    not_evaluated = round_followup.not_evaluated(result.scores, indicator_set, result.totals)
    scored = result.totals[result.totals["total"].notna()]
    sizes = scored.groupby("level").size()
    return RoundReportData(
        info=info,
        summary=summary,
        totals=result.totals,
        units=units,
        indicators=indicators,
        problems=_problems(compared, units, indicators),
        trend=trend,
        levels=levels,
        indicator_set_name=f"{indicator_set.name}（{indicator_set.version}）",
        paragraph=paragraph(
            info.kind,
            summary.by_group,
            summary.by_level,
            result.totals,
            result.problems,
            credit,
            info.previous_round,
            not_evaluated["unit_id"].nunique(),
        ),
        credit=credit,
        unread=round_followup.unread_units(store, info, result.totals),
        not_evaluated=not_evaluated,
        single_levels=frozenset(sizes[sizes == 1].index),
        patrol=patrol_fixes(store, info.as_of, store.units_frame()) if patrol else None,
        movement=movement(store, info, result.totals),
    )
