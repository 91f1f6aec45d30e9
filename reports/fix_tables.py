"""Time to fix (整改用时) and what came of warnings (预警), per unit level with a 合计 row — the
tables the monthly monitoring report and the round report both show, from the patrol history
(`patrol.history`: `spans`, `fix_times`, `warning_outcomes`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from common.vocabulary import LEVELS
from patrol.history import (
    DEFAULT_DEADLINE,
    HEEDED,
    IGNORED,
    PENDING,
    fix_times,
    patrol_nights,
    spans,
    warning_outcomes,
)

if TYPE_CHECKING:
    from store import Store

TOTAL = "合计"
FIX_COLUMNS = [
    "level",
    "problems",
    "fixed",
    "median_days",
    "in_time_share",
    "came_back",
    "still_open",
]
WARNING_COUNTS = ["level", "warnings", HEEDED, IGNORED, PENDING]


def level_order(levels: pd.Series) -> pd.Series:
    """Sort key of a level: the administrative order, unknown levels after (by name)."""
    order = {level: i for i, level in enumerate(LEVELS)}
    return levels.map(order).fillna(len(order))


def in_level_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s rows by its ``level`` column in the administrative order."""
    key = level_order(frame["level"])
    return frame.assign(_k=key).sort_values(["_k", "level"], kind="stable").drop(columns="_k")


def fix_by_level(
    stretches: pd.DataFrame, units: pd.DataFrame, deadline: str = DEFAULT_DEADLINE
) -> pd.DataFrame:
    """`fix_times` of ``stretches`` (`patrol.history.spans` rows) per level, then a 合计 row
    over all of them (its median is the median of every fix, not of the levels' medians).
    ``units``: id, level. Empty when there are no stretches."""
    if stretches.empty:
        return pd.DataFrame(columns=FIX_COLUMNS)
    levels = in_level_order(fix_times(stretches, units, deadline=deadline))
    total = fix_times(stretches, units.assign(level=TOTAL), deadline=deadline)
    return pd.concat([levels, total], ignore_index=True)[FIX_COLUMNS]


def warnings_by_level(outcomes: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Warnings (`patrol.history.warning_outcomes` rows) per level by outcome — heeded,
    ignored, pending — then a 合计 row. Empty when there are none."""
    if outcomes.empty:
        return pd.DataFrame(columns=WARNING_COUNTS)
    level = outcomes["unit_id"].map(units.set_index("id")["level"]).fillna("其他")
    counts = pd.crosstab(level, outcomes["outcome"]).reindex(
        columns=[HEEDED, IGNORED, PENDING], fill_value=0
    )
    counts.insert(0, "warnings", counts.sum(axis=1))
    counts.loc[TOTAL] = counts.sum()
    out = counts.rename_axis("level").reset_index()
    out = pd.concat([in_level_order(out.iloc[:-1]), out.iloc[-1:]], ignore_index=True)
    return out[WARNING_COUNTS].astype({c: int for c in WARNING_COUNTS[1:]})


@dataclass(frozen=True)
class PatrolFixes:
    """The patrols up to a day, as a round report shows them: how many days were patrolled,
    the first and last, time to fix per level (`fix_by_level`) and the warnings by outcome
    (`warnings_by_level`)."""

    days: int
    first: dt.date
    last: dt.date
    fix: pd.DataFrame
    warnings: pd.DataFrame
    deadline: str


def patrol_fixes(
    store: Store, until: dt.date, units: pd.DataFrame, deadline: str = DEFAULT_DEADLINE
) -> PatrolFixes | None:
    """Time to fix and warnings over every patrol up to ``until``; None when there is none."""
    nights = patrol_nights(store, until=until)
    if nights.empty:
        return None
    return PatrolFixes(
        days=nights["as_of"].nunique(),
        first=nights["as_of"].iloc[0],
        last=nights["as_of"].iloc[-1],
        fix=fix_by_level(spans(store, until=until), units, deadline),
        warnings=warnings_by_level(warning_outcomes(store, until=until), units),
        deadline=deadline,
    )
