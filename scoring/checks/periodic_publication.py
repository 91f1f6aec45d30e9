"""periodic_publication — 重点领域信息未按期发布: a column that must publish every month or quarter
(monthly air quality, quarterly drinking-water safety…) has fewer than `min_items` items for a
period that is due (period end + `grace_days`) within the last `window` (domain.md §3.2).

An item's period is the one its title names (2024年5月, 2024年第二季度); an item naming none is
counted for the period its publish date minus the grace days falls in (a report on May published
on 7 June). Periods before the column's first item are not judged — the column did not exist.
With `every: auto` the cadence is what the titles name (quarters if any title names one);
a column whose titles name no period is then not judged.
Subject `<column url>/<period>` (period `2024-05` or `2024Q2`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData
from scoring.durations import Duration, DurationField

log = logging.getLogger(__name__)

_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
_QUARTER = re.compile(r"(\d{4})\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度")
_QN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class PeriodicParams(CheckParams):
    every: Literal["month", "quarter", "auto"] = "auto"
    window: DurationField = Field(default=Duration(12, "months"))
    grace_days: int = Field(default=15, ge=0)
    min_items: int = Field(default=1, ge=1)
    name_contains: list[str] | None = None  # only columns whose name contains one of these


def named_period(title: str) -> tuple[str, str] | None:
    """("quarter", "2024Q2") / ("month", "2024-05") for a title naming a period, else None."""
    if m := _QUARTER.search(title):
        return "quarter", f"{m.group(1)}Q{_QN[m.group(2)]}"
    if (m := _MONTH.search(title)) and 1 <= int(m.group(2)) <= 12:
        return "month", f"{m.group(1)}-{int(m.group(2)):02d}"
    return None


def period_of(day: dt.date, every: str) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}" if every == "quarter" else f"{day:%Y-%m}"


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period."""
    if "Q" in period:
        year, q = period.split("Q")
        first = dt.date(int(year), 3 * int(q) - 2, 1)
        months = 3
    else:
        year, month = period.split("-")
        first = dt.date(int(year), int(month), 1)
        months = 1
    month = first.month - 1 + months
    nxt = dt.date(first.year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def period_zh(period: str) -> str:
    if "Q" in period:
        year, q = period.split("Q")
        return f"{year}年第{'一二三四'[int(q) - 1]}季度"
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def _periods(first: str, last_day: dt.date, every: str) -> list[str]:
    out, period = [], first
    while True:
        start, end = period_bounds(period)
        if start > last_day:
            return out
        out.append(period)
        period = period_of(end + dt.timedelta(days=1), every)


@register
class PeriodicPublication(Check):
    name: ClassVar[str] = "periodic_publication"
    Params = PeriodicParams
    description: ClassVar[str] = "column missing items for a due month or quarter"

    def find(self, data: CrawlData, params: PeriodicParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        if params.name_contains:
            pattern = "|".join(map(re.escape, params.name_contains))
            cols = cols[cols["name"].fillna("").str.contains(pattern, regex=True)]
        items = _scope.column_items(data, cols, ctx.as_of)
        if items.empty:
            return findings([])
        items = items.assign(named=items["title"].fillna("").astype(str).map(named_period))
        rows = []
        groups = dict(tuple(items.groupby("column_id", sort=False)))
        for col in cols.itertuples(index=False):
            if col.id in groups:
                rows.extend(self._column(col, groups[col.id], params, ctx))
        return findings(rows)

    def _column(self, col, items: pd.DataFrame, params: PeriodicParams, ctx: CheckContext):
        named = items["named"].dropna()
        every = params.every
        if every == "auto":
            kinds = {kind for kind, _ in named}
            if not kinds:
                log.info("periodic_publication: %s names no period; cadence unknown", col.url)
                return []
            every = "quarter" if "quarter" in kinds else "month"
        grace = dt.timedelta(days=params.grace_days)

        shifted = items["date"] - pd.Timedelta(days=params.grace_days)
        if every == "quarter":
            by_date = (
                shifted.dt.year.astype("Int64").astype(str)
                + "Q"
                + ((shifted.dt.month - 1) // 3 + 1).astype("Int64").astype(str)
            )
        else:
            by_date = shifted.dt.strftime("%Y-%m")
        by_date = by_date.where(shifted.notna())
        by_title = items["named"].map(
            lambda n: n[1] if isinstance(n, tuple) and n[0] == every else None
        )
        periods = by_title.fillna(by_date).dropna()
        if periods.empty:
            return []
        counts = periods.value_counts()
        window_start = params.window.before(ctx.as_of, ctx.calendar)
        out = []
        for period in _periods(min(periods), ctx.as_of, every):
            due = period_bounds(period)[1] + grace
            if not (window_start < due <= ctx.as_of):
                continue
            found = int(counts.get(period, 0))
            if found < params.min_items:
                out.append(
                    {
                        "unit_id": col.unit_id,
                        "subject": f"{col.url}/{period}",
                        "target_url": col.url,
                        "evidence": {
                            "column_name": col.name,
                            "column_url": col.url,
                            "period": period,
                            "period_zh": period_zh(period),
                            "every": every,
                            "due": due.isoformat(),
                            "items": found,
                            "min_items": params.min_items,
                        },
                    }
                )
        return out
