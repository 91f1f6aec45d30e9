"""scoring.durations: reading indicator durations and counting them back from a day."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel, ValidationError

from scoring.durations import Duration, DurationError, DurationField, parse_duration
from scoring.workdays import default_calendar

CAL = default_calendar()


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("2 weeks", 2, "weeks"),
        ("14d", 14, "days"),
        ("6 months", 6, "months"),
        ("1 year", 1, "years"),
        ("20 workdays", 20, "workdays"),
        ("3 工作日", 3, "workdays"),
        ("20个工作日", 20, "workdays"),
        ("30天", 30, "days"),
        ("6个月", 6, "months"),
        ("2周", 2, "weeks"),
        ("1年", 1, "years"),
        (" 10 Working Days ", 10, "workdays"),
    ],
)
def test_parse(text, amount, unit):
    assert parse_duration(text) == Duration(amount, unit)


@pytest.mark.parametrize("bad", [14, "14", "two weeks", "2 fortnights", "-3 days", "", None])
def test_bad_durations_name_the_value(bad):
    with pytest.raises(DurationError, match="is not a duration"):
        parse_duration(bad)


def test_canonical_and_chinese_wording():
    assert str(parse_duration("1 year")) == "1 year"
    assert str(parse_duration("14d")) == "14 days"
    assert parse_duration("6 months").zh == "6个月"
    assert parse_duration("20 workdays").zh == "20个工作日"


def test_calendar_units_count_back():
    day = dt.date(2025, 6, 30)
    assert parse_duration("2 weeks").before(day) == dt.date(2025, 6, 16)
    assert parse_duration("6 months").before(day) == dt.date(2024, 12, 30)
    assert parse_duration("1 year").before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert parse_duration("30 days").after(dt.date(2025, 1, 1)) == dt.date(2025, 1, 31)


def test_workdays_follow_the_holiday_calendar():
    three = parse_duration("3 workdays")
    # 2025-10-09 (Thu): counting back 3 working days crosses the National Day holiday
    # (1–8 Oct off); 28 Sep (Sun) and 11 Oct (Sat) are make-up workdays (调休).
    start = three.before(dt.date(2025, 10, 9), CAL)
    assert CAL.lag(start, dt.date(2025, 10, 9)) <= 3
    assert CAL.lag(start - dt.timedelta(days=1), dt.date(2025, 10, 9)) > 3
    # 29 Sep, 30 Sep and 9 Oct are the three working days after 28 Sep (a make-up Sunday).
    assert start == dt.date(2025, 9, 28)
    # After 30 Sep: 9 Oct, 10 Oct and 11 Oct (make-up Saturday); 12 Oct (Sun) still within.
    assert three.after(dt.date(2025, 9, 30), CAL) == dt.date(2025, 10, 12)
    with pytest.raises(ValueError, match="calendar"):
        three.before(dt.date(2025, 10, 9))


def test_exceeded_is_vectorised_per_unit():
    starts = [dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2024, 8, 31)]
    ends = [dt.date(2025, 1, 15), dt.date(2025, 1, 16), dt.date(2025, 3, 1)]
    assert parse_duration("2 weeks").exceeded(starts, ends).tolist() == [False, True, True]
    assert parse_duration("6 months").exceeded(starts[2:], ends[2:]).tolist() == [True]
    # 2025-01-24 → 2025-02-21: 28 calendar days, Spring Festival (28 Jan–4 Feb) in between,
    # 26 Jan (Sun) and 8 Feb (Sat) make-up workdays: 20 working days — not more than 20.
    twenty = parse_duration("20 workdays")
    lag = CAL.lag(dt.date(2025, 1, 24), dt.date(2025, 2, 21))
    assert twenty.exceeded([dt.date(2025, 1, 24)], [dt.date(2025, 2, 21)], CAL).tolist() == [
        lag > 20
    ]


def test_pydantic_field_parses_and_dumps():
    class Params(BaseModel):
        max_age: DurationField

    assert Params(max_age="2周").max_age == Duration(2, "weeks")
    assert Params(max_age="2 weeks").model_dump() == {"max_age": "2 weeks"}
    with pytest.raises(ValidationError, match="is not a duration"):
        Params(max_age=14)


# -- properties of working-day and period arithmetic, for any date (issue 9, point 10) -----------
# chinese_calendar knows 2004–2026, python-holidays fills the table up to 2035; beyond the table
# days count Monday to Friday. Whatever the year (1900, 2100, date.max), the arithmetic answers or
# raises the module's own error — never an IndexError, an OverflowError or a silent wrap-around.
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scoring.workdays import FIRST_DAY, LAST_DAY, CalendarError, WorkCalendar  # noqa: E402

ANY_DAY = st.dates()
# Days near the table's edges and the ends of time, where arithmetic breaks first.
EDGES = st.sampled_from(
    [dt.date.min, dt.date(1900, 1, 1), FIRST_DAY, LAST_DAY, dt.date(2100, 12, 31), dt.date.max]
)
DAYS = st.one_of(ANY_DAY, EDGES, st.dates(dt.date(2003, 12, 1), dt.date(2036, 2, 1)))
DAY = dt.timedelta(days=1)
PROPERTY = settings(max_examples=300, deadline=None)


def answered(call, *args):
    """``call(*args)``, or None when the answer lies outside the representable days (the only
    error the calendar may raise for a real date)."""
    try:
        return call(*args)
    except CalendarError as exc:
        assert "outside the representable days" in str(exc)
        return None


@PROPERTY
@given(DAYS, DAYS, DAYS)
def test_lag_is_antisymmetric_and_additive_for_any_days(a, b, c):
    assert CAL.lag(a, a) == 0
    assert CAL.lag(a, b) == -CAL.lag(b, a)
    assert CAL.lag(a, c) == CAL.lag(a, b) + CAL.lag(b, c)
    assert CAL.lag(a, b) >= 0 if b >= a else CAL.lag(a, b) <= 0


@PROPERTY
@given(DAYS, st.integers(0, 45))
def test_lag_counts_the_working_days_after_a_up_to_b(a, span):
    assume(a <= dt.date.max - dt.timedelta(days=span))
    b = a + dt.timedelta(days=span)
    days = [a + dt.timedelta(days=i) for i in range(1, span + 1)]  # A < d <= B
    assert CAL.lag(a, b) == sum(CAL.is_workday(d) for d in days)
    assert CAL.lags([a], [b]).tolist() == [CAL.lag(a, b)]


@PROPERTY
@given(DAYS, st.integers(0, 400))
def test_adding_n_working_days_then_counting_the_lag_gives_n(start, n):
    end = answered(CAL.add, start, n)
    assume(end is not None)
    assert end >= start
    assert CAL.lag(start, end) == n
    if n:  # the n-th working day after start: itself a working day, the day before one short
        assert CAL.is_workday(end)
        assert CAL.lag(start, end - DAY) == n - 1


@PROPERTY
@given(DAYS, st.integers(0, 400))
def test_counting_back_n_working_days_is_the_earliest_day_within_n(day, n):
    start = answered(CAL.earliest_within, day, n)
    assume(start is not None)
    assert start <= day and CAL.lag(start, day) <= n
    if start > dt.date.min:
        assert CAL.lag(start - DAY, day) > n


def test_days_outside_the_table_are_weekdays_and_say_so():
    calendar = WorkCalendar()
    assert calendar.is_workday(dt.date(1900, 1, 1)) and not calendar.is_workday(dt.date(2100, 1, 2))
    assert calendar.lag(dt.date(1900, 1, 1), dt.date(1900, 1, 8)) == 5
    assert {1900, 2100} <= calendar.outside_years
    with pytest.raises(CalendarError, match="missing date"):
        calendar.lags([None], [dt.date(2025, 1, 1)])
    with pytest.raises(CalendarError, match=">= 0"):
        calendar.add(dt.date(2025, 1, 1), -1)


DURATIONS = st.builds(
    Duration,
    st.integers(0, 3000),
    st.sampled_from(["days", "weeks", "months", "years", "workdays"]),
)


@PROPERTY
@given(DURATIONS, DAYS)
def test_a_duration_counted_from_any_day_answers_and_agrees_with_exceeded(duration, day):
    """`after` is the last day not exceeded; `before` the earliest day still within — the limits
    `exceeded` uses; at the ends of time they stop at date.min / date.max (never due)."""
    end = duration.after(day, CAL)
    start = duration.before(day, CAL)
    assert start <= day <= end
    assert not duration.exceeded([day], [end], CAL)[0]
    if end < dt.date.max:
        assert duration.exceeded([day], [end + DAY], CAL)[0]
    if duration.unit not in ("months", "years"):  # a month back and forth is not the same day
        assert not duration.exceeded([start], [day], CAL)[0]
        if start > dt.date.min:
            assert duration.exceeded([start - DAY], [day], CAL)[0]


def test_months_keep_the_day_or_end_the_month_in_exceeded_as_in_after():
    six = parse_duration("6 months")
    assert six.after(dt.date(2024, 8, 31)) == dt.date(2025, 2, 28)
    assert six.exceeded([dt.date(2024, 8, 31)], [dt.date(2025, 2, 28)]).tolist() == [False]
    assert six.exceeded([dt.date(2024, 8, 31)], [dt.date(2025, 3, 1)]).tolist() == [True]
    assert parse_duration("1 year").after(dt.date(9999, 6, 1)) == dt.date.max
    assert parse_duration("1 year").before(dt.date(1, 6, 1)) == dt.date.min
