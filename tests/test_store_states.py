"""What a later crawl overwrites in place is read as of an earlier run as it was then
(`store.states`, issue 16): an article's list date, column and fetch time, a listing's title and
date, a column's name, category and counts, a link's text and removal. For each: run 1 stores
a value, run 2 changes it; as of run 1 the old value, as of run 2 (and now) the new one.

On the suite's backend (SQLite, or PostgreSQL with ZWGK_DATABASE_URL; tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from test_store import article, seed

from scoring.data import load_crawl
from scoring.data_reads import pinned, read_listings
from store import Store, open_store
from store import states as st
from store.prune import plan_prune, prune

UTC = dt.UTC
PAGE = "http://127.0.0.2/u1/art/1.html"
POLICY = "http://127.0.0.2/u1/c/policy"


@pytest.fixture
def store(store_url: str) -> Store:
    s = open_store(store_url, create=True)
    yield s
    s.close()


def states(store: Store, v: st.Versioned) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(v.states))


def at(frame: pd.DataFrame, url: str, field: str):
    return frame.set_index("url").loc[url, field]


def test_an_articles_list_date_column_and_fetch_time_are_as_of_the_run(store: Store):
    run1, cols = seed(store)
    t1, t2 = (dt.datetime(2025, 6, d, 8, tzinfo=UTC) for d in (1, 2))
    store.upsert_articles(run1, [article(1, listed_date=None, fetched_at=t1)])
    store.record_listings(run1, [{"column_id": cols[POLICY], "url": PAGE}])
    store.finish_run(run1)
    run2 = store.start_run()
    # The same page read again: no new version, but the list now dates it and a column lists it.
    again = article(1, listed_date="2025-05-30", fetched_at=t2, column_id=cols[POLICY])
    assert store.upsert_articles(run2, [again])["unchanged"] == 1
    assert store.upsert_articles(run2, [again])["unchanged"] == 1  # twice in a run: one state
    assert states(store, st.ARTICLE) == 1
    wanted = ["url", "listed_date", "column_id", "fetched_at"]
    then = store.articles_frame(as_of_run=run1, columns=wanted)
    assert pd.isna(at(then, PAGE, "listed_date")) and pd.isna(at(then, PAGE, "column_id"))
    assert at(then, PAGE, "fetched_at") == pd.Timestamp(t1)
    for frame in (store.articles_frame(as_of_run=run2, columns=wanted), store.articles_frame()):
        assert at(frame, PAGE, "listed_date") == pd.Timestamp("2025-05-30")
        assert at(frame, PAGE, "column_id") == cols[POLICY]
        assert at(frame, PAGE, "fetched_at") == pd.Timestamp(t2)
    # As of run 1 the article had no column: its listing adds to what the articles say.
    added = {run: read_listings(store, run)["url"].tolist() for run in (run1, run2)}
    assert added == {run1: [PAGE], run2: []}
    # A new version in run 3: the superseded version's runs keep their own fetch times.
    run3 = store.start_run()
    t3 = dt.datetime(2025, 6, 3, 8, tzinfo=UTC)
    store.upsert_articles(run3, [again | {"title": "更正", "fetched_at": t3}])
    fetched = {r: at(store.articles_frame(as_of_run=r), PAGE, "fetched_at") for r in (1, 2, 3)}
    assert fetched == {1: pd.Timestamp(t1), 2: pd.Timestamp(t2), 3: pd.Timestamp(t3)}
    assert at(store.articles_frame(as_of_run=run2), PAGE, "title") != "更正"
    assert dict(then.dtypes) == dict(store.articles_frame(columns=wanted).dtypes)


def test_a_listings_title_and_date_are_as_of_the_run(store: Store):
    run1, cols = seed(store)
    row = {"column_id": cols[POLICY], "url": PAGE, "title": "旧标题", "listed_date": "2025-05-01"}
    store.record_listings(run1, [row | {"page": 1, "position": 0}])
    run2 = store.start_run()
    # Pushed down the list by a new item: a new place, nothing a round reads — no state.
    store.record_listings(run2, [row | {"page": 1, "position": 1}])
    assert states(store, st.LISTING) == 0
    run3 = store.start_run()
    store.record_listings(run3, [row | {"title": "新标题", "listed_date": "2025-05-02"}])
    assert states(store, st.LISTING) == 1
    for run, title, day in ((run1, "旧标题", "2025-05-01"), (run2, "旧标题", "2025-05-01"),
                            (run3, "新标题", "2025-05-02"), (None, "新标题", "2025-05-02")):  # fmt: skip
        frame = store.listings_frame(as_of_run=run)
        assert (at(frame, PAGE, "title"), at(frame, PAGE, "listed_date")) == (
            title,
            pd.Timestamp(day),
        ), run


def test_a_columns_name_category_and_counts_are_as_of_the_run(store: Store):
    run1, cols = seed(store)
    store.set_column_counts(run1, {cols[POLICY]: 12})
    run2 = store.start_run()
    store.upsert_columns(
        run2, [{"unit_id": "u1", "url": POLICY, "name": "规范性文件", "category": "normative"}]
    )
    store.set_column_counts(run2, {cols[POLICY]: 0})
    assert states(store, st.COLUMN) == 1  # one per column and run, whatever changed
    fields = ["name", "category", "path", "last_row_count", "last_listed_run", "last_nonempty_run"]
    then = store.columns_frame(as_of_run=run1).set_index("url").loc[POLICY, fields]
    assert list(then) == ["政策文件", "policy", "法定主动公开内容 / 政策文件", 12, run1, run1]
    for frame in (store.columns_frame(as_of_run=run2), store.columns_frame()):
        now = frame.set_index("url").loc[POLICY, fields]
        assert list(now.iloc[:2]) == ["规范性文件", "normative"] and pd.isna(now["path"])
        assert list(now.iloc[3:]) == [0, run2, run1]
    # Listed by run 2 only: as of run 1 the listing that counted is run 1's.
    assert store.listings_frame(as_of_run=run1).empty


def test_a_links_text_and_removal_are_as_of_the_run(store: Store):
    run1, _ = seed(store)
    pdf, doc = "http://127.0.0.2/files/1.pdf", "http://127.0.0.2/files/2.doc"
    both = [{"url": pdf, "kind": "attachment", "text": "附件1"},
            {"url": doc, "kind": "attachment", "text": "附件2"}]  # fmt: skip
    store.upsert_articles(run1, [article(1, links=both)])
    run2 = store.start_run()  # the pdf renamed, the doc gone
    store.upsert_articles(run2, [article(1, links=[both[0] | {"text": "附件1（修订）"}])])
    run3 = store.start_run()  # the doc back
    store.upsert_articles(run3, [article(1, links=[both[0] | {"text": "附件1（修订）"}, both[1]])])

    def seen(run):
        frame = store.links_frame(as_of_run=run).set_index("url")
        return dict(zip(frame.index, frame["text"], strict=True))

    assert seen(run1) == {pdf: "附件1", doc: "附件2"}
    assert seen(run2) == {pdf: "附件1（修订）"}
    assert seen(run3) == seen(None) == {pdf: "附件1（修订）", doc: "附件2"}
    kept = store.links_frame(as_of_run=run2, include_removed=True).set_index("url")
    assert kept.loc[doc, "removed_run"] == run2


def test_prune_drops_only_the_states_no_kept_run_reads(store: Store, monkeypatch):
    run1, cols = seed(store)
    row = {"column_id": cols[POLICY], "url": PAGE, "title": "一"}
    store.record_listings(run1, [row])
    for title in ("二", "三"):
        store.record_listings(store.start_run(), [row | {"title": title}])
    assert states(store, st.LISTING) == 2  # [1, 2) 一, [2, 3) 二
    with store.engine.begin() as conn:  # every run old; no round
        runs = st.LISTING.table.metadata.tables["crawl_runs"]
        conn.execute(runs.update().values(started_at=dt.datetime(2020, 1, 1, tzinfo=UTC)))
    # Kept: the newest run and the newest interrupted one (run 2), which reads [2, 3).
    monkeypatch.setattr("store.prune.KEEP_LAST_RUNS", 1)
    plan = plan_prune(store.engine, keep_days=1)
    assert plan.kept_runs == [2, 3] and plan.rows["listing_states"] == 1
    prune(store.engine, keep_days=1)
    assert states(store, st.LISTING) == 1
    assert at(store.listings_frame(as_of_run=2), PAGE, "title") == "二"
    assert at(store.listings_frame(as_of_run=3), PAGE, "title") == "三"


def test_a_read_of_the_newest_run_that_a_crawl_overtakes_is_done_again_as_of_the_run(
    store: Store,
):
    run1, cols = seed(store)
    store.upsert_articles(run1, [article(1, listed_date=None, column_id=cols[POLICY])])
    store.finish_run(run1)
    wanted = ["url", "listed_date"]
    asked = []

    def read(as_of):
        asked.append(as_of)
        if len(asked) == 1:  # the nightly crawl begins while the current rows are read
            run2 = store.start_run()
            store.upsert_articles(run2, [article(1, listed_date="2025-05-30")])
        return store.articles_frame(as_of_run=as_of, columns=wanted)

    assert pd.isna(at(pinned(store, run1, read), PAGE, "listed_date"))
    assert asked == [None, run1]


def test_what_a_check_reads_after_a_crawl_began_is_the_rounds_run(store: Store):
    run1, cols = seed(store)
    store.upsert_articles(run1, [article(1, listed_date=None, column_id=cols[POLICY])])
    store.finish_run(run1)
    data = load_crawl(store, run1)  # the newest run: its current rows
    run2 = store.start_run()
    store.upsert_articles(run2, [article(1, listed_date="2025-05-30", body_text="新正文")])
    late = data.article_columns(data.articles, ["listed_date"])
    assert len(late) == 1 and pd.isna(late["listed_date"].iloc[0])
    assert data.body_text(data.articles["id"]).tolist() == ["各县区人民政府：现印发……"]


def test_a_read_of_the_newest_run_no_crawl_overtakes_reads_the_current_rows(store: Store):
    run1, _ = seed(store)
    store.upsert_articles(run1, [article(1)])
    asked = []
    pinned(store, run1, lambda as_of: asked.append(as_of))
    assert asked == [None]
