"""The store: idempotent upserts, versions, listings, links, crawl health, runs and frames.

Every test runs on SQLite and on PostgreSQL (its own schema; see store/testing.py).
"""

from __future__ import annotations

import datetime as dt
import gzip
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from store import BatchWriter, Store, open_store
from store.testing import backend_url

UTC = dt.UTC


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


@pytest.fixture
def store(url: str) -> Store:
    s = open_store(url, create=True)
    yield s
    s.close()


def seed(store: Store) -> tuple[int, dict[str, int]]:
    """Two units, a run, and three columns of unit u1 (a tree); returns (run, url → column id)."""
    store.upsert_units(
        [
            {
                "id": "u1",
                "name": "江淮市发展和改革委员会",
                "level": "市直部门",
                "parent": "city",
                "profile": "lonsun",
                "entry_url": "http://127.0.0.2/u1/",
            },
            {
                "id": "u2",
                "name": "江淮市财政局",
                "level": "市直部门",
                "parent": "city",
                "profile": "trs",
                "entry_url": "http://127.0.0.3/u2/",
            },
        ]
    )
    run = store.start_run("full", ["u1", "u2"], "reg-hash")
    cols = store.upsert_columns(
        run,
        [
            {
                "unit_id": "u1",
                "url": "http://127.0.0.2/u1/c/policy",
                "name": "政策文件",
                "category": "policy",
                "parent_url": "http://127.0.0.2/u1/c/root",
                "path": "法定主动公开内容 / 政策文件",
            },
            {"unit_id": "u1", "url": "http://127.0.0.2/u1/c/root", "name": "法定主动公开内容"},
            {
                "unit_id": "u1",
                "url": "http://127.0.0.2/u1/c/notice",
                "name": "通知公告",
                "category": "notice",
                "parent_url": "http://127.0.0.2/u1/c/root",
            },
        ],
    )
    return run, cols


def article(n: int, **changes) -> dict:
    row = {
        "url": f"http://127.0.0.2/u1/art/{n}.html",
        "unit_id": "u1",
        "title": f"关于印发第{n}号实施方案的通知",
        "index_no": f"11340100MB1234567X/2024-{n:05d}",
        "publisher": "江淮市发展和改革委员会",
        "doc_no": f"江发改〔2024〕{n}号",
        "written_date": "2024-03-01",
        "publish_date": dt.date(2024, 3, 5),
        "validity": "有效",
        "subject": "综合政务",
        "keywords": "实施方案",
        "body_text": "各县区人民政府：现印发……",
        "date_source": "meta_table",
        "listed_date": "2024-03-05",
        "html": f"<html><body>第{n}号</body></html>",
    }
    return row | changes


def test_open_store_defaults_to_a_sqlite_file_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZWGK_DATABASE_URL", raising=False)
    with open_store(create=True) as s:
        assert (tmp_path / ".zwgk" / "zwgk.sqlite").is_file()
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_env_var_chooses_the_database(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("ZWGK_DATABASE_URL", f"sqlite:///{target}")
    with open_store(create=True) as s:
        unit = {"id": "x", "name": "X", "level": "市政府", "profile": "generic"}
        s.upsert_units([unit | {"entry_url": "http://x/"}])
    assert target.is_file()
    assert not (tmp_path / ".zwgk").exists()


def test_upsert_is_idempotent_and_tracks_first_and_last_sighting(store: Store):
    run1, cols = seed(store)
    rows = [article(1, column_id=cols["http://127.0.0.2/u1/c/policy"]), article(2)]
    assert store.upsert_articles(run1, rows) == {"new": 2, "changed": 0, "unchanged": 0}
    assert store.upsert_articles(run1, rows) == {"new": 0, "changed": 0, "unchanged": 2}
    store.finish_run(run1)
    run2 = store.start_run()
    assert store.upsert_articles(run2, rows) == {"new": 0, "changed": 0, "unchanged": 2}

    frame = store.articles_frame()
    assert len(frame) == 2
    first = frame.set_index("url").loc["http://127.0.0.2/u1/art/1.html"]
    assert (first.first_seen_run, first.last_seen_run, first.version_run) == (run1, run2, run1)
    assert first.title == "关于印发第1号实施方案的通知"
    assert first.written_date == pd.Timestamp("2024-03-01")
    assert first.publish_date == pd.Timestamp("2024-03-05")
    assert first.column_id == cols["http://127.0.0.2/u1/c/policy"]


def test_changed_article_keeps_its_old_version_for_as_of_reads(store: Store):
    run1, _ = seed(store)
    store.upsert_articles(run1, [article(1, html="<p>old</p>")])
    store.finish_run(run1)
    run2 = store.start_run()
    changed = article(1, title="更正后的标题", publish_date="2024-03-06", html="<p>new</p>")
    assert store.upsert_articles(run2, [changed, article(2)]) == {
        "new": 1,
        "changed": 1,
        "unchanged": 0,
    }

    now = store.articles_frame().set_index("url")
    assert now.loc["http://127.0.0.2/u1/art/1.html", "title"] == "更正后的标题"
    assert now.loc["http://127.0.0.2/u1/art/1.html", "version_run"] == run2
    assert store.article_html("http://127.0.0.2/u1/art/1.html") == b"<p>new</p>"

    then = store.articles_frame(as_of_run=run1).set_index("url")
    assert list(then.index) == ["http://127.0.0.2/u1/art/1.html"]  # art 2 came later
    assert then.loc["http://127.0.0.2/u1/art/1.html", "title"] == "关于印发第1号实施方案的通知"
    assert then.loc["http://127.0.0.2/u1/art/1.html", "publish_date"] == pd.Timestamp("2024-03-05")
    assert then.loc["http://127.0.0.2/u1/art/1.html", "version_run"] == run1
    with store.engine.connect() as conn:
        old_html = conn.scalar(
            text(
                "SELECT p.html_gz FROM article_history h JOIN article_pages p "
                "ON p.article_id = h.article_id AND p.version_run = h.valid_from_run"
            )
        )
        pages = conn.scalar(text("SELECT count(*) FROM article_pages"))
    assert gzip.decompress(old_html) == b"<p>old</p>"
    assert pages == 3  # the old and new versions of art 1, art 2's page
    # As-of frames are typed like the current ones.
    assert dict(then.dtypes) == dict(now.dtypes)


def test_unchanged_refetch_keeps_evidence_and_updates_validators(store: Store):
    run, _ = seed(store)
    store.upsert_articles(run, [article(1, etag='"v1"', last_modified="Tue, 05 Mar 2024")])
    store.upsert_articles(run, [article(1, etag='"v2"', html=None)])
    url = "http://127.0.0.2/u1/art/1.html"
    content_hash = store.articles_frame(columns=["content_hash"]).content_hash[0]
    validators = store.article_validators([url, "http://nowhere/"])
    assert validators == {url: ('"v2"', None, content_hash)}
    assert store.article_html(url) == "<html><body>第1号</body></html>".encode()


def test_page_bytes_follow_the_version_they_were_fetched_with(store: Store):
    run, _ = seed(store)
    url = "http://127.0.0.2/u1/art/1.html"
    store.upsert_articles(run, [article(1, html=None)])
    assert store.article_html(url) is None
    store.upsert_articles(run, [article(1, html="<p>v1</p>")])  # same content, first page
    assert store.article_html(url) == b"<p>v1</p>"
    store.upsert_articles(run, [article(1, title="改", html="<p>v2</p>")])  # changed, same run
    assert store.article_html(url) == b"<p>v2</p>"
    store.upsert_articles(run, [article(1, title="再改", html=None)])  # changed, no page
    assert store.article_html(url) is None
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM article_pages")) == 0


def test_seen_again_articles_are_touched_without_refetch(store: Store):
    run1, _ = seed(store)
    store.upsert_articles(run1, [article(1), article(2), article(3, unit_id="u2")])
    run2 = store.start_run()
    assert store.touch_articles(run2, ["http://127.0.0.2/u1/art/1.html"] * 2) == 1
    seen = store.articles_frame().set_index("url").last_seen_run
    assert seen["http://127.0.0.2/u1/art/1.html"] == run2
    assert seen["http://127.0.0.2/u1/art/2.html"] == run1
    assert store.known_article_urls("u1") == {
        "http://127.0.0.2/u1/art/1.html",
        "http://127.0.0.2/u1/art/2.html",
    }
    assert len(store.known_article_urls()) == 3


def test_an_article_listed_in_two_columns_shows_as_two_listings(store: Store):
    run, cols = seed(store)
    policy, notice = cols["http://127.0.0.2/u1/c/policy"], cols["http://127.0.0.2/u1/c/notice"]
    url = "http://127.0.0.2/u1/art/1.html"
    store.upsert_articles(run, [article(1, column_id=policy)])
    store.record_listings(
        run,
        [
            {"column_id": policy, "url": url, "title": "关于…通知", "listed_date": "2024-03-05",
             "page": 1, "position": 0},
            {"column_id": notice, "url": url, "title": "关于…通知", "listed_date": "2024-03-05",
             "page": 1, "position": 3},
            {"column_id": notice, "url": url, "title": "关于…通知", "page": 1, "position": 3},
        ],
    )  # fmt: skip
    listings = store.listings_frame(["u1"])
    assert sorted(listings.category) == ["notice", "policy"]
    assert set(listings.url) == {url}
    assert (listings.unit_id == "u1").all()
    assert len(store.articles_frame()) == 1
    assert store.articles_frame().column_id[0] == policy  # the column it was fetched from


def test_links_follow_refetches_and_carry_their_latest_check(store: Store):
    run1, _ = seed(store)
    page = "http://127.0.0.2/u1/art/1.html"
    pdf, body, off = (
        "http://127.0.0.2/files/1.pdf",
        "http://127.0.0.2/u1/art/9.html",
        "http://www.gov.cn/x.html",
    )
    store.upsert_articles(
        run1,
        [
            article(
                1,
                links=[
                    {"url": pdf, "kind": "attachment", "text": "附件1.pdf", "type": "pdf"},
                    {"url": body, "kind": "body", "text": "相关文件"},
                    {"url": off, "kind": "related", "text": "解读", "type": "interpretation"},
                ],
            )
        ],
    )
    store.record_link_checks(
        run1,
        [
            {"url": pdf, "outcome": "suspected", "reason": "timeout"},
            {"url": pdf, "outcome": "confirmed_broken", "status_code": 404, "attempts": 2},
        ],
    )
    run2 = store.start_run()
    store.upsert_articles(
        run2,
        [
            article(
                1, links=[{"url": pdf, "kind": "attachment", "text": "附件1.pdf", "type": "pdf"}]
            )
        ],
    )
    store.record_link_checks(run2, [{"url": pdf, "outcome": "ok", "status_code": 200}])

    now = store.links_frame()
    assert list(now.url) == [pdf]
    assert now.outcome[0] == "ok" and now.checked_run[0] == run2
    assert now.article_url[0] == page and now.on_site[0]

    then = store.links_frame(as_of_run=run1).set_index("url")
    assert set(then.index) == {pdf, body, off}
    assert then.loc[pdf, "outcome"] == "confirmed_broken"
    assert then.loc[pdf, "status_code"] == 404
    assert then.loc[pdf, "checked_run"] == run1
    assert not then.loc[off, "on_site"]
    assert pd.isna(then.loc[body, "outcome"])  # never checked

    removed = store.links_frame(include_removed=True).set_index("url")
    assert removed.loc[body, "removed_run"] == run2
    assert pd.isna(removed.loc[pdf, "removed_run"])

    # record_links replaces a link set outright, and refuses unknown articles.
    store.record_links(run2, {page: []})
    assert store.links_frame().empty
    with pytest.raises(ValueError, match="not stored"):
        store.record_links(run2, {"http://127.0.0.2/u1/art/404.html": []})


def test_crawl_issues_are_kept_per_run_and_counted(store: Store):
    run1, _ = seed(store)
    store.record_crawl_issues(
        run1,
        [
            {"kind": "host_unreachable", "unit_id": "u2", "url": "http://127.0.0.3/u2/",
             "detail": "connection refused"},
            {"kind": "host_unreachable", "url": "http://127.0.0.3/u2/", "detail": "refused again"},
            {"kind": "anti_bot", "unit_id": "u1", "url": "http://127.0.0.2/u1/c/policy"},
        ],
    )  # fmt: skip
    store.record_crawl_issues(run1, [{"kind": "host_unreachable", "url": "http://127.0.0.3/u2/"}])
    run2 = store.start_run()
    assert store.crawl_issues_frame().empty  # default: the latest run
    issues = store.crawl_issues_frame(run1).set_index("kind")
    assert issues.loc["host_unreachable", "count"] == 3
    assert issues.loc["host_unreachable", "host"] == "127.0.0.3"
    assert issues.loc["host_unreachable", "unit_id"] == "u2"
    assert issues.loc["host_unreachable", "first_at"] <= issues.loc["host_unreachable", "last_at"]
    assert issues.loc["anti_bot", "count"] == 1
    assert run2 > run1


def test_column_tree_and_row_counts(store: Store):
    run1, cols = seed(store)
    root, policy = cols["http://127.0.0.2/u1/c/root"], cols["http://127.0.0.2/u1/c/policy"]
    store.set_column_counts(run1, {policy: 12, root: 0})
    assert store.column_row_counts("u1")["http://127.0.0.2/u1/c/policy"] == 12
    run2 = store.start_run()
    again = store.upsert_columns(
        run2, [{"unit_id": "u1", "url": "http://127.0.0.2/u1/c/policy", "name": "政策文件（新）"}]
    )
    assert again == {"http://127.0.0.2/u1/c/policy": policy}  # same id on every run
    store.set_column_counts(run2, {policy: 0})  # listed nothing this time: an anomaly to report

    frame = store.columns_frame(["u1"]).set_index("url")
    row = frame.loc["http://127.0.0.2/u1/c/policy"]
    assert row["name"] == "政策文件（新）"
    assert row.parent_id == root
    assert (row.first_seen_run, row.last_seen_run) == (run1, run2)
    assert (row.last_row_count, row.last_listed_run, row.last_nonempty_run) == (0, run2, run1)
    assert pd.isna(frame.loc["http://127.0.0.2/u1/c/root", "category"])
    assert len(store.columns_frame(as_of_run=run1)) == 3
    with pytest.raises(ValueError, match="parent"):
        store.upsert_columns(
            run2,
            [{"unit_id": "u1", "url": "http://x/c", "name": "c", "parent_url": "http://x/none"}],
        )


def test_runs_record_their_life_and_a_killed_run_becomes_interrupted(store: Store):
    run1, _ = seed(store)
    started = store.latest_run()
    assert started.status == "running" and started.mode == "full"
    assert started.units == ["u1", "u2"] and started.registry_hash == "reg-hash"
    assert started.started_at.tzinfo is not None
    assert started.started_at.utcoffset() == dt.timedelta(0)
    # No finish_run: the crawl was killed. The next run marks it.
    run2 = store.start_run("incremental")
    assert store.runs()[0].status == "interrupted"
    store.finish_run(run2, "finished", {"finish_time": dt.datetime.now(UTC), "pages": 3})
    done = store.latest_run("finished")
    assert done.id == run2
    assert done.stats["pages"] == 3 and isinstance(done.stats["finish_time"], str)
    assert done.finished_at >= done.started_at
    assert [r.id for r in store.runs()] == [run1, run2]


def test_bad_input_is_refused_naming_the_row_and_field(store: Store):
    run, _ = seed(store)
    url = "http://127.0.0.2/u1/art/1.html"
    with pytest.raises(ValueError, match=r"art/1\.html.*publish_date.*2024-13-01"):
        store.upsert_articles(run, [article(1, publish_date="2024-13-01")])
    with pytest.raises(ValueError, match=r"unknown field.*'pubdate'"):
        store.upsert_articles(run, [article(1, pubdate="2024-01-01")])
    with pytest.raises(ValueError, match="fetched_at.*timezone"):
        store.upsert_articles(run, [article(1, fetched_at=dt.datetime(2024, 1, 1))])
    with pytest.raises(ValueError, match=r"link 0 of article.*kind"):
        store.upsert_articles(run, [article(1, links=[{"url": "/a.pdf", "kind": "pdf"}])])
    with pytest.raises(ValueError, match="outcome"):
        store.record_link_checks(run, [{"url": url, "outcome": "broken"}])
    with pytest.raises(ValueError, match="snake_case"):
        store.record_crawl_issues(run, [{"kind": "Host Down", "url": url}])
    with pytest.raises(ValueError, match="mode"):
        store.start_run("nightly")
    with pytest.raises(ValueError, match="no crawl run 999"):
        store.finish_run(999)
    with pytest.raises(ValueError, match="unknown columns"):
        store.articles_frame(columns=["html_gz"])
    assert store.articles_frame().empty  # nothing half-written


def test_a_failed_batch_rolls_back_and_keeps_everything_before_it(store: Store, caplog):
    run1, _ = seed(store)
    store.upsert_articles(run1, [article(1), article(2)])
    store.finish_run(run1)
    run2 = store.start_run()
    writer = BatchWriter(store, run2, size=2)
    writer.add_article(article(1, title="第二次抓取"))
    writer.add_article(article(3))  # batch 1 is flushed here
    assert writer.counts["batches"] == 1
    writer.add_article(article(4))
    with pytest.raises(IntegrityError):  # unknown unit: a foreign-key violation mid-crawl
        writer.add_article(article(5, unit_id="no-such-unit"))
    assert "rolled back" in caplog.text

    frame = store.articles_frame().set_index("url")
    assert sorted(frame.index) == [f"http://127.0.0.2/u1/art/{n}.html" for n in (1, 2, 3)]
    assert frame.loc["http://127.0.0.2/u1/art/1.html", "title"] == "第二次抓取"
    assert frame.loc["http://127.0.0.2/u1/art/2.html", "last_seen_run"] == run1
    assert store.articles_frame(as_of_run=run1).title.tolist() == [
        "关于印发第1号实施方案的通知",
        "关于印发第2号实施方案的通知",
    ]


def test_batch_writer_writes_all_kinds_in_one_transaction(store: Store):
    run, cols = seed(store)
    policy = cols["http://127.0.0.2/u1/c/policy"]
    with BatchWriter(store, run, size=100) as w:
        w.add_article(article(1, column_id=policy))
        w.add_listing({"column_id": policy, "url": "http://127.0.0.2/u1/art/1.html", "page": 1})
        w.touch("http://127.0.0.2/u1/art/1.html")
        w.add_link_check({"url": "http://127.0.0.2/files/1.pdf", "outcome": "ok"})
        w.add_crawl_issue({"kind": "timeout", "url": "http://127.0.0.9/x"})
        assert w.pending == 5 and store.articles_frame().empty
    assert w.pending == 0 and w.counts["new"] == 1
    assert len(store.listings_frame()) == 1
    assert len(store.link_checks_frame(run)) == 1
    assert store.crawl_issues_frame(run).host.tolist() == ["127.0.0.9"]


def test_frames_have_the_same_types_on_every_backend(store: Store):
    run, cols = seed(store)
    empty = store.articles_frame()
    store.upsert_articles(run, [article(1, repealed=False, extra={"form": "graphic"})])
    full = store.articles_frame(columns=[*store.articles_frame().columns, "extra", "body_text"])
    expected = {
        "id": "Int64",
        "column_id": "Int64",
        "url": "str",
        "title": "str",
        "written_date": "datetime64[s]",
        "publish_date": "datetime64[s]",
        "repealed": "boolean",
        "first_seen_run": "Int64",
        "fetched_at": "datetime64[us, UTC]",
    }
    for frame in (empty, full):
        assert {k: str(frame.dtypes[k]) for k in expected} == expected
    assert full.extra[0] == {"form": "graphic"}
    assert full.repealed[0] is False or full.repealed[0] == False  # noqa: E712
    assert "body_text" not in empty.columns and "html_gz" not in empty.columns
    assert str(store.units_frame().dtypes["updated_at"]) == "datetime64[us, UTC]"
    assert store.units_frame().level.tolist() == ["市直部门", "市直部门"]


def test_bulk_upsert_rate(store: Store, url: str):
    """Prints the write and read rates (the figures in store/README.md come from
    benchmarks/store.py at 100,000 articles)."""
    run, _ = seed(store)
    n = 10_000 if url.startswith("sqlite") else 5_000
    rows = [article(i, html=None, body_text="正文" * 300) for i in range(n)]
    start = time.perf_counter()
    with BatchWriter(store, run, size=500) as w:
        for row in rows:
            w.add_article(row)
    wrote = time.perf_counter() - start
    start = time.perf_counter()
    frame = store.articles_frame()
    read = time.perf_counter() - start
    name = store.engine.dialect.name
    print(f"\n{name}: {n / wrote:,.0f} articles/s written, {n / read:,.0f} rows/s read")
    assert w.counts == {"new": n, "changed": 0, "unchanged": 0, "batches": n // 500}
    assert len(frame) == n and frame.id.is_unique


WRITER = """
import sys
from store import BatchWriter, open_store
store = open_store(sys.argv[1], create=True)
run = store.start_run("full")
print("run", run, flush=True)
with BatchWriter(store, run, size=50) as w:
    n = 1000
    while True:  # until killed
        for _ in range(50):
            w.add_article({"url": f"http://127.0.0.2/u1/art/{n}.html", "unit_id": "u1",
                           "title": "t", "body_text": "x" * 2000,
                           "links": [{"url": f"/f/{n}.pdf", "kind": "attachment"}]})
            n += 1
        print("batch", n, flush=True)
"""


def test_a_killed_crawl_leaves_earlier_data_intact(store: Store, url: str):
    run1, _ = seed(store)
    store.upsert_articles(run1, [article(1), article(2)])
    store.finish_run(run1)
    before = store.articles_frame(columns=["url", "title", "content_hash", "last_seen_run"])

    child = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    child_run = int(child.stdout.readline().split()[1])
    while int(child.stdout.readline().split()[1]) < 1200:
        pass
    child.send_signal(signal.SIGKILL)  # most likely in the middle of a batch
    child.wait(timeout=30)

    after = store.articles_frame(columns=["url", "title", "content_hash", "last_seen_run"])
    kept = after[after.url.isin(before.url)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)
    written = after[~after.url.isin(before.url)]
    assert len(written) >= 200 and len(written) % 50 == 0  # whole batches only
    assert len(store.links_frame()) == len(written)
    if url.startswith("sqlite"):
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    store.start_run()
    assert {r.id: r.status for r in store.runs()}[child_run] == "interrupted"
