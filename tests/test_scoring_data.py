"""scoring.data.load_crawl: the store as of a run, with what was observed marked.

Stores are written directly through the store API (no HTTP), two runs where it matters, on
SQLite and on PostgreSQL (skipped without a server, as in tests/test_store.py).
"""

from __future__ import annotations

import pytest

from scoring.data import CrawlDataError, load_crawl
from store import open_store
from store.testing import backend_url

CITY = "http://city.test"
DOWN = "http://down.test"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    # Both backends: the extra fields are pulled out of the JSON by SQL (json_extract / ->>).
    with backend_url(request.param, tmp_path) as url, open_store(url, create=True) as s:
        yield s


def _units(store) -> None:
    store.upsert_units(
        [
            {"id": "a", "name": "甲局", "level": "市直部门", "profile": "lonsun",
             "entry_url": f"{CITY}/a/"},
            {"id": "b", "name": "乙局", "level": "市直部门", "profile": "trs",
             "entry_url": f"{DOWN}/b/"},
        ]
    )  # fmt: skip


def _first_run(store) -> int:
    _units(store)
    run = store.start_run("full", ["a", "b"])
    ids = store.upsert_columns(
        run,
        [
            {"unit_id": "a", "url": f"{CITY}/a/news/", "name": "工作动态", "category": "news"},
            {"unit_id": "a", "url": f"{CITY}/a/notice/", "name": "通知公告", "category": "notice"},
            {"unit_id": "a", "url": f"{CITY}/a/plan/", "name": "规划计划", "category": "plan"},
        ],
    )
    news, notice = ids[f"{CITY}/a/news/"], ids[f"{CITY}/a/notice/"]
    store.upsert_articles(
        run,
        [
            {
                "url": f"{CITY}/a/1.html",
                "unit_id": "a",
                "column_id": notice,
                "title": "关于印发办法的通知",
                "doc_no": "甲〔2024〕1号",
                "publish_date": "2024-05-06",
                "written_date": "2024-05-01",
                "body_text": "正文第一版",
                "extra": {
                    "body_doc_no": "甲〔2024〕2号",
                    "category": "通知公告",
                    "metadata": {"文号": "甲〔2024〕1号"},
                    "related": [
                        {"url": f"{CITY}/a/2.html", "text": "解读", "kind": "interpretation"}
                    ],
                },
                "links": [{"url": f"{CITY}/a/f.pdf", "kind": "attachment", "text": "附件"}],
            },
            {"url": f"{CITY}/a/3.html", "unit_id": "a", "column_id": news, "title": "动态"},
        ],
    )
    # The notice is also listed in the news column: one page, two columns.
    store.record_listings(
        run,
        [
            {"column_id": notice, "url": f"{CITY}/a/1.html", "title": "关于印发办法的通知"},
            {"column_id": news, "url": f"{CITY}/a/1.html", "title": "关于印发办法的通知"},
            {"column_id": news, "url": f"{CITY}/a/3.html", "title": "动态"},
        ],
    )
    store.record_link_checks(run, [{"url": f"{CITY}/a/f.pdf", "outcome": "confirmed_broken",
                                    "status_code": 404}])  # fmt: skip
    store.record_crawl_issues(
        run,
        [
            {"kind": "host_unreachable", "unit_id": "b", "url": f"{DOWN}/b/"},
            {"kind": "anti_bot", "unit_id": "a", "url": f"{CITY}/a/plan/"},
        ],
    )
    # The plan column's list was an anti-bot page: no count is recorded for it.
    store.set_column_counts(run, {news: 2, notice: 1})
    store.finish_run(run, "finished")
    return run


def test_no_finished_run_is_a_clear_error(store):
    with pytest.raises(CrawlDataError, match="no finished crawl run"):
        load_crawl(store)
    run = store.start_run("full")
    with pytest.raises(CrawlDataError, match="no crawl run 99"):
        load_crawl(store, 99)
    store.finish_run(run, "failed")
    with pytest.raises(CrawlDataError, match="no finished crawl run"):
        load_crawl(store)


def test_unreadable_unit_and_column_are_not_observed(store):
    _first_run(store)
    data = load_crawl(store)
    observed = dict(zip(data.units["id"], data.units["observed"], strict=True))
    assert observed == {"a": True, "b": False}
    cols = dict(zip(data.columns["name"], data.columns["observed"], strict=True))
    assert cols == {"工作动态": True, "通知公告": True, "规划计划": False}
    assert dict(zip(data.columns["name"], data.columns["rows"], strict=True))["工作动态"] == 2
    assert data.observed_unit_ids == {"a"}


def test_articles_carry_category_and_parsed_extra(store):
    _first_run(store)
    data = load_crawl(store)
    doc = data.articles.set_index("url").loc[f"{CITY}/a/1.html"]
    assert doc["category"] == "notice"
    assert doc["info_category"] == "通知公告"
    assert doc["body_doc_no"] == "甲〔2024〕2号"
    # The whole extra dict (every metadata label of the page) is read on demand.
    assert data.extra([doc["id"]])[doc["id"]]["metadata"] == {"文号": "甲〔2024〕1号"}
    assert data.extra([999_999]).tolist() == [{}]
    assert doc["related"] == [{"url": f"{CITY}/a/2.html", "text": "解读", "kind": "interpretation"}]
    assert doc["listed_in"] == 2
    # Only listings that add to the articles are read: the notice again under news.
    assert list(zip(data.listings["name"] if "name" in data.listings else data.listings["category"],
                    data.listings["url"], strict=True)) == [("news", f"{CITY}/a/1.html")]  # fmt: skip
    assert bool(doc["observed"])
    assert "body_text" not in data.articles and "extra" not in data.articles  # on demand only
    assert data.links.set_index("url").loc[f"{CITY}/a/f.pdf", "outcome"] == "confirmed_broken"


def test_an_older_run_reads_the_articles_as_they_were(store):
    first = _first_run(store)
    second = store.start_run("incremental", ["a", "b"])
    store.upsert_articles(
        second,
        [{"url": f"{CITY}/a/1.html", "unit_id": "a", "title": "关于印发办法的通知（修订）",
          "body_text": "正文第二版"}],
    )  # fmt: skip
    store.upsert_articles(second, [{"url": f"{CITY}/a/4.html", "unit_id": "a", "title": "新"}])
    store.finish_run(second, "finished")

    old = load_crawl(store, first)
    assert old.run_id == first
    assert set(old.articles["url"]) == {f"{CITY}/a/1.html", f"{CITY}/a/3.html"}
    doc_id = int(old.articles.loc[old.articles["url"] == f"{CITY}/a/1.html", "id"].iloc[0])
    assert old.body_text([doc_id]).tolist() == ["正文第一版"]
    # Run 2 listed no column, so it observed nothing: it failed, and the default run is the
    # latest one fit to judge (run 1); named, run 2 is read as it is.
    assert load_crawl(store).run_id == first
    new = load_crawl(store, second)
    assert new.run_id == second
    assert new.body_text([doc_id, 999_999]).tolist() == ["正文第二版", ""]
    # Run 2 read no directory of unit b and no crawl issue says why: b has no columns at all.
    assert not new.units.set_index("id").loc["b", "observed"]


def test_units_outside_the_run_are_not_observed(store):
    _first_run(store)
    run = store.start_run("incremental", ["b"])
    store.finish_run(run, "finished")
    data = load_crawl(store, run)  # (it observed nothing: failed, so not the default run)
    # Unit a was not part of the run: its columns were not listed by it.
    assert not data.units.set_index("id").loc["a", "observed"]
    assert not data.articles["observed"].any()
