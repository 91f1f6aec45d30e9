"""A round evaluated city by city (scoring/by_city.py) is the whole evaluation's round, row for
row; ranks are within level and city; a round missing a city's part is shown nowhere."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from benchmarks.score import AS_OF, build, units_plan
from portal import lifecycle
from portal.viewer import Viewer, round_visible, visible_rounds
from scoring import by_city
from scoring.cities import NO_CITY, cities, city_of
from scoring.round import plan, run_plan
from store import open_store, round_parts
from store import rounds as round_store
from store.explanations import explanation_lines
from store.testing import backend_url

EARLIER = dt.date(2025, 3, 31)  # a first round, so the second one tracks statuses


def _province(url: str, per_city: list[int], articles: int) -> None:
    names = ["江淮市", "淮南市", "皖西市"]
    units = [
        u
        for i, count in enumerate(per_city)
        for u in units_plan(count, "c" if i == 0 else f"c{i + 1}", names[i])
    ]
    build(url, 0, articles, units=units)


def _frames(store, round_id: str) -> dict[str, pd.DataFrame]:
    return {
        "scores": round_store.round_scores_frame(store, round_id),
        "totals": round_store.round_totals_frame(store, round_id),
        "problems": round_store.problems_frame(store, round_id),
        "explanations": explanation_lines(store, round_id),
    }


def _evaluate(store, round_id: str, as_of: dt.date, *, jobs: int | None = None):
    """The whole evaluation (jobs None) or by city in ``jobs`` processes (0: in this one)."""
    planned = plan(store, round_id, as_of=as_of)
    if jobs is None:
        return run_plan(store, planned)
    return by_city.evaluate_by_city(store, planned, jobs=jobs)


def _same_round(store, round_id: str, before: dict[str, pd.DataFrame], info) -> None:
    after = round_store.get_round(store, round_id)
    for name, frame in _frames(store, round_id).items():
        pd.testing.assert_frame_equal(frame, before[name], check_exact=True, obj=name)
    same = ("crawl_run", "previous_round", "indicator_set_sha256", "as_of", "stats", "complete")
    assert {k: getattr(after, k) for k in same} == {k: getattr(info, k) for k in same}


def test_a_units_city_is_its_nearest_city_government_up_the_tree():
    units = pd.DataFrame(
        {
            "id": ["a", "a-d1", "x", "x-t1", "b", "loose", "dept"],
            "level": [
                "市政府",
                "市直部门",
                "县区政府",
                "乡镇街道",
                "市政府",
                "市直部门",
                "县直部门",
            ],
            "parent": ["province", "a", "a", "x", None, None, "elsewhere"],
        }
    )
    assert city_of(units).tolist() == ["a", "a", "a", "a", "b", NO_CITY, NO_CITY]
    assert cities(units) == {
        NO_CITY: ["loose", "dept"],
        "a": ["a", "a-d1", "x", "x-t1"],
        "b": ["b"],
    }


def test_one_city_evaluated_by_city_is_the_whole_round_row_for_row(store_url):
    url = store_url
    build(url, 77, 3000)
    with open_store(url) as store:
        _evaluate(store, "2025Q1", EARLIER)
        whole = _evaluate(store, "2025Q2", AS_OF)
        before = _frames(store, "2025Q2")
        statuses = set(before["problems"]["status"])
        assert {"new", "open"} <= statuses and statuses - {"new", "open"}, statuses
        assert len(before["explanations"]), "the second round explains its changes"
        # The same round again, by city (one city: one part), in this process.
        result = _evaluate(store, "2025Q2", AS_OF, jobs=0)
        assert not result.failed and [c.city for c in result.cities] == ["c"]
        assert result.cities[0].completed_round
        _same_round(store, "2025Q2", before, whole.info)
        assert [p.state for p in round_parts.list_parts(store, "2025Q2")] == ["stored"]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_cities_in_two_processes_rank_within_level_and_city(tmp_path, kind):
    with backend_url(kind, tmp_path) as url:
        _province(url, [113, 113], 4000)
        with open_store(url) as store:
            _evaluate(store, "2025Q1", EARLIER)
            whole = _evaluate(store, "2025Q2", AS_OF)
            before = _frames(store, "2025Q2")
            result = _evaluate(store, "2025Q2", AS_OF, jobs=2)
            assert not result.failed
            assert [(c.city, c.units) for c in result.cities] == [("c", 113), ("c2", 113)]
            assert sum(c.completed_round for c in result.cities) == 1  # the last one stored
            assert all(c.peak_mib > 0 for c in result.cities)
            _same_round(store, "2025Q2", before, whole.info)
            totals = before["totals"].assign(
                city=city_of(before["totals"].rename(columns={"unit_id": "id"}))
            )
            assert set(totals["city"]) == {"c", "c2"}
            judged = totals[totals["total"].notna()]
            key = judged["total"] - judged["vetoed"].astype(float) * 1e6
            by_level = key.groupby(judged["level"]).rank(method="min", ascending=False)
            in_city = key.groupby([judged["level"], judged["city"]]).rank(
                method="min", ascending=False
            )
            assert judged["rank_in_level"].tolist() == in_city.astype(int).tolist()
            assert (in_city != by_level).any()  # a province-wide rank would differ
            governments = totals[totals["level"] == "市政府"]
            assert governments["rank_in_level"].tolist() == [1, 1]


def test_a_round_missing_a_citys_part_is_shown_nowhere_and_says_which(store_url, monkeypatch):
    url = store_url
    _province(url, [45, 45], 2000)
    with open_store(url) as store:
        _evaluate(store, "2025Q1", EARLIER)
        judge = by_city.judge

        def failing(store, round_id, as_of, indicator_set, data, *args):
            if "c2" in set(data.units["id"]):
                raise RuntimeError("the city's job died")
            return judge(store, round_id, as_of, indicator_set, data, *args)

        monkeypatch.setattr(by_city, "judge", failing)
        result = _evaluate(store, "2025Q2", AS_OF, jobs=0)
        assert list(result.failed) == ["c2"] and [c.city for c in result.cities] == ["c"]
        assert not result.info.complete
        assert [r.id for r in round_store.list_rounds(store)] == ["2025Q1"]
        assert round_store.round_before(store, dt.date(2025, 9, 30)).id == "2025Q1"
        with pytest.raises(round_store.RoundIncomplete, match="c2 failed.*the city's job died"):
            round_store.get_round(store, "2025Q2")
        assert round_store.find_round(store, "2025Q2") is None
        admin = Viewer(1, "admin", "管理员", "admin", None)  # the portal sees drafts, not it
        assert visible_rounds(store, admin) == ["2025Q1"]
        assert not round_visible(store, admin, "2025Q2")
        assert list(lifecycle.states(store)) == ["2025Q1"]
        states = {p.part: p.state for p in round_parts.list_parts(store, "2025Q2")}
        assert states == {"c": "stored", "c2": "failed"}
        # Evaluated again, it completes: the stored round's frozen set and run, no --as-of.
        monkeypatch.setattr(by_city, "judge", judge)
        again = by_city.evaluate_by_city(store, plan(store, "2025Q2"), jobs=0)
        assert not again.failed and round_store.get_round(store, "2025Q2").complete
        assert [r.id for r in round_store.list_rounds(store)] == ["2025Q1", "2025Q2"]


def test_zwgk_evaluate_takes_a_store_of_two_cities_by_city_unless_asked_whole(store_url):
    from typer.testing import CliRunner

    from zwgk.cli import app

    url = store_url
    _province(url, [45, 45], 1500)
    common = ["evaluate", "--round", "2025Q2", "--as-of", str(AS_OF), "--db", url]
    done = CliRunner().invoke(app, common)
    assert done.exit_code == 0, done.output
    assert "evaluated by city" in done.output and "in 2 cities" in done.output
    assert "c2: 77 units" in done.output
    whole = CliRunner().invoke(app, [*common, "--whole"])
    assert whole.exit_code == 0, whole.output
    assert "evaluated by city" not in whole.output and "市政府 — 2025Q2" in whole.output
    with open_store(url) as store:
        assert round_parts.list_parts(store, "2025Q2") == []  # whole: no parts left
        assert round_store.get_round(store, "2025Q2").complete
