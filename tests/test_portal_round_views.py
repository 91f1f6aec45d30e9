"""The round overview (portal/round_views.py): ranking per level, counts by status and by the
decision in force, progress per unit, and the round report's own paragraph and charts — over the
whole round, or cut to a county evaluator's units."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_data_fixtures import C1_SUBTREE, art, col, fp
from portal_data_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

from portal import round_views
from portal.answers import answer_online
from portal.lifecycle import publish
from portal.round_views import chart_png, overview
from reports.round_data import round_report_data
from reports.wording import today_in_beijing
from store import rounds as round_store

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_whole_round_reads_as_its_report(rounds):
    store = rounds.store
    view = overview(store, "2025Q2", None)
    report = round_report_data(store, "2025Q2")
    assert view.whole_round and view.label == "2025年第二季度" and view.state.is_draft
    assert view.paragraph == report.paragraph and view.paragraph.startswith("本轮扣分问题9个")
    assert [level for level, _ in view.ranking] == ["市直部门", "县区政府", "县直部门", "乡镇街道"]
    city_depts = dict(view.ranking)["市直部门"]
    assert [(u.unit_id, u.rank, u.verdict) for u in city_depts] == [
        ("dept2", 1, "合格"),
        ("dept1", 2, "不合格"),
    ]
    assert view.by_status == {"new": 7, "open": 2, "fixed": 1}
    assert view.by_decision == {"none": 10}
    assert [c for c, _ in view.charts] == ["scores", "groups", "trend"]
    assert len(view.progress) == 7


def test_a_county_evaluator_sees_its_units_only(rounds):
    view = overview(rounds.store, "2025Q2", C1_SUBTREE)
    assert not view.whole_round
    units = {u.unit_id for _, part in view.ranking for u in part}
    assert units == {"c1", "c1d", "t1"}
    assert dict(view.ranking)["县区政府"][0].rank == 2  # the rank within the whole level
    assert view.by_status == {"new": 4} and sum(view.by_decision.values()) == 4
    assert (
        view.paragraph.startswith("本轮扣分问题4个，其中新发现4个")
        and "涉及3家单位" in view.paragraph
    )
    assert "江淮市" not in view.paragraph and "裕安" not in view.paragraph
    assert [p.unit_id for p in view.progress] == ["c1", "c1d", "t1"]
    assert [c for c, _ in view.charts] == ["scores", "groups"]  # no city-wide trend


def test_counts_by_decision_are_the_ones_in_force_now(rounds):
    store = rounds.store
    round_store.record_decision(
        store, fp("t1", "fresh", col("t1")), "dismissed", by="e", reason="r"
    )
    round_store.record_decision(store, fp("dept1", "late", art("dept1", 2)), "confirmed", by="e")
    view = overview(store, "2025Q2", None)
    assert view.by_decision == {"none": 8, "dismissed": 1, "confirmed": 1}
    assert view.by_status_and_decision[("new", "dismissed")] == 1
    county = overview(store, "2025Q2", C1_SUBTREE)
    assert county.by_decision == {"none": 3, "dismissed": 1}


def test_counts_by_decision_with_too_many_decisions_to_name(rounds, monkeypatch):
    from portal import problem_sql

    monkeypatch.setattr(problem_sql, "MAX_CHANGED", 0)
    round_store.record_decision(
        rounds.store, fp("t1", "fresh", col("t1")), "dismissed", by="e", reason="r"
    )
    assert overview(rounds.store, "2025Q2", None).by_decision == {"none": 9, "dismissed": 1}


def test_a_published_round_shows_its_state_progress_and_scores(publishable):
    store = publishable.store
    today = today_in_beijing()
    round_store.record_decision(
        store, fp("t1", "fresh", col("t1")), "dismissed", by="e", reason="r"
    )
    publish(store, "2025Q2", by="eval", deadline=today + dt.timedelta(days=5), today=today)
    answer_online(
        store, "2025Q2", "t1", fp("t1", "undated", art("t1", 1)), "rectified", "已补", "u_t1"
    )
    view = overview(store, "2025Q2", C1_SUBTREE, today=today)
    assert view.state.state == "published"
    t1 = next(p for p in view.progress if p.unit_id == "t1")
    assert (t1.to_answer, t1.answered) == (1, 1)
    assert "扣分问题3个" in view.paragraph  # re-scored at publication: the dismissal counts
    late = overview(store, "2025Q2", C1_SUBTREE, today=today + dt.timedelta(days=6))
    assert late.state.state == "closed"


@pytest.mark.parametrize("chart", ["scores", "groups", "trend"])
def test_charts_are_png_bytes(rounds, chart):
    png = chart_png(rounds.store, "2025Q2", chart, None)
    assert png.startswith(PNG) and len(png) > 1000
    assert chart_png(rounds.store, "2025Q2", chart, None) is png  # drawn once per round version


def test_a_county_evaluators_charts_are_drawn_over_its_units(rounds):
    whole = chart_png(rounds.store, "2025Q2", "scores", None)
    county = chart_png(rounds.store, "2025Q2", "scores", C1_SUBTREE)
    assert county.startswith(PNG) and county != whole
    with pytest.raises(KeyError, match="no chart 'trend'"):
        chart_png(rounds.store, "2025Q2", "trend", C1_SUBTREE)
    with pytest.raises(KeyError, match="no chart 'pie'"):
        chart_png(rounds.store, "2025Q2", "pie", None)


def test_the_report_is_read_again_when_the_round_is_scored_again(publishable, monkeypatch):
    store = publishable.store
    calls = []
    real = round_views.round_report_data
    monkeypatch.setattr(
        round_views, "round_report_data", lambda s, r: calls.append(r) or real(s, r)
    )
    overview(store, "2025Q2", None)
    overview(store, "2025Q2", None)
    assert calls == ["2025Q2"]
    publishable.rescore(store, "2025Q2")  # evaluated again: a new version of the round
    overview(store, "2025Q2", None)
    assert calls == ["2025Q2", "2025Q2"]
