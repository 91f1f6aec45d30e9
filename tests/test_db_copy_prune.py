"""`zwgk db copy` and `zwgk db prune` on the crawled small sample portal (the one shared crawl
of tests/conftest_scoring.py): a round evaluated again on a PostgreSQL copy — and on a SQLite
copy of that — gives the stored numbers; prune shrinks a store with many runs and page versions
and every stored round evaluated again after it is unchanged."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import pandas as pd
import pytest
from conftest_scoring import crawled_sample
from sqlalchemy import exists, func, select, update
from typer.testing import CliRunner

from scoring.indicators import load_indicator_set, newest_set
from scoring.round import RoundResult, evaluate, load_result, reevaluate
from store import Store, open_store
from store.models import Base
from store.prune import store_size
from store.testing import pg_database_url
from zwgk.cli import app

pytestmark = pytest.mark.slow

HISTORY = Base.metadata.tables["article_history"]
PAGES = Base.metadata.tables["article_pages"]
ARTICLES = Base.metadata.tables["articles"]
RUNS = Base.metadata.tables["crawl_runs"]
LATER_RUNS = 30  # runs after the crawl: more than the newest runs prune always keeps
BROKEN_IN = 5  # the run whose link checks say "404" (round R2 reads them; run 5 is not kept)
R2_RUN = 6


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    directory = crawled_sample(tmp_path_factory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return directory / "zwgk.sqlite", dt.date.fromisoformat(manifest["as_of"])


def numbers(result: RoundResult) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A round's scores, totals and problems, in a fixed order, as plain values."""
    scores = result.scores[["unit_id", "indicator_id", "points", "deduction", "score", "problems",
                            "not_applicable", "veto", "bonus"]]  # fmt: skip
    scores = scores.sort_values(["unit_id", "indicator_id"]).reset_index(drop=True)
    totals = result.totals[["unit_id", "points", "score", "total", "vetoed", "passed",
                            "rank_in_level", "observed"]]  # fmt: skip
    problems = result.problems[["fingerprint", "unit_id", "indicator_id", "subject", "target_url",
                                "deduction", "status", "suggestion"]]  # fmt: skip
    frames = (
        scores,
        totals.sort_values("unit_id").reset_index(drop=True),
        problems.sort_values("fingerprint").reset_index(drop=True),
    )
    # In-memory results and stored ones spell "missing" differently (None, NaN, <NA>).
    return tuple(f.astype(object).where(f.notna(), None) for f in frames)  # type: ignore[return-value]


def assert_same(a: RoundResult, b: RoundResult) -> None:
    for x, y in zip(numbers(a), numbers(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_dtype=False)


def test_copy_to_postgresql_and_back_gives_the_same_round(sample, tmp_path):
    db, as_of = sample
    source = tmp_path / "zwgk.sqlite"
    shutil.copy(db, source)
    with open_store(f"sqlite:///{source}") as store:
        evaluate(store, "2025Q2", as_of, load_indicator_set(newest_set()))
        stored = load_result(store, "2025Q2")
    with pg_database_url() as pg:
        out = cli("db", "copy", f"sqlite:///{source}", pg, "--batch", "250")
        assert out.exit_code == 0, out.output
        assert "every count equal" in out.output and "articles" in out.output
        with open_store(pg) as copy:
            assert_same(load_result(copy, "2025Q2"), stored)
            assert_same(reevaluate(copy, "2025Q2"), stored)
            runs = copy.runs()
            assert copy.start_run("incremental") == max(r.id for r in runs) + 1  # sequences
        pruned = cli("db", "prune", "--db", pg, "--keep-days", "0")  # VACUUM ANALYZE too
        assert pruned.exit_code == 0, pruned.output
        with open_store(pg) as copy:
            assert_same(reevaluate(copy, "2025Q2"), stored)
        refused = cli("db", "copy", f"sqlite:///{source}", pg)
        assert refused.exit_code == 2
        assert "holds data" in refused.output

        back = tmp_path / "back.sqlite"
        out = cli("db", "copy", pg, f"sqlite:///{back}")
        assert out.exit_code == 0, out.output
    with open_store(f"sqlite:///{back}") as again:
        assert_same(reevaluate(again, "2025Q2"), stored)


def _many_runs(store: Store, rng_bytes: int = 40_000) -> None:
    """`LATER_RUNS` more runs, each re-fetching 40 articles with changed content (a new page
    version each time), checking five attachments and noting a crawl issue."""
    articles = store.articles_frame(columns=["url", "unit_id", "column_id", "title"]).head(40)
    links = store.links_frame()
    attachments = links[links["kind"] == "attachment"]["url"].drop_duplicates().head(5).tolist()
    assert len(attachments) == 5
    columns = store.columns_frame()
    counts = {
        int(c): int(n)
        for c, n in zip(columns["id"], columns["last_row_count"].fillna(0), strict=True)
    }
    first = store.latest_run()
    for _ in range(LATER_RUNS):
        run = store.start_run("incremental", first.units)
        store.upsert_articles(
            run,
            [
                {"url": a.url, "unit_id": a.unit_id, "column_id": a.column_id,
                 "title": f"{a.title}（第{run}次）", "html": os.urandom(rng_bytes)}
                for a in articles.itertuples()
            ],
        )  # fmt: skip
        store.touch_articles(run, store.articles_frame(columns=["url"])["url"])
        store.set_column_counts(run, counts)
        broken = run == BROKEN_IN
        store.record_link_checks(
            run,
            [{"url": u, "outcome": "confirmed_broken" if broken else "ok",
              "status_code": 404 if broken else 200} for u in attachments],
        ) if run % 2 else None  # fmt: skip
        store.record_crawl_issues(
            run, [{"kind": "http_error", "host": "elsewhere.test", "url": f"http://e/{run}"}]
        )
        store.finish_run(run)


def page_counts(conn) -> dict[str, int]:
    """Stored pages of current versions, of superseded ones, and of no version."""
    p, h, a = PAGES.c, HISTORY.c, ARTICLES.c
    current = exists().where(a.id == p.article_id, a.version_run == p.version_run)
    superseded = exists().where(h.article_id == p.article_id, h.valid_from_run == p.version_run)
    count = select(func.count()).select_from(PAGES)
    return {
        "current": conn.scalar(count.where(current)),
        "superseded": conn.scalar(count.where(superseded)),
        "neither": conn.scalar(count.where(~current, ~superseded)),
    }


def test_prune_shrinks_a_store_of_many_runs_and_keeps_every_round_reproducible(
    sample, store_urls, capsys
):
    db, as_of = sample
    url = store_urls.copy_of(db)
    indicator_set = load_indicator_set(newest_set())
    with open_store(url) as store:
        evaluate(store, "R1", as_of, indicator_set, run_id=store.runs()[0].id)
        _many_runs(store)
        evaluate(store, "R2", as_of, indicator_set, run_id=R2_RUN)
        last = store.latest_run().id
        evaluate(store, "R3", as_of, indicator_set, run_id=last)
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        with store.engine.begin() as conn:  # every run but the last three: a year ago
            conn.execute(update(RUNS).where(RUNS.c.id <= last - 3).values(started_at=long_ago))
        before = {r: reevaluate(store, r) for r in ("R1", "R2", "R3")}
        r2 = before["R2"].problems
        assert (r2["indicator_id"].str.contains("link") & (r2["deduction"] > 0)).any(), (
            "R2 reads run 5's 404s: a prune that dropped them would change it"
        )
        with store.engine.connect() as conn:
            history_before = conn.scalar(select(func.count()).select_from(HISTORY))
            pages_before = page_counts(conn)
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:  # the WAL's pages into the file: sizes compare
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size_before = store_size(store.engine)

    dry = cli("db", "prune", "--db", url, "--keep-days", "30", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would drop" in dry.output
    out = cli("db", "prune", "--db", url, "--keep-days", "30")
    assert out.exit_code == 0, out.output

    with open_store(url) as store:
        size_after = store_size(store.engine)
        with store.engine.connect() as conn:
            history_after = conn.scalar(select(func.count()).select_from(HISTORY))
            pages_after = page_counts(conn)
        for round_id, result in before.items():
            assert_same(reevaluate(store, round_id), result)
            assert_same(load_result(store, round_id), result)
    with capsys.disabled():
        print(f"\nprune --keep-days 30 over {LATER_RUNS + 1} runs: {size_before / 2**20:.1f} MiB "
              f"→ {size_after / 2**20:.1f} MiB, page versions {history_before} → "
              f"{history_after}\n{out.output}")  # fmt: skip
    assert history_after < history_before / 2
    # A dropped version's page goes with it; the current versions' pages all stay.
    assert pages_after["current"] == pages_before["current"]
    assert pages_after["superseded"] < pages_before["superseded"] / 2
    assert pages_before["neither"] == pages_after["neither"] == 0
    if url.startswith("sqlite"):  # PostgreSQL's VACUUM keeps the freed pages for new rows
        assert size_after < size_before * 0.7
