"""Link checking outcomes (docs/domain.md §3.6, 开普云 practice): only a 404/410, or a 403 seen twice,
is a *confirmed* broken link; timeouts, 5xx, 429 and connection errors are *suspected* and need a
recheck — a crawler hiccup must never become a unit's deduction. A link the address policy
refuses (a private, loopback, link-local… address: crawler/netpolicy.py) is *unchecked*: never
requested, never a unit's problem.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.netpolicy import RefusedAddress

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
