"""Why a unit's score changed (得分变化说明): a round's change against the previous round split into
what the rules did, what the site did and what the evaluators decided — in points, per indicator,
summing exactly to the change the unit sees.

Rounds freeze both their indicator set and their crawl, so the change can be taken apart by
scoring again (`score_crawl`) with one thing changed at a time:

    T0  the previous crawl, the previous set, the previous round's decisions   (the old total)
    T1  the previous crawl, the new set,      the previous round's decisions
    T2  the new crawl,      the new set,      the previous round's decisions
    T3  the new crawl,      the new set,      the new round's decisions         (the new total)

    rules = T1 − T0    site = T2 − T1    decisions = T3 − T2

The previous crawl is judged as of the previous round's day and the new one as of the new
round's, so the site's part includes the time that passed (a column not updated since went
stale: the site did not change, and that is its part). A decision follows its problem's
fingerprint into later rounds, so a problem dismissed before and still there is no change.

Within a part, each indicator's line is what its lost points did to the total: a total is
100 − 100 × Σ lost / P over the P points judged (`scoring.totals`), so an indicator's line is
100 × (lost before − lost after) / P after; the one line `BASE` is what the change of P did to
the points lost before (an indicator judged, or no longer judged: 计分基数), and `BONUS` the
加分. Rounding stays in `BASE`, so each part sums exactly to its difference of totals.

When the stored totals are not what scoring the stored inputs again gives (a round evaluated by
an older zwgk), the difference is its own part, `RECOMPUTED`, so the parts still sum to the
change the unit was shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.scorer import Scored, score_crawl
from scoring.totals import ROUND_DIGITS

if TYPE_CHECKING:
    from scoring.indicator_model import IndicatorSet
    from scoring.workdays import WorkCalendar
    from store import Store

RULES, SITE, DECISIONS, RECOMPUTED = "rules", "site", "decisions", "recomputed"
PARTS = (RULES, SITE, DECISIONS, RECOMPUTED)
PART_ZH = {
    RULES: "指标体系调整",
    SITE: "网站自身变化",
    DECISIONS: "测评人员核定",
    RECOMPUTED: "重新计算差异",
}
BASE, BONUS = "(计分基数)", "(加分)"  # lines of a part that are not one indicator's
LINE_COLUMNS = ["unit_id", "part", "indicator_id", "change"]
UNIT_COLUMNS = [
    "unit_id",
    "before",
    "after",
    "change",
    *PARTS,
    "passed_before",
    "passed_after",
    "vetoed_before",  # the veto indicators (单项否决) that failed the unit, comma-separated
    "vetoed_after",
]


class ExplainError(ValueError):
    """A change cannot be explained (no previous round, a round not found)."""


@dataclass(frozen=True)
class Side:
    """One round's inputs: its crawl (loaded), frozen set, day and the decisions it applied."""

    data: Any
    indicator_set: IndicatorSet
    as_of: dt.date
    decisions: Mapping[str, str]


@dataclass(frozen=True)
class Explanation:
    """Per unit (`UNIT_COLUMNS`: totals, the change and its parts, pass before and after) and
    per unit × part × indicator (`LINE_COLUMNS`). Units without a total on either side (not
    read by one of the crawls) are left out: there is no change to explain."""

    units: pd.DataFrame
    lines: pd.DataFrame

    def for_unit(self, unit_id: str) -> tuple[pd.Series | None, pd.DataFrame]:
        row = self.units[self.units["unit_id"] == unit_id]
        lines = self.lines[self.lines["unit_id"] == unit_id]
        return (row.iloc[0] if len(row) else None), lines.reset_index(drop=True)


def decompose(
    before: Side,
    after: Side,
    *,
    calendar: WorkCalendar,
    stored_before: pd.DataFrame | None = None,
    stored_after: pd.DataFrame | None = None,
    after_scored: Scored | None = None,
) -> Explanation:
    """The change from ``before`` to ``after`` split into rules, site and decisions (see the
    module). ``stored_*``: the rounds' stored totals (unit_id, total), when they may differ from
    scoring again; the difference is the `RECOMPUTED` part. ``after_scored``: ``after`` scored
    already (a round being evaluated), not scored again."""
    t2 = _score(after.data, after.indicator_set, after.as_of, before.decisions, calendar)
    t3 = after_scored or _score(
        after.data, after.indicator_set, after.as_of, after.decisions, calendar
    )
    return combine(
        _score(before.data, before.indicator_set, before.as_of, before.decisions, calendar),
        _score(before.data, after.indicator_set, before.as_of, before.decisions, calendar),
        t2,
        t3,
        stored_before=stored_before,
        stored_after=stored_after,
    )


def combine(
    t0: Scored,
    t1: Scored,
    t2: Scored,
    t3: Scored,
    *,
    stored_before: pd.DataFrame | None = None,
    stored_after: pd.DataFrame | None = None,
) -> Explanation:
    """The explanation from the four scorings of the module's table (a round being evaluated
    scores T2 and T3 on its own crawl before the previous crawl is loaded for T0 and T1: the two
    crawls are never in memory at once)."""
    totals = [_totals(s) for s in (t0, t1, t2, t3)]
    units = [
        u
        for u in totals[0].index
        if all(u in t.index and pd.notna(t.at[u, "total"]) for t in totals)
    ]
    lines = []
    for part, old, new in ((RULES, t0, t1), (SITE, t1, t2), (DECISIONS, t2, t3)):
        lines.append(part_lines(part, old, new, units))
    shown_before = _shown(stored_before, totals[0], units)
    shown_after = _shown(stored_after, totals[3], units)
    drift = (shown_after - totals[3].loc[units, "total"]) - (
        shown_before - totals[0].loc[units, "total"]
    )
    drift = drift.round(ROUND_DIGITS)
    if (drift != 0).any():
        lines.append(
            pd.DataFrame(
                {"unit_id": drift.index, "part": RECOMPUTED, "indicator_id": BASE, "change": drift}
            )[drift.to_numpy() != 0]
        )
    frame = pd.concat(lines, ignore_index=True)[LINE_COLUMNS]
    frame = frame[frame["change"].round(ROUND_DIGITS) != 0].reset_index(drop=True)
    per_part = frame.pivot_table(
        index="unit_id", columns="part", values="change", aggfunc="sum", fill_value=0.0
    ).reindex(index=units, columns=list(PARTS), fill_value=0.0)
    out = pd.DataFrame({"unit_id": units})
    out["before"] = shown_before.to_numpy()
    out["after"] = shown_after.to_numpy()
    out["change"] = (out["after"] - out["before"]).round(ROUND_DIGITS)
    for part in PARTS:
        out[part] = per_part[part].round(ROUND_DIGITS).to_numpy()
    out["passed_before"] = totals[0].loc[units, "passed"].to_numpy()
    out["passed_after"] = totals[3].loc[units, "passed"].to_numpy()
    out["vetoed_before"] = _vetoes(t0, units)
    out["vetoed_after"] = _vetoes(t3, units)
    return Explanation(out[UNIT_COLUMNS], frame)


def _score(
    data: Any,
    indicator_set: Any,
    as_of: dt.date,
    decisions: Mapping[str, str],
    calendar: WorkCalendar,
) -> Scored:
    return score_crawl(data, indicator_set, as_of, calendar=calendar, decisions=decisions)


def _totals(scored: Scored) -> pd.DataFrame:
    return scored.totals.set_index("unit_id")


def _vetoes(scored: Scored, units: Sequence[str]) -> list[str]:
    scores = scored.scores
    hit = scores[scores["veto"].astype(bool) & ~scores["not_applicable"].astype(bool)]
    named = hit.groupby("unit_id")["indicator_id"].agg(lambda ids: ",".join(sorted(ids)))
    return [named.get(u, "") for u in units]


def _lost(scored: Scored, units: Sequence[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Per unit × indicator the points lost (judged, not bonus), and per unit the points P."""
    scores = scored.scores
    live = scores[
        ~scores["not_applicable"].astype(bool)
        & ~scores["bonus"].astype(bool)
        & scores["unit_id"].isin(units)
    ]
    lost = (live["points"] - live["score"]).astype(float)
    frame = pd.DataFrame(
        {"unit_id": live["unit_id"], "indicator_id": live["indicator_id"], "lost": lost}
    )
    points = live.groupby("unit_id")["points"].sum().astype(float)
    return frame, points


def part_lines(part: str, old: Scored, new: Scored, units: Sequence[str]) -> pd.DataFrame:
    """One part's lines: each indicator's 100 × (lost before − lost after) / P after, the base
    line (P's change on the points lost before, and the rounding), the bonus line."""
    lost_old, _ = _lost(old, units)
    lost_new, p_new = _lost(new, units)
    merged = lost_old.merge(
        lost_new, on=["unit_id", "indicator_id"], how="outer", suffixes=("_old", "_new")
    ).fillna({"lost_old": 0.0, "lost_new": 0.0})
    p_after = merged["unit_id"].map(p_new).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["change"] = (100 * (merged["lost_old"] - merged["lost_new"]) / p_after).fillna(0.0)
    by_indicator = merged[["unit_id", "indicator_id", "change"]]
    total_old, total_new = _totals(old), _totals(new)
    rescaled = (total_new.loc[units, "rescaled"] - total_old.loc[units, "rescaled"]).fillna(0.0)
    bonus = (total_new.loc[units, "bonus"] - total_old.loc[units, "bonus"]).fillna(0.0)
    whole = (total_new.loc[units, "total"] - total_old.loc[units, "total"]).fillna(0.0)
    base = rescaled - by_indicator.groupby("unit_id")["change"].sum().reindex(units).fillna(0.0)
    base = base + (whole - rescaled - bonus)  # the totals' rounding, kept in one line
    extra = pd.DataFrame(
        {
            "unit_id": list(units) * 2,
            "indicator_id": [BASE] * len(units) + [BONUS] * len(units),
            "change": list(base.to_numpy()) + list(bonus.to_numpy()),
        }
    )
    out = pd.concat([by_indicator, extra], ignore_index=True)
    out["part"] = part
    return out[LINE_COLUMNS]


def _shown(stored: pd.DataFrame | None, computed: pd.DataFrame, units: Sequence[str]) -> pd.Series:
    """The totals the unit was shown: the stored ones, or (none given) the ones computed."""
    if stored is None:
        return computed.loc[list(units), "total"].astype(float)
    got = stored.set_index("unit_id")["total"].reindex(list(units)).astype(float)
    return got.fillna(computed.loc[list(units), "total"].astype(float))


def explain_round(
    store: Store,
    round_id: str,
    *,
    unit_ids: Sequence[str] | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[Any, Any, Explanation]:
    """Round ``round_id``'s change against the round before it, read from the store: both
    rounds' frozen sets, crawls (as each run left them) and applied decisions. Returns the two
    rounds' headers and the explanation. ``unit_ids``: only these units' crawl is loaded."""
    from scoring.data import load_crawl
    from scoring.round import frozen_set
    from scoring.workdays import default_calendar
    from store import rounds as round_store

    info = round_store.find_round(store, round_id)
    if info is None:
        raise ExplainError(f"round {round_id!r} not found (see `zwgk problems rounds`)")
    previous = _previous(store, info)
    ids = list(unit_ids) if unit_ids else None
    calendar = calendar or default_calendar()
    data = load_crawl(store, info.crawl_run, unit_ids=ids)
    now = frozen_set(info)
    site = _score(data, now, info.as_of, applied_decisions(store, previous.id, ids), calendar)
    scored = _score(data, now, info.as_of, applied_decisions(store, info.id, ids), calendar)
    del data  # let go before the previous round's crawl is loaded
    explained = against_previous(
        store, previous, now, site, scored, calendar=calendar, unit_ids=ids,
        stored_after=round_store.round_totals_frame(store, info.id),
    )  # fmt: skip
    return previous, info, explained


def against_previous(
    store: Store,
    previous: Any,
    indicator_set: IndicatorSet,
    site: Scored,
    scored: Scored,
    *,
    calendar: WorkCalendar,
    unit_ids: Sequence[str] | None = None,
    stored_after: pd.DataFrame | None = None,
) -> Explanation:
    """A round explained against the stored round ``previous``, from the round's crawl scored
    under ``indicator_set`` with the previous round's decisions (``site``: T2) and with its own
    (``scored``: T3): the previous crawl loaded as its run left it (``unit_ids``: only theirs)
    and scored under its frozen set and under ``indicator_set`` (T0, T1: one scoring when the
    set is the same), with the decisions it applied; its stored totals are what the units were
    shown. Called once the round's own crawl is let go: two crawls are never held at once."""
    from scoring.data import load_crawl
    from scoring.round import frozen_set
    from store import rounds as round_store

    before = load_crawl(store, previous.crawl_run, unit_ids=unit_ids)
    decisions = applied_decisions(store, previous.id, unit_ids)
    then = frozen_set(previous)
    t0 = _score(before, then, previous.as_of, decisions, calendar)
    same = then.sha256 == indicator_set.sha256  # the same set: the rules changed nothing
    t1 = t0 if same else _score(before, indicator_set, previous.as_of, decisions, calendar)
    del before
    return combine(
        t0, t1, site, scored,
        stored_before=round_store.round_totals_frame(store, previous.id),
        stored_after=stored_after,
    )  # fmt: skip


def applied_decisions(
    store: Store, round_id: str, unit_ids: Sequence[str] | None = None
) -> dict[str, str]:
    """Fingerprint → the decision a stored round applied (its problems' decision column)."""
    from store import rounds as round_store

    problems = round_store.problems_frame(store, round_id, unit_ids, evidence=False)
    applied = problems[problems["decision"].notna()]
    return dict(zip(applied["fingerprint"], applied["decision"], strict=True))


def _previous(store: Store, info: Any) -> Any:
    from store import rounds as round_store

    previous = round_store.find_round(store, info.previous_round) if info.previous_round else None
    if previous is None:
        raise ExplainError(
            f"round {info.id} has no previous round to compare with: a first round's points "
            "are explained by its problems alone"
        )
    return previous
