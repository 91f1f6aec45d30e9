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

from crawler.yamlsource import YamlSourceError, load_yaml

log = logging.getLogger(__name__)

_EPOCH = dt.date(2004, 1, 1)
_LAST = dt.date(2035, 12, 31)


class CalendarError(ValueError):
    """A bad override file or a date outside the supported range."""


class WorkCalendar:
    """Answers `is_workday`, `lag` and `add` over 2004–2035, vectorised through a cumulative index."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.estimated_years: set[int] = set()

    @classmethod
    def from_yaml(cls, path: str | Path) -> WorkCalendar:
        """Overrides file: `workdays: [2027-02-07, …]` and `holidays: [2027-02-10, …]`, read
        within `crawler.yamlsource`'s bounds; every mistake is a CalendarError naming FILE:LINE."""
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
                if not _EPOCH <= day <= _LAST:
                    raise CalendarError(
                        f"{at}: {key}: {day} is outside the supported range {_EPOCH}–{_LAST}"
                    )
                if overrides.get(day, value) != value:
                    raise CalendarError(f"{at}: {day} is listed both as a workday and a holiday")
                overrides[day] = value
        return cls(overrides)

    def is_workday(self, day: dt.date) -> bool:
        if not _EPOCH <= day <= _LAST:
            raise CalendarError(f"{day} is outside the supported range {_EPOCH}–{_LAST}")
        return bool(self._workday_flags[(day - _EPOCH).days])

    def lag(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        return int(self._cumulative[(end - _EPOCH).days] - self._cumulative[(start - _EPOCH).days])

    def lags(self, start: Iterable, end: Iterable) -> np.ndarray:
        """Vectorised `lag` over arrays of dates (numpy datetime64[D] or date objects)."""
        s = np.asarray(start, dtype="datetime64[D]")
        e = np.asarray(end, dtype="datetime64[D]")
        base = np.datetime64(_EPOCH, "D")
        si = (s - base).astype(np.int64)
        ei = (e - base).astype(np.int64)
        return self._cumulative[ei] - self._cumulative[si]

    def add(self, start: dt.date, workdays: int) -> dt.date:
        """The day on which `lag(start, day) == workdays` first holds (workdays >= 0)."""
        target = self._cumulative[(start - _EPOCH).days] + workdays
        index = int(np.searchsorted(self._cumulative, target, side="left"))
        return _EPOCH + dt.timedelta(days=index)

    @cached_property
    def _workday_flags(self) -> np.ndarray:
        days = (_LAST - _EPOCH).days + 1
        flags = np.zeros(days, dtype=bool)
        for i in range(days):
            flags[i] = self._lookup(_EPOCH + dt.timedelta(days=i))
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
