"""The `disclosure` spider: unit entry → column directory → column lists → articles → links.

It only schedules requests and hands what comes back to plain functions: pages to
`crawler.extract` (over `(html, url, profile)`), failed requests to `crawler.failures`, link-check
answers to `crawler.linkcheck`; what it yields are plain dict items that `crawler.pipelines`
stores.
Everything that varies by platform is in the unit's profile.

    scrapy crawl disclosure -a registry=units.yaml [-a units=jh,jh-d01] [-a levels=县区政府] [-a full=1]

Crawl health is kept apart from the units' findings: an unreachable host, an anti-bot page, a
robots.txt refusal or a list that suddenly parses empty becomes a *crawl issue*, never an empty
column or a missing article.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import items
from crawler.columns import load_column_map
from crawler.extract import (
    ExtractionError,
    decode_html,
    extract_article,
    is_anti_bot,
    parse_directory,
    parse_listing,
    refuse_non_html,
)
from crawler.failures import issue_for_failure
from crawler.linkcheck import (
    LINK_STATUSES,
    UNCHECKED,
    link_outcome,
    outcome_for_failure,
    outcome_for_status,
    retry_request,
)
from crawler.middlewares import revalidate_set
from crawler.netpolicy import NetPolicy
from crawler.paging import MAX_LIST_PAGES, ListPaging
from crawler.politeness_limits import Layer
from crawler.profile_model import get_profile
from crawler.registry import load_registry

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.registry import UnitEntry

log = logging.getLogger(__name__)

COMMAND_LINE = SETTINGS_PRIORITIES["cmdline"]


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class DisclosureSpider(scrapy.Spider):
    name = "disclosure"
    revalidate: frozenset[str] = frozenset()  # known pages to ask for again (ZWGK_REVALIDATE)

    def __init__(
        self,
        registry: str | None = None,
        units: str | list[str] | None = None,
        levels: str | list[str] | None = None,
        full: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.registry_path = registry
        self.unit_ids = units.split(",") if isinstance(units, str) else units
        self.levels = levels.split(",") if isinstance(levels, str) else levels
        self.full = _flag(full)
        self.profiles: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> DisclosureSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.registry_path = spider.registry_path or settings.get("ZWGK_REGISTRY")
        if not spider.registry_path:
            raise ValueError("no unit registry: pass -a registry=units.yaml (or ZWGK_REGISTRY)")
        spider.full = spider.full or settings.getbool("ZWGK_FULL")
        spider.revalidate = revalidate_set(settings)
        spider.check_links = settings.getbool("ZWGK_CHECK_LINKS", True)
        spider.registry = load_registry(
            spider.registry_path, run=Layer.from_setting(settings.getdict("ZWGK_RUN_POLITENESS"))
        )
        spider.selected = spider.registry.select(ids=spider.unit_ids, levels=spider.levels)
        spider.net_policy = NetPolicy.from_registry(
            spider.registry, settings.getlist("ZWGK_ALLOWED_ADDRESSES")
        )
        spider.column_map = load_column_map()
        spider.paging = ListPaging(settings.getint("ZWGK_MAX_LIST_PAGES", MAX_LIST_PAGES))
        spider.apply_registry_politeness(settings)
        return spider

    def apply_registry_politeness(self, settings) -> None:
        """The registry's `defaults` (delay, per-host concurrency, User-Agent, timeout) as spider
        attributes, which Scrapy's downloader and middlewares read, so `scrapy crawl disclosure`
        is as polite as `zwgk crawl`. A value given on the command line (-s) still wins."""
        defaults = self.registry.defaults
        for setting, attribute, value in (
            ("DOWNLOAD_DELAY", "download_delay", defaults.delay),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", "max_concurrent_requests", defaults.concurrency),
            ("USER_AGENT", "user_agent", defaults.user_agent),
            ("DOWNLOAD_TIMEOUT", "download_timeout", defaults.timeout),
        ):
            if settings.getpriority(setting) < COMMAND_LINE:
                setattr(self, attribute, value)

    # -- helpers ------------------------------------------------------------------------------
    def profile(self, unit: UnitEntry):
        if unit.profile not in self.profiles:
            self.profiles[unit.profile] = get_profile(unit.profile)
        return self.profiles[unit.profile]

    def unit(self, unit_id: str) -> UnitEntry:
        return self.registry.unit(unit_id)

    def request(
        self, url: str, callback, unit: UnitEntry, kind: str, **cb_kwargs: Any
    ) -> scrapy.Request:
        meta: dict[str, Any] = {"zwgk_unit": unit.id, "zwgk_kind": kind}
        if not unit.settings.obey_robots:
            meta["dont_obey_robotstxt"] = True
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta=meta,
            cb_kwargs={"unit_id": unit.id, **cb_kwargs},
        )

    @staticmethod
    def text(response: Response) -> str:
        return decode_html(
            response.body, response.headers.get("Content-Type", b"").decode("latin-1")
        )[0]

    def issue(self, kind: str, unit_id: str | None, url: str, detail: str) -> dict:
        return items.crawl_issue(kind, unit_id, url, detail)

    # -- crawl --------------------------------------------------------------------------------
    async def start(self):
        yield items.units(self.selected)
        for unit in self.selected:
            yield self.request(unit.entry, self.parse_directory, unit, "directory")
        for request in self.refetch_requests():
            yield request

    def refetch_requests(self) -> list[scrapy.Request | dict]:
        """回头看 (`zwgk recheck`): the articles open problems point at, fetched again directly
        — whatever their list row says and on whichever list page they sit. The setting
        ZWGK_REFETCH names a JSON-lines file of {url, unit_id, column_url, listed_date}; rows
        with "kind": "link" are links to check again."""
        path = self.settings.get("ZWGK_REFETCH")
        if not path:
            return []
        selected = {u.id for u in self.selected}
        out = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if not row or row["unit_id"] not in selected:
                continue
            if row.get("kind") == "link":  # a link found broken before: is it repaired?
                if self.check_links:
                    out.append(self.link_check(row["url"], row["unit_id"]))
                continue
            request = self.request(
                row["url"],
                self.parse_article,
                self.unit(row["unit_id"]),
                "article",
                column_url=row["column_url"],
                listed_date=row.get("listed_date"),
            )
            request.meta["zwgk_refetch"] = True
            out.append(request.replace(dont_filter=True))
        return out

    def parse_directory(self, response: Response, unit_id: str):
        unit = self.unit(unit_id)
        html = self.text(response)
        if is_anti_bot(html):
            yield self.issue("anti_bot", unit.id, response.url, "目录页返回反爬虫验证页")
            return
        try:
            links = parse_directory(html, response.url, self.profile(unit))
        except ExtractionError as exc:
            yield self.issue("extraction_anomaly", unit.id, response.url, f"目录页无法解析：{exc}")
            return
        if not links:
            yield self.issue("extraction_anomaly", unit.id, response.url, "目录页未解析出任何栏目")
            return
        columns = []
        for link in links:
            parent = link.path[-1] if link.path else None
            category = self.column_map.classify(
                link.name, parent, unit.column_overrides, path=link.path
            )
            if category == "skip":
                continue
            columns.append(items.column(unit.id, link, category))
        yield items.columns(unit.id, columns)
        for column in columns:
            yield self.request(
                column["url"], self.parse_column, unit, "list", column_url=column["url"], page=1
            )

    def parse_column(self, response: Response, unit_id: str, column_url: str, page: int):
        unit = self.unit(unit_id)
        html = self.text(response)
        if is_anti_bot(html):
            yield self.issue("anti_bot", unit.id, response.url, "栏目列表页返回反爬虫验证页")
            return
        try:
            listing = parse_listing(html, response.url, self.profile(unit))
        except ExtractionError as exc:
            yield self.issue(
                "extraction_anomaly", unit.id, response.url, f"栏目列表页无法解析：{exc}"
            )
            return
        if listing.data_url and not listing.rows and listing.data_url != response.url:
            # A shell page whose rows come from a data endpoint (Lonsun publicInfoList).
            yield self.request(
                listing.data_url, self.parse_column, unit, "list", column_url=column_url, page=page
            )
            return
        seen = getattr(self.crawler, "zwgk_seen", None)  # set by the store pipeline
        all_known = bool(listing.rows) and seen is not None
        for position, row in enumerate(listing.rows):
            yield items.listing(unit.id, column_url, row, page, position)
            if seen is None or seen.state(row.url, row.title, row.date) != "same":
                all_known = False
            elif row.url in self.revalidate:
                all_known = False  # to be asked for again: the next page may hold more
            # Known, unchanged articles are dropped by crawler.middlewares.SeenArticleMiddleware.
            request = self.request(
                row.url,
                self.parse_article,
                unit,
                "article",
                column_url=column_url,
                listed_date=row.date.isoformat() if row.date else None,
            )
            request.meta["zwgk_title"] = row.title
            yield request
        if page == 1 and not listing.rows:
            yield items.column_empty(
                unit.id, column_url, response.url, listing.page_count, listing.article_links
            )
        if all_known and (listing.next_url in seen.failed or column_url in seen.incomplete):
            all_known = False  # a page or article of this list failed lately: read on
        wanted = listing.next_url if self.full or not all_known else None
        next_url, unbelieved = self.paging.next_page(
            column_url, page, [r.url for r in listing.rows], wanted, listing.page_count
        )
        if unbelieved:  # a pager claiming pages that list nothing new (pageCount:99999)
            yield self.issue("extraction_anomaly", unit.id, response.url, unbelieved)
        if next_url:
            yield self.request(
                next_url, self.parse_column, unit, "list", column_url=column_url, page=page + 1
            )

    def parse_article(
        self, response: Response, unit_id: str, column_url: str, listed_date: str | None
    ):
        unit = self.unit(unit_id)
        if response.status == 304:
            yield items.touch(response.url)
            return
        html = self.text(response)
        if is_anti_bot(html):
            yield self.issue("anti_bot", unit.id, response.url, "文章页返回反爬虫验证页")
            return
        try:
            refuse_non_html(response.body)
            data = extract_article(html, response.url, self.profile(unit))
        except ExtractionError as exc:
            data = None
            anomaly = f"文章页无法解析：{exc}"
        else:
            anomaly = f"文章页{data.anomaly}" if data.anomaly else None
        if anomaly:
            # Not stored as an article: its empty fields would become the unit's problems. Not
            # being known, the page is fetched again (and reported again) by every crawl.
            yield self.issue("extraction_anomaly", unit.id, response.url, anomaly)
            return
        links = items.links_of(data, response.url)
        yield items.article(unit.id, column_url, listed_date, data, response, links)
        if not self.check_links:
            return
        for link in links:
            yield self.link_check(link["url"], unit.id)

    def link_check(self, url: str, unit_id: str) -> scrapy.Request | dict:
        """The HEAD request checking a link — or, for an address the crawler must not request
        (crawler/netpolicy.py), its `unchecked` outcome at once."""
        refusal = self.net_policy.refusal(url)
        if refusal is not None:
            return items.link_check(url, UNCHECKED, None, refusal, 1)
        return scrapy.Request(
            url,
            method="HEAD",
            callback=self.parse_link,
            errback=self.on_link_error,
            meta={
                "zwgk_unit": unit_id,
                "zwgk_kind": "link",
                "handle_httpstatus_list": LINK_STATUSES,
                "dont_obey_robotstxt": True,  # a link check reads one status line, like a browser
                "download_maxsize": self.settings.getint("ZWGK_LINK_MAXSIZE"),
            },
            cb_kwargs={"attempt": 1},
        )

    def parse_link(self, response: Response, attempt: int):
        again = retry_request(response, attempt)  # 405 to a HEAD; a first 403 (开普云 practice)
        if again is not None:
            yield again
            return
        outcome, reason = outcome_for_status(response.status, attempt)
        yield link_outcome(response.request, outcome, response.status, reason, attempt)

    def on_link_error(self, failure):
        request = failure.request
        outcome, reason = outcome_for_failure(failure)
        status = failure.value.response.status if failure.check(HttpError) else None
        yield link_outcome(request, outcome, status, reason, request.cb_kwargs.get("attempt", 1))

    def on_error(self, failure):
        """A failed page request becomes a crawl issue (`crawler.failures`), never a finding."""
        request = failure.request
        # The URL asked for, not where its redirects led: the store matches issues to the
        # entry, column and article URLs it knows.
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        found = issue_for_failure(
            failure, request.meta.get("zwgk_kind"), self.settings.getint("DOWNLOAD_MAXSIZE")
        )
        if found is not None:
            kind, detail = found
            yield self.issue(kind, request.meta.get("zwgk_unit"), url, detail)
