"""Tracking across rounds: new, open, fixed, regressed, not comparable; decisions follow the
fingerprint. Rounds are evaluated on hand-made findings and stored in a SQLite store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from round_fixtures import (
    HandMadeCrawl,
    HandMadeIndicator,
    HandMadeSet,
    columns,
    planted,
    planted_check,  # noqa: F401 (fixture)
    units,
)

from scoring import tracking
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from scoring.tracking import comparable, statuses
from store import Store, open_store
from store import rounds as round_store

pytestmark = pytest.mark.usefixtures("planted_check")
SET = HandMadeSet([HandMadeIndicator("fresh", points=6, per_problem=3)])
C1, C2, X, Y = "http://a/c1", "http://a/c2", "http://b/x", "http://b/y"


@pytest.fixture
def store(store_url) -> Store:
    s = open_store(store_url, create=True)
    yield s
    s.close()


def run_round(
    store: Store,
    round_id: str,
    as_of: dt.date,
    found: list[tuple[str, str]],
    *,
    dept2_observed: bool = True,
    c1_observed: bool = True,
) -> pd.DataFrame:
    run = store.start_run("full")
    store.finish_run(run)
    data = HandMadeCrawl(
        units=units(
            ("dept1", "市直部门", "city", True), ("dept2", "市直部门", "city", dept2_observed)
        ),
        columns=columns(
            (1, "dept1", C1, c1_observed),
            (2, "dept1", C2, True),
            (3, "dept2", X, dept2_observed),
            (4, "dept2", Y, dept2_observed),
        ),
        planted=planted(*[("fresh", unit, subject, {"what": subject}) for unit, subject in found]),
        run_id=run,
    )
    result = evaluate_data(store, round_id, as_of, SET, data)
    return result.problems.set_index("fingerprint")


def fp(unit: str, subject: str) -> str:
    return fingerprint(unit, "fresh", subject)


def test_statuses_follow_the_problem_from_round_to_round(store: Store):
    a, b, c, d = fp("dept1", C1), fp("dept1", C2), fp("dept2", X), fp("dept2", Y)
    r1 = run_round(
        store, "2025Q1", dt.date(2025, 3, 31), [("dept1", C1), ("dept1", C2), ("dept2", X)]
    )
    assert set(r1["status"]) == {"new"}
    assert set(r1["first_seen_round"]) == {"2025Q1"}

    # Q2: C1 still there; C2 gone while its column was read (fixed); dept2 unreadable, so X is
    # not comparable (never "fixed"); Y appears.
    r2 = run_round(store, "2025Q2", dt.date(2025, 6, 30), [("dept1", C1)], dept2_observed=False)
    assert r2.loc[a, "status"] == "open" and r2.loc[a, "first_seen_round"] == "2025Q1"
    assert r2.loc[b, "status"] == "fixed" and r2.loc[b, "deduction"] == 0
    assert r2.loc[c, "status"] == "not_comparable" and r2.loc[c, "deduction"] == 0
    assert d not in r2.index  # dept2 unread: Y cannot be found either

    # Q3: C2 is back (regressed); X gone with dept2 readable again (fixed, after being not
    # comparable); C1's column unreadable (not comparable); Y new.
    r3 = run_round(
        store,
        "2025Q3",
        dt.date(2025, 9, 30),
        [("dept1", C2), ("dept2", Y)],
        c1_observed=False,
    )
    assert r3.loc[b, "status"] == "regressed" and r3.loc[b, "first_seen_round"] == "2025Q1"
    assert r3.loc[c, "status"] == "fixed"
    assert r3.loc[a, "status"] == "not_comparable"
    assert r3.loc[d, "status"] == "new" and r3.loc[d, "first_seen_round"] == "2025Q3"

    # Q4: X (fixed in Q3) is not carried; C1, readable again and clean, is fixed; X coming
    # back after a round without a row is still "regressed".
    r4 = run_round(store, "2025Q4", dt.date(2025, 12, 31), [("dept2", X), ("dept2", Y)])
    assert r4.loc[c, "status"] == "regressed" and r4.loc[c, "first_seen_round"] == "2025Q1"
    assert r4.loc[a, "status"] == "fixed"
    assert r4.loc[b, "status"] == "fixed"
    assert r4.loc[d, "status"] == "open"
    stored = round_store.problems_frame(store, "2025Q4").set_index("fingerprint")
    assert stored["status"].to_dict() == r4["status"].to_dict()
    assert round_store.get_round(store, "2025Q4").previous_round == "2025Q3"


def test_dismissed_problem_stays_dismissed_in_later_rounds(store: Store):
    a, b = fp("dept1", C1), fp("dept1", C2)
    run_round(store, "2025Q1", dt.date(2025, 3, 31), [("dept1", C1), ("dept1", C2)])
    round_store.record_decision(store, a, "dismissed", by="张三", reason="栏目已按规定撤并，系误报")
    r2 = run_round(store, "2025Q2", dt.date(2025, 6, 30), [("dept1", C1), ("dept1", C2)])
    assert r2.loc[a, "decision"] == "dismissed" and r2.loc[a, "deduction"] == 0
    assert r2.loc[b, "decision"] is None or pd.isna(r2.loc[b, "decision"])
    scores = round_store.round_scores_frame(store, "2025Q2").set_index("unit_id")
    assert scores.loc["dept1", "deduction"] == 3.0  # only C2 costs points
    # The latest decision wins; the earlier one stays in the history.
    round_store.record_decision(store, a, "confirmed", by="李四")
    r3 = run_round(store, "2025Q3", dt.date(2025, 9, 30), [("dept1", C1)])
    assert r3.loc[a, "decision"] == "confirmed" and r3.loc[a, "deduction"] == 3.0
    history = round_store.decision_history(store, a)
    assert [h.decision for h in history] == ["dismissed", "confirmed"]


def test_statuses_on_frames_without_a_store():
    now = pd.DataFrame({"fingerprint": ["a", "b", "c", "d"]})
    previous = pd.DataFrame(
        {
            "fingerprint": ["a", "b", "x"],
            "status": ["new", "fixed", "not_comparable"],
            "first_seen_round": ["R1", "R0", "R0"],
        }
    )
    seen_earlier = pd.Series({"c": "R0"})
    out = statuses(now, previous, seen_earlier, "R2").set_index("fingerprint")
    assert out["status"].to_dict() == {"a": "open", "b": "regressed", "c": "regressed", "d": "new"}
    assert out["first_seen_round"].to_dict() == {"a": "R1", "b": "R0", "c": "R0", "d": "R2"}


def test_comparable_needs_the_unit_the_indicator_and_the_subjects_column():
    data = HandMadeCrawl(
        units=units(("u", "市直部门", None, True), ("down", "市直部门", None, False)),
        columns=columns((1, "u", "http://u/col", True), (2, "u", "http://u/dark", False)),
        planted=planted(),
        articles=pd.DataFrame({"url": ["http://u/dark/1.html"], "column_id": [2]}),
    )
    rows = pd.DataFrame(
        {
            "unit_id": ["u", "u", "u", "u", "down", "u"],
            "indicator_id": ["i", "i", "i", "i", "i", "gone"],
            "subject": [
                "http://u/col",
                "http://u/dark/2025-05",  # a period of the unread column
                "http://u/dark/1.html#keywords",  # an article of the unread column
                "forms",  # no column: the unit decides
                "forms",
                "forms",
            ],
            "target_url": [None, None, "http://u/dark/1.html", None, None, None],
        }
    )
    evaluated = {("u", "i"), ("down", "i")}
    assert comparable(rows, data, evaluated).tolist() == [True, False, False, True, False, False]


def test_evaluating_a_round_again_after_later_rounds_gives_the_same_rows(store: Store):
    first = run_round(store, "2025Q1", dt.date(2025, 3, 31), [("dept1", C1), ("dept1", C2)])
    run_round(store, "2025Q2", dt.date(2025, 6, 30), [("dept1", C1)])
    info = round_store.get_round(store, "2025Q1")
    data = HandMadeCrawl(
        units=units(("dept1", "市直部门", "city", True), ("dept2", "市直部门", "city", True)),
        columns=columns((1, "dept1", C1, True), (2, "dept1", C2, True)),
        planted=planted(*[("fresh", "dept1", s, {"what": s}) for s in (C1, C2)]),
        run_id=info.crawl_run,
    )
    again = evaluate_data(store, "2025Q1", info.as_of, SET, data).problems.set_index("fingerprint")
    # The later round 2025Q2 must not make 2025Q1's problems look "regressed".
    cols = ["status", "first_seen_round", "deduction", "suggestion"]
    pd.testing.assert_frame_equal(again[cols].sort_index(), first[cols].sort_index())
    assert round_store.get_round(store, "2025Q1").created_at == info.created_at


def test_a_round_records_the_years_whose_working_days_are_estimated(store: Store):
    # chinese_calendar has the State Council calendar for 2025; 2035 is python-holidays'
    # estimate (statutory holidays, no make-up days).
    run_round(store, "2025Q2", dt.date(2025, 6, 30), [])
    assert round_store.get_round(store, "2025Q2").calendar_estimated_years == []
    run_round(store, "2035Q2", dt.date(2035, 6, 30), [])
    years = round_store.get_round(store, "2035Q2").calendar_estimated_years
    assert 2035 in years and max(years) == 2035


def one_unit_two_crawls(store: Store, *found: tuple[str, str]):
    """A round R1 on a crawl of unit u (one column, read) that finds ``found`` (subject, what)
    for indicator i1; returns the set, that crawl and a later one of the same unit finding
    nothing."""
    run = store.start_run("full")
    store.finish_run(run)
    data = HandMadeCrawl(
        run_id=run,
        units=units(("u", "市直部门", None, True)),
        columns=columns((1, "u", "http://u/c/1", True)),
        planted=planted(*[("i1", "u", subject, {"what": what}) for subject, what in found]),
    )
    indicator_set = HandMadeSet([HandMadeIndicator("i1", points=10)])
    evaluate_data(store, "R1", dt.date(2025, 6, 30), indicator_set, data)
    later = HandMadeCrawl(
        units=data.units, columns=data.columns, planted=data.planted.iloc[:0], run_id=run
    )
    return indicator_set, data, later


def test_a_problem_its_indicator_no_longer_judges_is_expired_not_fixed(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    old_month, recent_month = "http://u/c/1/2024-09", "http://u/c/1/2025-03"
    indicator_set, _, later = one_unit_two_crawls(
        store, (old_month, "缺2024年9月"), (recent_month, "缺2025年3月")
    )
    # Neither is found any more; the indicator's window no longer covers the 2024-09 one.
    monkeypatch.setattr(tracking, "still_judged", lambda rows, *_: rows["subject"] != old_month)
    result = evaluate_data(store, "R2", dt.date(2025, 12, 31), indicator_set, later)
    status = result.problems.set_index("subject")["status"].to_dict()
    assert status == {old_month: "expired", recent_month: "fixed"}
    assert (result.problems["deduction"] == 0).all()
    # Expired problems drop out like fixed ones: nothing is carried into the round after.
    third = evaluate_data(store, "R3", dt.date(2026, 3, 31), indicator_set, later)
    assert third.problems.empty


def test_a_problem_the_round_could_not_look_at_is_not_comparable_not_fixed(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    unseen, seen = "http://u/c/1/a.pdf", "http://u/c/1/b.pdf"
    indicator_set, data, later = one_unit_two_crawls(store, (unseen, "x"), (seen, "y"))
    monkeypatch.setattr(tracking, "looked_at", lambda rows, *_: rows["subject"] != unseen)
    result = evaluate_data(store, "R2", dt.date(2025, 9, 30), indicator_set, later)
    status = result.problems.set_index("subject")["status"].to_dict()
    assert status == {unseen: "not_comparable", seen: "fixed"}
    # Not comparable is carried: seen again in the round after, it is still open, not new.
    third = evaluate_data(store, "R3", dt.date(2025, 12, 31), indicator_set, data)
    assert third.problems.set_index("subject").loc[unseen, "status"] == "open"


@pytest.mark.parametrize(
    "outcomes, expected",
    [
        ([], True),  # gone from every page that was read: the unit removed it
        (["ok"], True),  # checked again and it works
        (["ok", "ok"], True),
        (["suspected"], False),  # a timeout or a 5xx: nobody saw it work
        (["unchecked"], False),  # refused by the network policy: never requested
        ([None], False),  # not checked this time
        (["ok", "suspected"], False),
    ],
)
def test_a_broken_link_is_looked_at_only_when_seen_working_or_gone(outcomes, expected):
    from types import SimpleNamespace

    from scoring.checks.base import CheckContext, get_check

    check = get_check("broken_links")
    url = "http://u/files/a.pdf"
    links = pd.DataFrame(
        {
            "unit_id": ["u"] * len(outcomes) + ["other"],
            "url": [url] * len(outcomes) + [url],
            "kind": ["attachment"] * (len(outcomes) + 1),
            "outcome": [*outcomes, "suspected"],  # another unit's copy says nothing of u's
        }
    )
    problems = pd.DataFrame({"unit_id": ["u"], "subject": [url], "evidence": [{}]})
    params = check.Params()
    ctx = CheckContext.__new__(CheckContext)
    seen = check.looked_at(problems, SimpleNamespace(links=links), params, ctx)
    assert seen.tolist() == [expected]
