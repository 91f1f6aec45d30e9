"""Store pipeline: one crawl run in the store, rows written in batches (see store.BatchWriter).

Opens the store (``ZWGK_DATABASE_URL`` setting or environment, else the default SQLite file),
takes the crawl lock unless `zwgk crawl` already holds it, starts the run (or continues the one
`zwgk crawl` started or resumed: ``ZWGK_RUN_ID``), loads what the store already knows
(`crawler.seen.SeenIndex`; a run with a job folder reads the index it started from,
``ZWGK_SEEN``), and at the end records how many rows each column listed and closes the run with
its statistics — or, for one host's part of a distributed run (``ZWGK_RUN_PART``), writes
the part's status and statistics for the coordinator, which closes the run (`distributed`).
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from sqlalchemy.exc import SQLAlchemyError

from crawler.jobdir import load_seen
from crawler.seen import SeenIndex
from store import BatchWriter, open_store
from store.runs import MAX_UNOBSERVED

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

CLOSE_STATUS = {"finished": "finished", "shutdown": "interrupted", "cancelled": "interrupted"}
# The close reason when the store stops answering during the run: the run 'failed'.
STORE_GONE = "store_unavailable"


def close_status(reason: str) -> str:
    """The run status for Scrapy's close reason; a CloseSpider budget (pages, time) stops a
    run early, like a kill: 'interrupted', not 'failed'."""
    if reason.startswith("closespider_"):
        return "interrupted"
    return CLOSE_STATUS.get(reason, "failed")


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.lock: AbstractContextManager | None = None
        self.column_ids: dict[str, int] = {}
        self.columns_read: set[int] = set()  # columns whose directory was read in this run
        self.units_looked_up: set[str] = set()
        self.previous_counts: dict[str, int | None] = {}
        self.listed: dict[int, int] = {}
        self.store_error: BaseException | None = None  # the store stopped answering

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        # The run is closed on spider_closed, not in close_spider: Scrapy closes pipelines
        # before it sends spider_closed, so close_spider sees neither the close reason nor
        # CoreStats' finish_reason and elapsed_time_seconds (every run, even one stopped by
        # SIGINT, was stored as 'finished').
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # ``spider`` is optional: Scrapy ≥ 2.13 no longer passes it (and warns when it is required).
    def open_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        self.store = open_store(self.settings.get("ZWGK_DATABASE_URL"), create=True)
        if self.settings.get("JOBDIR"):
            log.warning(
                "Scrapy's JOBDIR does not survive kill -9 (a resumed crawl may skip what was "
                "lost); `zwgk crawl --jobdir DIR` resumes from the store instead"
            )
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
        snapshot = self.settings.get("ZWGK_SEEN")
        self.crawler.zwgk_seen = (
            load_seen(snapshot) if snapshot else SeenIndex.from_store(self.store)
        )
        log.info("crawl run %s: %d articles already known", run_id, len(self.crawler.zwgk_seen))

    def process_item(self, item: dict[str, Any], spider=None) -> dict[str, Any]:
        if self.store_error is not None:
            return item  # the store is gone: the crawl is closing, nothing more can be kept
        try:
            return self._store_item(item)
        except SQLAlchemyError as exc:
            # One line, not a traceback per item: the crawl stops, `zwgk crawl` says it.
            self.store_error = exc
            log.error("the store stopped answering (%s): closing the crawl", _first_line(exc))
            self.crawler.engine.close_spider(self.crawler.spider, STORE_GONE)
            return item

    def _store_item(self, item: dict[str, Any]) -> dict[str, Any]:
        kind = item["type"]
        if kind == "units":
            self.store.upsert_units(item["rows"])
        elif kind == "columns":
            self.previous_counts.update(self.store.column_row_counts(item["unit_id"]))
            ids = self.store.upsert_columns(self.run_id, item["rows"])
            self.column_ids.update(ids)
            self.columns_read.update(ids.values())
        elif kind == "listing":
            column_id = self.column_id(item["unit_id"], item["column_url"])
            if column_id is None:
                raise ValueError(f"listing {item['url']}: column {item['column_url']} is unknown")
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
            row["column_id"] = self.column_id(row["unit_id"], item["column_url"])
            self.writer.add_article(row)
            self.crawler.stats.inc_value("zwgk/articles_fetched")
        elif kind == "link_check":
            self.writer.add_link_check(item["row"])
            self.crawler.stats.inc_value(f"zwgk/links_{item['row']['outcome']}")
        elif kind == "crawl_issue":
            self.writer.add_crawl_issue(item["row"])
            self.crawler.stats.inc_value(f"zwgk/crawl_issues/{item['row']['kind']}")
        elif kind == "column_empty":
            column_id = self.column_id(item["unit_id"], item["column_url"])
            if column_id is not None:
                self.listed.setdefault(column_id, 0)
            why = empty_list_anomaly(item, self.previous_counts.get(item["column_url"]))
            if why:
                # On the column's URL: the column is then not observed (store/observed.py),
                # never judged blank.
                self.writer.add_crawl_issue(
                    {
                        "kind": "extraction_anomaly",
                        "unit_id": item["unit_id"],
                        "url": item["column_url"],
                        "detail": why,
                    }
                )
        else:
            raise ValueError(f"unknown item type {kind!r}")
        return item

    def column_id(self, unit_id: str, column_url: str) -> int | None:
        """The stored id of a column. A run resumed from a JOBDIR does not read again the
        directory pages its interrupted part fetched, so their columns come from the store."""
        if column_url not in self.column_ids and unit_id not in self.units_looked_up:
            self.units_looked_up.add(unit_id)
            known = self.store.columns_frame(unit_ids=[unit_id])
            for url, id_ in zip(known["url"], known["id"], strict=True):
                self.column_ids.setdefault(url, int(id_))
        return self.column_ids.get(column_url)

    def spider_closed(self, spider, reason: str) -> None:
        if not hasattr(self, "writer"):
            return  # open_spider failed (e.g. the crawl lock was held): no run to close
        status = close_status(reason)
        try:
            self._close_run(status)
        except SQLAlchemyError as exc:
            # The run cannot be closed in a store that is gone: it stays 'running' there and
            # the next crawl marks it interrupted; `zwgk crawl` exits 5 with one line.
            log.error("crawl run %s could not be closed: %s", self.run_id, _first_line(exc))
        finally:
            if self.lock is not None:
                try:
                    self.lock.__exit__(None, None, None)
                except SQLAlchemyError as exc:
                    log.error("the crawl lock could not be released: %s", _first_line(exc))
            self.store.close()

    def _close_run(self, status: str) -> None:
        try:
            if self.store_error is None:
                self.writer.close()
            if status == "finished" and self.store_error is None:
                # Only a complete run says how many rows a column lists (anomaly detection).
                # A resumed run reads every directory and list again, so its counts are whole;
                # a column whose directory this process did not read is left alone.
                counts = {k: n for k, n in self.listed.items() if k in self.columns_read}
                self.store.set_column_counts(self.run_id, counts)
        except SQLAlchemyError as exc:
            self.store_error = exc
            log.error("the store stopped answering (%s)", _first_line(exc))
        finally:
            if self.store_error is not None:
                status = "failed"  # rows were lost: whatever Scrapy says, the run failed
            stats = {
                k: v
                for k, v in self.crawler.stats.get_stats().items()
                if isinstance(v, (int, float, str)) and not k.startswith("log_count")
            }
            stats.update({f"store/{k}": v for k, v in self.writer.counts.items()})
            if self.settings.get("ZWGK_RESUME"):
                # These figures are the resumed part's; the run holds both parts' rows.
                stats["zwgk/resumed"] = 1
            part = self.settings.get("ZWGK_RUN_PART")
            if part:  # one host's part of a distributed run: its coordinator closes the run
                write_part(Path(part), status, stats)
                log.info("crawl run %s: this part %s", self.run_id, status)
            else:
                share = self.settings.getfloat("ZWGK_MAX_UNOBSERVED", MAX_UNOBSERVED)
                outcome = self.store.finish_run(self.run_id, status, stats, max_unobserved=share)
                log.info("crawl run %s: %s", self.run_id, outcome)


def write_part(path: Path, status: str, stats: dict[str, Any]) -> None:
    """A part's end (``ZWGK_RUN_PART``, set by `zwgk worker`'s jobs): its status and figures,
    written whole (a temporary file renamed), for the coordinator to add up."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"status": status, "stats": stats}, default=str), encoding="utf-8")
    os.replace(tmp, path)


def empty_list_anomaly(item: dict[str, Any], listed_before: int | None) -> str | None:
    """The extraction-anomaly rule for a column whose first list page yields no rows: why it
    was not read (Chinese, for the crawl issue), or None when it is truly blank.

    A list page that shows a page count above one, or links to article pages, lists something
    our parser (or the site's changed template) missed; so does a column that listed rows in
    a finished run before. Only a list page that shows nothing is a blank column."""
    page = item["url"] if item["url"] != item["column_url"] else None
    where = f"（列表页 {page}）" if page else ""
    if listed_before:
        return f"栏目此前列出{listed_before}条信息，本次解析为0条{where}"
    count = item.get("page_count")
    if count and count > 1:
        return f"栏目列表页显示共{count}页，但未解析出任何条目{where}"
    links = item.get("article_links") or []
    if links:
        return f"栏目列表页有指向文章的链接（如 {links[0]}），但未解析出任何条目{where}"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
