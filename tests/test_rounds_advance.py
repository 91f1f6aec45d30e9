"""Round-to-round tracking on the real thing (issue 4): the crawled small sample portal is
evaluated (2025Q2), advanced by `zwgk demo advance` twice with a nightly-style incremental crawl
after each, and evaluated again (2025Q3, 2025Q4). Each round's statuses must be the manifest's:
what the advance fixed is *fixed*, what it planted is *new*, what it broke again is
*regressed*, the rest *open* — and a problem the evaluator dismissed stays dismissed and deducts
nothing. Then the portal moves on once more and `zwgk recheck` (回头看) marks fixed exactly
what the units fixed.

A problem is matched to its manifest entry by (unit, target URL), as in the accuracy gate. A
one-time event (a late document, tests/windows_fixtures.py) is reported only by the round whose
quarter holds its date and is expired in the round after, whatever the manifest's notion of
still being there."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from conftest_scoring import FAST, crawl_portal, crawled_sample
from test_db_copy_prune import numbers
from test_pg_concurrency import pd_equal
from windows_fixtures import judged, keyed, one_time, published_dates

from demo.advance import advance_directory
from scoring.indicators import load_indicator_set, newest_set
from scoring.recheck import recheck
from scoring.round import evaluate, reevaluate
from store import open_store
from store import rounds as round_store

# One xdist worker builds the module fixture (tracked: a portal advanced and crawled twice) for all its tests.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rounds_advance")]

DAYS = 92  # one quarter


def by_status(problems) -> dict[str, set[tuple[str, str]]]:
    return {
        status: set(zip(rows["unit_id"], rows["target_url"], strict=True))
        for status, rows in problems.groupby("status")
    }


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, module_store_urls):
    """Three rounds over a portal advanced twice; the dismissed problem's fingerprint."""
    directory = tmp_path_factory.mktemp("advanced")
    shutil.copytree(crawled_sample(tmp_path_factory), directory, dirs_exist_ok=True)
    url = module_store_urls.copy_of(directory / "zwgk.sqlite")
    store = open_store(url, create=True)
    indicator_set = load_indicator_set(newest_set())
    manifests, rounds = [], {}

    def manifest() -> dict:
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))

    manifests.append(manifest())
    rounds["2025Q2"] = evaluate(store, "2025Q2", dt.date(2025, 6, 30), indicator_set)

    advanced = advance_directory(directory, DAYS)
    manifests.append(advanced)
    # The evaluator dismisses one problem the units did not fix, and confirms another (a state:
    # a one-time event is history in the next round).
    still = [d for d in advanced["defects"]
             if d["id"] not in advanced["history"][-1]["new"] and not one_time(d)]  # fmt: skip
    problems = rounds["2025Q2"].problems.set_index(["unit_id", "target_url"])
    dismissed = problems.loc[(still[0]["unit_id"], still[0]["target_url"]), "fingerprint"]
    confirmed = problems.loc[(still[1]["unit_id"], still[1]["target_url"]), "fingerprint"]
    round_store.record_decision(store, dismissed, "dismissed", by="王测评", reason="已有规范性说明")
    round_store.record_decision(store, confirmed, "confirmed", by="王测评")

    crawl_portal(directory, db_url=url)  # incremental, as every night
    rounds["2025Q3"] = evaluate(store, "2025Q3", dt.date(2025, 9, 30), indicator_set)
    manifests.append(advance_directory(directory, DAYS))
    crawl_portal(directory, db_url=url)
    rounds["2025Q4"] = evaluate(store, "2025Q4", dt.date(2025, 12, 31), indicator_set)
    yield directory, store, manifests, rounds, dismissed
    store.close()


@pytest.mark.parametrize("round_id, step", [("2025Q3", 1), ("2025Q4", 2)])
def test_the_next_round_shows_what_the_advance_did(tracked, round_id, step, capsys):
    directory, _, manifests, rounds, _ = tracked
    manifest, before = manifests[step], manifests[step - 1]
    history = manifest["history"][-1]
    got = by_status(rounds[round_id].problems)
    everything = manifest["defects"] + manifest["fixed"]
    now, then = (dt.date.fromisoformat(m["as_of"]) for m in (manifest, before))
    published = published_dates(directory)
    new = [d for d in manifest["defects"] if judged(d, now, published)]
    want = {
        "new": keyed(new, history["new"]),
        "fixed": keyed(before["defects"], history["fixed"]),
        "regressed": keyed(everything, history["regressed"]),
    }
    # Expired: what the rules stop judging (the manifest says which), and every one-time event
    # the previous round reported.
    aged = [d for d in before["defects"] if not one_time(d)]
    reported = [d for d in before["defects"] if one_time(d) and judged(d, then, published)]
    want["expired"] = keyed(aged, history["expired"]) | keyed(reported)
    states = [d for d in manifest["defects"] if not one_time(d)]
    want["open"] = keyed(states) - want["new"] - want["regressed"]
    with capsys.disabled():
        counts = ", ".join(f"{s} {len(want[s])}" for s in want)
        print(f"\n{round_id} after advance {step}: {counts} (as planted)")
    for status in want:
        assert got.get(status, set()) == want[status], status
    assert set(got) <= set(want), "nothing became not comparable"
    if step == 2:
        assert want["regressed"], "the second advance regresses something"
    assert want["fixed"] and want["new"]


def test_a_round_evaluated_again_after_later_crawls_gives_its_numbers(tracked):
    """2025Q3 read crawl run 2; runs 3 (and the recheck's) since changed list dates, fetch
    times, titles, column counts and links in place. Evaluated again: the same round."""
    _, store, _, rounds, _ = tracked
    assert round_store.get_round(store, "2025Q3").crawl_run < store.latest_run().id
    for before, again in zip(numbers(rounds["2025Q3"]), numbers(reevaluate(store, "2025Q3")),
                             strict=True):  # fmt: skip
        pd_equal(before, again)


def test_fixed_problems_deduct_nothing_and_open_ones_keep_their_first_round(tracked):
    _, _, _, rounds, _ = tracked
    q3 = rounds["2025Q3"].problems
    assert (q3.loc[q3["status"] == "fixed", "deduction"] == 0).all()
    still = q3[q3["status"] == "open"]
    assert (still["first_seen_round"] == "2025Q2").all()
    new = q3[q3["status"] == "new"]
    assert (new["first_seen_round"] == "2025Q3").all()


def test_a_dismissed_problem_stays_dismissed_and_deducts_nothing(tracked):
    _, _, _, rounds, dismissed = tracked
    for round_id in ("2025Q3", "2025Q4"):
        problems = rounds[round_id].problems.set_index("fingerprint")
        if dismissed not in problems.index:
            continue  # fixed and dropped out after Q3
        row = problems.loc[dismissed]
        assert row["decision"] == "dismissed", round_id
        assert row["deduction"] == 0, round_id
    q3 = rounds["2025Q3"].problems.set_index("fingerprint").loc[dismissed]
    assert q3["status"] == "open"
    # The unit's indicator score in Q3 counts the other problems of that indicator only.
    score = rounds["2025Q3"].scores.set_index(["unit_id", "indicator_id"])
    score = score.loc[(q3["unit_id"], q3["indicator_id"])]
    others = rounds["2025Q3"].problems
    others = others[
        (others["unit_id"] == q3["unit_id"])
        & (others["indicator_id"] == q3["indicator_id"])
        & (others["fingerprint"] != dismissed)
    ]
    assert score["deduction"] == pytest.approx(min(others["deduction"].sum(), score["points"]))
    # In Q2, before the decision, the same problem deducted.
    q2 = rounds["2025Q2"].problems.set_index("fingerprint").loc[dismissed]
    assert q2["deduction"] > 0


def test_recheck_marks_fixed_what_the_units_fixed_since_the_round(tracked):
    directory, store, _, _, _ = tracked
    manifest = advance_directory(directory, DAYS)
    history = manifest["history"][-1]
    from demo import model as m
    from demo.server import PortalServer
    from demo.site import Site

    portal = m.load_portal(directory)
    server = PortalServer(portal, Site(portal))
    server.start()
    try:
        outcome = recheck(
            store,
            "2025Q4",
            registry=directory / "units.yaml",
            as_of=dt.date.fromisoformat(manifest["as_of"]),
            settings=[s for s in FAST if s != "-s"],
        )
    finally:
        server.stop()
    changes = outcome.changes
    fixed_now = changes[changes["after"] == "fixed"]
    got = set(zip(fixed_now["unit_id"], fixed_now["target_url"], strict=True))
    assert got == keyed(manifest["fixed"], history["fixed"]), "fixed: exactly what the units fixed"
    assert got
    assert changes["rechecked"].all(), "every open problem's unit was read again"
    still = changes[changes["after"] != "fixed"]
    aged = changes[changes["after"] == "expired"]
    # A one-time event cannot be rectified: the recheck does not look at it.
    assert set(zip(aged["unit_id"], aged["target_url"], strict=True)) == keyed(
        [d for d in manifest["expired"] if not one_time(d)], history["expired"]
    )
    still = still[still["after"] != "expired"]
    assert (still["after"] == "open").all(), "what was not fixed is still open"
    stored = round_store.problems_frame(store, "2025Q4", evidence=False).set_index("fingerprint")
    assert (stored.loc[fixed_now["fingerprint"], "status"] == "fixed").all()
    assert stored.loc[fixed_now["fingerprint"], "rechecked_at"].notna().all()
    assert f"已整改{len(got)}个" in outcome.summary()


def test_the_change_since_the_previous_round_explained(tracked):
    """得分变化说明 (issue 17): 2025Q3 against 2025Q2, one set: the rules did nothing, the
    dismissal is the decisions' part of its unit only, and the parts sum to the change shown;
    scoring the stored rounds again gives their stored totals (nothing recomputed)."""
    from scoring.explain import DECISIONS, PARTS, RECOMPUTED, RULES, explain_round

    _, store, _, rounds, dismissed = tracked
    _, _, explained = explain_round(store, "2025Q3")
    got = explained.units.set_index("unit_id")
    totals = {r: rounds[r].totals.set_index("unit_id")["total"] for r in ("2025Q2", "2025Q3")}
    both = totals["2025Q2"].notna() & totals["2025Q3"].reindex(totals["2025Q2"].index).notna()
    assert set(got.index) == set(both[both].index)
    change = (totals["2025Q3"] - totals["2025Q2"]).loc[got.index].round(4)
    assert (got["change"] == change).all()
    assert (got[list(PARTS)].sum(axis=1).round(4) == got["change"]).all()
    assert (got[RULES] == 0).all() and (got[RECOMPUTED] == 0).all()
    unit = rounds["2025Q3"].problems.set_index("fingerprint").loc[dismissed, "unit_id"]
    assert got.loc[unit, DECISIONS] > 0
    assert (got.drop(index=unit)[DECISIONS] == 0).all()
    # By hand: 2025Q3's crawl scored as 2025Q3 was, but without the dismissal (the only decision
    # that moves points: the confirmation costs what the problem cost anyway).
    from scoring.data import load_crawl
    from scoring.explain import applied_decisions
    from scoring.round import frozen_set
    from scoring.scorer import score_crawl

    info = round_store.get_round(store, "2025Q3")
    kept = {fp: d for fp, d in applied_decisions(store, "2025Q3").items() if fp != dismissed}
    undone = score_crawl(load_crawl(store, info.crawl_run), frozen_set(info), info.as_of,
                         decisions=kept).totals.set_index("unit_id")  # fmt: skip
    by_hand = round(totals["2025Q3"][unit] - undone.loc[unit, "total"], 4)
    assert got.loc[unit, DECISIONS] == pytest.approx(by_hand, abs=1e-4) and by_hand > 0
    assert (got["change"] != 0).any()
    # Stored with the round as it was evaluated: the same lines, the same per-unit parts.
    import pandas as pd

    from store.explanations import explanation_lines, unit_changes

    stored = explanation_lines(store, "2025Q3")
    computed = explained.lines.sort_values(["unit_id", "part", "indicator_id"], ignore_index=True)
    pd.testing.assert_frame_equal(stored, computed, check_exact=False, atol=1e-9)
    changes = unit_changes(store, round_store.get_round(store, "2025Q3")).set_index("unit_id")
    assert (changes.loc[got.index, "change"] == got["change"]).all()
    assert (changes.loc[got.index, DECISIONS].round(4) == got[DECISIONS]).all()


def test_a_changed_set_is_the_rules_part_and_nothing_else(tracked):
    """A round on 2025Q4's crawl under base.yaml against 2025Q3 (under 2025Q2.yaml): the rules
    part names only what 2025Q2.yaml changed, and equals 2025Q3's crawl evaluated under base
    (a round of its own, by the round machinery) minus 2025Q3's total."""
    from typer.testing import CliRunner

    from scoring.explain import BASE, BONUS, DECISIONS, RULES, explain_round
    from scoring.indicators import SHIPPED_DIR
    from zwgk.cli import app

    _, store, _, rounds, _ = tracked
    base = load_indicator_set(SHIPPED_DIR / "base.yaml")
    q4 = round_store.get_round(store, "2025Q4")
    evaluate(store, "2025Q4-base", q4.as_of, base, run_id=q4.crawl_run)
    previous, _, explained = explain_round(store, "2025Q4-base")
    assert previous.id == "2025Q3"
    lines = explained.lines
    changed = {"interpretation.forms", "links.broken", "duplicates.same_information",
               "wording.terms", "metadata.date_order", BASE, BONUS}  # fmt: skip
    assert set(lines.loc[lines["part"] == RULES, "indicator_id"]) <= changed
    assert (explained.units[DECISIONS] == 0).all()
    q3 = round_store.get_round(store, "2025Q3")
    evaluate(store, "2025Q3-base", q3.as_of, base, run_id=q3.crawl_run)
    under_base = round_store.round_totals_frame(store, "2025Q3-base").set_index("unit_id")
    rules = explained.units.set_index("unit_id")[RULES]
    want = (under_base["total"] - rounds["2025Q3"].totals.set_index("unit_id")["total"]).round(4)
    assert (rules == want.loc[rules.index]).all()
    assert (rules != 0).any()
    unit = rules.abs().idxmax()
    out = CliRunner().invoke(
        app, ["explain", "--round", "2025Q4-base", "--unit", unit, "--db", store.url]
    )
    assert out.exit_code == 0, out.output
    assert "得分变化说明" in out.output and "指标体系调整" in out.output and "合计" in out.output


def test_the_impact_of_a_set_is_the_round_evaluated_under_it(tracked, tmp_path):
    """新指标体系影响评估 (issue 17): 2025Q3's crawl under its own set (2025Q2.yaml) and under
    base.yaml. The 2025Q2.yaml side is the round's stored totals, ranks and passes; the base side
    is 2025Q3's crawl run evaluated under base on its day, by the round machinery; each unit's
    lines sum to its change. `zwgk indicators diff 2025Q2 base --impact` writes the same as XLSX."""
    import pandas as pd
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from scoring.impact import impact
    from scoring.impact_xlsx import SHEETS
    from scoring.indicators import SHIPPED_DIR
    from zwgk.cli import app

    _, store, _, rounds, _ = tracked
    own = load_indicator_set(SHIPPED_DIR / "2025Q2.yaml")
    base = load_indicator_set(SHIPPED_DIR / "base.yaml")
    q3 = round_store.get_round(store, "2025Q3")
    assert q3.indicator_set_sha256 == own.sha256
    got = impact(store, "2025Q3", own, base)
    units = got.units.set_index("unit_id")
    stored = rounds["2025Q3"].totals.set_index("unit_id")
    evaluate(store, "2025Q3-impact", q3.as_of, base, run_id=q3.crawl_run)
    under_b = round_store.round_totals_frame(store, "2025Q3-impact").set_index("unit_id")
    for side, want in (("a", stored), ("b", under_b)):
        want = want.reindex(units.index)
        assert units[f"total_{side}"].equals(want["total"].astype(float)), side
        assert units[f"rank_{side}"].equals(want["rank_in_level"].astype("Int64")), side
        passed = [[None if pd.isna(v) else bool(v) for v in f[c]]
                  for f, c in ((units, f"passed_{side}"), (want, "passed"))]  # fmt: skip
        assert passed[0] == passed[1], side
    assert (units["change"].dropna() != 0).any(), "base.yaml moves someone"
    sums = got.lines.groupby("unit_id")["change"].sum().reindex(units.index).fillna(0.0)
    assert (sums - units["change"].fillna(0.0)).abs().max() < 1e-3
    flipped = units.index[units["flip"] != ""]
    assert set(flipped) == set(
        units.index[units["passed_a"].notna() & (units["passed_a"] != units["passed_b"])]
    )

    out = tmp_path / "impact.xlsx"
    args = ["indicators", "diff", "2025Q2", "base", "--impact", "--round", "2025Q3"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--db", store.url])
    assert result.exit_code == 0, result.output
    assert "新指标体系影响评估" in result.output and "结果变化" in result.output
    book = load_workbook(out)
    assert tuple(book.sheetnames) == SHEETS
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    rows = list(book["单位"].iter_rows(values_only=True))
    assert rows[0][3:5] == ("总分（2025Q2）", "总分（base）")
    sheet = {r[1]: r[3:6] for r in rows[1:]}
    assert set(sheet) == set(units.index)
    for unit_id, (a, b, change) in sheet.items():
        row = units.loc[unit_id]
        assert (a, b, change) == tuple(
            None if pd.isna(v) else v for v in (row["total_a"], row["total_b"], row["change"])
        )
    flips = [r[1] for r in book["结果变化的单位"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert set(flips) == set(flipped)
    assert (
        CliRunner()
        .invoke(app, ["indicators", "diff", "2025Q2", "base", "--round", "2025Q3"])
        .exit_code
        == 2
    )


def test_fix_first_recovers_what_it_claims_on_the_sample(tracked):
    """优先整改 (issue 17): for the units of 2025Q3 with the most problems, each plan's fixes,
    taken out of the round's scoring (dismissed: they deduct nothing, and an indicator left
    without problems is judged as if they were gone), give the total the plan claims, and the
    pass when it claims the pass."""
    from scoring.data import load_crawl
    from scoring.explain import applied_decisions
    from scoring.fix_first import PASS, plan_fixes
    from scoring.round import frozen_set
    from scoring.scorer import score_crawl

    _, store, _, _, _ = tracked
    info = round_store.get_round(store, "2025Q3")
    indicator_set = frozen_set(info)
    scores = round_store.round_scores_frame(store, "2025Q3")
    problems = round_store.problems_frame(store, "2025Q3", evidence=False)
    totals = round_store.round_totals_frame(store, "2025Q3").set_index("unit_id")
    present = problems[problems["status"].isin(["new", "open", "regressed"])]
    busiest = present["unit_id"].value_counts().index[:6]
    data = load_crawl(store, info.crawl_run)
    applied = applied_decisions(store, "2025Q3")
    checked = 0
    for unit in busiest:
        got = plan_fixes(unit, scores, problems, indicator_set, pass_line=info.pass_line)
        assert got.total == pytest.approx(totals.loc[unit, "rescaled"], abs=1e-3)
        for plan in got.plans:
            decisions = applied | {fp: "dismissed" for fp in plan.fixes}
            scored = score_crawl(data, indicator_set, info.as_of, decisions=decisions)
            row = scored.totals.set_index("unit_id").loc[unit]
            assert row["rescaled"] == pytest.approx(plan.total, abs=1e-3), (unit, plan.target)
            if plan.reachable:
                assert row["rescaled"] >= plan.goal - 1e-6
                if plan.target == PASS:
                    assert row["passed"]
            checked += 1
    assert checked >= 6  # each of these units is short of full marks: one plan at least
