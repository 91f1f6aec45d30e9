"""Live progress of a crawl with rich: units reached, columns listed, list pages, articles.

Only switched on by `zwgk crawl` on a terminal (``ZWGK_PROGRESS``); `scrapy crawl` keeps
Scrapy's own log. The closing summary table is printed by `crawler.run` from the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CrawlSummary:
    def __init__(self, crawler: Crawler) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.crawler = crawler
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
        self.tasks = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        if not crawler.settings.getbool("ZWGK_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response, signal=signals.response_received)
        crawler.signals.connect(ext.scraped, signal=signals.item_scraped)
        return ext

    def opened(self, spider) -> None:
        units = len(getattr(spider, "selected", []))
        self.tasks = {
            "units": self.progress.add_task("units", total=units),
            "columns": self.progress.add_task("columns", total=0),
            "pages": self.progress.add_task("list pages", total=None),
            "articles": self.progress.add_task("articles", total=None),
        }
        self.progress.start()

    def response(self, response, request, spider) -> None:
        kind = request.meta.get("zwgk_kind")
        if kind == "directory":
            self.progress.advance(self.tasks["units"])
        elif kind == "list":
            self.progress.advance(self.tasks["pages"])
            if request.cb_kwargs.get("page") == 1 and "/site/label/" not in request.url:
                self.progress.advance(self.tasks["columns"])
        elif kind == "article":
            self.progress.advance(self.tasks["articles"])

    def scraped(self, item, response, spider) -> None:
        if item.get("type") == "columns":
            task = self.tasks["columns"]
            total = self.progress.tasks[task].total or 0
            self.progress.update(task, total=total + len(item["rows"]))

    def closed(self, spider) -> None:
        self.progress.stop()
