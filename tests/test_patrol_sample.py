"""The daily patrol on the real thing (issue 14): the crawled small sample portal is patrolled as
of its day, moved on two weeks by `zwgk demo advance` (a small step) with the night's
incremental crawl, and patrolled again. The second patrol reports as new every defect the
advance planted, as gone every one it fixed; every problem that came by the passage of time
alone had been warned by the first patrol, on the day it came — each deadline the manifest
dates (`due`: a news column the advance stopped, a consultation closed in June without
feedback, June's air-quality report kept back; the sample's day, 30 June, is months from an
annual report's deadline, so that kind is tested on a January portal in test_demo_defects); no
hazard and no decoy gives a problem or a warning. `zwgk patrol` stores each patrol and prints
the changes.

A problem is matched to its manifest entry by (unit, target URL), as in the accuracy gate."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from conftest_scoring import crawl_portal, crawled_sample
from typer.testing import CliRunner
from windows_fixtures import judged, keyed, one_time, published_dates

from demo.advance import advance_directory
from patrol.forecast import horizon, warns
from patrol.run import run_patrol
from scoring.indicators import load_indicator_set, newest_set
from scoring.round import evaluate
from scoring.workdays import default_calendar
from store import open_store
from store.patrols import latest_patrol, patrol_findings
from store.rounds import record_decision
from zwgk.cli import app

# Serves the crawled sample portal at its own addresses and port, as test_rounds_advance and
# test_pg_concurrency do: the three run one after the other, on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rounds_advance")]

# Two weeks and a day: the first patrol's horizon, 11 working days, reaches the second's day,
# 15 July — the day June's key-area reports fall due (the 15th of the next month). The second
# patrol looks the shipped set's way ahead (5 working days): with 11 it would warn again of the
# news columns the advance fixed on its last day (stale again on 30 July), a warning in place of
# their "gone".
DAYS = 15
WITHIN = "11 workdays"


@pytest.fixture(scope="module")
def patrolled(tmp_path_factory, module_store_urls):
    directory = tmp_path_factory.mktemp("patrolled")
    shutil.copytree(crawled_sample(tmp_path_factory), directory, dirs_exist_ok=True)
    url = module_store_urls.copy_of(directory / "zwgk.sqlite")
    store = open_store(url, create=True)
    indicator_set = load_indicator_set(newest_set())
    before = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    first_day = dt.date.fromisoformat(before["as_of"])
    evaluate(store, "2025Q2", first_day, indicator_set)  # the round whose problem is dismissed
    first = run_patrol(store, indicator_set, as_of=first_day, within=WITHIN)
    after = advance_directory(directory, DAYS)
    # The evaluators dismiss a problem the units did not fix: no patrol may report it again.
    kept = keyed([d for d in after["defects"] if not one_time(d)]) & set(
        targets(first, {"problem"})
    )
    dismissed = targets(first, {"problem"})[sorted(kept)[0]]
    record_decision(store, dismissed, "dismissed", by="王测评", reason="已有规范性说明")
    crawl_portal(directory, db_url=url)  # incremental, as every night
    second = run_patrol(store, indicator_set, as_of=dt.date.fromisoformat(after["as_of"]))
    yield directory, store, url, indicator_set, (before, after), (first, second), dismissed
    store.close()


def targets(result, kinds: set[str]) -> dict[tuple[str, str], str]:
    """(unit, target URL) → fingerprint of the result's findings of ``kinds``."""
    rows = result.findings[result.findings["kind"].isin(kinds)]
    return dict(
        zip(zip(rows["unit_id"], rows["target_url"], strict=True), rows["fingerprint"], strict=True)
    )


def changed(result, change: str) -> set[str]:
    return set(result.changes.loc[result.changes["change"] == change, "fingerprint"])


def test_the_next_patrol_reports_what_the_advance_planted_as_new_and_fixed_as_gone(patrolled):
    directory, _, _, _, (before, after), (first, second), _ = patrolled
    history = after["history"][-1]
    now = dt.date.fromisoformat(after["as_of"])
    published = published_dates(directory)
    planted = keyed([d for d in after["defects"] if judged(d, now, published)], history["new"])
    fixed = keyed(before["defects"], history["fixed"])
    problems_now, problems_then = targets(second, {"problem"}), targets(first, {"problem"})
    assert planted and fixed
    assert {problems_now[k] for k in planted} <= changed(second, "new"), "planted, not new"
    assert fixed <= set(problems_then), "the first patrol found what the advance fixed"
    assert {problems_then[k] for k in fixed} <= changed(second, "gone"), "fixed, not gone"
    # Gone is only ever a fix, a state the rules stopped judging, or a one-time event of the
    # quarter before: never a problem the crawl simply did not see again.
    expired = keyed(before["defects"], history["expired"]) | keyed(
        [d for d in before["defects"] if one_time(d)]
    )
    gone = {k for k, fp in problems_then.items() if fp in changed(second, "gone")}
    assert gone <= fixed | expired


def test_a_warning_came_before_each_planted_deadline_on_the_day_the_manifest_says(patrolled):
    """Every manifest entry whose `due` falls after the first patrol's day and within its
    horizon — planted before and waiting in `coming`, or planted by the advance — was warned by
    the first patrol with that due day, and is the same finding (unit, indicator, subject: one
    fingerprint) as a problem new in the second, marked warned."""
    _, _, _, _, (before, after), (first, second), _ = patrolled
    first_day = dt.date.fromisoformat(before["as_of"])
    last = horizon(first_day, WITHIN, default_calendar())
    assert last == dt.date.fromisoformat(after["as_of"])  # the second patrol's day
    entries = {d["id"]: d for d in before.get("coming", []) + after["defects"]}
    coming = [
        d
        for d in entries.values()
        if "due" in d["details"] and first_day < dt.date.fromisoformat(d["details"]["due"]) <= last
    ]
    assert {d["kind"] for d in coming} >= {
        "stale_column",  # a short step stops a news column that goes stale within it
        "consultation_without_feedback",
        "key_area_missing_period",
    }
    assert after["coming"] == []  # each came due within the step: a defect now
    warnings = targets(first, {"warning"})
    problems = targets(second, {"problem"})
    due = first.findings.set_index("fingerprint")["due"]
    new = second.changes[second.changes["change"] == "new"].set_index("fingerprint")
    for entry in coming:
        key = (entry["unit_id"], entry["target_url"])
        assert key in warnings, entry
        assert due[warnings[key]] == dt.date.fromisoformat(entry["details"]["due"]), entry
        assert key not in targets(first, {"problem"}), entry  # not a problem yet
        assert problems.get(key) == warnings[key], entry  # the warned finding, now a problem
        assert new.loc[warnings[key], "warned"]


def test_what_came_with_time_alone_had_been_warned_before_it_came(patrolled):
    """Every new problem of an indicator that foresees, but for what the advance put there
    (new pages, a column stopped), had been warned, due by the second patrol's day."""
    _, _, _, indicator_set, (_, after), (first, second), _ = patrolled
    history = after["history"][-1]
    put = keyed([d for d in after["defects"] if "due" not in d["details"]], history["new"])
    foreseeing = {i.id for i in indicator_set.indicators if warns(i)}
    rows = second.findings.set_index("fingerprint")
    new = second.changes[(second.changes["change"] == "new")
                         & second.changes["indicator_id"].isin(foreseeing)]  # fmt: skip
    came = [fp for fp in new["fingerprint"]
            if (rows.loc[fp, "unit_id"], rows.loc[fp, "target_url"]) not in put]  # fmt: skip
    assert came
    warned = first.findings[first.findings["kind"] == "warning"].set_index("fingerprint")
    day = dt.date.fromisoformat(after["as_of"])
    for fp in came:
        assert fp in warned.index, rows.loc[fp].to_dict()
        assert warned.loc[fp, "due"] <= day


def test_a_problem_the_evaluators_dismissed_is_neither_reported_nor_called_fixed(patrolled):
    _, _, _, _, _, (first, second), dismissed = patrolled
    assert dismissed in set(first.findings["fingerprint"])
    assert dismissed not in set(second.findings["fingerprint"])
    assert dismissed not in set(second.changes["fingerprint"])  # not new, not gone
    assert second.patrol.stats["dismissed"] == 1


def test_no_hazard_or_decoy_gives_a_problem_or_a_warning(patrolled):
    """Nothing of a unit whose host is down; nothing on a hazard's page (an anti-bot column:
    the unit's other columns are read and judged); nothing a decoy plants. A decoy of months
    published together (2025年1-2月) is about those months: on 30 June every air-quality column,
    that one too, is warned that June's report falls due on 15 July — June is no decoy's."""
    _, _, _, _, (before, after), (first, second), _ = patrolled
    for manifest, result in ((before, first), (after, second)):
        found = result.findings[result.findings["kind"].isin(["problem", "warning"])]
        blocked = {h["unit_id"] for h in manifest["hazards"] if h["kind"] == "host_down"}
        assert {h["kind"] for h in manifest["hazards"]} >= {"host_down", "anti_bot"}
        hazards = {h["target_url"] for h in manifest["hazards"]}
        hazards |= {h.get("params", {}).get("page_url") for h in manifest["hazards"]} - {None}
        assert blocked and not set(found["unit_id"]) & blocked
        assert not set(found["target_url"]) & hazards
        assert manifest["decoys"]
        hits = [
            (row.unit_id, row.indicator_id, row.subject)
            for row in found.itertuples()
            for decoy in manifest["decoys"]
            if row.target_url == decoy["target_url"]
            and (
                "months" not in decoy["details"]
                or (row.evidence or {}).get("period") in decoy["details"]["months"]
            )
        ]
        assert hits == []


def test_each_patrol_is_stored_whole(patrolled):
    _, store, _, _, _, (first, second), _ = patrolled
    assert second.previous is not None and second.previous.id == first.patrol.id
    for result in (first, second):
        stored = patrol_findings(store, result.patrol.id)
        assert sorted(stored["fingerprint"]) == sorted(result.findings["fingerprint"])
        assert result.patrol.stats["problems"] == (stored["kind"] == "problem").sum()
        assert stored.loc[stored["kind"] == "warning", "due"].notna().all()


def test_the_command_patrols_and_says_what_changed(patrolled):
    _, store, url, _, (_, after), (_, second), _ = patrolled
    same = CliRunner().invoke(app, ["patrol", "--db", url, "--as-of", after["as_of"]])
    assert same.exit_code == 0, same.output  # the timer after a night without a crawl
    assert (
        f"was patrolled as of {after['as_of']} already (patrol {second.patrol.id})" in same.output
    )
    assert latest_patrol(store).id == second.patrol.id
    day = (dt.date.fromisoformat(after["as_of"]) + dt.timedelta(days=1)).isoformat()
    done = CliRunner().invoke(app, ["patrol", "--db", url, "--as-of", day])
    assert done.exit_code == 0, done.output
    assert f"as of {day}" in done.output
    assert "warning within 5 workdays" in done.output  # the shipped set's warn_within
    assert f"compared with patrol {second.patrol.id}" in done.output
    assert "time to fix (整改用时), all patrols" in done.output
    assert latest_patrol(store).id == second.patrol.id + 1
    refused = CliRunner().invoke(app, ["patrol", "--db", url, "--within", "5 weeks ago"])
    assert refused.exit_code == 2 and "5 weeks ago" in refused.output
