"""What a crawl writes to the terminal: each failure once, as the crawl issue the store keeps.

A host that is down, a name that does not resolve, a refused port, a timeout or a reset
connection is a crawler's expected night (docs/domain.md §3.6): the spider records it as a crawl
issue (a link check for links) and `zwgk crawl` prints each one on one line. Scrapy also logs
each of them — "Gave up retrying", and robots.txt failures with two chained tracebacks — so
without `zwgk -v` those records are dropped here. Any other error, and any error that is not a
network failure, is still shown whole: those are bugs or surprises someone must read.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import scrapy.exceptions
from twisted.internet import error as net_error
from twisted.web import client as web_client


def _classes(module, *names: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(module, n) for n in names if hasattr(module, n))


# The exceptions of a download that failed on the network (not of a bug in zwgk or Scrapy).
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    *_classes(
        scrapy.exceptions,  # Scrapy ≥ 2.14 wraps Twisted's in these
        "DownloadConnectionRefusedError",
        "CannotResolveHostError",
        "DownloadTimeoutError",
        "DownloadFailedError",
        "ResponseDataLossError",
        "DownloadCancelledError",
    ),
    net_error.ConnectError,  # DNS lookup, refused, no route, TCP timeout …
    net_error.ConnectionClosed,  # lost, reset, done
    net_error.TimeoutError,
    web_client.ResponseFailed,
    web_client.ResponseNeverReceived,
)
# Scrapy's loggers whose failure records repeat what the spider's errbacks record.
DOWNLOAD_LOGGERS = ("scrapy.downloadermiddlewares.", "scrapy.core.scraper", "scrapy.core.engine")


def is_network_error(exc: BaseException | None) -> bool:
    """``exc`` or an exception it was raised from is a network failure."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, NETWORK_ERRORS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class CrawlLogFilter(logging.Filter):
    """Drops Scrapy's records below ``level`` (it sets its loggers to DEBUG whatever zwgk asks),
    its deprecation warnings, and its records of expected network failures."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name.startswith(("scrapy", "twisted")) and record.levelno < self.level:
            return False
        if name == "py.warnings" and "ScrapyDeprecationWarning" in record.getMessage():
            return False
        if not name.startswith(DOWNLOAD_LOGGERS):
            return True
        if record.exc_info and is_network_error(record.exc_info[1]):
            return False
        # "Gave up retrying <GET …> (failed 3 times): <reason>" — the failure then reaches the
        # spider's errback, which records it; retries of HTTP statuses end the same way.
        return not record.getMessage().startswith("Gave up retrying")


# Packages whose deprecation warnings are ours to read (and fix); any other module's are
# third-party noise for the operator (`quiet_deprecations`).
OWN_PACKAGES = ("crawler", "store", "scoring", "reports", "demo", "zwgk", "portal")


@contextmanager
def quiet_deprecations() -> Iterator[None]:
    """Third-party deprecation warnings left out for the ``with`` block, whatever
    ``PYTHONWARNINGS`` or ``-W`` say: Scrapy's (about middleware signatures, settings…) and any
    DeprecationWarning raised from outside zwgk's packages. They are for whoever upgrades the
    libraries (`zwgk -v` shows them), not for the nightly log."""
    own = "|".join(OWN_PACKAGES)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=scrapy.exceptions.ScrapyDeprecationWarning)
        for category in (DeprecationWarning, PendingDeprecationWarning):
            warnings.filterwarnings("ignore", category=category, module=rf"(?!({own})\b)")
        yield


@contextmanager
def crawl_logging(level: int) -> Iterator[None]:
    """Filter the root logger's handlers (those `zwgk` installed) for the ``with`` block, and
    leave out third-party deprecation warnings (`quiet_deprecations`)."""
    handlers = list(logging.getLogger().handlers)
    quiet = CrawlLogFilter(level)
    if level <= logging.DEBUG:  # zwgk -v: everything, tracebacks included
        yield
        return
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        with quiet_deprecations():
            yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)
