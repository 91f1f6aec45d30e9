"""The frames of the monthly monitoring report (月监测报告), read once from the patrol history.

What the month's numbers mean (the XLSX, the HTML page and the paragraph all read these):

- **新发现** (found): a stretch of a problem (`patrol.history.spans`) first seen by a patrol in
  the month — a problem back after a fix is found again (``stretch`` > 1: 整改后又出现); on the
  very first patrol everything it finds is new, and the paragraph says so;
- **已整改** (fixed): a stretch whose first patrol not finding it, its unit read, is in the month;
  its days (first seen → gone, calendar days) make the median, and it is in time when gone
  within the deadline (20 working days) of being first seen;
- **月末仍存在** (open at the month's end): the problems the month's last patrol found; units
  its crawl did not read are not counted there, and are named as such;
- **预警** (warnings): each warning first given in the month (`warning_outcomes`), with what came
  of it as of the month's end (heeded, ignored — it became a problem —, or still pending).

The patrols are read up to the month's last day only, so a month's report does not change when
later nights are patrolled. Indicator groups (一级/二级指标) come from the indicator sets the
patrols name; an indicator no set found is grouped under 其他.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from patrol.history import (
    DEFAULT_DEADLINE,
    IGNORED,
    SPAN_COLUMNS,
    patrol_nights,
    spans,
    warning_outcomes,
)
from reports.fix_tables import TOTAL, fix_by_level, in_level_order, warnings_by_level
from reports.month_text import paragraph
from reports.wording import today_in_beijing
from scoring.indicators import IndicatorError, load_indicator_set
from scoring.summary import groups_of
from store.patrols import patrol_findings

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

TOP_UNITS = 10
OTHER = "其他"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthError(ValueError):
    """A --month that is not a month (one sentence naming the value)."""


class NoPatrols(LookupError):
    """No patrol in the month (one sentence naming the months that have some)."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    """``2025-08`` → Month(2025, 8); anything else is a MonthError naming it."""
    found = _MONTH.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise MonthError(f"--month {text!r} is not a month (YYYY-MM from 2000, e.g. 2025-08)")
    return Month(int(found.group(1)), int(found.group(2)))


@dataclass(frozen=True)
class MonthReportData:
    """``nights``: the month's patrols (`patrol.history.NIGHT_COLUMNS`); ``found`` / ``fixed``:
    stretches found / fixed in the month, with unit name, level and indicator groups;
    ``by_group``: group1, group2, found, fixed; ``by_level``: `LEVEL_COLUMNS` per level and
    合计; ``warnings``: warnings given in the month with their
    outcome; ``warning_counts``: per level by outcome; ``top_units``: the units with the most
    problems at the month's last patrol (name, level, open, new_in_month, longest_days,
    ignored_warnings); ``unread_end``: units that patrol could not read (names)."""

    month: Month
    nights: pd.DataFrame
    first_ever: bool  # the month holds the first stored patrol: all it found counts as new
    found: pd.DataFrame
    fixed: pd.DataFrame
    by_group: pd.DataFrame
    by_level: pd.DataFrame
    warnings: pd.DataFrame
    warning_counts: pd.DataFrame
    top_units: pd.DataFrame
    open_end: int
    units_open_end: int
    unread_end: list[str]
    deadline: str
    in_progress: bool = False  # written before the month ended: its last patrol so far
    paragraph: str = ""

    @property
    def last_day(self) -> dt.date:
        return self.nights["as_of"].iloc[-1]


def _groups(store_sets: list[str]) -> pd.DataFrame:
    """indicator_id → group1, group2 from the sets the patrols named (later sets win)."""
    frames = []
    for set_id in dict.fromkeys(store_sets):
        try:
            frames.append(groups_of(load_indicator_set(set_id)))
        except IndicatorError:
            log.warning(
                "indicator set %s not found: its indicators are grouped under %s", set_id, OTHER
            )
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "indicator", "group1", "group2"])
    return pd.concat(frames).drop_duplicates("indicator_id", keep="last")


def _described(frame: pd.DataFrame, units: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    out = frame.merge(
        units[["id", "name", "level"]].rename(columns={"id": "unit_id"}), on="unit_id", how="left"
    ).merge(groups, on="indicator_id", how="left")
    return out.fillna(
        {"group1": OTHER, "group2": OTHER, "level": OTHER, "indicator": "—", "name": "未登记单位"}
    )


def _by_group(found: pd.DataFrame, fixed: pd.DataFrame) -> pd.DataFrame:
    keys = ["group1", "group2"]
    out = pd.concat(
        [found.groupby(keys).size().rename("found"), fixed.groupby(keys).size().rename("fixed")],
        axis=1,
    )
    out = out.fillna(0).astype(int).reset_index()
    if out.empty:
        return pd.DataFrame(columns=[*keys, "found", "fixed"])
    return out.sort_values(["found", "fixed", *keys], ascending=[False, False, True, True])


LEVEL_COLUMNS = [
    "level", "found", "came_back", "fixed", "median_days", "in_time_share", "open_end",
    "units_open",
]  # fmt: skip


def _by_level(
    found: pd.DataFrame, fixed: pd.DataFrame, open_end: pd.DataFrame, fix: pd.DataFrame
) -> pd.DataFrame:
    """Per level, then 合计: found (came back among them), fixed with the median days and the
    share in time (`fix`), open at the month's end and the units they are in."""
    parts = [
        found.groupby("level").size().rename("found"),
        found[found["stretch"] > 1].groupby("level").size().rename("came_back"),
        fixed.groupby("level").size().rename("fixed"),
        open_end.groupby("level").size().rename("open_end"),
        open_end.groupby("level")["unit_id"].nunique().rename("units_open"),
    ]
    counts = pd.concat(parts, axis=1).fillna(0).astype(int)
    if counts.empty:
        return pd.DataFrame(columns=LEVEL_COLUMNS)
    counts.loc[TOTAL] = counts.sum()
    counts.loc[TOTAL, "units_open"] = open_end["unit_id"].nunique()
    out = counts.rename_axis("level").reset_index()
    out = out.merge(fix[["level", "median_days", "in_time_share"]], on="level", how="left")
    return pd.concat([in_level_order(out.iloc[:-1]), out.iloc[-1:]], ignore_index=True)[
        LEVEL_COLUMNS
    ]


def _top_units(
    open_end: pd.DataFrame, stretches: pd.DataFrame, warnings: pd.DataFrame, month: Month
) -> pd.DataFrame:
    """The units with the most problems at the last patrol (ties by name), with how many of
    them were first found in the month, the longest open so far, and the month's warnings
    they left unheeded."""
    columns = ["name", "level", "open", "new_in_month", "longest_days", "ignored_warnings"]
    if open_end.empty:
        return pd.DataFrame(columns=columns)
    current = stretches[stretches["gone_on"].isna()].set_index("fingerprint")
    rows = open_end.assign(
        since=open_end["fingerprint"].map(current["first_seen"]),
        days=open_end["fingerprint"].map(current["days"]),
    )
    rows["new"] = rows["since"].dt.date >= month.first
    out = rows.groupby(["unit_id", "name", "level"]).agg(
        open=("fingerprint", "size"), new_in_month=("new", "sum"), longest_days=("days", "max")
    )
    ignored = warnings[warnings["outcome"] == IGNORED].groupby("unit_id").size()
    out = out.reset_index()
    out["ignored_warnings"] = out["unit_id"].map(ignored).fillna(0).astype(int)
    out = out.sort_values(["open", "name"], ascending=[False, True], kind="stable")
    return out.head(TOP_UNITS)[columns].reset_index(drop=True)


def month_report_data(
    store: Store, month: Month, deadline: str = DEFAULT_DEADLINE, today: dt.date | None = None
) -> MonthReportData:
    """Everything a month's report shows (NoPatrols when no patrol ran in the month);
    ``today`` (Beijing time by default): a month not over yet is said as such."""
    history = patrol_nights(store, until=month.last)
    nights = history[history["as_of"] >= month.first].reset_index(drop=True)
    if nights.empty:
        raise NoPatrols(_no_patrols(store, month))
    units = store.units_frame()
    groups = _groups(list(history["indicator_set_id"]))
    stretches = spans(store, until=month.last)
    in_month = lambda days: days.dt.date.between(month.first, month.last)  # noqa: E731
    found = _described(stretches[in_month(stretches["first_seen"])], units, groups)
    fixed = _described(stretches[in_month(stretches["gone_on"])], units, groups)
    last = nights.iloc[-1]
    open_end = patrol_findings(store, int(last["patrol"]))
    open_end = _described(open_end[open_end["kind"] == "problem"], units, groups)
    given = warning_outcomes(store, until=month.last)
    given = _described(given[in_month(given["warned_on"])], units, groups)
    names = units.set_index("id")["name"]
    unread = sorted(str(names.get(u, "未登记单位")) for u in last["unread"])
    fix = fix_by_level(fixed[SPAN_COLUMNS], units, deadline)
    data = MonthReportData(
        month=month,
        nights=nights,
        first_ever=len(nights) == len(history),
        found=found,
        fixed=fixed,
        by_group=_by_group(found, fixed),
        by_level=_by_level(found, fixed, open_end, fix),
        warnings=given,
        warning_counts=warnings_by_level(given, units),
        top_units=_top_units(open_end, stretches, given, month),
        open_end=len(open_end),
        units_open_end=open_end["unit_id"].nunique(),
        unread_end=unread,
        deadline=deadline,
        in_progress=(today or today_in_beijing()) <= month.last,
    )
    return replace(data, paragraph=paragraph(data))


def _no_patrols(store: Store, month: Month) -> str:
    every = patrol_nights(store)
    if every.empty:
        return f"no patrol in {month}: none is stored yet (run `zwgk patrol` after each crawl)"
    months = sorted({f"{d.year:04d}-{d.month:02d}" for d in every["as_of"]})
    return f"no patrol in {month} (months patrolled: {', '.join(months)})"
