"""What a round report adds to the stored round's own rows: the fixes 回头看 found after the
previous round, and what this round could not evaluate.

- **回头看 credit.** `zwgk recheck` of the previous round marks its problems fixed *in that
  round* (`problems.rechecked_at`, scoring/recheck.py). The next round does not carry a fixed
  problem, so without these rows its comparison would show the scores rising with no fixes.
  `recheck_fixed` gives them back: the previous round's problems fixed at 回头看 that this round
  did not find again (found again, they are 反弹 here already), not dismissed.
- **本轮未能评估.** Units the crawl could not read (`round_totals.observed` false), with what
  the crawl met there; and per unit the indicators in state not_evaluated, with the reason
  (`round_scores.state` / `reason`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from common.vocabulary import PRESENT
from reports.checklist.result import NOT_EVALUATED_REASON, unreachable_reasons
from reports.checklist.rows import missing, score_state
from store import rounds as round_store

if TYPE_CHECKING:
    from store import Store

UNREAD_COLUMNS = ["unit_id", "name", "level", "parent", "reasons"]
NOT_EVALUATED_COLUMNS = ["unit_id", "unit_name", "level", "group1", "indicator", "reason"]


def recheck_fixed(
    store: Store, info: round_store.RoundInfo, problems: pd.DataFrame
) -> pd.DataFrame:
    """The previous round's problems fixed at its 回头看 and not found again now, as problem
    rows of this comparison (status fixed, no deduction, ``via_recheck`` true)."""
    if not info.previous_round:
        return problems.iloc[0:0].assign(via_recheck=pd.Series(dtype=bool))
    before = round_store.problems_frame(store, info.previous_round, evidence=False)
    present = set(problems.loc[problems["status"].isin(PRESENT), "fingerprint"])
    fixed = before[
        before["status"].eq("fixed")
        & before["rechecked_at"].notna()
        & ~before["fingerprint"].isin(present)
        & before["decision"].astype(object).ne("dismissed")
    ]
    return fixed.assign(deduction=0.0, via_recheck=True)


def unread_units(store: Store, info: round_store.RoundInfo, totals: pd.DataFrame) -> pd.DataFrame:
    """Units not observed this round, with what the crawl met on their sites (in words)."""
    unread = totals[~totals["observed"].astype(bool)]
    if unread.empty:
        return pd.DataFrame(columns=UNREAD_COLUMNS)
    issues = store.crawl_issues_frame(info.crawl_run)
    rows = [
        {
            "unit_id": t.unit_id,
            "name": t.name,
            "level": t.level,
            "parent": t.parent,
            "reasons": "；".join(unreachable_reasons(issues, t.unit_id)) or "网站未能正常访问",
        }
        for t in unread.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=UNREAD_COLUMNS)


def not_evaluated(scores: pd.DataFrame, indicator_set: Any, totals: pd.DataFrame) -> pd.DataFrame:
    """Per observed unit, the indicators in state not_evaluated and why (set order)."""
    if scores.empty or "state" not in scores:
        return pd.DataFrame(columns=NOT_EVALUATED_COLUMNS)
    observed = totals[totals["observed"].astype(bool)].set_index("unit_id")
    known = {ind.id: ind for ind in indicator_set.indicators}
    order = {ind.id: i for i, ind in enumerate(indicator_set.indicators)}
    rows = []
    for score in scores.to_dict("records"):
        unit = score["unit_id"]
        if unit not in observed.index or score_state(score) != "not_evaluated":
            continue
        ind = known.get(score["indicator_id"])
        rows.append(
            {
                "unit_id": unit,
                "unit_name": observed.at[unit, "name"],
                "level": observed.at[unit, "level"],
                "group1": ind.group[0] if ind is not None else "其他",
                "indicator": ind.name if ind is not None else "其他",
                "reason": NOT_EVALUATED_REASON if missing(score["reason"]) else score["reason"],
                "_o": order.get(score["indicator_id"], len(order)),
            }
        )
    out = pd.DataFrame(rows, columns=[*NOT_EVALUATED_COLUMNS, "_o"])
    return out.sort_values(["unit_id", "_o"], kind="stable").drop(columns="_o")
