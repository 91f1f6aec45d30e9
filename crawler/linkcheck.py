"""Link checking outcomes (docs/domain.md §3.6, 开普云 practice): only a 404/410, or a 403 seen twice,
is a *confirmed* broken link; timeouts, 5xx, 429 and connection errors are *suspected* and need a
recheck — a crawler hiccup must never become a unit's deduction. A link the address policy
refuses (a private, loopback, link-local… address: crawler/netpolicy.py) is *unchecked*: never
requested, never a unit's problem.

The spider schedules the checks (a HEAD request each, headers only); what their answers mean —
a second request (`retry_request`), the outcome and the stored row (`link_outcome`) — is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import items
from crawler.netpolicy import RefusedAddress, original_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

OK, CONFIRMED, SUSPECTED, UNCHECKED = "ok", "confirmed_broken", "suspected", "unchecked"
# Statuses the link-check callback wants to see instead of Scrapy's HttpError.
LINK_STATUSES = [403, 404, 405, 410, 429, 500, 502, 503, 504]


def outcome_for_status(status: int, attempt: int) -> tuple[str, str]:
    if 200 <= status < 400:
        return OK, f"HTTP {status}"
    if status in (404, 410):
        return CONFIRMED, f"HTTP {status}"
    if status == 403:
        return (CONFIRMED, "HTTP 403 on recheck") if attempt >= 2 else (SUSPECTED, "HTTP 403")
    return SUSPECTED, f"HTTP {status}"


def outcome_for_failure(failure: Failure) -> tuple[str, str]:
    if failure.check(RefusedAddress):
        return UNCHECKED, failure.value.reason
    if failure.check(HttpError):
        return outcome_for_status(failure.value.response.status, 2)
    name = type(failure.value).__name__
    return SUSPECTED, f"{name}: {failure.getErrorMessage()}"[:300]


def retry_request(response: Response, attempt: int) -> Request | None:
    """The request to make again before this answer counts, or None: a HEAD refused with 405,
    or answered 404/410 (servers that serve pages only to GET answer a HEAD so), is asked as
    GET — a link is dead only when a reader's request gets the 404 too; a first 403 is asked
    again with a plain GET (开普云 practice: a 403 counts only when a second, plain GET also
    gets 403)."""
    if response.status in (404, 405, 410) and response.request.method == "HEAD":
        return response.request.replace(method="GET", dont_filter=True)
    if response.status == 403 and attempt == 1:
        return response.request.replace(method="GET", dont_filter=True, cb_kwargs={"attempt": 2})
    return None


def link_outcome(
    request: Request, outcome: str, status: int | None, reason: str, attempt: int
) -> dict:
    """The check's row under the link as the page gives it, saying where a redirect led."""
    url = original_url(request)
    if url != request.url:
        reason = f"{reason}（重定向至 {request.url}）"
    return items.link_check(url, outcome, status, reason, attempt)
