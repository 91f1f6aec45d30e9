"""Assessment windows and one-time events (issue 12, point 1): which items a round judges
(`window:` as_of / quarter / a duration), validated with FILE:LINE; a timeliness problem is
deducted once, in the round whose window holds it, then shown as expired; rectifiable per
problem. Hand-built crawls (tests/conftest_scoring.py) scored through a real indicator set and
stored rounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit

from scoring.durations import Duration
from scoring.indicators import IndicatorError, load_indicator_set, set_from_text
from scoring.round import evaluate_data
from scoring.windows import AS_OF_WINDOW, Window, WindowError, parse_window
from store import Store, open_store
from store import rounds as round_store


# -- the window itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spelling", "as_of", "first"),
    [
        ("as_of", dt.date(2025, 6, 30), None),
        ("quarter", dt.date(2025, 6, 30), dt.date(2025, 4, 1)),
        ("quarter", dt.date(2025, 8, 15), dt.date(2025, 7, 1)),
        ("quarter", dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
        ("12 months", dt.date(2025, 9, 30), dt.date(2024, 10, 1)),
        ("3 months", dt.date(2025, 6, 30), dt.date(2025, 3, 31)),
        ("90 days", dt.date(2025, 6, 30), dt.date(2025, 4, 2)),
    ],
)
def test_a_window_starts_where_its_spelling_says(spelling, as_of, first):
    window = parse_window(spelling)
    assert str(window) == spelling
    assert window.first_day(as_of) == first
    assert window.holds(as_of, as_of)
    assert not window.holds(as_of + dt.timedelta(days=1), as_of)  # after the day: next round
    if first is not None:
        assert window.holds(first, as_of) and not window.holds(first - dt.timedelta(1), as_of)
    assert not window.holds(None, as_of)


def test_quarterly_windows_follow_each_other_without_gap_or_overlap():
    quarter, ends = parse_window("quarter"), [dt.date(2025, 3, 31), dt.date(2025, 6, 30),
                                              dt.date(2025, 9, 30), dt.date(2025, 12, 31)]  # fmt: skip
    day = dt.date(2025, 1, 1)
    while day <= ends[-1]:
        assert sum(quarter.holds(day, end) for end in ends) == 1, day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("bad", ["quartr", "asof", "12", 12, "20 workdays", "3 工作日", None])
def test_unknown_window_spellings_are_refused(bad):
    with pytest.raises(WindowError) as exc:
        parse_window(bad)
    assert "as_of" in str(exc.value) and "quarter" in str(exc.value)


def test_window_words_for_a_unit():
    assert AS_OF_WINDOW.zh() == "截至评估日"
    assert Window("quarter").zh(dt.date(2025, 6, 30)) == "本季度（2025-04-01至2025-06-30）"
    assert Window("duration", Duration(12, "months")).zh() == "近12个月"


# -- validation with FILE:LINE -------------------------------------------------------------------
HEAD = 'id: t\nversion: "1"\nname: 测试\npass_line: 60\nindicators:\n'
LAG = """\
  - id: timeliness.lag
    name: 信息公开及时
    group: [信息发布, 公开时限]
    check: disclosure_lag
    window: quarter
    rectifiable: false
    params: {max_workdays: 20}
    points: 8
    deduct: {per_problem: 1}
    suggestion: "{title_quoted}迟发"
    description: 迟发
    source: 条例第二十六条
"""
FIELDS = """\
  - id: normative.fields
    name: 元数据完整
    group: [信息发布, 元数据]
    applies_to: {categories: [normative]}
    check: required_fields
    window: as_of
    params: {fields: [keywords]}
    points: 6
    deduct: {per_problem: 1}
    suggestion: "{title_quoted}缺少{label}"
    description: 缺项
    source: domain.md §3.4
"""
CONSULT = """\
  - id: consultation.process
    name: 意见征集
    group: [互动回应, 意见征集]
    check: consultation
    window: quarter
    params: {min_days: 30, feedback_within: 30 days}
    points: 6
    deduct: {per_problem: 2}
    suggestion:
      too_short: "{title_quoted}征集期{days}天"
      no_feedback: "{title_quoted}未反馈"
    description: 征集
    source: domain.md §3.5
"""
REPORT = """\
  - id: annual_report.deadline
    name: 年报按时发布
    group: [公开年报]
    check: annual_report
    window: quarter
    points: 6
    deduct: {per_problem: 6}
    suggestion:
      missing: "未发布{year}年年报"
      late: "{year}年年报迟发"
    description: 年报
    source: 条例第四十九条
"""
KEY_AREA = """\
  - id: key_area.monthly
    name: 按月发布
    group: [重点领域]
    applies_to: {categories: [key_area]}
    check: periodic_publication
    window: 12 months
    params: {every: month}
    points: 6
    deduct: {per_problem: 1}
    suggestion: "缺{period_zh}"
    description: 按月
    source: domain.md §3.2
"""


def write(tmp_path: Path, *entries: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "".join(entries), encoding="utf-8")
    return path


def refused(path: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(IndicatorError) as exc:
        load_indicator_set(path)
    return exc.value.problems


def line_of(path: Path, fragment: str) -> int:
    """The line of the last line holding ``fragment`` (the entry under test comes last)."""
    lines = path.read_text("utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if fragment in line)


def test_the_shipped_sets_state_every_indicators_window():
    for set_id in ("base", "2025Q2"):
        loaded = load_indicator_set(set_id)
        assert all(i.window is not None for i in loaded.indicators)
    base = load_indicator_set("base")
    assert str(base.get("timeliness.disclosure_lag").window) == "quarter"
    assert base.get("timeliness.disclosure_lag").rectifiable is False
    assert str(base.get("key_area.monthly").window) == "12 months"
    assert str(base.get("freshness.news").window) == "as_of"
    assert {i.when_nothing for i in base.indicators} == {"not_applicable"}


@pytest.mark.parametrize(
    ("entry", "fragment", "message"),
    [
        (LAG.replace("    window: quarter\n", ""), "- id: timeliness.lag",
         "indicator timeliness.lag: missing key 'window'"),
        (LAG.replace("window: quarter", "window: quartr"), "window: quartr",
         "unknown window 'quartr'"),
        (LAG.replace("window: quarter", "window: 20 workdays"), "window: 20 workdays",
         "counted in calendar time"),
        (FIELDS.replace("window: as_of", "window: quarter"), "window: quarter",
         "check required_fields judges the state on the round's day, so its window is as_of"),
        (KEY_AREA.replace("window: 12 months", "window: as_of"), "window: as_of",
         "periodic_publication judges the periods due within a window"),
        (KEY_AREA.replace("{every: month}", "{every: month, window: 6 months}"), "window: 12 months",
         "params.window 6 months disagrees with the indicator's window 12 months"),
        (LAG.replace("rectifiable: false", "rectifiable: true"), "rectifiable: true",
         "every problem check disclosure_lag finds is a one-time event"),
        (LAG.replace("rectifiable: false", "rectifiable: 可以"), "rectifiable: 可以",
         "rectifiable"),
        (FIELDS.replace("window: as_of", "window: as_of\n    when_nothing: full"),
         "when_nothing: full", "'not_applicable' or 'full_marks'"),
    ],
)  # fmt: skip
def test_window_mistakes_are_refused_with_file_and_line(tmp_path, entry, fragment, message):
    path = write(tmp_path, FIELDS if "normative.fields" not in entry else "", entry)
    found = refused(path)
    assert [(Path(p).name, ln) for p, ln, m in found if message in m] == [
        ("t.yaml", line_of(path, fragment))
    ], found


def test_a_quarterly_set_inherits_the_window_and_may_change_it(tmp_path):
    write(tmp_path, LAG, KEY_AREA, name="p.yaml")
    child = tmp_path / "c.yaml"
    child.write_text('id: c\nversion: "2"\nextends: t\nindicators:\n'
                     "  - id: key_area.monthly\n    window: 6 months\n", encoding="utf-8")  # fmt: skip
    loaded = load_indicator_set(child)
    assert str(loaded.get("timeliness.lag").window) == "quarter"
    assert str(loaded.get("key_area.monthly").window) == "6 months"


def test_a_frozen_set_from_before_windows_loads_with_each_checks_default(tmp_path):
    """Rounds stored before windows froze sets without them: they must still load (reports,
    re-evaluation), the state on the day for most checks, a key-area's own 12 months."""
    old_lag = LAG.replace("    window: quarter\n", "").replace("    rectifiable: false\n", "")
    old_key = KEY_AREA.replace("    window: 12 months\n", "").replace(
        "{every: month}", "{every: month, window: 12 months}"
    )
    text = f"# zwgk-indicator-file: t.yaml\n{HEAD}{old_lag}{old_key}"
    loaded = set_from_text(text)
    assert str(loaded.get("timeliness.lag").window) == "as_of"
    assert str(loaded.get("key_area.monthly").window) == "12 months"
    with pytest.raises(IndicatorError):  # the same text as a file of today is refused
        load_indicator_set(write(tmp_path, old_lag, old_key))


# -- one-time events: found once, then history ---------------------------------------------------
LATE = dict(written_date="2025-03-03", publish_date="2025-05-06")  # 41 working days, in Q2
OLD_LATE = dict(written_date="2024-09-02", publish_date="2024-11-20")  # in Q4 2024


def test_a_late_document_is_judged_only_by_the_round_whose_quarter_holds_it():
    data = crawl_data([unit("u")], [column(10, "u", "notice")],
                      [article(1, "u", 10, **LATE), article(2, "u", 10, **OLD_LATE)])  # fmt: skip
    for as_of, found in [
        (dt.date(2025, 6, 30), ["1"]),  # Q2 holds 2025-05-06
        (dt.date(2025, 9, 30), []),  # Q3 holds neither
        (dt.date(2024, 12, 31), ["2"]),  # a Q4 2024 round held the old one
    ]:
        got = run_check("disclosure_lag", data, window=parse_window("quarter"), as_of=as_of)
        assert [u.rsplit("/", 1)[-1].split(".")[0] for u in got["subject"]] == found, as_of
    # As of the day (the old behaviour): both, in every later round.
    assert len(run_check("disclosure_lag", data, as_of=dt.date(2025, 9, 30))) == 2


@pytest.mark.parametrize(
    ("check", "evidence", "in_q2", "in_q3"),
    [
        ("disclosure_lag", {"published": "2025-05-06"}, True, False),
        ("interpretation_lag", {"published": "2025-06-30"}, True, False),
        ("consultation", {"problem": "too_short", "open_from": "2025-04-01"}, True, False),
        # A missing feedback is a state: still judged while it is missing.
        ("consultation", {"problem": "no_feedback", "feedback_due": "2025-05-01"}, True, True),
        ("annual_report", {"problem": "late", "published": "2025-04-08", "level": "县区政府"},
         True, False),
    ],
)  # fmt: skip
def test_a_one_time_event_leaves_scope_with_its_quarter(check, evidence, in_q2, in_q3):
    import pandas as pd
    from conftest_scoring import context

    from scoring.checks.base import get_check

    impl = get_check(check)
    subject = "annual_report/2024#late" if check == "annual_report" else "http://x/1.html"
    frame = pd.DataFrame([{"unit_id": "u", "subject": subject, "evidence": evidence}])
    data = crawl_data([unit("u")])
    for as_of, want in ((dt.date(2025, 6, 30), in_q2), (dt.date(2025, 9, 30), in_q3)):
        ctx = context(data, as_of=as_of, window=parse_window("quarter"))
        assert list(impl.in_scope(frame, impl.Params(), ctx)) == [want], (check, as_of)


# -- rounds in the store --------------------------------------------------------------------------
@pytest.fixture
def store(store_url) -> Store:
    s = open_store(store_url, create=True)
    run = s.start_run("full")  # crawl run 1, which the hand-built crawls name
    s.finish_run(run)
    yield s
    s.close()


DRAFT = "关于《江淮市河长制管理办法（征求意见稿）》公开征求意见的公告"


def two_units():
    """Unit u: a document late in Q2 and one late in 2024, a 规范性文件 without 关键词, a
    consultation of 12 days opened in Q2 and never answered, its 2024 report published late on
    2025-04-08. Unit v: no 2024 report at all."""
    cols = [column(10, "u", "notice"), column(11, "u", "normative"),
            column(12, "u", "consultation"), column(13, "u", "annual_report"),
            column(20, "v", "notice"), column(21, "v", "annual_report")]  # fmt: skip
    arts = [
        article(1, "u", 10, title="迟发的通知", **LATE),
        article(2, "u", 10, title="去年迟发的通知", **OLD_LATE),
        article(3, "u", 11, title="规范性文件", publish_date="2025-01-06", keywords=None),
        article(4, "u", 12, title=DRAFT, publish_date="2025-05-06"),
        article(5, "u", 13, title="2024年政府信息公开工作年度报告", publish_date="2025-04-08"),
        article(6, "v", 20, title="通知", publish_date="2025-06-02"),
        article(7, "v", 21, title="2023年政府信息公开工作年度报告", publish_date="2024-03-01"),
    ]
    texts = {4: "征求意见时间：2025年5月6日至2025年5月17日。"}
    units = [unit("u", "县区政府"), unit("v", "县区政府")]
    return crawl_data(units, cols, arts, texts=texts)


def status_of(result) -> dict[tuple[str, str], tuple[str, float, bool]]:
    return {
        (r.indicator_id, r.subject.rsplit("/", 1)[-1]): (r.status, r.deduction, r.rectifiable)
        for r in result.problems.itertuples()
    }


def test_a_past_event_is_deducted_once_then_shown_expired(store, tmp_path):
    indicators = load_indicator_set(write(tmp_path, LAG, FIELDS, CONSULT, REPORT))
    data = two_units()
    q2 = evaluate_data(store, "2025Q2", dt.date(2025, 6, 30), indicators, data)
    assert status_of(q2) == {
        ("timeliness.lag", "1.html"): ("new", 1.0, False),
        ("normative.fields", "3.html#keywords"): ("new", 1.0, True),
        ("consultation.process", "4.html#duration"): ("new", 2.0, False),
        ("consultation.process", "4.html#feedback"): ("new", 2.0, True),
        ("annual_report.deadline", "2024#late"): (
            "new",
            3.0,
            False,
        ),  # late costs half of missing (late_weight)
        ("annual_report.deadline", "2024"): ("new", 6.0, True),
    }
    # The same pages a quarter later: the events of Q2 are history, the states still open.
    q3 = evaluate_data(store, "2025Q3", dt.date(2025, 9, 30), indicators, data)
    assert status_of(q3) == {
        ("timeliness.lag", "1.html"): ("expired", 0.0, False),
        ("normative.fields", "3.html#keywords"): ("open", 1.0, True),
        ("consultation.process", "4.html#duration"): ("expired", 0.0, False),
        ("consultation.process", "4.html#feedback"): ("open", 2.0, True),
        ("annual_report.deadline", "2024#late"): ("expired", 0.0, False),
        ("annual_report.deadline", "2024"): ("open", 6.0, True),
    }
    totals = q3.totals.set_index("unit_id")
    # u lost the missing 关键词 and the missing feedback in Q3; nothing of Q3 was late:
    # disclosure has nothing to judge there (rescaled away), its report exists (full marks).
    assert totals.loc["u", "points"] == 6 + 6 + 6
    assert totals.loc["u", "total"] == pytest.approx((5 + 4 + 6) / 18 * 100, abs=1e-3)
    # A quarter later the expired rows are gone; the open ones stay.
    q4 = evaluate_data(store, "2025Q4", dt.date(2025, 12, 31), indicators, data)
    assert set(status_of(q4)) == {("normative.fields", "3.html#keywords"),
                                  ("consultation.process", "4.html#feedback"),
                                  ("annual_report.deadline", "2024")}  # fmt: skip


def test_rectifiable_is_stored_and_read_back(store, tmp_path):
    indicators = load_indicator_set(write(tmp_path, LAG, FIELDS, CONSULT, REPORT))
    evaluate_data(store, "2025Q2", dt.date(2025, 6, 30), indicators, two_units())
    stored = round_store.problems_frame(store, "2025Q2").set_index("subject")["rectifiable"]
    assert stored.dtype == bool
    assert {s.rsplit("/", 1)[-1]: bool(v) for s, v in stored.items()} == {
        "1.html": False, "3.html#keywords": True, "4.html#duration": False,
        "4.html#feedback": True, "2024#late": False, "2024": True,
    }  # fmt: skip


def test_rectifiable_false_marks_every_problem_of_the_indicator(store, tmp_path):
    fields = FIELDS.replace("window: as_of", "window: as_of\n    rectifiable: false")
    indicators = load_indicator_set(write(tmp_path, fields))
    result = evaluate_data(store, "2025Q2", dt.date(2025, 6, 30), indicators, two_units())
    assert list(result.problems["rectifiable"]) == [False]


def test_a_recheck_leaves_one_time_events_alone(store, tmp_path):
    from scoring.recheck import open_problems

    indicators = load_indicator_set(write(tmp_path, LAG, FIELDS, CONSULT, REPORT))
    evaluate_data(store, "2025Q2", dt.date(2025, 6, 30), indicators, two_units())
    subjects = {s.rsplit("/", 1)[-1] for s in open_problems(store, "2025Q2", None)["subject"]}
    assert subjects == {"3.html#keywords", "4.html#feedback", "2024"}


def test_a_missing_month_stays_judged_while_due_within_the_window():
    months = [f"2024-{m:02d}" for m in range(7, 13)] + ["2025-01", "2025-02", "2025-04"]
    arts = []
    for i, period in enumerate(months, 1):
        year, month = (int(p) for p in period.split("-"))
        day = dt.date(year + (month == 12), month % 12 + 1, 7).isoformat()
        arts.append(article(i, "u", 10, title=f"{year}年{month}月空气质量", publish_date=day))
    data = crawl_data([unit("u")], [column(10, "u", "key_area")], arts)

    def missing(window: str, as_of: dt.date) -> list[str]:
        got = run_check("periodic_publication", data, {"every": "month"}, ["key_area"],
                        window=parse_window(window), as_of=as_of)  # fmt: skip
        return [s.rsplit("/", 1)[-1] for s in got["subject"]]

    # March 2025 (due 15 April) and May (due 15 June) are missing.
    assert missing("12 months", dt.date(2025, 6, 30)) == ["2025-03", "2025-05"]
    assert missing("quarter", dt.date(2025, 6, 30)) == ["2025-03", "2025-05"]
    assert missing("quarter", dt.date(2025, 3, 31)) == []  # due in Q2, not yet
    assert missing("3 months", dt.date(2025, 7, 20)) == ["2025-05", "2025-06"]
