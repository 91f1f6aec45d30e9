"""Publishing a real round (portal/lifecycle.py on the crawled small sample portal): the round is
evaluated as `zwgk evaluate` does, an evaluator dismisses a problem and confirms another in the
portal, and publishing re-scores it with its frozen indicator set and crawl run — the decisions
are the only change — after which the decisions are frozen. The problem list, the evidence view
and the overview then read the real thing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest_scoring import crawled_sample

from portal.decisions import decide
from portal.evidence import problem_evidence
from portal.lifecycle import LifecycleError, publish, state
from portal.problem_filter import ProblemFilter
from portal.problem_query import query
from portal.round_views import overview
from reports.wording import today_in_beijing
from scoring.indicators import load_indicator_set, newest_set
from scoring.round import evaluate
from store import open_store
from store import rounds as round_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_round(tmp_path_factory, module_store_urls):
    directory = crawled_sample(tmp_path_factory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    # A copy: the shared crawl stays untouched.
    store = open_store(module_store_urls.copy_of(directory / "zwgk.sqlite"), create=True)
    as_of = dt.date.fromisoformat(manifest["as_of"])
    evaluate(store, "2025Q2", as_of, load_indicator_set(newest_set()))
    yield store
    store.close()


def test_publishing_a_crawled_round_applies_the_decisions_and_nothing_else(sample_round):
    store = sample_round
    before_info = round_store.get_round(store, "2025Q2")
    before = round_store.problems_frame(store, "2025Q2").set_index("fingerprint")
    totals_before = round_store.round_totals_frame(store, "2025Q2").set_index("unit_id")
    deducting = before[before["deduction"] > 0]
    dismissed, confirmed = deducting.index[0], deducting.index[1]
    unit = deducting.loc[dismissed, "unit_id"]
    decide(store, "2025Q2", [dismissed], "dismissed", "已有规范性说明", "王测评")
    decide(store, "2025Q2", [confirmed], "confirmed", "核实无误", "王测评")
    # The draft list shows the decisions at once, before any re-scoring.
    listed = query(store, ProblemFilter.from_query("2025Q2", "decision=dismissed"), None)
    assert [r.fingerprint for r in listed.rows] == [dismissed]

    today = today_in_beijing()
    done = publish(
        store, "2025Q2", by="王测评", deadline=today + dt.timedelta(days=15), today=today
    )

    assert done.state == "published"
    info = round_store.get_round(store, "2025Q2")
    assert (info.crawl_run, info.indicator_set_sha256, info.as_of) == (
        before_info.crawl_run,
        before_info.indicator_set_sha256,
        before_info.as_of,
    )
    after = round_store.problems_frame(store, "2025Q2").set_index("fingerprint")
    assert set(after.index) == set(before.index)
    assert (
        after.loc[dismissed, "decision"] == "dismissed" and after.loc[dismissed, "deduction"] == 0
    )
    assert after.loc[confirmed, "decision"] == "confirmed"
    unchanged = after.drop(index=[dismissed, confirmed])
    assert unchanged["deduction"].equals(before.drop(index=[dismissed, confirmed])["deduction"])
    totals = round_store.round_totals_frame(store, "2025Q2").set_index("unit_id")
    assert totals.loc[unit, "score"] > totals_before.loc[unit, "score"]
    others = totals.index != unit
    assert totals.loc[others, "score"].equals(totals_before.loc[others, "score"])

    with pytest.raises(LifecycleError, match="评估决定已冻结"):
        decide(store, "2025Q2", [confirmed], "dismissed", "改判", "王测评")
    assert state(store, "2025Q2", today=today).answers_open


def test_the_list_evidence_and_overview_read_a_crawled_round(sample_round):
    store = sample_round
    page = query(store, ProblemFilter.from_query("2025Q2", "sort=-deduction&per_page=20"), None)
    assert page.total > 20 and len(page.rows) == 20
    assert [r.deduction for r in page.rows] == sorted(
        (r.deduction for r in page.rows), reverse=True
    )
    shown = [problem_evidence(store, "2025Q2", r.fingerprint, None) for r in page.rows]
    pages = [e for e in shown if e.found]
    assert pages, "no problem of the sample has its page stored"
    assert any(e.highlighted for e in pages), "nothing of the evidence found on the stored pages"
    assert all("<script" not in line for e in pages for line in e.lines)
    view = overview(store, "2025Q2", None)
    assert view.paragraph.startswith("本轮扣分问题") and view.ranking
