"""Rounds in the store, on SQLite and PostgreSQL: migration 0002, a round evaluated from a stored
crawl with a real indicator set and real checks, re-evaluation, decisions, in-place updates."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect

from scoring.indicators import load_indicator_set
from scoring.round import RoundError, evaluate, load_result, reevaluate
from store import Store, downgrade, make_engine, migrate, open_store
from store import rounds as round_store
from store.testing import backend_url

ROUND_TABLES = {"rounds", "round_scores", "round_totals", "problems", "decisions"}
AS_OF = dt.date(2025, 6, 30)
SET_YAML = """\
id: t
version: "1"
name: 测试指标
pass_line: 60
indicators:
  - id: freshness.news
    name: 动态类栏目更新及时
    group: [栏目建设, 更新维护, 动态要闻类栏目]
    applies_to: {categories: [news]}
    check: column_freshness
    params: {max_age: 2 weeks}
    points: 6
    deduct: {per_problem: 3}
    suggestion: "「{column_name}」栏目最新信息发布于{newest}，已{age_days}天未更新。"
    description: 动态类栏目超过2周未更新。
    source: domain.md §3.1
  - id: columns.blank
    name: 无空白栏目
    group: [栏目建设, 栏目设置]
    applies_to: {categories: [news, personnel]}
    check: blank_column
    points: 6
    deduct: {per_problem: 2}
    suggestion: "「{column_name}」栏目为空白栏目。"
    description: 空白栏目。
    source: domain.md §3.1
  - id: veto.blank
    name: 空白栏目过多
    group: [栏目建设, 栏目设置]
    check: veto_count
    params: {indicators: [columns.blank], at_least: 1}
    veto: true
    suggestion: "空白栏目{count}个，单项否决。"
    description: 空白栏目达到数量即否决。
    source: domain.md §3.1
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def store(url: str) -> Store:
    s = open_store(url)
    yield s
    s.close()


def write_set(tmp_path: Path, text: str = SET_YAML) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def crawl(store: Store) -> int:
    """Unit u1: a news column last updated 2025-05-01 (stale) and a blank personnel column;
    unit u2: a news column updated 2025-06-25."""
    store.upsert_units(
        [
            {"id": u, "name": n, "level": "市直部门", "parent": "city", "profile": "lonsun",
             "entry_url": f"http://{u}/"}
            for u, n in (("u1", "江淮市教育局"), ("u2", "江淮市财政局"))
        ]
    )  # fmt: skip
    run = store.start_run("full", ["u1", "u2"])
    counts = {}
    for unit, columns, articles in (
        ("u1", [("news", "工作动态"), ("personnel", "人事信息")], [("news", "2025-05-01")]),
        ("u2", [("news", "工作动态")], [("news", "2025-06-25")]),
    ):
        ids = store.upsert_columns(
            run,
            [
                {"unit_id": unit, "url": f"http://{unit}/c/{cat}", "name": name, "category": cat}
                for cat, name in columns
            ],
        )
        store.upsert_articles(
            run,
            [
                {
                    "url": f"http://{unit}/a/{i}.html",
                    "unit_id": unit,
                    "column_id": ids[f"http://{unit}/c/{cat}"],
                    "title": f"动态{i}",
                    "publish_date": day,
                }
                for i, (cat, day) in enumerate(articles)
            ],
        )
        for cat, _ in columns:
            counts[ids[f"http://{unit}/c/{cat}"]] = sum(c == cat for c, _ in articles)
    store.set_column_counts(run, counts)
    store.finish_run(run)
    return run


def test_migration_0002_adds_and_removes_only_the_round_tables(url: str):
    engine = make_engine(url)
    try:
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= ROUND_TABLES
        downgrade(engine, "0001")
        left = set(inspect(engine).get_table_names())
        assert not ROUND_TABLES & left and {"articles", "crawl_runs"} <= left
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= ROUND_TABLES
    finally:
        engine.dispose()


def test_a_round_from_a_stored_crawl_with_a_real_set(store: Store, tmp_path):
    run = crawl(store)
    result = evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    assert result.info.crawl_run == run
    problems = result.problems.set_index("indicator_id")
    assert problems.loc["freshness.news", "suggestion"] == (
        "「工作动态」栏目最新信息发布于2025-05-01，已60天未更新。"
    )
    assert problems.loc["freshness.news", "target_url"] == "http://u1/c/news"
    assert problems.loc["columns.blank", "suggestion"] == "「人事信息」栏目为空白栏目。"
    assert problems.loc["veto.blank", "suggestion"] == "空白栏目1个，单项否决。"
    assert set(result.problems["status"]) == {"new"}
    totals = round_store.round_totals_frame(store, "2025Q2").set_index("unit_id")
    assert (totals.loc["u1", "score"], totals.loc["u1", "points"]) == (7.0, 12.0)
    assert bool(totals.loc["u1", "vetoed"]) and not bool(totals.loc["u1", "passed"])
    assert (totals.loc["u2", "total"], totals.loc["u2", "rank_in_level"]) == (100.0, 1)
    assert totals.loc["u1", "rank_in_level"] == 2  # vetoed: after u2
    info = round_store.get_round(store, "2025Q2")
    assert info.indicator_set_text == load_indicator_set(write_set(tmp_path)).text
    assert info.pass_line == 60 and info.previous_round is None
    stored = round_store.problems_frame(store, "2025Q2").set_index("indicator_id")
    assert stored.loc["freshness.news", "evidence"]["newest"] == "2025-05-01"
    assert stored.loc["freshness.news", "evidence"]["crawl_run"] == run


def test_evaluating_a_round_again_gives_the_same_numbers(store: Store, tmp_path):
    crawl(store)
    first = evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    # The YAML moves on; the round keeps the set it froze.
    write_set(tmp_path, SET_YAML.replace("per_problem: 3", "per_problem: 1"))
    again = reevaluate(store, "2025Q2")
    stored = load_result(store, "2025Q2")
    for a, b in ((first, again), (first, stored)):
        pd.testing.assert_frame_equal(_numbers(a.totals), _numbers(b.totals))
        pd.testing.assert_frame_equal(
            a.problems.set_index("fingerprint")[["deduction", "suggestion", "status"]].sort_index(),
            b.problems.set_index("fingerprint")[["deduction", "suggestion", "status"]].sort_index(),
            check_dtype=False,  # in-memory object columns vs the store's typed text
        )
    assert again.info.indicator_set_sha256 == first.info.indicator_set_sha256
    with pytest.raises(RoundError, match="2025Q2 exists with another indicator set"):
        evaluate(store, "2025Q2", AS_OF, load_indicator_set(tmp_path / "t.yaml"))
    replaced = evaluate(
        store, "2025Q2", AS_OF, load_indicator_set(tmp_path / "t.yaml"), replace=True
    )
    assert replaced.totals.set_index("unit_id").loc["u1", "score"] == 9.0  # 6 − 1 + 6 − 2


def _numbers(totals: pd.DataFrame) -> pd.DataFrame:
    cols = ["unit_id", "points", "score", "total", "vetoed", "rank_in_level"]
    out = totals[cols].sort_values("unit_id").reset_index(drop=True)
    return out.astype({"vetoed": bool, "rank_in_level": "Int64", "total": float})


def test_decisions_are_checked_kept_in_order_and_the_latest_wins(store: Store, tmp_path):
    crawl(store)
    result = evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    fp = result.problems.set_index("indicator_id").loc["columns.blank", "fingerprint"]
    with pytest.raises(LookupError, match="no problem with fingerprint"):
        round_store.record_decision(store, "0" * 16, "confirmed", by="张三")
    with pytest.raises(ValueError, match="needs a reason"):
        round_store.record_decision(store, fp, "dismissed", by="张三")
    with pytest.raises(ValueError, match="evaluator's name"):
        round_store.record_decision(store, fp, "confirmed", by=" ")
    with pytest.raises(ValueError, match="decision must be one of"):
        round_store.record_decision(store, fp, "ignored", by="张三")
    t0 = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    round_store.record_decision(store, fp, "dismissed", by="张三", reason="栏目已撤并", at=t0)
    round_store.record_decision(store, fp, "confirmed", by="李四", at=t0 + dt.timedelta(hours=1))
    assert [d.by for d in round_store.decision_history(store, fp)] == ["张三", "李四"]
    assert round_store.latest_decisions(store)[fp].decision == "confirmed"
    round_store.record_decision(
        store, fp, "dismissed", by="王五", reason="系误报", at=t0 + dt.timedelta(hours=2)
    )
    again = reevaluate(store, "2025Q2")
    # Dismissed: no deduction, and the blank column no longer counts towards the veto.
    totals = again.totals.set_index("unit_id")
    assert totals.loc["u1", "score"] == 9.0 and not totals.loc["u1", "vetoed"]
    assert again.problems.set_index("fingerprint").loc[fp, "decision"] == "dismissed"


def test_update_problems_changes_only_what_it_names(store: Store, tmp_path):
    crawl(store)
    result = evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    fp = result.problems["fingerprint"].iloc[0]
    with pytest.raises(ValueError, match="bad status"):
        round_store.update_problems(store, "2025Q2", [{"fingerprint": fp, "status": "gone"}])
    at = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    n = round_store.update_problems(
        store, "2025Q2", [{"fingerprint": fp, "status": "fixed", "rechecked_at": at}]
    )
    assert n == 1
    stored = round_store.problems_frame(store, "2025Q2").set_index("fingerprint")
    assert stored.loc[fp, "status"] == "fixed" and stored.loc[fp, "rechecked_at"] == at
    assert set(stored.drop(index=fp)["status"]) == {"new"}


def test_unknown_round_names_the_stored_ones(store: Store, tmp_path):
    crawl(store)
    evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    with pytest.raises(round_store.RoundNotFound, match=r"no round '2025Q9'.*rounds: 2025Q2"):
        round_store.get_round(store, "2025Q9")
