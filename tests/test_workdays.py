"""Working-day counts explained for a unit (`WorkCalendar.explain`): the count, the weekend days
that were make-up workdays (调休上班日) and the holidays that took weekdays off, as the State
Council announced them (2025 Spring Festival: 28 Jan – 4 Feb off; Sun 26 Jan and Sat 8 Feb
worked)."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.workdays import WorkCalendar, default_calendar

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return default_calendar()


def test_a_make_up_saturday_inside_the_span_is_named_and_counted(cal):
    span = cal.explain(D(2025, 2, 6), D(2025, 3, 6))
    assert span.workdays == cal.lag(D(2025, 2, 6), D(2025, 3, 6)) == 21
    assert span.makeup == (D(2025, 2, 8),) and span.holidays == ()
    assert span.zh == (
        "自2025-02-06次日起至2025-03-06共21个工作日（其中2025-02-08（星期六）为调休上班日，计入）"
    )


def test_the_spring_festival_and_both_make_up_days(cal):
    span = cal.explain(D(2025, 1, 20), D(2025, 2, 10))
    # 20 Jan → 10 Feb: 15 weekdays + 2 make-up weekend days − 6 weekdays of the holiday = 11.
    assert span.workdays == 11
    assert span.makeup == (D(2025, 1, 26), D(2025, 2, 8))
    assert span.holidays == (("春节", D(2025, 1, 28), D(2025, 2, 4)),)
    assert "2025-01-26（星期日）、2025-02-08（星期六）为调休上班日，计入" in span.zh
    assert "2025-01-28至2025-02-04春节假期不计" in span.zh
    evidence = span.evidence()
    assert evidence["makeup_workdays"] == ["2025-01-26", "2025-02-08"]
    assert evidence["holidays"] == [{"name": "春节", "from": "2025-01-28", "until": "2025-02-04"}]
    assert evidence["workdays"] == 11 and evidence["workdays_zh"] == span.zh


def test_the_start_day_does_not_count_and_a_holiday_is_clipped_to_the_span(cal):
    # From 3 Feb (inside the holiday): only 4 Feb of the holiday lies inside (start, end].
    span = cal.explain(D(2025, 2, 3), D(2025, 2, 7))
    assert span.holidays == (("春节", D(2025, 2, 4), D(2025, 2, 4)),)
    assert span.workdays == 3  # 5, 6, 7 Feb
    # A span of plain weeks says so, so the unit can count Monday to Friday.
    plain = cal.explain(D(2024, 11, 13), D(2024, 12, 17))
    assert (plain.workdays, plain.makeup, plain.holidays) == (24, (), ())
    assert plain.zh.endswith("（期间无法定节假日和调休上班日，按周一至周五计）")


def test_other_holidays_by_their_chinese_names(cal):
    autumn = cal.explain(D(2024, 9, 11), D(2024, 9, 26))
    assert autumn.holidays == (("中秋节", D(2024, 9, 15), D(2024, 9, 17)),)
    assert autumn.makeup == (D(2024, 9, 14),)
    national = cal.explain(D(2025, 9, 25), D(2025, 10, 15))
    # 2025: National Day and Mid-Autumn together, 1–8 Oct, one stretch of days off.
    assert national.holidays == (("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),)
    assert "2025-10-01至2025-10-08国庆节、中秋节假期不计" in national.zh
    assert national.makeup == (D(2025, 9, 28), D(2025, 10, 11))


def test_long_spans_name_the_first_few_and_count_the_rest(cal):
    span = cal.explain(D(2015, 1, 1), D(2025, 1, 1))
    assert len(span.makeup) > 3 and len(span.holidays) > 3
    assert f"等{len(span.makeup)}天为调休上班日" in span.zh
    assert f"等{len(span.holidays)}段假期不计" in span.zh


def test_overrides_and_estimated_years_are_said(cal):
    extra = WorkCalendar({D(2025, 3, 3): False, D(2025, 3, 8): True})
    span = extra.explain(D(2025, 3, 1), D(2025, 3, 10))
    assert span.makeup == (D(2025, 3, 8),)
    assert span.holidays == (("放假", D(2025, 3, 3), D(2025, 3, 3)),)
    assert span.workdays == 6  # 4–7 Mar, 8 Mar (worked), 10 Mar
    later = cal.explain(D(2034, 1, 20), D(2034, 3, 1))
    if later.estimated:  # python-holidays' estimate for a year chinese_calendar lacks
        assert "该年度节假日安排尚未公布，按法定节日估算" in later.zh
    assert cal.explain(D(2025, 3, 10), D(2025, 3, 1)).zh.startswith("自2025-03-10次日起")
