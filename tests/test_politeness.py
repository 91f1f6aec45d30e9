"""crawler.politeness and crawler.paging without a network: Retry-After parsing, the per-host
pause and backoff, redirect loops, and the bound on paging through a list that lies.
(tests/test_faults.py shows the same over real crawls of the sample portal.)"""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler.paging import ListPaging
from crawler.politeness import (
    LoopAwareRedirectMiddleware,
    PoliteRetryMiddleware,
    RedirectLoop,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"2", 2.0),
        ("120", 120.0),
        (" 1.5 ", 1.5),
        (b"-3", 0.0),
        (None, None),
        (b"soon", None),
        (b"nan", None),
        (b"", None),
    ],
)
def test_retry_after_seconds(value, seconds) -> None:
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_http_date() -> None:
    now = time.time()
    assert retry_after_seconds(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, 1)
    assert retry_after_seconds(formatdate(now - 30, usegmt=True), now=now) == 0.0


def middleware(**settings) -> PoliteRetryMiddleware:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 2, **settings})
    crawler.spider = Spider.from_crawler(crawler, name="test")
    return PoliteRetryMiddleware.from_crawler(crawler)


def answer(url: str, status: int, **headers: str) -> tuple[Request, Response]:
    request = Request(url)
    return request, Response(url, status=status, headers=headers, request=request)


def test_retry_after_pauses_the_host_then_retries() -> None:
    mw = middleware()
    request, response = answer("http://gov.example/a.html", 429, **{"Retry-After": "3"})
    retried = mw.process_response(request, response)
    assert isinstance(retried, Request) and retried.url == request.url
    left = mw.paused_until["gov.example"] - time.monotonic()
    assert 2.5 < left <= 3.0
    assert "other.example" not in mw.paused_until  # per host


def test_a_wait_longer_than_the_cap_is_not_retried_but_respected() -> None:
    mw = middleware(ZWGK_RETRY_AFTER_MAX=60)
    request, response = answer("http://gov.example/a.html", 503, **{"Retry-After": "3600"})
    assert mw.process_response(request, response) is response  # becomes an http_error issue
    assert 55 < mw.paused_until["gov.example"] - time.monotonic() <= 60


def test_backoff_doubles_per_failure_in_a_row_and_resets_on_success() -> None:
    mw = middleware(ZWGK_RETRY_BACKOFF=0.5, ZWGK_RETRY_BACKOFF_MAX=1.5)
    waits = []
    for _ in range(4):
        mw.paused_until.clear()
        request, response = answer("http://gov.example/a.html", 502)
        mw.process_response(request, response)
        waits.append(round(mw.paused_until["gov.example"] - time.monotonic(), 1))
    assert waits == [0.5, 1.0, 1.5, 1.5]
    ok_request, ok = answer("http://gov.example/b.html", 200)
    assert mw.process_response(ok_request, ok) is ok
    assert "gov.example" not in mw.failures_in_row


def test_connection_failures_back_off_too() -> None:
    from scrapy.exceptions import DownloadConnectionRefusedError

    mw = middleware()
    request = Request("http://gov.example/a.html")
    assert isinstance(mw.process_exception(request, DownloadConnectionRefusedError()), Request)
    assert mw.failures_in_row["gov.example"] == 1
    assert mw.process_exception(request, ValueError("not a network error")) is None
    assert mw.failures_in_row["gov.example"] == 1


def test_a_request_for_a_paused_host_waits_and_others_do_not() -> None:
    mw = middleware()
    mw.paused_until["gov.example"] = time.monotonic() + 0.3

    async def timed(url: str) -> float:
        started = time.monotonic()
        await mw.process_request(Request(url))
        return time.monotonic() - started

    async def both() -> tuple[float, float]:
        return await asyncio.gather(
            timed("http://gov.example/x.html"), timed("http://other.example/x.html")
        )

    paused, free = asyncio.run(both())
    # The other host's request does not wait the pause; the margin is for a loaded machine,
    # which may leave this process unscheduled for tens of milliseconds.
    assert paused >= 0.29 and free < 0.15


def redirect(url: str, to: str, chain: list[str]) -> tuple[Request, Response]:
    request = Request(url, meta={"redirect_urls": chain, "redirect_times": len(chain)})
    return request, HtmlResponse(url, status=302, headers={"Location": to}, request=request)


def test_a_redirect_back_into_its_chain_is_a_loop() -> None:
    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, name="test")
    mw = LoopAwareRedirectMiddleware.from_crawler(crawler)
    a, b = "http://gov.example/a.html", "http://gov.example/a.html?loop=1"
    request, response = redirect(b, a, [a])
    with pytest.raises(RedirectLoop, match="redirect loop"):
        mw.process_response(request, response)
    request, response = redirect(a, a, [])  # to itself
    with pytest.raises(RedirectLoop):
        mw.process_response(request, response)
    request, response = redirect(a, "http://gov.example/c.html", [])
    assert mw.process_response(request, response).url == "http://gov.example/c.html"


def rows(*numbers: int) -> list[str]:
    return [f"http://gov.example/art/{n}.html" for n in numbers]


def test_paging_stops_at_a_page_with_nothing_new() -> None:
    paging = ListPaging()
    column, nxt = "http://gov.example/col/", "http://gov.example/col/index_{}.html"
    assert paging.next_page(column, 1, rows(1, 2), nxt.format(1), 99999) == (nxt.format(1), None)
    assert paging.next_page(column, 2, rows(3, 4), nxt.format(2), 99999) == (nxt.format(2), None)
    url, why = paging.next_page(column, 3, [], nxt.format(3), 99999)
    assert url is None and "第3页没有新条目" in why and "99999" in why
    # The same page served for every page number.
    assert paging.next_page(column, 1, rows(1, 2), nxt.format(1))[0]
    url, why = paging.next_page(column, 2, rows(1, 2), nxt.format(2))
    assert url is None and why
    # A list that ends where its pager says: no issue, and nothing kept.
    assert paging.next_page(column, 1, rows(1), None) == (None, None)
    assert paging._previous == {}


def test_paging_stops_at_the_page_cap() -> None:
    paging = ListPaging(max_pages=3)
    column = "http://gov.example/col/"
    for page in (1, 2):
        assert paging.next_page(column, page, rows(page), f"{column}?p={page + 1}")[0]
    url, why = paging.next_page(column, 3, rows(3), f"{column}?p=4")
    assert url is None and "上限3页" in why


def test_settings_put_the_polite_middlewares_in_scrapys_place() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert mws["crawler.politeness.PoliteRetryMiddleware"] == 550
    redirect = load_object(
        next(k for k, v in mws.items() if v == 600)
    )  # the one redirect middleware, which catches loops
    assert issubclass(redirect, LoopAwareRedirectMiddleware)
    assert mws["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"] is None
    assert settings.getfloat("ZWGK_RETRY_AFTER_MAX") == 120.0
