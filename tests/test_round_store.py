"""Rounds in the store, on SQLite and PostgreSQL: migration 0002, a round evaluated from a stored
crawl with a real indicator set and real checks, re-evaluation, decisions, in-place updates."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
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
    window: as_of
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
    window: as_of
    points: 6
    deduct: {per_problem: 2}
    suggestion: "「{column_name}」栏目为空白栏目。"
    description: 空白栏目。
    source: domain.md §3.1
  - id: veto.blank
    name: 空白栏目过多
    group: [栏目建设, 栏目设置]
    check: veto_count
    window: as_of
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
    s = open_store(url, create=True)
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


# -- the command line ----------------------------------------------------------------------------
def cli(*args: str):
    from typer.testing import CliRunner

    from zwgk.cli import app

    return CliRunner().invoke(app, list(args))


def test_evaluate_problems_and_decide_from_the_command_line(store: Store, url: str, tmp_path):
    crawl(store)
    path = str(write_set(tmp_path))
    out = cli(
        "evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", "--indicators", path, "--db", url
    )
    assert out.exit_code == 0, out.output
    assert "市直部门 — 2025Q2" in out.output and "本轮扣分问题3个" in out.output
    assert "不合格（单项否决）" in out.output

    listed = cli("problems", "--round", "2025Q2", "--format", "json", "--db", url)
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.output)
    keys = {
        "fingerprint",
        "unit_id",
        "indicator",
        "status",
        "target_url",
        "deduction",
        "evidence",
        "suggestion",
    }
    assert len(records) == 3 and all(keys <= set(r) for r in records)
    fresh = next(r for r in records if r["indicator"] == "freshness.news")
    assert fresh["evidence"]["age_days"] == 60 and fresh["deduction"] == 3.0
    only_u2 = cli("problems", "--round", "2025Q2", "-u", "u2", "-f", "json", "--db", url)
    assert json.loads(only_u2.output) == []
    as_csv = cli("problems", "--round", "2025Q2", "-f", "csv", "--db", url)
    assert as_csv.output.splitlines()[0].startswith("round,fingerprint,unit_id,indicator,status")

    both = cli(
        "problems",
        "decide",
        fresh["fingerprint"],
        "--confirm",
        "--dismiss",
        "--by",
        "张三",
        "--db",
        url,
    )
    assert both.exit_code == 2 and "exactly one" in both.output
    ok = cli(
        "problems", "decide", fresh["fingerprint"], "--dismiss", "--reason", "栏目已撤并",
        "--by", "张三", "--db", url,
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    again = cli("evaluate", "--round", "2025Q2", "--db", url)
    assert "evaluated again with its frozen set" in again.output
    records = json.loads(cli("problems", "--round", "2025Q2", "-f", "json", "--db", url).output)
    fresh = next(r for r in records if r["indicator"] == "freshness.news")
    assert (fresh["decision"], fresh["deduction"]) == ("dismissed", 0.0)

    missing = cli("problems", "--round", "2025Q9", "--db", url)
    assert missing.exit_code == 2 and "no round '2025Q9'" in missing.output
    no_date = cli("evaluate", "--round", "2025Q3", "--indicators", path, "--db", url)
    assert no_date.exit_code == 2 and "--as-of is required" in no_date.output


# -- recheck (回头看) ---------------------------------------------------------------------------
def test_recheck_marks_fixed_what_the_new_crawl_no_longer_shows(store: Store, url: str, tmp_path):
    from scoring.recheck import recheck

    crawl(store)
    evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    seen: dict = {}

    def crawl_after_the_fix(registry, units, refetch_file, settings, database_url):
        """What `zwgk crawl -u u1` stores once u1 has published news again (its personnel
        column is still blank)."""
        seen.update(units=list(units), settings=list(settings), refetch=refetch_file.read_text())
        with open_store(database_url, create=True) as s:
            run = s.start_run("incremental", list(units))
            ids = s.upsert_columns(
                run,
                [
                    {"unit_id": "u1", "url": "http://u1/c/news", "name": "工作动态", "category": "news"},
                    {"unit_id": "u1", "url": "http://u1/c/personnel", "name": "人事信息", "category": "personnel"},
                ],
            )  # fmt: skip
            s.upsert_articles(
                run,
                [{"url": "http://u1/a/9.html", "unit_id": "u1", "column_id": ids["http://u1/c/news"],
                  "title": "动态9", "publish_date": "2025-07-20"}],
            )  # fmt: skip
            s.touch_articles(run, ["http://u1/a/0.html"])
            s.set_column_counts(run, {ids["http://u1/c/news"]: 2, ids["http://u1/c/personnel"]: 0})
            s.finish_run(run)
        return subprocess.CompletedProcess([], 0, "", "")

    outcome = recheck(
        store,
        "2025Q2",
        registry=tmp_path / "units.yaml",
        as_of=dt.date(2025, 7, 31),
        settings=["DOWNLOAD_DELAY=0"],
        database_url=url,
        crawl=crawl_after_the_fix,
    )
    assert seen["units"] == ["u1"] and seen["settings"] == ["DOWNLOAD_DELAY=0"]
    after = outcome.changes.set_index("indicator_id")["after"].to_dict()
    assert after == {"freshness.news": "fixed", "columns.blank": "open", "veto.blank": "open"}
    stored = round_store.problems_frame(store, "2025Q2").set_index("indicator_id")
    assert stored.loc["freshness.news", "status"] == "fixed"
    assert stored["rechecked_at"].notna().all()
    # The round's score is the quarter's record: a recheck does not change it.
    assert (
        round_store.round_totals_frame(store, "2025Q2").set_index("unit_id").loc["u1", "score"]
        == 7.0
    )
    assert outcome.summary() == "回头看复查问题3个：已整改1个，仍未整改2个。"


def test_recheck_refetches_problem_pages_and_the_pages_holding_broken_links(store: Store):
    from store.refetch import refetch_rows

    run = crawl(store)
    store.record_links(
        run, {"http://u1/a/0.html": [{"url": "http://u1/files/1.pdf", "kind": "attachment"}]}
    )
    problems = pd.DataFrame(
        {
            "unit_id": ["u1", "u2", "u1"],
            "subject": ["http://u1/files/1.pdf", "http://u2/a/0.html#keywords", "http://u1/c/news"],
            "target_url": ["http://u1/files/1.pdf", "http://u2/a/0.html", "http://u1/c/news"],
        }
    )
    rows = sorted(refetch_rows(store, problems), key=lambda r: r["url"])
    assert rows == [
        {"url": "http://u1/a/0.html", "unit_id": "u1", "column_url": "http://u1/c/news",
         "listed_date": None},
        {"url": "http://u2/a/0.html", "unit_id": "u2", "column_url": "http://u2/c/news",
         "listed_date": None},
    ]  # fmt: skip


def test_what_a_night_and_a_pre_round_crawl_look_at_again(store: Store, tmp_path):
    """Pages of the latest round's open and fixed problems, links found broken, and — before a
    round — the pages stored since the latest round (`store.refetch`)."""
    from store.refetch import broken_link_rows, open_problem_rows, unjudged_urls

    run = crawl(store)
    every = {"http://u1/a/0.html", "http://u2/a/0.html"}
    assert set(unjudged_urls(store)) == every, "no round yet: every known page"
    assert open_problem_rows(store) == []
    store.record_links(
        run, {"http://u2/a/0.html": [{"url": "http://u2/files/1.pdf", "kind": "attachment"}]}
    )
    store.record_link_checks(run, [{"url": "http://u2/files/1.pdf", "outcome": "confirmed_broken"}])
    assert broken_link_rows(store) == [
        {"url": "http://u2/files/1.pdf", "unit_id": "u2", "kind": "link"}
    ]
    assert broken_link_rows(store, ["u1"]) == []
    evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    # The round's problems are about columns (stale, blank): the list walk sees those, no page
    # needs fetching again (pages of page-level problems: the recheck test above).
    assert (
        round_store.problems_frame(store, "2025Q2")["target_url"].dropna().str.contains("/c/").all()
    )
    assert open_problem_rows(store) == []
    assert unjudged_urls(store) == [], "the round judged every stored page"
    later = store.start_run("incremental", ["u1", "u2"])
    column = store.upsert_columns(
        later,
        [{"unit_id": "u2", "url": "http://u2/c/news", "name": "工作动态", "category": "news"}],
    )["http://u2/c/news"]
    store.upsert_articles(
        later,
        [{"url": "http://u2/a/9.html", "unit_id": "u2", "column_id": column, "title": "新动态",
          "publish_date": "2025-07-01"}],
    )  # fmt: skip
    store.finish_run(later)
    assert unjudged_urls(store) == ["http://u2/a/9.html"]


def test_the_spider_fetches_again_the_pages_a_recheck_lists(tmp_path):
    """ZWGK_REFETCH: listed articles of the crawled units are requested directly, past the
    seen-article middleware (which would otherwise skip an unchanged list row)."""
    import scrapy
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.middlewares import SeenArticleMiddleware
    from crawler.seen import SeenIndex
    from crawler.spiders.disclosure import DisclosureSpider

    registry = tmp_path / "units.yaml"
    registry.write_text(
        "version: 1\nunits:\n"
        "  - {id: u1, name: 江淮市教育局, level: 市直部门, profile: lonsun, entry: http://u1/}\n"
        "  - {id: u2, name: 江淮市财政局, level: 市直部门, profile: lonsun, entry: http://u2/}\n",
        encoding="utf-8",
    )
    listed = tmp_path / "refetch.jsonl"
    rows = [
        {"url": "http://u1/a/0.html", "unit_id": "u1", "column_url": "http://u1/c/news",
         "listed_date": "2025-05-01"},
        {"url": "http://u2/a/0.html", "unit_id": "u2", "column_url": "http://u2/c/news",
         "listed_date": None},
    ]  # fmt: skip
    listed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ZWGK_REFETCH", str(listed), priority="cmdline")
    crawler = Crawler(DisclosureSpider, settings)
    spider = DisclosureSpider.from_crawler(crawler, registry=str(registry), units="u1")
    requests = spider.refetch_requests()
    assert [r.url for r in requests] == ["http://u1/a/0.html"]  # u2 is not crawled this time
    request = requests[0]
    assert request.dont_filter and request.callback == spider.parse_article
    assert request.cb_kwargs == {
        "unit_id": "u1",
        "column_url": "http://u1/c/news",
        "listed_date": "2025-05-01",
    }
    # The store knows the article and its list row is unchanged: a plain request is skipped
    # (touched), the recheck's is let through.
    crawler.zwgk_seen = SeenIndex({"http://u1/a/0.html": (None, dt.date(2025, 5, 1), None, None)})
    crawler.stats = MemoryStatsCollector(crawler)
    middleware = SeenArticleMiddleware(crawler)
    plain = scrapy.Request(
        request.url, meta={"zwgk_kind": "article"}, cb_kwargs={"listed_date": "2025-05-01"}
    )
    assert not isinstance(next(middleware._filter(plain, spider)), scrapy.Request)
    assert crawler.stats.get_value("zwgk/articles_skipped_known") == 1
    assert next(middleware._filter(request, spider)) is request


def test_storing_a_round_refreshes_the_planner_statistics_on_postgresql(store: Store, tmp_path):
    crawl(store)
    evaluate(store, "2025Q2", AS_OF, load_indicator_set(write_set(tmp_path)))
    if store.engine.dialect.name != "postgresql":
        return  # SQLite plans from its indexes; nothing to refresh
    with store.engine.connect() as conn:
        analyzed = dict(
            conn.exec_driver_sql(
                "SELECT relname, last_analyze FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() "
                "AND relname IN ('problems', 'round_totals', 'round_scores')"
            ).all()
        )
    assert set(analyzed) == {"problems", "round_totals", "round_scores"}
    assert all(at is not None for at in analyzed.values()), analyzed
