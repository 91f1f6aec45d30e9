"""The sample portal's HTTP server: one loopback listener per host, pages from `demo.site`.

Every non-down `Host` of the portal gets its own listener at `(host.address, host.port)` —
distinct 127.0.0.x addresses, so a crawler's per-host politeness is real and a down host really
refuses connections. Requests are parsed by a small hand-written HTTP/1.1 protocol on asyncio
(GET and HEAD, keep-alive, pipelining, `Connection: close`). Chosen by measurement: on the same
fixed-size pages and client, about 7,500–10,500 pages/s against 2,700 for uvicorn with a raw
ASGI app on its h11 backend (httptools is not installed); and it lets the hazards of
`demo.hazards` hold one request without blocking the others. `benchmarks/serve.py` measures it
against `scrapy bench`. Static pages get `Last-Modified`
and a strong `ETag` and answer conditional requests with 304.

The server runs its event loop in a background thread (`PortalServer.start`/`stop`) so tests
and benchmarks can run a crawler in the same process; `serve_forever` blocks for the CLI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import http
import logging
import os
import socket
import struct
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from typing import Any, Protocol

from demo import hazards as hz
from demo.hazards import ANTI_BOT, RETRY_503, SLOW, TIMEOUT_LINK, HazardIndex, anti_bot_cookie
from demo.hazards import anti_bot_page as _anti_bot_page
from demo.model import Host, Portal

log = logging.getLogger(__name__)

SERVER_NAME = "zwgk-demo"
BEIJING = dt.timezone(dt.timedelta(hours=8))
MAX_HEAD = 64 * 1024  # request line + headers
MAX_BUFFER = 1 << 20  # unprocessed pipelined bytes before we stop reading
IDLE_SWEEP = 5.0  # seconds between checks for idle keep-alive connections
# Hazards that fail a URL's first `failures` requests, then serve it; and those that spoil the
# body of every answer.
_FAILING = (RETRY_503, hz.BURST_5XX, hz.RETRY_AFTER_429, hz.RESET, hz.TRUNCATED)
_BODY_FAULTS = (hz.REDIRECT_LOOP, hz.PAGE_COUNT, hz.GZIP_BOMB, hz.ENDLESS_BODY, hz.TRICKLE)


class PageLike(Protocol):
    status: int
    body: bytes
    content_type: str
    last_modified: dt.date | None


class SiteLike(Protocol):
    def respond(self, host_id: str, path: str, query: str) -> PageLike: ...


class ListenError(OSError):
    """A listener could not be bound; the message names the address:port."""


class RequestLog:
    """Thread-safe count of requests per (method, absolute URL), for tests and benchmarks.

    With ``timed=True`` it also keeps every request's arrival time (``time.monotonic()``) in
    order, for tests of the crawler's politeness (`times`); off by default, since a city-scale
    benchmark makes hundreds of thousands of requests.
    """

    def __init__(self, timed: bool = False) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._timed = timed
        self._arrivals: list[tuple[float, str, str]] = []

    def add(self, method: str, url: str) -> None:
        with self._lock:
            self._counts[(method, url)] += 1
            if self._timed:
                self._arrivals.append((time.monotonic(), method, url))

    def times(self, prefix: str = "") -> list[tuple[float, str, str]]:
        """(monotonic time, method, URL) of each request whose URL starts with `prefix` (e.g. a
        host's base URL), in arrival order; empty unless the log is timed."""
        with self._lock:
            return [row for row in self._arrivals if row[2].startswith(prefix)]

    def count(self, url: str | None = None, method: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (m, u), n in self._counts.items()
                if (url is None or u == url) and (method is None or m == method)
            )

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._arrivals.clear()


# -- header helpers -----------------------------------------------------------------------------
_date_cache: tuple[int, str] = (0, "")


def _http_now() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


@lru_cache(maxsize=4096)
def last_modified_of(day: dt.date) -> tuple[dt.datetime, str]:
    """Midnight Beijing time of `day`, in UTC and as an HTTP date (the previous day 16:00 GMT)."""
    if isinstance(day, dt.datetime):
        moment = day if day.tzinfo else day.replace(tzinfo=BEIJING)
    else:
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING)
    moment = moment.astimezone(dt.UTC)
    return moment, formatdate(moment.timestamp(), usegmt=True)


def etag_of(body: bytes) -> str:
    """A strong validator: a hash of the exact bytes sent."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _not_modified(headers: dict[bytes, bytes], etag: str, modified: dt.datetime) -> bool:
    # RFC 9110 §13.2.2: If-None-Match is evaluated first, and If-Modified-Since is ignored when
    # it is present.
    inm = headers.get(b"if-none-match")
    if inm is not None:
        if inm.strip() == b"*":
            return True
        wanted = etag.encode("ascii")
        return any(tag.strip().removeprefix(b"W/") == wanted for tag in inm.split(b","))
    ims = headers.get(b"if-modified-since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims.decode("latin-1"))
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as RFC 9110 asks
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return modified <= since


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# -- one connection -------------------------------------------------------------------------------
class _Connection(asyncio.Protocol):
    """HTTP/1.1 on one accepted socket. Requests are answered in order; a delayed one (slow,
    hanging) holds back later pipelined requests on the same connection only."""

    def __init__(self, server: PortalServer, host: Host) -> None:
        self.server = server
        self.host_id = host.id
        self.base = host.base_url
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a delayed response is pending
        self.paused = False  # the client is not reading our responses
        self.closing = False
        self.task: asyncio.Task[None] | None = None
        self.last_active = time.monotonic()

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server._connections.discard(self)
        if self.task is not None:
            self.task.cancel()

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        self.buf += data
        if self.busy or self.paused:
            if len(self.buf) > MAX_BUFFER:
                self.transport.pause_reading()
            return
        self._drain()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._drain()

    # parsing
    def _drain(self) -> None:
        while not (self.busy or self.paused or self.closing) and self.buf:
            if not self._next_request():
                break
        if not self.closing and len(self.buf) < MAX_BUFFER:
            self.transport.resume_reading()

    def _next_request(self) -> bool:
        """Parse and answer one request from the buffer; False if it is not complete yet."""
        buf = self.buf
        while buf.startswith(b"\r\n"):  # RFC 9112 §2.2: ignore empty lines before a request
            del buf[:2]
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                self._fail(431, "request header too large")
            return False
        lines = bytes(buf[:end]).split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3:
            self._fail(400, "bad request line")
            return False
        method_b, target_b, version = parts
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                self._fail(400, "bad header line")
                return False
            name = name.lower()
            value = value.strip()
            headers[name] = headers[name] + b", " + value if name in headers else value
        if version not in (b"HTTP/1.1", b"HTTP/1.0"):
            self._fail(505, "HTTP/1.0 or HTTP/1.1 only")
            return False
        if b"transfer-encoding" in headers:
            self._fail(501, "request bodies with Transfer-Encoding are not supported")
            return False
        try:
            length = int(headers.get(b"content-length", b"0"))
            if length < 0:
                raise ValueError
        except ValueError:
            self._fail(400, "bad Content-Length")
            return False
        if len(buf) < end + 4 + length:
            return False  # wait for the (ignored) body
        del buf[: end + 4 + length]

        tokens = {t.strip() for t in headers.get(b"connection", b"").lower().split(b",")}
        if version == b"HTTP/1.1":
            keep = b"close" not in tokens
        else:
            keep = b"keep-alive" in tokens
        target = target_b.decode("latin-1")
        if target.startswith(("http://", "https://")):  # absolute-form: keep path and query
            slash = target.find("/", target.find("//") + 2)
            target = target[slash:] if slash >= 0 else "/"
        if not target.startswith("/"):
            self._fail(400, "request target must be a path")
            return False
        path, _, query = target.partition("?")
        self._handle(method_b.decode("latin-1"), path, query, headers, keep, version)
        return True

    # answering
    def _handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[bytes, bytes],
        keep: bool,
        version: bytes,
    ) -> None:
        url = self.base + path + ("?" + query if query else "")
        server = self.server
        server.requests.add(method, url)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s", method, url)
        head_only = method == "HEAD"
        if method not in ("GET", "HEAD"):
            self._send(405, b"method not allowed\n", "text/plain", [("Allow", "GET, HEAD")], False)
            return
        hazard = server.hazards.hazard_for(url) if server.hazards else None
        if hazard is None and server.latency:
            self._defer(self._late(path, query, url, headers, keep, head_only, version))
            return
        if hazard is None:
            self._page(path, query, url, headers, keep, head_only, version)
            return
        kind, params = hazard["kind"], hazard["params"]
        if kind in _FAILING and server.fails_now(url, params["failures"]):
            self._fault(kind, params, url, keep, head_only, version)
        elif kind in _FAILING:
            self._page(path, query, url, headers, keep, head_only, version)
        elif kind in _BODY_FAULTS:
            self._body_fault(kind, params, path, query, url, head_only)
        elif kind == ANTI_BOT:
            extra = [("Set-Cookie", anti_bot_cookie(url)), ("Cache-Control", "no-store")]
            body = _anti_bot_page(url)
            self._send(200, body, "text/html; charset=utf-8", extra, keep, head_only, version)
        elif kind == SLOW:
            self._defer(
                self._slow(params["delay"], path, query, url, headers, keep, head_only, version)
            )
        elif kind == TIMEOUT_LINK:
            self._defer(self._hang(params["hang"], url))
        else:  # pragma: no cover - HazardIndex only admits the kinds above
            raise AssertionError(kind)

    def _fault(
        self, kind: str, params: dict, url: str, keep: bool, head_only: bool, version: bytes
    ) -> None:
        """One failing answer of a hazard that fails its first `failures` requests."""
        if kind == RETRY_503:
            body = b"<html><body><h1>503 Service Unavailable</h1></body></html>\n"
            self._send(503, body, "text/html", [("Retry-After", "1")], keep, head_only, version)
        elif kind == hz.BURST_5XX:
            status = params["status"]
            body = f"<html><body><h1>{status} {_reason(status)}</h1></body></html>\n".encode()
            self._send(status, body, "text/html", [], keep, head_only, version)
        elif kind == hz.RETRY_AFTER_429:
            body = b"<html><body><h1>429 Too Many Requests</h1></body></html>\n"
            wait = [("Retry-After", f"{params['retry_after']:g}")]
            self._send(429, body, "text/html", wait, keep, head_only, version)
        elif kind == hz.RESET:
            self._reset()
        elif kind == hz.TRUNCATED:
            page = self.server.site.respond(self.host_id, *self._split(url))
            half = page.body[: len(page.body) // 2]
            self._send_head(200, page.content_type, len(page.body), [], keep=False)
            if not head_only:
                self.transport.write(half)
            self.closing = True
            self.transport.close()
        else:  # pragma: no cover - _FAILING lists the kinds above
            raise AssertionError(kind)

    def _split(self, url: str) -> tuple[str, str]:
        path, _, query = url[len(self.base) :].partition("?")
        return path, query

    def _reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0), as an overloaded proxy does."""
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.closing = True
        self.transport.abort()

    def _body_fault(
        self, kind: str, params: dict, path: str, query: str, url: str, head_only: bool
    ) -> None:
        """A hazard that spoils the answer's body (or never gives one): each request alike."""
        if kind == hz.REDIRECT_LOOP:
            if params["hops"]:  # an endless chain ?hop=1, ?hop=2, …
                hop = int(query.rpartition("hop=")[2] or 0) if "hop=" in query else 0
                target = f"{self.base}{path}?hop={hop + 1}"
            else:  # back and forth between the page and ?loop=1
                target = f"{self.base}{path}" if query == "loop=1" else f"{self.base}{path}?loop=1"
            self._send(302, b"", "text/html", [("Location", target)], True, head_only)
        elif kind == hz.PAGE_COUNT:
            page = self.server.site.respond(self.host_id, path, query)
            body = hz.claim_page_count(page.body, params["count"])
            self._send(page.status, body, page.content_type, [], True, head_only)
        elif kind == hz.GZIP_BOMB:
            body = hz.gzip_bomb(params["size"])
            extra = [("Content-Encoding", "gzip")]
            self._send(200, body, "text/html; charset=utf-8", extra, False, head_only)
        elif kind == hz.ENDLESS_BODY:
            self._send_head(200, "text/html; charset=utf-8", None, [], keep=False)
            if not head_only:
                self._defer(self._endless())
        elif kind == hz.TRICKLE:
            self._send_head(200, "text/html; charset=utf-8", params["size"], [], keep=False)
            if not head_only:
                self._defer(self._trickle(params["size"], params["interval"]))
        else:  # pragma: no cover - _BODY_FAULTS lists the kinds above
            raise AssertionError(kind)

    async def _endless(self) -> None:
        chunk = b"<p>" + b"x" * (64 * 1024 - 8) + b"</p>\n"
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        self.transport.write(frame)
        while not self.closing:
            await self._writable()
            self.transport.write(frame)

    async def _writable(self) -> None:
        """Wait until the client has read what we wrote (asyncio flow control), or a tick."""
        while self.paused and not self.closing:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0)

    async def _trickle(self, size: int, interval: float) -> None:
        for _ in range(size):
            if self.closing:
                return
            self.transport.write(b" ")
            await asyncio.sleep(interval)
        self.transport.abort()

    def _defer(self, coro: Any) -> None:
        self.busy = True
        self.task = asyncio.get_running_loop().create_task(coro)

    async def _slow(self, delay: float, *args: Any) -> None:
        await asyncio.sleep(delay)
        self.busy = False
        self.task = None
        if not self.closing:
            self._page(*args)
            self._drain()

    async def _late(self, *args: Any) -> None:
        """A page answered after the server's `latency`, counted in flight for its host
        meanwhile (`PortalServer.max_in_flight`)."""
        server = self.server
        server.in_flight[self.host_id] += 1
        server.max_in_flight[self.host_id] = max(
            server.max_in_flight[self.host_id], server.in_flight[self.host_id]
        )
        try:
            await self._slow(server.latency, *args)
        finally:
            server.in_flight[self.host_id] -= 1

    async def _hang(self, seconds: float, url: str) -> None:
        log.debug("holding %s for %.0f s without answering", url, seconds)
        await asyncio.sleep(seconds)
        self.task = None
        if self.transport is not None:
            self.transport.abort()

    def _page(
        self,
        path: str,
        query: str,
        url: str,
        headers: dict[bytes, bytes],
        keep: bool,
        head_only: bool,
        version: bytes,
    ) -> None:
        try:
            page = self.server.site.respond(self.host_id, path, query)
        except Exception:
            log.exception("%s: the site failed to render this page", url)
            self._send(500, b"internal error\n", "text/plain", [], keep, head_only, version)
            return
        extra: list[tuple[str, str]] = []
        if page.last_modified is not None and page.status == 200:
            etag = etag_of(page.body)
            modified, modified_http = last_modified_of(page.last_modified)
            extra = [("ETag", etag), ("Last-Modified", modified_http)]
            if _not_modified(headers, etag, modified):
                self._send(304, b"", "", extra, keep, True, version)
                return
        self._send(page.status, page.body, page.content_type, extra, keep, head_only, version)

    def _send_head(
        self,
        status: int,
        content_type: str,
        length: int | None,
        extra: list[tuple[str, str]],
        keep: bool,
    ) -> None:
        """Only the status line and headers: a body follows from a hazard (`length` None:
        chunked)."""
        lines = [
            f"HTTP/1.1 {status} {_reason(status)}",
            f"Server: {SERVER_NAME}",
            f"Date: {_http_now()}",
            f"Content-Type: {content_type}",
            f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked",
        ]
        lines.extend(f"{name}: {value}" for name, value in extra)
        if not keep:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: list[tuple[str, str]],
        keep: bool,
        head_only: bool = False,
        version: bytes = b"HTTP/1.1",
    ) -> None:
        if self.closing:
            return
        lines = [
            f"HTTP/1.1 {status} {_reason(status)}",
            f"Server: {SERVER_NAME}",
            f"Date: {_http_now()}",
        ]
        if status != 304:
            lines.append(f"Content-Type: {content_type}")
            lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{name}: {value}" for name, value in extra)
        if not keep:
            lines.append("Connection: close")
        elif version == b"HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.transport.write(head if head_only or status == 304 else head + body)
        if not keep:
            self.closing = True
            self.transport.close()

    def _fail(self, status: int, reason: str) -> None:
        log.info("%s: %d %s", self.base, status, reason)
        self._send(status, reason.encode() + b"\n", "text/plain", [], keep=False)
        self.buf.clear()


# -- the server -----------------------------------------------------------------------------------
class PortalServer:
    """Serves `site` at every non-down host of `portal`, from a background event-loop thread.

    `requests` counts what was asked for (method, absolute URL), including requests answered by
    a hazard; `request_count(url)` and `reset_counts()` are shortcuts for tests.
    """

    def __init__(
        self,
        portal: Portal,
        site: SiteLike,
        *,
        keepalive_timeout: float = 60.0,
        night: int | None = None,
        timed_log: bool = False,
        latency: float = 0.0,
    ) -> None:
        """`night`: the night of a series of nightly crawls, for `outage` hazards (hosts down
        that night do not listen); `timed_log`: keep each request's arrival time; `latency`:
        seconds every page (without a hazard) takes to answer, as a real site's do — requests
        then overlap, and `max_in_flight` says how many one host had in flight at most."""
        self.portal = portal
        self.site = site
        self.hazards = HazardIndex(portal.hazards)
        self.requests = RequestLog(timed=timed_log)
        self.keepalive_timeout = keepalive_timeout
        self.latency = latency
        # Requests answered late (`latency`) in flight per host id, now and at most.
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        out = hz.outage_hosts(portal.hazards, night)
        self.hosts = [h for h in portal.hosts if not h.down and h.base_url not in out]
        self._connections: set[_Connection] = set()
        # Failing answers already given per URL (retry_503, burst_5xx, 429, reset, truncated).
        self._failures_served: dict[str, int] = {}
        for hazard in portal.hazards:  # built now: a bomb takes ~2 s to pack
            if hazard.get("kind") == hz.GZIP_BOMB:
                hz.gzip_bomb(int((hazard.get("params") or {}).get("size", 512 << 20)))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listeners: list[asyncio.Server] = []
        self._stopped = threading.Event()

    def fails_now(self, url: str, failures: int) -> bool:
        """Whether this request for `url` is one of the first `failures` (and count it)."""
        failed = self._failures_served.get(url, 0)
        if failed >= failures:
            return False
        self._failures_served[url] = failed + 1
        return True

    # public API
    def request_count(self, url: str | None = None, method: str | None = None) -> int:
        """Requests seen for `url` (absolute, with query) or in total; optionally one method."""
        return self.requests.count(url, method)

    def reset_counts(self) -> None:
        self.requests.reset()

    def start(self) -> None:
        """Bind every listener and serve in a background thread; returns once all are bound.

        Raises ListenError (naming the address:port) if one cannot be bound; nothing is left
        listening in that case.
        """
        if self._thread is not None:
            raise RuntimeError("server already started")
        bound = threading.Event()
        failure: list[BaseException] = []
        self._stopped.clear()
        self._thread = threading.Thread(
            target=self._run, args=(bound, failure), name="zwgk-demo-server", daemon=True
        )
        self._thread.start()
        bound.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        log.info("serving %d hosts of %s", len(self.hosts), self.portal.city)

    def stop(self, timeout: float = 5.0) -> None:
        """Close listeners and every connection (hanging ones too); wait for the thread."""
        loop, thread = self._loop, self._thread
        if thread is None or loop is None:
            self._stopped.set()
            return
        if loop.is_running():
            loop.call_soon_threadsafe(self._shutdown)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("server thread did not stop within %.1f s", timeout)
        self._thread = None
        self._stopped.set()

    def serve_forever(self) -> None:
        """Start (if needed) and block until stop() or Ctrl-C; then shut down cleanly."""
        if self._thread is None:
            self.start()
        try:
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            log.info("interrupted")
        finally:
            self.stop()

    def __enter__(self) -> PortalServer:
        if self._thread is None:  # serve_portal() hands out a server that is already running
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # loop thread
    def _run(self, bound: threading.Event, failure: list[BaseException]) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:
                failure.append(exc)
                return
            finally:
                bound.set()
            sweeper = loop.create_task(self._sweep_idle())
            loop.run_forever()
            sweeper.cancel()
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            # Aborted transports close their sockets in a callback: let it run.
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            loop.close()
            self._loop = None

    async def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        for host in self.hosts:
            try:
                listener = await loop.create_server(
                    lambda host=host: _Connection(self, host),
                    host.address,
                    host.port,
                    backlog=1024,
                )
            except OSError as exc:
                for done in self._listeners:
                    done.close()
                self._listeners.clear()
                reason = os.strerror(exc.errno) if exc.errno else str(exc)
                error = ListenError(
                    f"cannot listen on {host.address}:{host.port} (host {host.id}): {reason}"
                )
                error.errno = exc.errno
                raise error from exc
            self._listeners.append(listener)

    def _shutdown(self) -> None:
        for listener in self._listeners:
            listener.close()
        self._listeners.clear()
        for conn in list(self._connections):
            conn.closing = True
            if conn.transport is not None:
                conn.transport.abort()  # abort, not close: a hanging connection has no end
        self._connections.clear()
        asyncio.get_running_loop().stop()

    async def _sweep_idle(self) -> None:
        # Keep-alive connections a client forgot would otherwise pile up over a long serve.
        while True:
            await asyncio.sleep(IDLE_SWEEP)
            limit = time.monotonic() - self.keepalive_timeout
            for conn in list(self._connections):
                if not conn.busy and conn.last_active < limit and conn.transport is not None:
                    conn.closing = True
                    conn.transport.close()


def serve_portal(
    portal: Portal, site: SiteLike, *, ready: threading.Event | None = None
) -> PortalServer:
    """Start serving `portal` in the background; set `ready` once every listener is bound.

    Returns the running PortalServer: call `stop()` (or use it as a context manager) to end it.
    """
    server = PortalServer(portal, site)
    server.start()
    if ready is not None:
        ready.set()
    return server


def shift_ports(portal: Portal, offset: int) -> None:
    """Move every host `offset` ports up, with the hazard URLs and absolute links that name them.

    For serving a portal beside another one (`zwgk demo serve --port-offset`); `units.yaml` on
    disk still names the original ports.
    """
    if offset == 0:
        return
    moves: dict[str, str] = {}
    for host in portal.hosts:
        old = host.base_url
        host.port += offset
        if not 0 < host.port < 65536:
            raise ValueError(f"host {host.id}: port {host.port} out of range after offset {offset}")
        moves[old] = host.base_url

    def moved(url: str) -> str:
        for old, new in moves.items():
            if url == old or url.startswith((old + "/", old + "?")):
                return new + url[len(old) :]
        return url

    for hazard in portal.hazards:
        for key in ("url", "target_url"):
            if isinstance(hazard.get(key), str):
                hazard[key] = moved(hazard[key])
        params = hazard.get("params") or {}
        if isinstance(params.get("page_url"), str):
            params["page_url"] = moved(params["page_url"])
    for article in portal.articles:
        for link in article.links:
            link.target = moved(link.target)
    portal.reindex()
