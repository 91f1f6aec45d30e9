"""What a round did not score, unit by unit, in words (本轮未评): for `zwgk evaluate` and
`zwgk problems`, from a round's score rows (`state`, `reason`: scoring.states).

Units the crawl could not read at all are left out: their ranking row already says 未评分.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from common.vocabulary import SCORE_STATE_ZH


def by_unit(scores: pd.DataFrame, totals: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Unit id → its rows that are not scored (of observed units), in indicator order."""
    if scores.empty or "state" not in scores:
        return {}
    observed = set(totals.loc[totals["observed"].astype(bool), "unit_id"])
    rows = scores[(scores["state"] != "scored") & scores["unit_id"].isin(observed)]
    return {u: g for u, g in rows.groupby("unit_id", sort=True)}


def unit_lines(rows: pd.DataFrame, names: Mapping[str, str], *, detail: bool) -> list[str]:
    """One unit's unscored rows: a count per state, then (``detail``) each indicator with its
    reason, or (else) the not-evaluated ones grouped by reason."""
    counts = rows["state"].value_counts()
    head = "、".join(
        f"{SCORE_STATE_ZH[s]}{int(counts[s])}项" for s in SCORE_STATE_ZH if s in counts
    )
    lines = [head]
    if detail:
        for row in rows.itertuples(index=False):
            name = names.get(row.indicator_id, row.indicator_id)
            lines.append(f"  {SCORE_STATE_ZH.get(row.state, row.state)} {name}：{row.reason or ''}")
        return lines
    unread = rows[rows["state"] == "not_evaluated"]
    for reason, group in unread.groupby("reason", sort=True):
        items = "、".join(names.get(i, i) for i in group["indicator_id"])
        lines.append(f"  {items}：{reason}")
    return lines


def round_lines(
    scores: pd.DataFrame, totals: pd.DataFrame, names: Mapping[str, str], round_id: str
) -> list[str]:
    """The `zwgk evaluate` section: each unit with indicators not evaluated (未评), which and
    why; then how many others had nothing to judge, and where to read every reason."""
    units = by_unit(scores, totals)
    if not units:
        return []
    unit_names = dict(zip(totals["unit_id"], totals["name"], strict=True))
    unread = {u: rows for u, rows in units.items() if (rows["state"] == "not_evaluated").any()}
    out = ["本轮未评的指标：" if unread else "本轮没有未评的指标。"]
    for unit_id, rows in unread.items():
        first, *rest = unit_lines(rows, names, detail=False)
        out.append(f"{unit_names.get(unit_id, unit_id)}（{unit_id}）：{first}")
        out += rest
    others = sum(int((r["state"] != "not_evaluated").sum()) for r in units.values())
    if others:
        out.append(f"不适用或按满分计的指标共{others}项（{len(units)}家单位）。")
    out.append(f"各项原因：zwgk problems --round {round_id} --unit 单位ID")
    return out


def problems_lines(
    scores: pd.DataFrame,
    totals: pd.DataFrame,
    names: Mapping[str, str],
    round_id: str,
    detail: bool,
) -> list[str]:
    """The `zwgk problems` lines after the table: with ``detail`` (--unit given) each listed
    unit's unscored indicators with their reasons, else how many units have some."""
    units = by_unit(scores, totals)
    if not units:
        return []
    if not detail:
        return [
            f"{len(units)}家单位有未评、不适用或按满分计的指标；"
            f"原因见 zwgk problems --round {round_id} --unit 单位ID"
        ]
    out = []
    for unit_id, rows in units.items():
        first, *rest = unit_lines(rows, names, detail=True)
        out += [f"{unit_id}：{first}", *rest]
    return out
