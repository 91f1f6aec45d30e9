"""A request that failed, as a crawl issue: which kind (`host_unreachable`, `timeout`,
`too_large`, `robots_blocked`, `http_error`) and what to tell the evaluator (Chinese).

The spider's errback (`DisclosureSpider.on_error`) asks `issue_for_failure` and records the
answer as a *crawl issue* — kept apart from the units' findings: a site the crawler could not
read is never an empty column or a missing article (docs/domain.md §3.6). Link checks have
their own outcomes (`crawler.linkcheck`).
"""

from __future__ import annotations

import scrapy.exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_error
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.netpolicy import OffsiteRedirect, RefusedAddress, ResponseTooLarge
from crawler.politeness import RedirectLoop


def _exceptions(*names: str) -> tuple[type[BaseException], ...]:
    """The named download exceptions this Scrapy/Twisted has: Scrapy ≥ 2.14 raises its own
    (DownloadTimeoutError, …), older versions let Twisted's through."""
    return tuple(
        getattr(module, name)
        for name in names
        for module in (scrapy.exceptions, twisted_error)
        if hasattr(module, name)
    )


_UNREACHABLE = _exceptions(
    "DownloadConnectionRefusedError",
    "CannotResolveHostError",
    "ConnectionRefusedError",
    "DNSLookupError",
    "NoRouteError",
)
_TIMEOUTS = _exceptions("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError")
_TOO_LARGE = _exceptions("DownloadCancelledError")  # DOWNLOAD_MAXSIZE exceeded
_DATA_LOSS = _exceptions("ResponseDataLossError")  # Content-Length not reached
_CONNECTION_LOST = (  # reset or closed before an answer
    *_exceptions("DownloadFailedError", "ConnectionLost", "ConnectionDone"),
    ResponseNeverReceived,
    ResponseFailed,
)
# The page a request was for (its `zwgk_kind`), as the issue's detail names it.
PAGE_ZH = {"directory": "目录页", "list": "栏目列表页", "article": "文章页"}


def issue_for_failure(
    failure: Failure, request_kind: str | None, maxsize: int
) -> tuple[str, str] | None:
    """(crawl issue kind, detail) for a failed page request of kind `request_kind` (directory,
    list, article), or None when another middleware dropped the request on purpose — nothing
    about the site to report. `maxsize` is DOWNLOAD_MAXSIZE, named in a `too_large` detail."""
    where = PAGE_ZH.get(request_kind, "页面")
    if failure.check(RefusedAddress, OffsiteRedirect, ResponseTooLarge):
        # crawler/netpolicy.py; IgnoreRequests too, so before the branches below
        kind = "too_large" if failure.check(ResponseTooLarge) else "http_error"
        return kind, f"{where}{failure.value}"
    if failure.check(IgnoreRequest) and "robots" in str(failure.value).lower():
        return "robots_blocked", f"{where}被 robots.txt 禁止抓取"
    if failure.check(*_UNREACHABLE):
        return "host_unreachable", f"{where}无法连接：{failure.value}"
    if failure.check(*_TIMEOUTS):
        return "timeout", f"{where}请求超时"
    if failure.check(*_TOO_LARGE):
        return (
            "too_large",
            f"{where}超过下载大小上限（{maxsize} 字节），已放弃"
            + (f"：{failure.value}" if str(failure.value) else ""),
        )
    if failure.check(RedirectLoop) or "max redirections" in str(failure.value):
        return "http_error", f"{where}重定向循环：{failure.value}"
    if failure.check(*_DATA_LOSS):
        return "http_error", f"{where}响应不完整（连接提前关闭）"
    if failure.check(*_CONNECTION_LOST):
        return "http_error", f"{where}连接中断（被重置或关闭）"
    if failure.check(HttpError):
        return "http_error", f"{where}返回 HTTP {failure.value.response.status}"
    if failure.check(IgnoreRequest):
        return None  # dropped on purpose by another middleware: nothing about the site to report
    return "http_error", f"{where}请求失败：{failure.getErrorMessage()}"
