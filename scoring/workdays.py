"""Working days (工作日) on the State Council holiday calendar, with make-up workdays (调休).

Source order, per day: a YAML override (make-up days announced after the package's release),
then `chinese_calendar`, then `python-holidays` for years chinese_calendar has no data for.
Days answered by the fallback are *estimated*: python-holidays knows the statutory holidays but
not every make-up Saturday, so callers record `estimated_years` with their results.

Counting convention used everywhere in zwgk: the lag from day A to day B is the number of
working days d with A < d <= B (the day of formation itself does not count, as in 条例 art. 26).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from common.yamlsource import YamlSourceError, load_yaml

log = logging.getLogger(__name__)

# The table of working days: chinese_calendar's data begins in 2004 (before it and after the
# last day, days are counted Monday to Friday, without holidays: such dates are typos or old
# documents, where a count only has to be consistent — see `WorkCalendar`). Overrides outside
# the table are not used.
FIRST_DAY = dt.date(2004, 1, 1)
LAST_DAY = dt.date(2035, 12, 31)


class CalendarError(ValueError):
    """A bad override file, a missing date, or an answer outside the representable days."""


class WorkCalendar:
    """Answers `is_workday`, `lag` and `add` for any day, vectorised through a cumulative index
    over `FIRST_DAY`–`LAST_DAY` (the State Council calendar; python-holidays for the years
    chinese_calendar has no data for, recorded in `estimated_years`). Days outside that table
    are counted Monday to Friday (numpy's business days), recorded in `outside_years`.
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.estimated_years: set[int] = set()
        self.outside_years: set[int] = set()

    @classmethod
    def from_yaml(cls, path: str | Path) -> WorkCalendar:
        """Overrides file: `workdays: [2027-02-07, …]` and `holidays: [2027-02-10, …]`, read
        within `common.yamlsource`'s bounds; every mistake is a CalendarError naming FILE:LINE."""
        try:
            source = load_yaml(path)
        except YamlSourceError as exc:
            raise CalendarError(str(exc)) from None
        where = source.where
        data = {} if source.data is None else source.data
        if not isinstance(data, dict):
            raise CalendarError(f"{where(())}: expected a mapping with 'workdays:' and 'holidays:'")
        unknown = [key for key in data if key not in ("workdays", "holidays")]
        if unknown:
            raise CalendarError(
                f"{where((unknown[0],))}: unknown key {unknown[0]!r}; "
                "expected only the keys 'workdays' and 'holidays'"
            )
        overrides: dict[dt.date, bool] = {}
        for key, value in (("workdays", True), ("holidays", False)):
            days = data.get(key) or []
            if not isinstance(days, list):
                raise CalendarError(f"{where((key,))}: {key} is a list of dates ([2027-02-07, …])")
            for i, day in enumerate(days):
                at = where((key, i))
                # A datetime is a date too, but would never equal the days looked up.
                if isinstance(day, dt.datetime):
                    raise CalendarError(f"{at}: {key}: {day} has a time; write the day only")
                if not isinstance(day, dt.date):
                    raise CalendarError(f"{at}: {key}: {day!r} is not a date (YYYY-MM-DD)")
                if not FIRST_DAY <= day <= LAST_DAY:
                    raise CalendarError(
                        f"{at}: {key}: {day} is outside the supported range {FIRST_DAY}–{LAST_DAY}"
                    )
                if overrides.get(day, value) != value:
                    raise CalendarError(f"{at}: {day} is listed both as a workday and a holiday")
                overrides[day] = value
        return cls(overrides)

    def is_workday(self, day: dt.date) -> bool:
        """True on a working day; outside the table (see `FIRST_DAY`), Monday to Friday."""
        if FIRST_DAY <= day <= LAST_DAY:
            return bool(self._workday_flags[(day - FIRST_DAY).days])
        self._note_outside(np.array([day], dtype="datetime64[D]"))
        return bool(np.is_busday(np.datetime64(day, "D")))

    def lag(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        return int(self.lags([start], [end])[0])

    def lags(self, start: Iterable, end: Iterable) -> np.ndarray:
        """Vectorised `lag` over arrays of dates (numpy datetime64[D] or date objects) of any
        year; a missing date (NaT) is a `CalendarError` (callers drop undated rows first)."""
        s = np.atleast_1d(np.asarray(start, dtype="datetime64[D]"))
        e = np.atleast_1d(np.asarray(end, dtype="datetime64[D]"))
        if np.isnat(s).any() or np.isnat(e).any():
            raise CalendarError("cannot count working days to or from a missing date")
        return self._counts(e) - self._counts(s)

    def add(self, start: dt.date, workdays: int) -> dt.date:
        """The first day d >= start with `lag(start, d) == workdays` (workdays >= 0): for
        workdays >= 1 the workdays-th working day after start."""
        if workdays < 0:
            raise CalendarError(f"cannot add {workdays} working days: the count must be >= 0")
        if workdays == 0:
            return start
        target = int(self._counts(np.array([start], dtype="datetime64[D]"))[0]) + workdays
        return _to_date(self._first_day_counting(target), f"{workdays} working days after {start}")

    def earliest_within(self, day: dt.date, workdays: int) -> dt.date:
        """The earliest day d with `lag(d, day) <= workdays` (workdays >= 0)."""
        if workdays < 0:
            raise CalendarError(f"cannot count back {workdays} working days: must be >= 0")
        target = int(self._counts(np.array([day], dtype="datetime64[D]"))[0]) - workdays
        return _to_date(self._first_day_counting(target), f"{workdays} working days before {day}")

    def _counts(self, days: np.ndarray) -> np.ndarray:
        """Working days from `FIRST_DAY` up to and including each day — negative before it:
        minus the working days from the day after it up to `FIRST_DAY` (so that
        ``counts(B) - counts(A)`` is the lag from A to B for any two days)."""
        first = np.datetime64(FIRST_DAY, "D")
        last = np.datetime64(LAST_DAY, "D")
        cumulative = self._cumulative
        index = (days - first).astype(np.int64)
        inside = (index >= 0) & (index < len(cumulative))
        if inside.all():  # the usual case: one gather, no masks
            return cumulative[index]
        out = np.empty(days.shape, dtype=np.int64)
        out[inside] = cumulative[index[inside]]
        self._note_outside(days[~inside])
        before = days < first
        out[before] = -np.busday_count(days[before] + 1, first)
        after = days > last
        out[after] = cumulative[-1] + np.busday_count(last + 1, days[after] + 1)
        return out

    def _first_day_counting(self, target: int) -> np.datetime64:
        """The first day whose `_counts` is `target` or more (the inverse of `_counts`)."""
        first = np.datetime64(FIRST_DAY, "D")
        last = np.datetime64(LAST_DAY, "D")
        cumulative = self._cumulative
        if target <= 0:
            # Before the table: the weekday with -target weekdays between it and FIRST_DAY.
            return np.busday_offset(first - 1, target, roll="backward")
        if target > cumulative[-1]:
            return np.busday_offset(last + 1, target - int(cumulative[-1]) - 1, roll="forward")
        return first + int(np.searchsorted(cumulative, target, side="left"))

    def _note_outside(self, days: np.ndarray) -> None:
        """Log (once per year and calendar) that days outside the table count Monday–Friday."""
        years = {int(y) + 1970 for y in np.unique(days.astype("datetime64[Y]").astype(np.int64))}
        years -= self.outside_years
        if years:
            self.outside_years |= years
            log.info(
                "working days of %s (outside %s–%s) counted Monday to Friday, without holidays",
                sorted(years)[:5],
                FIRST_DAY,
                LAST_DAY,
            )

    @cached_property
    def _workday_flags(self) -> np.ndarray:
        days = (LAST_DAY - FIRST_DAY).days + 1
        flags = np.zeros(days, dtype=bool)
        for i in range(days):
            flags[i] = self._lookup(FIRST_DAY + dt.timedelta(days=i))
        return flags

    @cached_property
    def _cumulative(self) -> np.ndarray:
        return np.cumsum(self._workday_flags.astype(np.int64))

    def _lookup(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            import chinese_calendar

            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return self._fallback(day)

    def _fallback(self, day: dt.date) -> bool:
        if day.year not in self.estimated_years:
            log.info(
                "chinese_calendar has no data for %s; using python-holidays (estimated)", day.year
            )
            self.estimated_years.add(day.year)
        return day.weekday() < 5 and day not in _statutory_holidays(day.year)


def _to_date(day: np.datetime64, what: str) -> dt.date:
    if not np.datetime64(dt.date.min, "D") <= day <= np.datetime64(dt.date.max, "D"):
        raise CalendarError(f"{what} is outside the representable days {dt.date.min}–{dt.date.max}")
    return day.astype(dt.date)


@cache
def _statutory_holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.China(years=year))


_default: WorkCalendar | None = None


def default_calendar() -> WorkCalendar:
    """The process-wide calendar without overrides (built once; ~15k days)."""
    global _default
    if _default is None:
        _default = WorkCalendar()
    return _default
