"""The accuracy gate (issue 4): a round over the crawled small sample portal reports exactly the
planted defects — precision and recall 1.0, printed — and nothing for hazards or decoys; and the
round is reproducible. Shares the one crawl of tests/conftest_scoring.py with the check tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest_scoring import crawled_sample
from windows_fixtures import judged, published_dates

from scoring.indicators import load_indicator_set, newest_set
from scoring.round import evaluate, reevaluate
from store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def round_one(tmp_path_factory, module_store_urls):
    directory = crawled_sample(tmp_path_factory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    # A copy: the shared crawl stays untouched.
    store = open_store(module_store_urls.copy_of(directory / "zwgk.sqlite"), create=True)
    as_of = dt.date.fromisoformat(manifest["as_of"])
    result = evaluate(store, "2025Q2", as_of, load_indicator_set(newest_set()))
    yield store, manifest, result
    store.close()


def expected_defects(manifest: dict, directory: Path) -> set[tuple[str, str]]:
    """(unit, target) of every planted defect this round must report: all of them but a
    one-time event dated outside the round's quarter (tests/windows_fixtures.py)."""
    as_of = dt.date.fromisoformat(manifest["as_of"])
    published = published_dates(directory)
    return {(d["unit_id"], d["target_url"]) for d in manifest["defects"]
            if judged(d, as_of, published)}  # fmt: skip


def test_the_round_reports_exactly_the_planted_defects(round_one, capsys, tmp_path_factory):
    _, manifest, result = round_one
    problems = result.problems[result.problems["deduction"] > 0]
    got = set(zip(problems["unit_id"], problems["target_url"], strict=True))
    want = expected_defects(manifest, crawled_sample(tmp_path_factory))
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


# veto_count finds nothing of its own: it counts the problems of other indicators, whose
# decoys are its decoys.
NO_DECOY = {"veto_count": "counts other indicators' problems"}


def test_hazards_and_decoys_cause_no_problem(round_one, capsys):
    _, manifest, result = round_one
    tried = Counter(d["details"]["check"] for d in manifest["decoys"])
    with capsys.disabled():
        print(f"\ndecoys tried: {sum(tried.values())} ("
              + ", ".join(f"{check} {n}" for check, n in sorted(tried.items()))
              + "; none for " + ", ".join(f"{c}: {why}" for c, why in NO_DECOY.items()) + ")")  # fmt: skip
    checks = {i.check for i in load_indicator_set(newest_set()).indicators}
    assert checks - set(tried) == set(NO_DECOY), "a check type without a decoy"
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


GOLDEN = Path(__file__).parent / "golden" / "round_2025Q2_small.json"
_PORT = re.compile(r"(//127\.0\.0\.\d+):\d+")


def _snapshot(result) -> dict:
    """The round as plain JSON, the sample server's random port taken out of every URL (the
    fingerprints hash a URL, so they are compared through their subjects instead; a duplicate's
    subject is hashed again without the port) and the day the crawl ran out of the evidence."""

    def rows(frame, drop=()):
        frame = frame.drop(columns=list(drop)).astype(object).where(frame.notna(), None)
        text = json.dumps(frame.to_dict("records"), ensure_ascii=False, sort_keys=True,
                          default=str)  # fmt: skip
        return sorted(json.loads(_PORT.sub(r"\1:PORT", text)), key=json.dumps)

    problems = rows(result.problems, drop=["fingerprint", "rechecked_at"])
    for problem in problems:
        # The day the crawl read a page is the test's day, not the round's.
        if "seen_on" in problem["evidence"]:
            problem["evidence"]["seen_on"] = "DAY_READ"
        # A duplicate's subject hashes the kept page's URL, port included: hash it port-free.
        if problem["subject"].startswith("dup/"):
            kept = problem["evidence"]["other_url"].encode("utf-8")
            problem["subject"] = f"dup/{hashlib.sha1(kept).hexdigest()[:12]}"
    return {
        "scores": rows(result.scores),
        "totals": rows(result.totals),
        "problems": sorted(problems, key=json.dumps),
    }


def test_a_round_on_the_sample_is_unchanged_by_restructuring(round_one):
    """Scores, totals and problems (evidence and suggestions included) of round 2025Q2 on the
    small sample, against the copy kept when the code was restructured (issue 11). A change of
    the scoring rules changes this file on purpose: ZWGK_UPDATE_GOLDEN=1 writes it again, and
    the diff goes into the commit that changed the rules."""
    _, _, result = round_one
    got = _snapshot(result)
    if os.environ.get("ZWGK_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                          encoding="utf-8")  # fmt: skip
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for part in ("totals", "scores", "problems"):
        assert len(got[part]) == len(want[part]), part
        for mine, kept in zip(got[part], want[part], strict=True):
            assert mine == kept, part
