"""Keep-alive connections that are never reused once they are being closed.

A link check reads headers only: `crawler.netpolicy` stops its download at them
(``headers_received`` → StopDownload), and Scrapy then closes the connection
(``stopProducing``/``loseConnection``, which Twisted carries out on the reactor's next write turn).
When the response's body arrived in the same read as its headers — a short 404 page, say —
Twisted's HTTP parser finishes that body right after Scrapy's callback returns, calls the
connection quiescent and gives it back to its pool, closing as it is. A request taken from the
pool before the socket is closed is written into it and sent, the server answers it, the
client closes the socket without reading the answer, and Twisted sends the request again on a
new connection (`HTTPConnectionPool.retryAutomatically`, for idempotent methods): the server
saw two GETs of a page the crawl asked for once. tests/test_crawl_resume.py's SIGINT test saw
it now and then (≈ 2 % of runs): two GETs of one article a few ms apart, both in the resumed
part, which starts with the interrupted part's unchecked links (a 404 among them, asked again
as GET and stopped at its headers) and runs with no download delay; `test_connections.py`
makes the race certain. A government site must not see a page
twice for one read (docs/domain.md §3.6), and a duplicate is no evidence of anything.

`ConnectionPool` never hands out a connection whose socket is closing or aborted; `HTTPDownloadHandler` is Scrapy's HTTP/1.1 handler with that pool
(``DOWNLOAD_HANDLERS`` in `crawler.settings`).
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.web.client import HTTPConnectionPool


def closing(connection: Any) -> bool:
    """Whether the connection's socket is closed or on its way to be (loseConnection,
    abortConnection)."""
    transport = getattr(connection, "transport", None)
    return (
        transport is None
        or not getattr(transport, "connected", True)
        or bool(getattr(transport, "disconnecting", False))
        or bool(getattr(transport, "_aborting", False))
    )


class ConnectionPool(HTTPConnectionPool):
    """Twisted's pool, minus connections that are being closed."""

    def getConnection(self, key: Any, endpoint: Any) -> Any:
        # Twisted checks only the protocol's state ('QUIESCENT'), which a connection keeps
        # while its socket is being closed. (Not refused in `_putConnection`: a connection
        # may also be closed while it waits in the pool.)
        pooled = self._connections.get(key, [])
        for connection in [c for c in pooled if closing(c)]:
            pooled.remove(connection)
            self._timeouts.pop(connection).cancel()
        return super().getConnection(key, endpoint)


class HTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler over `ConnectionPool`."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        twisted_pool = self._pool
        from twisted.internet import reactor

        pool = ConnectionPool(reactor, persistent=True)
        pool.maxPersistentPerHost = twisted_pool.maxPersistentPerHost
        pool._factory = twisted_pool._factory
        self._pool = pool
