"""Retries that stay polite (docs/domain.md §3.6: a government site must never feel our crawl), and
redirect loops caught as such.

Scrapy's RetryMiddleware retries a 429 or a 503 at once, whatever its ``Retry-After`` says, and
retries refused or reset connections without a pause; when a host comes back after a hiccup the
queued retries would arrive together. `PoliteRetryMiddleware` (in Scrapy's place, order 550)
keeps its retry counting and adds a *pause per host* before anything more is sent there:

- a 429 or 503 with ``Retry-After`` (seconds or an HTTP date): the host is left alone that long.
  The wait is capped by ``ZWGK_RETRY_AFTER_MAX`` (120 s): a nightly crawl must finish by morning
  and requests waiting for one host take places other hosts could use; a host asking for longer
  is not retried this run (the answer becomes an ``http_error`` crawl issue) and is still left
  alone for the cap.
- any other retried failure (5xx, refused, reset or truncated connection, timeout): exponential
  backoff ``ZWGK_RETRY_BACKOFF`` × 2^(n−1) seconds for the host's n-th failure in a row, at
  most ``ZWGK_RETRY_BACKOFF_MAX``; an answer that is not retried ends the run of failures.

The pause holds the host's download slot (the timer Scrapy keeps for DOWNLOAD_DELAY) and, in
`process_request`, requests not queued there yet (an asyncio sleep: the reactor and the other
hosts go on); then the slot releases requests at the configured delay and concurrency — so no
burst when the host comes back.

`LoopAwareRedirectMiddleware` (in Scrapy's place, order 600) raises `RedirectLoop` when a
redirect leads back to a URL of its own chain. Without it, Scrapy's duplicate filter drops the
redirect back to a URL it has already seen, silently: the page vanished with no crawl issue.
Endless chains that never repeat a URL still end at REDIRECT_MAX_TIMES.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger(__name__)


class RedirectLoop(IgnoreRequest):
    """A redirect chain came back to a URL it had already visited."""


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an
    HTTP-date), ≥ 0; None when absent or unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        seconds = float(text)  # not RFC, but seen: "1.5"
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if seconds == seconds else None  # NaN is no answer


def host_key(request: Request) -> str:
    """The key a pause applies to: Scrapy's download slot (the host name unless overridden)."""
    return request.meta.get("download_slot") or urlparse_cached(request).hostname or ""


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("ZWGK_RETRY_AFTER_MAX", 120.0)
        self.backoff = settings.getfloat("ZWGK_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("ZWGK_RETRY_BACKOFF_MAX", 60.0)
        self.paused_until: dict[str, float] = {}  # host → time.monotonic() it may be asked again
        self.failures_in_row: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def pause(self, host: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        if until > self.paused_until.get(host, 0.0):
            self.paused_until[host] = until
            self.crawler.stats.inc_value("zwgk/host_pauses")
            log.info("leaving %s alone for %.1f s", host, seconds)
            self._hold_slot(host, seconds)

    def _hold_slot(self, host: str, seconds: float) -> None:
        """Hold the requests already queued in the host's download slot too (`process_request`
        only sees those still to come): the slot's own "wait before the next request" timer,
        which Scrapy uses for DOWNLOAD_DELAY, is set to the pause. Private Scrapy attributes,
        looked up defensively: without them only new requests wait."""
        try:
            downloader = self.crawler.engine.downloader
        except (AttributeError, RuntimeError):  # no engine (yet): nothing is queued
            return
        slot = getattr(downloader, "slots", {}).get(host)
        release = getattr(downloader, "_latercall", None)
        if slot is None or release is None or not hasattr(slot, "latercall"):
            return
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = asyncio.get_event_loop().call_later(seconds, release, slot)

    async def process_request(self, request: Request) -> None:
        host = host_key(request)
        while (wait := self.paused_until.get(host, 0.0) - time.monotonic()) > 0:
            await asyncio.sleep(wait)  # the pause may have been extended meanwhile: look again
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        host = host_key(request)
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            self.failures_in_row.pop(host, None)
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is None:
            self._back_off(host)
        else:
            self.pause(host, min(asked, self.retry_after_max))
            if asked > self.retry_after_max:
                self.crawler.stats.inc_value("zwgk/retry_after_too_long")
                log.warning(
                    "%s asks to come back in %.0f s (more than ZWGK_RETRY_AFTER_MAX %.0f s): "
                    "not retried this run",
                    request.url,
                    asked,
                    self.retry_after_max,
                )
                return response
        return self._retry(request, response_status_message(response.status)) or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retried = super().process_exception(request, exception)
        if retried is not None or isinstance(exception, self.exceptions_to_retry):
            self._back_off(host_key(request))
        return retried

    def _back_off(self, host: str) -> None:
        failures = self.failures_in_row.get(host, 0) + 1
        self.failures_in_row[host] = failures
        if self.backoff > 0:
            self.pause(host, min(self.backoff * 2 ** (failures - 1), self.backoff_max))


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            chain = result.meta.get("redirect_urls", [])
            if result.url in chain:
                raise RedirectLoop(f"redirect loop: {' → '.join([*chain, result.url])}"[:500])
        return result
