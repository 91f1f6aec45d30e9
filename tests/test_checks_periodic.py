"""Cadence checks on hand-built crawls: periodic_publication and annual_report."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest_scoring import article, column, context, crawl_data, run_check, unit
from pydantic import ValidationError

from scoring.checks.base import get_check

COL = "http://gov.test/u/col/10/"


def _monthly(months: list[str], name: str = "环境空气质量", **kw):
    """One item per month 'YYYY-MM', titled with its period, published on the 7th of the next."""
    arts = []
    for i, period in enumerate(months, start=1):
        year, month = (int(p) for p in period.split("-"))
        day = dt.date(year + (month == 12), month % 12 + 1, 7)
        arts.append(
            article(i, "u", 10, title=f"{year}年{month}月{name}状况", publish_date=day.isoformat())
        )
    return crawl_data([unit("u", "县区政府")], [column(10, "u", "key_area", name=name)], arts, **kw)


MONTHS = [f"2024-{m:02d}" for m in range(7, 13)] + [f"2025-{m:02d}" for m in range(1, 6)]


def _missing(data, params=None, **kw) -> list[str]:
    return list(run_check("periodic_publication", data, params, ["key_area"], **kw)["subject"])


def test_a_missing_month_is_found_and_the_current_one_is_not_due():
    data = _monthly([m for m in MONTHS if m != "2025-03"])
    found = run_check("periodic_publication", data, {}, ["key_area"])
    assert list(found["subject"]) == [f"{COL}/2025-03"]
    assert found["target_url"][0] == COL
    evidence = found["evidence"][0]
    assert (evidence["period_zh"], evidence["due"], evidence["every"]) == (
        "2025年3月",
        "2025-04-15",
        "month",
    )
    # 2025-06 is due on 15 July: not yet at 30 June; months before the first item never judged.
    assert _missing(_monthly(MONTHS)) == []


def test_an_item_naming_no_period_counts_for_the_month_it_reports_on():
    data = _monthly([m for m in MONTHS if m != "2025-03"])
    extra = article(99, "u", 10, title="空气质量状况通报", publish_date="2025-04-08")
    data = crawl_data(
        [unit("u", "县区政府")],
        [column(10, "u", "key_area", name="环境空气质量")],
        [*data.articles[["id", "unit_id", "column_id", "url", "title"]].assign(
            publish_date=data.articles["publish_date"].dt.strftime("%Y-%m-%d")
        ).to_dict("records"), extra],
    )  # fmt: skip
    assert _missing(data) == []


def test_quarterly_columns_are_recognised_from_their_titles():
    titles = [("2024年第三季度", "2024-10-14"), ("2024年第四季度", "2025-01-13"),
              ("2025年第一季度", "2025-04-14")]  # fmt: skip
    arts = [article(i, "u", 10, title=f"{t}饮用水水源水质状况", publish_date=d)
            for i, (t, d) in enumerate(titles, start=1)]  # fmt: skip
    data = crawl_data([unit("u", "县区政府")], [column(10, "u", "key_area")], arts)
    assert _missing(data) == []
    assert _missing(data, as_of=dt.date(2025, 10, 20)) == [f"{COL}/2025Q2", f"{COL}/2025Q3"]


def test_untitled_periods_need_an_explicit_cadence():
    arts = [article(i, "u", 10, title=f"通报{i}", publish_date=d)
            for i, d in enumerate(["2025-01-06", "2025-02-06", "2025-04-07", "2025-05-07"], 1)]  # fmt: skip
    data = crawl_data([unit("u", "县区政府")], [column(10, "u", "key_area")], arts)
    assert _missing(data) == []  # auto: no period named, cadence unknown
    # Each item counts for the month of its date minus the grace days (7 Jan → December).
    assert _missing(data, {"every": "month"}) == [f"{COL}/2025-02", f"{COL}/2025-05"]


def test_window_min_items_and_column_names():
    data = _monthly([m for m in MONTHS if m != "2024-08"])
    assert _missing(data) == [f"{COL}/2024-08"]
    assert _missing(data, {"window": "6 months"}) == []
    assert _missing(data, {"name_contains": ["水质"]}) == []
    doubled = _missing(data, {"min_items": 2, "window": "3 months"})
    assert doubled == [f"{COL}/2025-03", f"{COL}/2025-04", f"{COL}/2025-05"]


def test_unobserved_column_misses_nothing():
    data = _monthly(
        [m for m in MONTHS if m != "2025-03"],
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": COL}],
    )
    assert _missing(data) == []


def test_months_published_together_count_for_each_month():
    for title in ("2025年1-2月环境空气质量状况", "2025年1月至2月环境空气质量状况",
                  "2025年1—2月全市空气质量月报"):  # fmt: skip
        data = _monthly([m for m in MONTHS if m not in ("2025-01", "2025-02")])
        together = article(99, "u", 10, title=title, publish_date="2025-03-12")
        rows = data.articles[["id", "unit_id", "column_id", "url", "title"]].assign(
            publish_date=data.articles["publish_date"].dt.strftime("%Y-%m-%d")
        )
        data = crawl_data(
            [unit("u", "县区政府")],
            [column(10, "u", "key_area", name="环境空气质量")],
            [*rows.to_dict("records"), together],
        )
        assert _missing(data) == [], title
    # A range names months; a lone month still misses the other.
    assert _missing(_monthly([m for m in MONTHS if m != "2025-02"])) == [f"{COL}/2025-02"]


# -- annual_report -----------------------------------------------------------------------------
def _reports(*rows: tuple[str, str, str | None], **kw):
    """rows: (unit id, level, publish date of its 2024 report or None)."""
    units, cols, arts = [], [], []
    for n, (uid, level, day) in enumerate(rows, start=1):
        units.append(unit(uid, level))
        cols.append(column(10 * n, uid, "annual_report"))
        arts.append(article(10 * n + 1, uid, 10 * n, title=f"{uid}2023年政府信息公开工作年度报告",
                            publish_date="2024-01-20"))  # fmt: skip
        if day:
            arts.append(article(10 * n + 2, uid, 10 * n,
                                title=f"{uid}2024年政府信息公开工作年度报告", publish_date=day))  # fmt: skip
    return crawl_data(units, cols, arts, **kw)


def test_missing_and_late_reports_by_level():
    data = _reports(
        ("dept", "市直部门", None),
        ("gov", "县区政府", "2025-04-10"),
        ("town", "乡镇街道", "2025-03-31"),  # on the day: in time
        # 31 Jan 2025 was in the Spring Festival holiday (28 Jan – 4 Feb): due on 5 Feb.
        ("in_time", "县直部门", "2025-02-05"),
        ("late", "县直部门", "2025-02-06"),
    )
    found = run_check("annual_report", data)
    by_unit = {u: (s, t, e, w) for u, s, t, e, w in found[["unit_id", "subject", "target_url",
                                                        "evidence", "weight"]].itertuples(index=False)}  # fmt: skip
    assert set(by_unit) == {"dept", "gov", "late"}
    assert by_unit["dept"][:2] == ("annual_report/2024", "http://gov.test/dept/col/10/")
    dept = by_unit["dept"][2]
    assert (dept["deadline"], dept["deadline_written"]) == ("2025-02-05", "2025-01-31")
    assert dept["deadline_zh"] == "2025-01-31（春节假期，顺延至2025-02-05）"
    assert by_unit["gov"][1] == "http://gov.test/gov/art/22.html"
    assert (by_unit["gov"][2]["problem"], by_unit["gov"][2]["days_late"]) == ("late", 10)
    assert by_unit["gov"][2]["deadline_zh"] == "2025-03-31"  # a Monday: not moved
    assert by_unit["late"][2]["days_late"] == 1
    # Late costs half of missing (late_weight), so 8 days late is not "none at all".
    assert (by_unit["dept"][3], by_unit["gov"][3], by_unit["late"][3]) == (1.0, 0.5, 0.5)


def test_a_deadline_on_a_holiday_kept_as_written_and_a_graded_late_weight():
    data = _reports(("late", "县直部门", "2025-02-05"))
    found = run_check("annual_report", data, {"holiday_rule": "as_written", "late_weight": 0.25})
    evidence = found["evidence"][0]
    assert (evidence["deadline"], evidence["days_late"], found["weight"][0]) == (
        "2025-01-31",
        5,
        0.25,
    )
    assert evidence["deadline_zh"] == "2025-01-31"
    with pytest.raises(ValidationError):
        get_check("annual_report").Params.model_validate({"late_weight": 0})
    # The year judged turns with the moved deadline: on 3 Feb 2025 the 2024 report of a
    # department is not due yet (due 5 Feb), so its 2023 report is judged.
    early = run_check(
        "annual_report", _reports(("dept", "市直部门", None)), as_of=dt.date(2025, 2, 3)
    )
    assert early.empty
    due = run_check(
        "annual_report", _reports(("dept", "市直部门", None)), as_of=dt.date(2025, 2, 6)
    )
    assert list(due["subject"]) == ["annual_report/2024"]


def test_before_the_governments_deadline_last_years_report_is_judged():
    data = _reports(("dept", "市直部门", None), ("gov", "县区政府", None))
    found = run_check("annual_report", data, as_of=dt.date(2025, 2, 15))
    # The department's 2024 report was due on 31 Jan; the government's is due on 31 Mar, so
    # its 2023 report (published) is what counts.
    assert list(zip(found["unit_id"], found["subject"], strict=True)) == [
        ("dept", "annual_report/2024")
    ]


def test_no_report_column_points_at_the_unit_and_unread_column_is_skipped():
    cols = [column(9, "a", "news"), column(10, "b", "annual_report")]
    data = crawl_data([unit("a"), unit("b")], cols, [],
                      issues=[{"kind": "anti_bot", "unit_id": "b",
                               "url": "http://gov.test/b/col/10/"}])  # fmt: skip
    found = run_check("annual_report", data)
    assert list(found["unit_id"]) == ["a"]
    assert found["target_url"][0] == "http://gov.test/a/"


def test_a_report_published_in_another_column_counts():
    cols = [column(10, "u", "annual_report"), column(11, "u", "notice")]
    arts = [
        article(1, "u", 11, title="甲局2024年政府信息公开工作年度报告", publish_date="2025-01-20")
    ]
    assert run_check("annual_report", crawl_data([unit("u")], cols, arts)).empty
    other = [article(1, "u", 11, title="甲局2024年工作总结", publish_date="2025-01-20")]
    assert len(run_check("annual_report", crawl_data([unit("u")], cols, other))) == 1


def test_deadlines_are_parameters():
    data = _reports(("late", "县直部门", "2025-02-07"))
    assert run_check("annual_report", data, {"deadlines": {"县直部门": "03-31"}}).empty
    with pytest.raises(ValidationError, match="MM-DD"):
        get_check("annual_report").Params.model_validate({"deadlines": {"县直部门": "3月31日"}})


# -- in_scope: what an earlier round's problem is still judged on (expired otherwise) ----------
def _in_scope(name: str, problems: list[dict], as_of: dt.date, params=None) -> list[bool]:
    check = get_check(name)
    frame = pd.DataFrame(problems)
    ctx = context(_monthly(MONTHS), as_of=as_of)
    return list(check.in_scope(frame, check.Params.model_validate(params or {}), ctx))


def test_a_missing_month_leaves_scope_when_its_due_date_leaves_the_window():
    rows = [{"subject": f"{COL}/2024-09", "evidence": {"due": "2024-10-15"}},
            {"subject": f"{COL}/2025-03", "evidence": {"due": "2025-04-15"}}]  # fmt: skip
    # 2024-09 was due on 2024-10-15: inside 12 months on 2025-09-30, outside on 2025-12-31.
    assert _in_scope("periodic_publication", rows, dt.date(2025, 9, 30)) == [True, True]
    assert _in_scope("periodic_publication", rows, dt.date(2025, 12, 31)) == [False, True]
    assert _in_scope(
        "periodic_publication", rows, dt.date(2025, 12, 31), {"window": "2 years"}
    ) == [
        True,
        True,
    ]


def test_last_years_report_leaves_scope_once_the_next_year_is_judged():
    rows = [
        {"subject": "annual_report/2024", "evidence": {"level": "市直部门"}},
        {"subject": "annual_report/2024", "evidence": {"level": "县区政府"}},
    ]
    # On 2026-02-15 departments are judged on 2025 (deadline 31 Jan), governments still on 2024.
    assert _in_scope("annual_report", rows, dt.date(2025, 12, 31)) == [True, True]
    assert _in_scope("annual_report", rows, dt.date(2026, 2, 15)) == [False, True]
    assert _in_scope("annual_report", rows, dt.date(2026, 4, 1)) == [False, False]


def test_checks_without_a_window_keep_every_problem_in_scope():
    rows = [{"subject": "http://gov.test/u/a/1.html", "evidence": {}}]
    assert _in_scope("disclosure_lag", rows, dt.date(2030, 1, 1)) == [True]


def test_a_report_worded_otherwise_is_found():
    for title in (
        "江淮市民政局2024年度政府信息公开工作报告",
        "江淮市民政局政府信息公开工作年度报告（2024年）",
        "江淮市民政局二〇二四年度政府信息公开年报",
    ):
        cols = [column(10, "u", "annual_report")]
        arts = [article(1, "u", 10, title=title, publish_date="2025-01-20")]
        data = crawl_data([unit("u", "市直部门")], cols, arts)
        assert run_check("annual_report", data).empty, title
    # A 政府工作报告 is not the disclosure report.
    cols = [column(10, "u", "annual_report")]
    arts = [article(1, "u", 10, title="江淮市2024年政府工作报告", publish_date="2025-01-20")]
    found = run_check("annual_report", crawl_data([unit("u", "市直部门")], cols, arts))
    assert [e["problem"] for e in found["evidence"]] == ["missing"]
