"""Durations in indicator parameters: "2 weeks", "14d", "6 months", "1 year", "20 workdays",
"3 工作日", "30天", "6个月".

A duration is counted back from (or forward to) a day. Calendar units are plain date arithmetic;
months and years keep the day of month (31 Aug − 6 months = 28/29 Feb, as dateutil does);
working days (工作日) follow `scoring.workdays.WorkCalendar`, make-up days (调休) included.
Parameters are parsed once, when the indicator set is loaded (`DurationField` in a pydantic model),
so a bad duration stops with the file and line before anything is scored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from dateutil.relativedelta import relativedelta
from pydantic import BeforeValidator, PlainSerializer

from scoring.workdays import CalendarError

if TYPE_CHECKING:
    from scoring.workdays import WorkCalendar

Unit = Literal["days", "weeks", "months", "years", "workdays"]

# Spellings accepted for each unit (lower-cased, no surrounding space).
_UNITS: dict[str, Unit] = {}
for _unit, _names in {
    "days": ("d", "day", "days", "天", "日", "自然日", "个自然日"),
    "weeks": ("w", "week", "weeks", "周", "个星期", "星期"),
    "months": ("mo", "month", "months", "月", "个月"),
    "years": ("y", "year", "years", "年"),
    "workdays": (
        "wd",
        "workday",
        "workdays",
        "working day",
        "working days",
        "business day",
        "business days",
        "工作日",
        "个工作日",
    ),
}.items():
    for _name in _names:
        _UNITS[_name] = _unit  # type: ignore[assignment]

_PATTERN = re.compile(r"^\s*(\d+)\s*([^\d\s].*?)\s*$")
# The longest duration a parameter may give, per unit: about ten years. No disclosure rule looks
# further back or ahead, and a longer one ("99999 years") would leave the calendar's range in
# date arithmetic at scoring time instead of stopping here with the file and line.
MAX_AMOUNT: dict[Unit, int] = {
    "days": 3660, "weeks": 522, "months": 120, "years": 10, "workdays": 2500,
}  # fmt: skip
_ZH = {"days": "天", "weeks": "周", "months": "个月", "years": "年", "workdays": "个工作日"}


class DurationError(ValueError):
    """A duration that cannot be read; the message names the value and the accepted forms."""


@dataclass(frozen=True)
class Duration:
    """`amount` of `unit`; `str()` gives the canonical form ("2 weeks"), `zh` the Chinese one."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        name = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {name}"

    @property
    def zh(self) -> str:
        """The wording used in suggestions: 2周, 6个月, 1年, 20个工作日."""
        return f"{self.amount}{_ZH[self.unit]}"

    def before(self, day: dt.date, calendar: WorkCalendar | None = None) -> dt.date:
        """The earliest day whose distance to `day` does not exceed this duration.

        Something dated before the result is older than the duration at `day`. For working days
        that is the first day d with `calendar.lag(d, day) <= amount`. Counted back past the
        first representable day, the answer is that day (`dt.date.min`): nothing is older.
        """
        if self.unit == "workdays":
            calendar = _need(calendar, self)
            try:
                return calendar.earliest_within(day, self.amount)
            except CalendarError:
                return dt.date.min
        try:
            return day - self._delta()
        except (OverflowError, ValueError):  # before year 1
            return dt.date.min

    def after(self, day: dt.date, calendar: WorkCalendar | None = None) -> dt.date:
        """The last day still within this duration after `day` (deadline from a start).
        Past the last representable day the answer is that day (`dt.date.max`): never due."""
        if self.unit == "workdays":
            calendar = _need(calendar, self)
            # The last day whose lag from `day` is still <= amount: the day before lag amount+1.
            try:
                return calendar.add(day, self.amount + 1) - dt.timedelta(days=1)
            except CalendarError:
                return dt.date.max
        try:
            return day + self._delta()
        except (OverflowError, ValueError):  # after year 9999
            return dt.date.max

    def exceeded(self, starts: Any, ends: Any, calendar: WorkCalendar | None = None) -> np.ndarray:
        """Vectorised: True where `ends` is later than `starts` plus this duration.

        `starts`/`ends` are date-like arrays or Series without missing values, of any year
        (numpy day arithmetic, not pandas timestamps, which end in 2262).
        """
        s = np.atleast_1d(np.asarray(starts, dtype="datetime64[D]"))
        e = np.atleast_1d(np.asarray(ends, dtype="datetime64[D]"))
        if self.unit == "workdays":
            return _need(calendar, self).lags(s, e) > self.amount
        if self.unit in ("months", "years"):
            months = self.amount * (12 if self.unit == "years" else 1)
            # dateutil's rule, vectorised: same day of month, or the month's last day.
            month = s.astype("datetime64[M]")
            day_of_month = (s - month.astype("datetime64[D]")).astype(np.int64)
            target = month + months
            length = (target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")
            limit = target.astype("datetime64[D]") + np.minimum(
                day_of_month, length.astype(np.int64) - 1
            )
        else:
            limit = s + np.timedelta64(self._delta().days, "D")
        return e > limit

    def _delta(self) -> relativedelta | dt.timedelta:
        if self.unit == "days":
            return dt.timedelta(days=self.amount)
        if self.unit == "weeks":
            return dt.timedelta(weeks=self.amount)
        if self.unit == "months":
            return relativedelta(months=self.amount)
        return relativedelta(years=self.amount)


def _need(calendar: WorkCalendar | None, duration: Duration) -> WorkCalendar:
    if calendar is None:
        raise DurationError(f"{duration}: a calendar is needed to count working days")
    return calendar


def parse_duration(value: Any) -> Duration:
    """Read a duration: "2 weeks", "14d", "6 months", "1 year", "20 workdays", "3 工作日"…

    A `Duration` passes through; a bare integer is refused (a number without a unit is the most
    common indicator mistake: days or working days?).
    """
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise DurationError(
            f"{value!r} is not a duration: write a number and a unit, e.g. '2 weeks', "
            "'6 months', '20 workdays'"
        )
    match = _PATTERN.match(value)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        known = "days/d/天, weeks/w/周, months/个月, years/y/年, workdays/工作日"
        raise DurationError(
            f"{value!r} is not a duration: expected '<number> <unit>', unit one of {known}"
        )
    amount = int(match.group(1)) if len(match.group(1)) < 9 else MAX_AMOUNT[unit] + 1
    if amount > MAX_AMOUNT[unit]:
        raise DurationError(
            f"{value!r} is too long: at most {MAX_AMOUNT[unit]} {unit} (no rule looks further "
            "than about ten years)"
        )
    return Duration(amount, unit)


# For pydantic parameter models: `max_age: DurationField`; dumps back to the canonical text.
DurationField = Annotated[
    Duration, BeforeValidator(parse_duration), PlainSerializer(str, return_type=str)
]
