"""periodic_publication — 重点领域信息未按期发布: a column that must publish every month or quarter
(monthly air quality, quarterly drinking-water safety…) has fewer than `min_items` items for a
period that is due (period end + `grace_days`) within the last `window` (docs/domain.md §3.2).

An item's period is the one its title names (2024年5月, 2024年第二季度; a range such as 2025年1-2月,
as statistics publish January and February together, counts for each month); an item naming none is
counted for the period its publish date minus the grace days falls in (a report on May published
on 7 June). Periods before the column's first item are not judged — the column did not exist.
With `every: auto` the cadence is what the titles name (quarters if any title names one);
a column whose titles name no period is then not judged.
Subject `<column url>/<period>` (period `2024-05` or `2024Q2`).

The periods judged are those due within the indicator's window (`12 months`, `quarter`); a
missing period is dated by its due day, so it leaves the window as *expired* (docs/indicators.md
§2.5). `params.window`, from before indicators had windows, must agree with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _coverage, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData
from scoring.durations import Duration, DurationField
from scoring.windows import Window

log = logging.getLogger(__name__)

_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
_QUARTER = re.compile(r"(\d{4})\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度")
_QN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Months published together: 2025年1-2月 (January and February, as statistics publish them),
# 2025年1月至2月, 2025年1—3月.
_MONTHS = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月?\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})\s*月")
DEFAULT_WINDOW = Duration(12, "months")


class PeriodicParams(CheckParams):
    every: Literal["month", "quarter", "auto"] = "auto"
    window: DurationField | None = None  # the indicator's window; given, it must agree
    grace_days: int = Field(default=15, ge=0, le=365)
    min_items: int = Field(default=1, ge=1, le=1000)
    name_contains: list[str] | None = None  # only columns whose name contains one of these


def named_period(title: str) -> tuple[str, str] | None:
    """("quarter", "2024Q2") / ("month", "2024-05") for a title naming a period (the first month
    of a range: 2024年1-2月 → 2024-01), else None."""
    if together := months_together(title):
        return "month", together[0]
    if m := _QUARTER.search(title):
        return "quarter", f"{m.group(1)}Q{_QN[m.group(2)]}"
    if (m := _MONTH.search(title)) and 1 <= int(m.group(2)) <= 12:
        return "month", f"{m.group(1)}-{int(m.group(2)):02d}"
    return None


def months_together(title: str) -> list[str]:
    """The months a title names as a range ("2025年1-2月" → ["2025-01", "2025-02"]), else []."""
    found = _MONTHS.search(title)
    if not found:
        return []
    year, first, last = (int(g) for g in found.groups())
    if not 1 <= first < last <= 12:
        return []
    return [f"{year}-{month:02d}" for month in range(first, last + 1)]


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


@register
class PeriodicPublication(Check):
    name: ClassVar[str] = "periodic_publication"
    forecasts: ClassVar[bool] = True
    Params = PeriodicParams
    description: ClassVar[str] = "column missing items for a due month or quarter"
    judges: ClassVar[str] = "column_items"
    dated_by: ClassVar[dict[str, str]] = {"*": "due"}  # a period is judged while due in the window

    def window_problem(self, params: PeriodicParams, window: Window) -> str | None:
        if not window.bounded:
            return (
                "check periodic_publication judges the periods due within a window: write "
                "quarter or a duration such as 12 months"
            )
        if params.window is not None and params.window != window.duration:
            return (
                f"params.window {params.window} disagrees with the indicator's window {window}; "
                "leave params.window out (the indicator's window is used)"
            )
        return None

    def default_window(self, params: PeriodicParams) -> Window:
        return Window("duration", params.window or DEFAULT_WINDOW)

    def effective_window(self, params: PeriodicParams, ctx: CheckContext) -> Window:
        return ctx.window if ctx.window.bounded else self.default_window(params)

    def wanted_columns(
        self, data: CrawlData, params: PeriodicParams, ctx: CheckContext
    ) -> pd.DataFrame:
        return _named(super().wanted_columns(data, params, ctx), params)

    def coverage(self, data: CrawlData, params: PeriodicParams, ctx: CheckContext) -> pd.DataFrame:
        """As by default; nothing to judge is said as the columns it looks for."""
        out = super().coverage(data, params, ctx)
        if params.name_contains:
            cats = _coverage.what_items(self.read_categories(params, ctx)).removesuffix("类信息")
            words = "、".join(params.name_contains)
            nothing = out["state"] == _coverage.NOTHING
            out.loc[nothing, "reason"] = f"没有名称含“{words}”且有信息的{cats}栏目"
        return out

    def find(self, data: CrawlData, params: PeriodicParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _named(_scope.columns(data, ctx), params)
        items = _scope.column_items(data, cols, ctx.as_of)
        if items.empty:
            return findings([])
        # Every column at once: periods as integers (months or quarters since year 0), counted
        # per (column, period); then only the few periods due within the window are looked at.
        # Titles repeat (each unit's 2025年5月空气质量通报): each distinct title is read once.
        titles = [_scope.text(t) for t in items["title"].to_numpy(dtype=object)]
        periods = {t: named_period(t) for t in dict.fromkeys(titles)}
        named = [periods[t] for t in titles]
        column_ids = items["column_id"].to_numpy()
        cadence = _cadence(column_ids, named, params.every, cols)
        every = [cadence.get(c) for c in column_ids]
        shifted = items["date"] - pd.Timedelta(days=params.grace_days)
        year, month = shifted.dt.year.to_numpy(float), shifted.dt.month.to_numpy(float)
        quarterly = np.array([e == "quarter" for e in every], dtype=bool)
        by_date = np.where(quarterly, year * 4 + (month - 1) // 3, year * 12 + month - 1)
        by_title = np.array(
            [
                _index(n[1]) if n is not None and n[0] == e else np.nan
                for n, e in zip(named, every, strict=True)
            ],
            dtype=float,
        )
        period = np.where(np.isnan(by_title), by_date, by_title)
        known = ~np.isnan(period) & np.array([e is not None for e in every], dtype=bool)
        counted = pd.DataFrame({"column_id": column_ids[known], "period": period[known]})
        # A monthly item naming a range of months counts for each of them.
        together = {t: months_together(t)[1:] for t in periods if "月" in t}
        extra = [
            (column_id, float(_index(month)))
            for title, column_id, kind in zip(titles, column_ids, every, strict=True)
            if kind == "month" and "月" in title
            for month in together[title]
        ]
        if extra:
            counted = pd.concat(
                [counted, pd.DataFrame(extra, columns=["column_id", "period"])], ignore_index=True
            )
        counts = counted.groupby(["column_id", "period"]).size().to_dict()
        first = counted.groupby("column_id")["period"].min().to_dict()
        opens = self.effective_window(params, ctx).first_day(ctx.as_of)
        assert opens is not None  # a bounded window
        window_start = opens - dt.timedelta(days=1)
        grace = dt.timedelta(days=params.grace_days)
        due = {e: _due(e, window_start, grace, ctx.as_of) for e in set(cadence.values())}
        rows = []
        for col in cols.itertuples(index=False):
            if col.id not in first:
                continue
            kind = cadence[col.id]
            for index, label, day in due[kind]:
                if index < first[col.id]:
                    continue  # before the column's first item: the column did not exist
                found = int(counts.get((col.id, float(index)), 0))
                if found < params.min_items:
                    rows.append(
                        {
                            "unit_id": col.unit_id,
                            "subject": f"{col.url}/{label}",
                            "target_url": col.url,
                            "evidence": {
                                "column_name": col.name,
                                "column_url": col.url,
                                "period": label,
                                "period_zh": period_zh(label),
                                "every": kind,
                                "due": day.isoformat(),
                                "items": found,
                                "min_items": params.min_items,
                            },
                        }
                    )
        return findings(rows)


def _named(cols: pd.DataFrame, params: PeriodicParams) -> pd.DataFrame:
    """The columns whose name contains one of `name_contains` (all without it)."""
    if not params.name_contains:
        return cols
    pattern = "|".join(map(re.escape, params.name_contains))
    return cols[cols["name"].fillna("").str.contains(pattern, regex=True)]


def _cadence(
    column_ids: np.ndarray, named: list[tuple[str, str] | None], every: str, cols: pd.DataFrame
) -> dict[int, str]:
    """Column id → "month" / "quarter"; with `auto`, what its titles name (quarters if any
    title names one); a column whose titles name no period is left out (not judged)."""
    present = dict.fromkeys(column_ids.tolist())
    if every != "auto":
        return dict.fromkeys(present, every)
    kinds: dict[int, set[str]] = {}
    for column_id, n in zip(column_ids.tolist(), named, strict=True):
        if n is not None:
            kinds.setdefault(column_id, set()).add(n[0])
    urls = dict(zip(cols["id"], cols["url"], strict=True))
    out = {}
    for column_id in present:
        if column_id not in kinds:
            log.info("periodic_publication: %s names no period; cadence unknown", urls[column_id])
            continue
        out[column_id] = "quarter" if "quarter" in kinds[column_id] else "month"
    return out


def _index(period: str) -> int:
    """ "2024-05" → months since year 0; "2024Q2" → quarters since year 0."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return int(year) * 4 + int(quarter) - 1
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def _label(index: int, every: str) -> str:
    if every == "quarter":
        return f"{index // 4}Q{index % 4 + 1}"
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _due(
    every: str, window_start: dt.date, grace: dt.timedelta, as_of: dt.date
) -> list[tuple[int, str, dt.date]]:
    """(index, label, due day) of the periods due (end + grace) within (window_start, as_of]."""
    out = []
    first = _index(period_of(window_start - grace, every)) - 1
    for index in range(first, _index(period_of(as_of, every)) + 1):
        label = _label(index, every)
        due = period_bounds(label)[1] + grace
        if window_start < due <= as_of:
            out.append((index, label, due))
    return out
