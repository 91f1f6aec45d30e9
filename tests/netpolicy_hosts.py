"""Test doubles for the address-policy tests, importable by a crawl subprocess (tests/ on its
PYTHONPATH): a PolicyResolver whose lookups come from a table instead of DNS — so a test can
make `rebind.test` resolve to 127.0.0.1 or `metadata.test` to 169.254.169.254 without any
packet leaving the machine — and an HTTP download handler that writes down every URL it is asked
to download (what reached the downloader; a refused address must never appear)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.connections import HTTPDownloadHandler
from crawler.netpolicy import PolicyResolver


class TableResolver(PolicyResolver):
    """Names from `table` (setting ZWGK_TEST_HOSTS, JSON), address literals as the C library
    reads them, anything else unknown. Every lookup is appended to ZWGK_TEST_LOOKUPS."""

    table: dict[str, str]
    journal: Path | None = None

    def __init__(self, reactor=None, cache_size: int = 0, timeout: float = 1, table=None) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.table = dict(table or {})

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = cls(reactor, table=json.loads(crawler.settings.get("ZWGK_TEST_HOSTS") or "{}"))
        journal = crawler.settings.get("ZWGK_TEST_LOOKUPS")
        resolver.journal = Path(journal) if journal else None
        return resolver

    def lookup(self, name, timeout=()):
        if self.journal:
            with self.journal.open("a", encoding="utf-8") as f:
                f.write(name + "\n")
        if name in self.table:
            return defer.succeed(self.table[name])
        try:
            return defer.succeed(socket.inet_ntoa(socket.inet_aton(name)))
        except OSError:
            return defer.fail(DNSLookupError(name))


class RecordingHandler(HTTPDownloadHandler):
    """The crawler's HTTP/1.1 handler, writing each URL it is given to ZWGK_TEST_DOWNLOAD_LOG."""

    async def download_request(self, request):
        with open(self._crawler.settings["ZWGK_TEST_DOWNLOAD_LOG"], "a", encoding="utf-8") as f:
            f.write(request.url + "\n")
        return await super().download_request(request)
