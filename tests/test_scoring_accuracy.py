"""The accuracy gate (issue 4): a round over the crawled small sample portal reports exactly the
planted defects — precision and recall 1.0, printed — and nothing for hazards or decoys; and the
round is reproducible. Shares the one crawl of tests/conftest_scoring.py with the check tests."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from conftest_scoring import crawled_sample

from scoring.indicators import load_indicator_set, newest_set
from scoring.round import evaluate, reevaluate
from store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def round_one(tmp_path_factory):
    directory = crawled_sample(tmp_path_factory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    db = tmp_path_factory.mktemp("rounds") / "zwgk.sqlite"
    shutil.copy(directory / "zwgk.sqlite", db)  # the shared crawl stays untouched
    store = open_store(f"sqlite:///{db}", create=True)
    as_of = dt.date.fromisoformat(manifest["as_of"])
    result = evaluate(store, "2025Q2", as_of, load_indicator_set(newest_set()))
    yield store, manifest, result
    store.close()


def test_the_round_reports_exactly_the_planted_defects(round_one, capsys):
    _, manifest, result = round_one
    problems = result.problems[result.problems["deduction"] > 0]
    got = set(zip(problems["unit_id"], problems["target_url"], strict=True))
    want = {(d["unit_id"], d["target_url"]) for d in manifest["defects"]}
    hit = len(got & want)
    precision, recall = hit / len(got), hit / len(want)
    with capsys.disabled():
        print(f"\nround 2025Q2 on the small sample: precision {precision:.2f} recall {recall:.2f} "
              f"({len(got)} problems, {len(want)} planted)")  # fmt: skip
    assert got - want == set(), "reported but not planted"
    assert want - got == set(), "planted but not reported"
    assert len(problems) == len(want), "one problem per planted defect"
    assert (problems["status"] == "new").all()
    assert problems["suggestion"].map(lambda s: isinstance(s, str) and len(s) > 10).all()


def test_hazards_and_decoys_cause_no_problem(round_one):
    _, manifest, result = round_one
    targets = set(result.problems["target_url"])
    hazards = {h["target_url"] for h in manifest["hazards"]}
    hazards |= {h.get("params", {}).get("page_url") for h in manifest["hazards"]} - {None}
    assert targets & hazards == set()
    assert targets & {d["target_url"] for d in manifest["decoys"]} == set()
    down = {h["unit_id"] for h in manifest["hazards"] if h["kind"] == "host_down"}
    totals = result.totals.set_index("unit_id")
    assert totals.loc[sorted(down), "total"].isna().all(), "an unreachable unit is not scored"


def test_evaluating_the_round_again_gives_the_same_numbers(round_one):
    store, _, first = round_one
    again = reevaluate(store, "2025Q2")
    columns = ["unit_id", "total", "rank_in_level"]
    assert again.totals[columns].equals(first.totals[columns])
    assert sorted(again.problems["fingerprint"]) == sorted(first.problems["fingerprint"])
    assert again.info.indicator_set_sha256 == first.info.indicator_set_sha256
