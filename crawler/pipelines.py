"""Store pipeline: one crawl run in the store, rows written in batches (see store.BatchWriter).

Opens the store (``ZWGK_DATABASE_URL`` setting or environment, else the default SQLite file),
takes the crawl lock unless `zwgk crawl` already holds it, starts the run, loads what the store
already knows (`crawler.seen.SeenIndex`) for incremental runs, and at the end records how many
rows each column listed and closes the run with its statistics.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from crawler.seen import SeenIndex
from store import BatchWriter, open_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

CLOSE_STATUS = {"finished": "finished", "shutdown": "interrupted", "cancelled": "interrupted"}


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.lock: AbstractContextManager | None = None
        self.column_ids: dict[str, int] = {}
        self.previous_counts: dict[str, int | None] = {}
        self.listed: dict[int, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider) -> None:
        self.store = open_store(self.settings.get("ZWGK_DATABASE_URL"))
        if not self.settings.getbool("ZWGK_LOCK_HELD"):
            self.lock = self.store.acquire_crawl_lock()
            self.lock.__enter__()
        run_id = self.settings.getint("ZWGK_RUN_ID")
        if not run_id:
            mode = "full" if spider.full else "incremental"
            run_id = self.store.start_run(
                mode, [u.id for u in spider.selected], spider.registry.hash
            )
        self.run_id = run_id
        self.writer = BatchWriter(
            self.store, run_id, size=self.settings.getint("ZWGK_BATCH_SIZE", 500)
        )
        self.crawler.zwgk_run_id = run_id
        self.crawler.zwgk_seen = SeenIndex.from_store(self.store)
        log.info("crawl run %s: %d articles already known", run_id, len(self.crawler.zwgk_seen))

    def process_item(self, item: dict[str, Any], spider) -> dict[str, Any]:
        kind = item["type"]
        if kind == "units":
            self.store.upsert_units(item["rows"])
        elif kind == "columns":
            self.previous_counts.update(self.store.column_row_counts(item["unit_id"]))
            self.column_ids.update(self.store.upsert_columns(self.run_id, item["rows"]))
        elif kind == "listing":
            column_id = self.column_ids[item["column_url"]]
            self.listed[column_id] = self.listed.get(column_id, 0) + 1
            self.writer.add_listing(
                {
                    "column_id": column_id,
                    "url": item["url"],
                    "title": item["title"],
                    "listed_date": item["listed_date"],
                    "page": item["page"],
                    "position": item["position"],
                }
            )
        elif kind == "touch":
            self.writer.touch(item["url"])
        elif kind == "article":
            row = dict(item["row"])
            row["column_id"] = self.column_ids.get(item["column_url"])
            self.writer.add_article(row)
            self.crawler.stats.inc_value("zwgk/articles_fetched")
        elif kind == "link_check":
            self.writer.add_link_check(item["row"])
            self.crawler.stats.inc_value(f"zwgk/links_{item['row']['outcome']}")
        elif kind == "crawl_issue":
            self.writer.add_crawl_issue(item["row"])
            self.crawler.stats.inc_value(f"zwgk/crawl_issues/{item['row']['kind']}")
        elif kind == "column_empty":
            column_id = self.column_ids.get(item["column_url"])
            if column_id is not None:
                self.listed.setdefault(column_id, 0)
            before = self.previous_counts.get(item["column_url"])
            if before:
                # A column that listed rows before and parses none now: our parser or the site's
                # template changed — a crawl problem, never a blank column of the unit.
                self.writer.add_crawl_issue(
                    {
                        "kind": "extraction_anomaly",
                        "unit_id": item["unit_id"],
                        "url": item["url"],
                        "detail": f"栏目此前列出{before}条信息，本次解析为0条",
                    }
                )
        else:
            raise ValueError(f"unknown item type {kind!r}")
        return item

    def close_spider(self, spider) -> None:
        reason = self.crawler.stats.get_value("finish_reason", "finished")
        status = CLOSE_STATUS.get(reason, "failed")
        try:
            self.writer.close()
            if status == "finished":
                # Only a complete run says how many rows a column lists (anomaly detection).
                self.store.set_column_counts(self.run_id, self.listed)
        finally:
            stats = {
                k: v
                for k, v in self.crawler.stats.get_stats().items()
                if isinstance(v, (int, float, str)) and not k.startswith("log_count")
            }
            stats.update({f"store/{k}": v for k, v in self.writer.counts.items()})
            self.store.finish_run(self.run_id, status, stats)
            if self.lock is not None:
                self.lock.__exit__(None, None, None)
            self.store.close()
