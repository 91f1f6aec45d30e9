"""Working days (工作日) on the State Council holiday calendar, with make-up workdays (调休).

Source order, per day: a YAML override (make-up days announced after the package's release),
then `chinese_calendar`, then `python-holidays` for years chinese_calendar has no data for.
Days answered by the fallback are *estimated*: python-holidays knows the statutory holidays but
not every make-up Saturday, so callers record `estimated_years` with their results.

Counting convention used everywhere in zwgk: the lag from day A to day B is the number of
working days d with A < d <= B (the day of formation itself does not count, as in 条例 art. 26).
`WorkCalendar.explain` says a count in words a unit can check: the weekend days that were
make-up workdays (调休上班日) and the holidays that fell on weekdays inside the span.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
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
# chinese_calendar names holidays in English; a unit reads the State Council's names.
HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
WEEKDAY_ZH = "一二三四五六日"
SHOWN = 3  # make-up days or holidays named in an explanation; the rest are counted ("等5天")


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
        # A city's late items share their date pairs and holidays: each explained once.
        self._spans: dict[tuple[dt.date, dt.date], WorkSpan] = {}
        self._names: dict[dt.date, str | None] = {}
        self._year_holidays: dict[int, list[tuple[dt.date, str]]] = {}

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
        if (
            type(start) is dt.date
            and type(end) is dt.date
            and FIRST_DAY <= start <= LAST_DAY
            and FIRST_DAY <= end <= LAST_DAY
        ):  # two days in the table: `lags` without arrays (explain counts a city's spans)
            cumulative = self._cumulative
            return int(cumulative[(end - FIRST_DAY).days] - cumulative[(start - FIRST_DAY).days])
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

    def explain(self, start: dt.date, end: dt.date) -> WorkSpan:
        """`lag(start, end)` with what changed it: the weekend days inside (start, end] that
        were make-up workdays (调休上班日, counted) and the holidays that took weekdays off
        (not counted), so a unit can count the days again on a plain calendar."""
        key = (start, end)
        if key not in self._spans:
            self._spans[key] = self._explain(start, end)
        return self._spans[key]

    def _explain(self, start: dt.date, end: dt.date) -> WorkSpan:
        span = WorkSpan(start, end, self.lag(start, end))
        if end <= start:
            return span
        first, last = max(start + dt.timedelta(days=1), FIRST_DAY), min(end, LAST_DAY)
        if first > last:  # wholly outside the table: Monday to Friday, nothing to name
            return span
        flags = self._workday_flags[(first - FIRST_DAY).days : (last - FIRST_DAY).days + 1]
        # Weekend days that were workdays, found with array operations (a late item's span
        # may cover years of days).
        weekend = (first.weekday() + np.arange(len(flags))) % 7 >= 5
        makeup = [first + dt.timedelta(days=int(i)) for i in np.flatnonzero(flags & weekend)]
        # Holiday days in a row (a plain weekend between them joins them): one run, its names
        # in order — 2025-10-01 to 10-08 is 国庆节、中秋节.
        runs: list[list] = []  # [names, first day, last day, weekdays off]
        for day, name in self._holidays_within(first, last):
            if (
                runs
                and (day - runs[-1][2]).days <= 3
                and not any(
                    self.is_workday(runs[-1][2] + dt.timedelta(days=i))
                    for i in range(1, (day - runs[-1][2]).days)
                )
            ):
                runs[-1][2] = day
                if name not in runs[-1][0]:
                    runs[-1][0].append(name)
            else:
                runs.append([[name], day, day, 0])
            runs[-1][3] += day.weekday() < 5
        holidays = tuple(("、".join(n), a, b) for n, a, b, off in runs if off)
        years = set(range(first.year, last.year + 1))
        return WorkSpan(
            start, end, span.workdays, tuple(makeup), holidays, bool(years & self.estimated_years)
        )

    def _holidays_within(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """(day, holiday name) of the days in [first, last] (inside the table) that are part
        of a holiday, in order; each year's looked up once."""
        out = []
        for year in range(first.year, last.year + 1):
            if year not in self._year_holidays:
                start = max(dt.date(year, 1, 1), FIRST_DAY)
                stop = min(dt.date(year, 12, 31), LAST_DAY)
                flags = self._workday_flags[(start - FIRST_DAY).days : (stop - FIRST_DAY).days + 1]
                named = []
                for i in np.flatnonzero(~flags):
                    day = start + dt.timedelta(days=int(i))
                    name = self.holiday_name(day)
                    if name is not None:
                        named.append((day, name))
                self._year_holidays[year] = named
            out.extend((d, n) for d, n in self._year_holidays[year] if first <= d <= last)
        return out

    def holiday_name(self, day: dt.date) -> str | None:
        """The Chinese name of the holiday `day` is part of (春节, 国庆节, …); None on a working
        day or a plain weekend; "放假" for a day off given only by an override file."""
        if day not in self._names:
            self._names[day] = self._holiday_name(day)
        return self._names[day]

    def _holiday_name(self, day: dt.date) -> str | None:
        if self.is_workday(day):
            return None
        if day in self.overrides:
            return "放假"
        try:
            import chinese_calendar

            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            name = _statutory_names(day.year).get(day)
            if not name:
                return None
            # python-holidays: 春节（补假） is a day of 春节, 农历除夕 the eve the holiday begins.
            return "春节" if "除夕" in name else name.replace("（补假）", "")
        if not on_holiday or name is None:
            return None
        return HOLIDAY_ZH.get(str(name), str(name))

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


@cache
def _statutory_names(year: int) -> dict[dt.date, str]:
    import holidays

    return dict(holidays.China(years=year, language="zh_CN").items())


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{WEEKDAY_ZH[day.weekday()]}）"


@dataclass(frozen=True)
class WorkSpan:
    """A working-day count from `start` (not counted) to `end` and what changed it:
    `makeup` weekend days that were workdays, `holidays` (name, first, last day inside the
    span) that took weekdays off; `estimated`: a year of the span follows python-holidays."""

    start: dt.date
    end: dt.date
    workdays: int
    makeup: tuple[dt.date, ...] = ()
    holidays: tuple[tuple[str, dt.date, dt.date], ...] = ()
    estimated: bool = False

    @property
    def zh(self) -> str:
        """自2025-02-06次日起至2025-03-06共21个工作日（其中2025-02-08（星期六）为调休上班日，
        计入；…）— the count as a unit can check it on a calendar."""
        notes = []
        if self.makeup:
            shown = "、".join(_day(d) for d in self.makeup[:SHOWN])
            more = f"等{len(self.makeup)}天" if len(self.makeup) > SHOWN else ""
            notes.append(f"其中{shown}{more}为调休上班日，计入")
        if self.holidays:
            parts = [
                f"{a.isoformat()}{'' if a == b else '至' + b.isoformat()}{name}假期"
                for name, a, b in self.holidays[:SHOWN]
            ]
            more = f"等{len(self.holidays)}段假期" if len(self.holidays) > SHOWN else ""
            notes.append(f"{'、'.join(parts)}{more}不计")
        if not notes:
            notes.append("期间无法定节假日和调休上班日，按周一至周五计")
        if self.estimated:
            notes.append("该年度节假日安排尚未公布，按法定节日估算")
        return (
            f"自{self.start.isoformat()}次日起至{self.end.isoformat()}共{self.workdays}个工作日"
            f"（{'；'.join(notes)}）"
        )

    def evidence(self) -> dict:
        """JSON-able evidence: the count, the make-up days and holidays, and `workdays_zh`."""
        return {
            "workdays": self.workdays,
            "makeup_workdays": [d.isoformat() for d in self.makeup],
            "holidays": [
                {"name": n, "from": a.isoformat(), "until": b.isoformat()}
                for n, a, b in self.holidays
            ],
            "workdays_zh": self.zh,
        }


_default: WorkCalendar | None = None


def default_calendar() -> WorkCalendar:
    """The process-wide calendar without overrides (built once; ~15k days)."""
    global _default
    if _default is None:
        _default = WorkCalendar()
    return _default
