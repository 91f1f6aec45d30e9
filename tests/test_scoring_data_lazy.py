"""scoring.data: what load_crawl reads only when a check asks — metadata fields (LAZY_COLUMNS)
by article id, and body text searched by the store — as of the run, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from scoring.data import LAZY_COLUMNS, load_crawl
from store import open_store
from store.testing import backend_url

CITY = "http://city.test"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    with backend_url(request.param, tmp_path) as url, open_store(url, create=True) as s:
        yield s


def _run(store, articles: list[dict]) -> int:
    run = store.start_run("full", ["a"])
    ids = store.upsert_columns(
        run, [{"unit_id": "a", "url": f"{CITY}/a/n/", "name": "通知公告", "category": "notice"}]
    )
    column = ids[f"{CITY}/a/n/"]
    store.upsert_articles(run, [{"unit_id": "a", "column_id": column, **a} for a in articles])
    store.set_column_counts(run, {column: len(articles)})
    store.finish_run(run, "finished")
    return run


@pytest.fixture
def two_runs(store):
    store.upsert_units(
        [{"id": "a", "name": "甲局", "level": "市直部门", "profile": "lonsun",
          "entry_url": f"{CITY}/a/"}]
    )  # fmt: skip
    first = _run(
        store,
        [
            {"url": f"{CITY}/a/1.html", "title": "一", "doc_no": "甲〔2024〕1号",
             "keywords": "旧词", "body_text": "请登陆网站办理"},
            {"url": f"{CITY}/a/2.html", "title": "二", "publisher": "甲局", "body_text": "无"},
        ],
    )  # fmt: skip
    second = _run(
        store,
        [{"url": f"{CITY}/a/1.html", "title": "一", "doc_no": "甲〔2024〕1号", "keywords": "新词",
          "body_text": "请登录网站办理"}],
    )  # fmt: skip
    return first, second


def test_metadata_fields_are_read_when_asked_as_of_the_run(store, two_runs):
    first, second = two_runs
    for run, keywords in ((first, "旧词"), (second, "新词")):
        data = load_crawl(store, run)
        assert not set(LAZY_COLUMNS) & set(data.articles.columns)
        rows = data.articles.sort_values("url")
        got = data.article_columns(rows[["url"]], ["url", "keywords", "publisher", "doc_no"])
        assert got["keywords"].tolist()[0] == keywords
        assert got["doc_no"].tolist()[0] == "甲〔2024〕1号"
        assert got["publisher"].tolist()[1] == "甲局"
        # Asked again (a second indicator): the same values, from what was read.
        again = data.article_columns(rows[["url"]].iloc[::-1], ["keywords"])
        assert again["keywords"].tolist()[-1] == keywords


def test_body_text_is_searched_by_the_store_as_of_the_run(store, two_runs):
    first, second = two_runs
    old, new = load_crawl(store, first), load_crawl(store, second)
    doc = int(old.articles.loc[old.articles["url"] == f"{CITY}/a/1.html", "id"].iloc[0])
    assert old.body_text_containing(old.articles["id"], ["登陆网站"]).to_dict() == {
        doc: "请登陆网站办理"
    }
    assert new.body_text_containing(new.articles["id"], ["登陆网站"]).empty
    assert old.body_text_containing([], ["登陆网站"]).empty
