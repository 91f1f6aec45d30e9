"""The store pipeline's crawl-health rule: a column that listed rows in a finished run and parses
none now is an extraction anomaly (a crawl issue), never a blank column of the unit."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.utils.test import get_crawler

from crawler.pipelines import StorePipeline
from store import open_store

COLUMN = "http://127.0.0.11:18600/public/column/1002?type=4&catId=2007&action=list"


def run_once(db_url: str, items: list[dict]) -> None:
    crawler = get_crawler(settings_dict={"ZWGK_DATABASE_URL": db_url})
    spider = SimpleNamespace(
        full=False, selected=[SimpleNamespace(id="jh-d01")], registry=SimpleNamespace(hash="h")
    )
    pipeline = StorePipeline(crawler)
    pipeline.open_spider(spider)
    pipeline.process_item(
        {
            "type": "units",
            "rows": [
                {
                    "id": "jh-d01",
                    "name": "江淮市发展和改革委员会",
                    "level": "市直部门",
                    "parent": None,
                    "profile": "lonsun",
                    "entry_url": COLUMN,
                }
            ],
        },
        spider,
    )
    pipeline.process_item(
        {
            "type": "columns",
            "unit_id": "jh-d01",
            "rows": [
                {"unit_id": "jh-d01", "url": COLUMN, "name": "通知公告", "category": "notice"}
            ],
        },
        spider,
    )
    for item in items:
        pipeline.process_item(item, spider)
    pipeline.spider_closed(spider, "finished")


def test_a_column_that_stops_parsing_is_an_extraction_anomaly(store_url):
    db_url = store_url
    rows = [
        {
            "type": "listing",
            "unit_id": "jh-d01",
            "column_url": COLUMN,
            "url": f"http://127.0.0.11:18600/public/1002/{i}.html",
            "title": f"通知{i}",
            "listed_date": None,
            "page": 1,
            "position": i,
        }
        for i in range(3)
    ]
    run_once(db_url, rows)
    empty = {"type": "column_empty", "unit_id": "jh-d01", "column_url": COLUMN, "url": COLUMN}
    run_once(db_url, [empty])
    with open_store(db_url, create=True) as store:
        issues = store.crawl_issues_frame()
        column = store.columns_frame().iloc[0]
    assert list(issues["kind"]) == ["extraction_anomaly"]
    assert "此前列出3条" in issues.iloc[0]["detail"]
    assert column["last_row_count"] == 0  # the count is recorded, the anomaly is a crawl issue


def test_a_column_empty_from_the_start_is_no_crawl_issue(store_url):
    db_url = store_url
    run_once(
        db_url, [{"type": "column_empty", "unit_id": "jh-d01", "column_url": COLUMN, "url": COLUMN}]
    )
    with open_store(db_url, create=True) as store:
        assert len(store.crawl_issues_frame()) == 0
