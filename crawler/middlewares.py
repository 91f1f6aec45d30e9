"""Seen-article spider middleware: in incremental runs, an article whose list row is unchanged
is not fetched again (it is *touched*: seen in this run), and a changed one is fetched with
conditional headers from the store, so an unchanged page costs a 304.

A revalidating run (`zwgk crawl --revalidate`: setting ZWGK_REVALIDATE names a file of URLs —
the pages stored since the latest round) asks for those known articles with the conditional
headers instead of skipping them: a page edited in place (a field filled in, a link repaired)
shows in no list row, and a round must not judge a page as it was weeks ago. Unchanged pages
cost a 304 and no parsing.

A small replacement for scrapy-deltafetch (broken on current Scrapy), backed by zwgk's store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy

from crawler import items

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def revalidate_set(settings: Any) -> frozenset[str]:
    """The URLs of the file named by ZWGK_REVALIDATE (empty without one)."""
    path = settings.get("ZWGK_REVALIDATE")
    if not path:
        return frozenset()
    return frozenset(Path(path).read_text(encoding="utf-8").split())


class SeenArticleMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.skipped = 0
        self.revalidate = revalidate_set(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenArticleMiddleware:
        return cls(crawler)

    # ``spider`` is optional: Scrapy ≥ 2.13 no longer passes it, and warns on every run when a
    # middleware requires it (ScrapyDeprecationWarning).
    async def process_spider_output_async(self, response, result, spider=None):
        spider = spider or self.crawler.spider
        async for element in result:
            for out in self._filter(element, spider):
                yield out

    def process_spider_output(self, response, result, spider=None):
        spider = spider or self.crawler.spider
        for element in result:
            yield from self._filter(element, spider)

    def _filter(self, element: Any, spider):
        if not isinstance(element, scrapy.Request) or element.meta.get("zwgk_kind") != "article":
            yield element
            return
        seen = getattr(self.crawler, "zwgk_seen", None)
        # A recheck's refetch (ZWGK_REFETCH) is fetched whatever the store knows.
        if seen is None or getattr(spider, "full", False) or element.meta.get("zwgk_refetch"):
            yield element
            return
        title = element.meta.get("zwgk_title")
        listed = element.cb_kwargs.get("listed_date")
        state = seen.state(element.url, title, dt.date.fromisoformat(listed) if listed else None)
        if state == "same" and element.url in self.revalidate:
            self.crawler.stats.inc_value("zwgk/articles_revalidated")
            state = "changed"  # ask with validators; a 304 touches it
        if state == "same":
            self.skipped += 1
            self.crawler.stats.inc_value("zwgk/articles_skipped_known")
            yield items.touch(element.url)
            return
        if state == "changed":
            etag, modified = seen.validators(element.url)
            if etag:
                element.headers["If-None-Match"] = etag
            if modified:
                element.headers["If-Modified-Since"] = modified
        yield element
