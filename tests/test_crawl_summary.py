"""`zwgk crawl`'s closing summary: per-unit figures, unmatched columns, crawl issues."""

from __future__ import annotations

from rich.console import Console

from crawler.crawl_summary import print_summary
from store import open_store

ENTRY = "http://127.0.0.11:18600/public/column/1002?type=4&action=list&nav=3"


def test_summary_lists_unmatched_columns_and_crawl_issues(store_url):
    with open_store(store_url, create=True) as store:
        run = store.start_run("incremental", ["jh-d01"], "hash")
        store.upsert_units(
            [
                {
                    "id": "jh-d01",
                    "name": "江淮市发展和改革委员会",
                    "level": "市直部门",
                    "profile": "lonsun",
                    "entry_url": ENTRY,
                }
            ]
        )
        store.upsert_columns(
            run,
            [
                {
                    "unit_id": "jh-d01",
                    "url": ENTRY + "&catId=1",
                    "name": "通知公告",
                    "category": "notice",
                },
                {
                    "unit_id": "jh-d01",
                    "url": ENTRY + "&catId=2",
                    "name": "专题专栏",
                    "category": None,
                },
            ],
        )
        store.record_crawl_issues(
            run,
            [
                {
                    "kind": "anti_bot",
                    "unit_id": "jh-d01",
                    "host": "127.0.0.11:18600",
                    "url": ENTRY,
                    "detail": "栏目列表页返回反爬虫验证页",
                }
            ],
        )
        store.finish_run(run, "finished", {"downloader/request_count": 3})
        console = Console(record=True, width=200)
        print_summary(store, run, console)
    text = console.export_text()
    assert "1 columns match no category" in text
    assert (
        "专题专栏" in text
        and "通知公告" not in text.split("match no category")[1].split("crawl issues")[0]
    )
    assert "anti_bot" in text and "反爬虫" in text
    assert "requests 3" in text
