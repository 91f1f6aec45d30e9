"""Assessment windows (评估期): which items an indicator judges in a round, given its day (as_of).

An indicator's `window:` is one of
- `as_of` — the state on the day: everything public by as_of (a column's newest item, a
  document's metadata, whether a report is published);
- `quarter` — items dated in the calendar quarter holding as_of, up to as_of (2025-04-01 to
  2025-06-30 for a round as of 2025-06-30): quarterly rounds then judge each day once;
- a duration in calendar time, e.g. `12 months`, `3 months`, `90 days` — items dated in
  (as_of − duration, as_of].

A one-time event (a document published late, a consultation too short) is deducted in the
round whose window holds its date and is history afterwards (tracking: *expired*). The window is
applied in one place: `scoring.checks._scope.articles` for the items a check reads and
`scoring.checks.base.Check.run` / `in_scope` for the dates of the findings (docs/indicators.md
§2.5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from scoring.durations import Duration, DurationError, parse_duration

AS_OF = "as_of"
QUARTER = "quarter"
SPELLINGS = (AS_OF, QUARTER, "<duration>")


class WindowError(ValueError):
    """A window that cannot be read; the message names the accepted spellings."""


@dataclass(frozen=True)
class Window:
    """`kind` as_of / quarter / duration (then `duration` holds it); `str()` is the spelling."""

    kind: str = AS_OF
    duration: Duration | None = None

    def __str__(self) -> str:
        return str(self.duration) if self.duration is not None else self.kind

    @property
    def bounded(self) -> bool:
        """True when the window starts somewhere (quarter, duration): older items are not judged."""
        return self.kind != AS_OF

    def first_day(self, as_of: dt.date) -> dt.date | None:
        """The first day the window holds (None: no first day, everything up to as_of)."""
        if self.kind == QUARTER:
            return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        if self.duration is not None:
            return self.duration.before(as_of) + dt.timedelta(days=1)
        return None

    def holds(self, day: dt.date | None, as_of: dt.date) -> bool:
        """Whether ``day`` lies in the window of a round as of ``as_of`` (None: never)."""
        if day is None or day > as_of:
            return False
        first = self.first_day(as_of)
        return first is None or day >= first

    def zh(self, as_of: dt.date | None = None) -> str:
        """The window in words for a unit: 截至评估日 / 本季度 / 近12个月."""
        if self.kind == QUARTER:
            if as_of is None:
                return "本季度"
            first = self.first_day(as_of)
            assert first is not None
            return f"本季度（{first:%Y-%m-%d}至{as_of:%Y-%m-%d}）"
        if self.duration is not None:
            return f"近{self.duration.zh}"
        return "截至评估日"


AS_OF_WINDOW = Window()


def parse_window(value: Any) -> Window:
    """Read a window: `as_of`, `quarter` or a calendar duration (`12 months`, `90 days`)."""
    if isinstance(value, Window):
        return value
    if value == AS_OF:
        return AS_OF_WINDOW
    if value == QUARTER:
        return Window(QUARTER)
    hint = (
        "write as_of (the state on the day), quarter (the quarter holding the round's day) or a "
        "duration in calendar time such as 12 months, 3 months, 90 days"
    )
    if not isinstance(value, str):
        raise WindowError(f"window {value!r} is not a window: {hint}")
    try:
        duration = parse_duration(value)
    except DurationError:
        raise WindowError(f"unknown window {value!r}: {hint}") from None
    if duration.unit == "workdays":
        raise WindowError(f"window {value!r}: a window is counted in calendar time; {hint}")
    return Window("duration", duration)


# For the indicator model: `window: WindowField`; dumps back to its spelling.
WindowField = Annotated[
    Window, BeforeValidator(parse_window), PlainSerializer(str, return_type=str)
]
