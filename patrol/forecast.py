"""Warnings (预警): what the crawl as it stands would show as a problem on a day within the
horizon, and does not show today — a column that goes stale in three days, a report whose
deadline passes on Friday, a consultation whose feedback falls due.

The forecast asks the checks themselves: each indicator that warns is judged again as of every
day after the patrol's up to the horizon, on the same crawl ("if nothing is done"); a problem
found on such a day and not today is a warning, due on the first day it is found. Which
indicators warn: those whose check can foresee anything (`Check.forecasts`: its findings come
by the passage of time alone) unless the set says `warn: false`; a `veto_count` indicator warns
from what the warning indicators count.

A quarter's window starts again on the first day of the next quarter: a `quarter` indicator's
findings dated into it (the check's `dated_by`: an event of the next quarter) are the next
quarter's, not today's coming due, and are not warned; its states — judged whatever the window,
like a consultation's missing feedback or a missing annual report — are, across the quarter's
end as within it (a feedback due on 13 July is warned on 30 June).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from scoring.checks.base import get_check
from scoring.data import CrawlData
from scoring.durations import Duration, parse_duration
from scoring.indicators import IndicatorSet
from scoring.scorer import PROBLEM_COLUMNS, score_crawl
from scoring.windows import QUARTER, Window
from scoring.workdays import WorkCalendar

DEFAULT_WITHIN = "5 workdays"  # how far ahead a patrol warns, when the operator does not say
WARNING_COLUMNS = (*PROBLEM_COLUMNS, "due")


def warns(indicator: Any) -> bool:
    """Whether ``indicator`` warns: its `warn:` key, else whether its check can foresee."""
    warn = getattr(indicator, "warn", None)
    return get_check(indicator.check).forecasts if warn is None else bool(warn)


def warning_set(indicator_set: IndicatorSet) -> IndicatorSet:
    """The indicators of ``indicator_set`` that warn (a set of its own, in the set's order)."""
    kept = [i for i in indicator_set.indicators if warns(i)]
    return dataclasses.replace(indicator_set, indicators=kept)


def horizon(as_of: dt.date, within: str | Duration, calendar: WorkCalendar) -> dt.date:
    """The last day a patrol as of ``as_of`` warns about (``within``: "5 workdays", "7 days")."""
    duration = within if isinstance(within, Duration) else parse_duration(within)
    return duration.after(as_of, calendar)


def forecast(
    data: CrawlData,
    indicator_set: IndicatorSet,
    as_of: dt.date,
    found_today: set[str],
    *,
    within: str | Duration = DEFAULT_WITHIN,
    calendar: WorkCalendar,
) -> pd.DataFrame:
    """The warnings (`WARNING_COLUMNS`: a problem's columns and `due`) of the crawl ``data`` as
    of ``as_of``: problems of the warning indicators found as of a day after ``as_of`` up to
    the horizon and not among ``found_today`` (fingerprints), each once, on its first day."""
    ahead = warning_set(indicator_set)
    last = horizon(as_of, within, calendar)
    seen = set(found_today)
    parts: list[pd.DataFrame] = []
    day = as_of
    while ahead.indicators and day < last:
        day += dt.timedelta(days=1)
        problems = score_crawl(data, ahead, day, calendar=calendar).problems
        problems = problems[~_next_quarters(ahead, problems, as_of, day)]
        new = problems[~problems["fingerprint"].isin(seen)].copy()
        if new.empty:
            continue
        new["due"] = day
        seen.update(new["fingerprint"])
        parts.append(new[list(WARNING_COLUMNS)])
    if not parts:
        return pd.DataFrame(columns=list(WARNING_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def _restarts(window: Window | None, as_of: dt.date, day: dt.date) -> bool:
    return (
        window is not None
        and window.kind == QUARTER
        and window.first_day(day) != window.first_day(as_of)
    )


def _next_quarters(
    indicator_set: IndicatorSet, problems: pd.DataFrame, as_of: dt.date, day: dt.date
) -> pd.Series:
    """Which ``problems`` found as of ``day`` are dated findings of a `quarter` indicator whose
    window restarted after ``as_of`` (the next quarter's events, not today's coming due)."""
    restarted = {
        i.id: get_check(i.check)
        for i in indicator_set.indicators
        if _restarts(getattr(i, "window", None), as_of, day)
    }
    if not restarted or problems.empty:
        return pd.Series(False, index=problems.index, dtype=bool)
    return pd.Series(
        [
            ind in restarted and restarted[ind].event_date(evidence)[0]
            for ind, evidence in zip(problems["indicator_id"], problems["evidence"], strict=True)
        ],
        index=problems.index,
        dtype=bool,
    )
