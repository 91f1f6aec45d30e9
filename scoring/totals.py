"""A round's unit totals (总分): rescaled to 100 over the points judged, bonus, veto, pass, rank.

Only scored and full-marks indicators count (`round_scores.not_applicable` is true for the
others: not evaluated, not applicable): total = Σ scores / Σ their points × 100 (docs/domain.md
§2). Bonus items (加分项) sit outside the 100 and are added only above `BONUS_FROM`, at most
`BONUS_MAX` (国办秘函〔2019〕19号); a unit the crawl could not read gets no total, no pass/fail
and no rank. Ranks are within level and city (`scoring.cities`), as the office ranks: a
province's county governments are ranked among their city's, not the province's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.cities import city_of

BONUS_FROM = 80.0  # a site above 80 may earn bonus items …
BONUS_MAX = 20.0  # … out of 20 (国办秘函〔2019〕19号)
ROUND_DIGITS = 4  # float noise off scores, so equal totals rank equal


def unit_totals(units: pd.DataFrame, scores: pd.DataFrame, pass_line: float) -> pd.DataFrame:
    """Per unit: judged points, score, total rescaled to 100 (+ bonus), veto, pass, rank."""
    live = scores[~scores["not_applicable"].astype(bool)]
    base = live[~live["bonus"].astype(bool)].groupby("unit_id")
    bonus = live[live["bonus"].astype(bool)].groupby("unit_id")["score"].sum()
    out = units[["id", "name", "level", "parent", "observed"]].rename(columns={"id": "unit_id"})
    out = out.set_index("unit_id")
    out["points"] = base["points"].sum().reindex(out.index).fillna(0.0)
    out["score"] = base["score"].sum().reindex(out.index).fillna(0.0).round(ROUND_DIGITS)
    out["problems"] = live.groupby("unit_id")["problems"].sum().reindex(out.index).fillna(0)
    out["problems"] = out["problems"].astype(int)
    out["vetoed"] = live.groupby("unit_id")["veto"].any().reindex(out.index).fillna(False)
    out["vetoed"] = out["vetoed"].astype(bool)
    observed = out["observed"].astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        rescaled = (out["score"] / out["points"] * 100).round(ROUND_DIGITS)
    rescaled = rescaled.where(observed & (out["points"] > 0))
    earned = bonus.reindex(out.index).fillna(0.0)
    out["bonus"] = np.where(rescaled > BONUS_FROM, earned.clip(upper=BONUS_MAX), 0.0)
    out["rescaled"] = rescaled
    out["total"] = (rescaled + out["bonus"]).round(ROUND_DIGITS)
    passed = ~out["vetoed"] & (out["total"] >= pass_line)
    out["passed"] = passed.astype(object).where(out["total"].notna(), None)
    out["rank_in_level"] = _ranks(out, city_of(units).set_axis(out.index))
    return out.reset_index()


def _ranks(totals: pd.DataFrame, city: pd.Series) -> pd.Series:
    """Rank within level and city: vetoed units after the others, then by total (ties share a
    rank)."""
    ranked = totals[totals["total"].notna()]
    # One sortable number: vetoed units sink below every non-vetoed total.
    key = ranked["total"] - ranked["vetoed"].astype(float) * 1e6
    groups = [ranked["level"], city[ranked.index]]
    ranks = key.groupby(groups).rank(method="min", ascending=False)
    return ranks.astype("Int64").reindex(totals.index)
