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
