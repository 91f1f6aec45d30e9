"""The polite fetcher of `zwgk units probe`: a handful of requests, one at a time.

A probe meets a portal nobody has crawled yet, so it asks little and asks nicely: robots.txt
first and obeyed (its Crawl-delay too), zwgk's User-Agent, the registry's default delay between
requests, a budget of requests (`--max-requests`, 20), a deadline for each whole body, no
compressed answers (no decompression bombs), and one retry of a 429/5xx after its Retry-After
(≤ 30 s). Where it may connect is the crawler's address policy (`crawler.netpolicy.NetPolicy`):
an address literal or local name is refused before anything is sent, and a host name's address
is checked in the very lookup the connection uses, so a name resolving to a private address is
never connected to (unless that exact address is allowed with `--allow-address`). HTTP proxies
are not used: the probe connects directly, so this check holds.

urllib, like `zwgk units discover` (`crawler.discover.fetch`): no Scrapy, no reactor. Every
answer is kept (`Fetch`) with its status, Content-Type and Beijing time, so `--save` can write
the pages as test fixtures.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import socket
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.extract import MAX_PAGE_BYTES, is_anti_bot
from crawler.netpolicy import NetPolicy
from store.types import BEIJING

logger = logging.getLogger(__name__)

MAX_REQUESTS = 20  # the default budget: robots.txt, the entry, a few lists and articles
MAX_RETRY_AFTER = 30.0  # seconds a probe waits for a 429/503's Retry-After, at most
_CHUNK = 64 * 1024

# Why a fetch gave nothing to read (`Fetch.problem`), as the report names it.
ROBOTS = "robots"  # robots.txt disallows the URL (not requested)
REFUSED = "refused_address"  # the address policy refused the URL's address (not requested)
UNREACHABLE = "unreachable"  # no connection (refused, no route, name not found)
TIMEOUT = "timeout"
HTTP_ERROR = "http_error"
TOO_LARGE = "too_large"
ANTI_BOT = "anti_bot"  # an anti-bot challenge page (瑞数 $_ts) instead of the page
BUDGET = "budget"  # the request budget was spent (not requested)


@dataclass
class Fetch:
    """One URL the probe asked for (or decided not to ask for: `problem` robots/refused/budget).

    `body` is the answer's bytes (error pages too); `error` says in one phrase what went wrong."""

    url: str
    kind: str  # robots, entry, list, article
    status: int | None = None
    content_type: str | None = None
    fetched_at: str | None = None  # Beijing time, ISO 8601
    final_url: str | None = None  # after redirects
    body: bytes | None = field(default=None, repr=False)
    problem: str | None = None
    error: str | None = None
    requested: bool = False
    retry_after: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.body is not None


class _Refused(OSError):
    """The address policy refused the address a host name resolved to."""


def _policy_connection(policy: NetPolicy, base: type[http.client.HTTPConnection]) -> type:
    """An HTTP(S) connection class whose connect resolves the host, checks every address with
    the policy and connects only to an allowed one (the address checked is the one used)."""

    class PolicyConnection(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = self._checked_connection

        def _checked_connection(self, address, timeout=None, source_address=None):
            host, port = address
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            last: OSError | None = None
            for family, kind, proto, _, sockaddr in infos:
                reason = policy.resolved(host, sockaddr[0])
                if reason is not None:
                    raise _Refused(reason)
                sock = socket.socket(family, kind, proto)
                try:
                    sock.settimeout(timeout)
                    sock.connect(sockaddr)
                    return sock
                except OSError as exc:
                    sock.close()
                    last = exc
            raise last or OSError(f"{host}: no address")

    return PolicyConnection


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: NetPolicy) -> None:
        super().__init__()
        self.connection = _policy_connection(policy, http.client.HTTPConnection)

    def http_open(self, req):
        return self.do_open(self.connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: NetPolicy) -> None:
        super().__init__()
        self.connection = _policy_connection(policy, http.client.HTTPSConnection)

    def https_open(self, req):
        # As urllib's own handler (3.11 also passes check_hostname; later versions dropped it).
        extra = {"check_hostname": self._check_hostname} if hasattr(self, "_check_hostname") else {}
        return self.do_open(self.connection, req, context=self._context, **extra)


class PoliteFetcher:
    """Fetches for one probe: robots.txt per site, the delay, the budget, the address policy.

    `fetches` lists every URL asked for, in order (what `--save` writes)."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float,
        delay: float,
        max_requests: int = MAX_REQUESTS,
        allowed_addresses: tuple[str, ...] = (),
    ) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.delay = delay
        self.max_requests = max_requests
        self.policy = NetPolicy(extra_addresses=allowed_addresses)  # ValueError: not an address
        self.fetches: list[Fetch] = []
        self.requests_made = 0
        self._robots: dict[str, urllib.robotparser.RobotFileParser | Fetch] = {}
        self._last_request: float | None = None
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _HTTPHandler(self.policy), _HTTPSHandler(self.policy)
        )
        # http.client writes header values as latin-1; the UA's Chinese goes out as its UTF-8
        # bytes, as Scrapy and `zwgk units discover` send it.
        self._agent_header = user_agent.encode("utf-8").decode("latin-1")

    @property
    def remaining(self) -> int:
        return self.max_requests - self.requests_made

    # -- robots.txt ------------------------------------------------------------------------
    def robots(self, url: str) -> Fetch | None:
        """Fetch the site's robots.txt if not done yet; a Fetch when the site cannot be reached
        at all (so the page is not asked for either), else None."""
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        known = self._robots.get(origin)
        if known is None:
            answer = self._get(urljoin(origin, "/robots.txt"), "robots")
            parser = urllib.robotparser.RobotFileParser(answer.url)
            if answer.ok:
                text = answer.body.decode("utf-8", errors="replace")
                parser.parse(text.splitlines())
            elif answer.problem == HTTP_ERROR and answer.status and 400 <= answer.status < 500:
                parser.parse([])  # no robots.txt: everything is allowed (RFC 9309 §2.3.1.3)
            else:  # unreachable, timed out, a 5xx: RFC 9309 says assume complete disallow
                self._robots[origin] = answer
                return answer
            self._robots[origin] = known = parser
            crawl_delay = parser.crawl_delay(self.user_agent)
            if crawl_delay:
                self.delay = max(self.delay, min(float(crawl_delay), 600.0))
        return known if isinstance(known, Fetch) else None

    # -- pages -----------------------------------------------------------------------------
    def get(self, url: str, kind: str) -> Fetch:
        """GET a page politely. A Fetch always comes back; `problem` says why it has no page."""
        if self.remaining <= 0:
            return self._note(Fetch(url, kind, problem=BUDGET, error="request budget spent"))
        reason = self.policy.refusal(url)
        if reason is not None:
            return self._note(Fetch(url, kind, problem=REFUSED, error=reason))
        down = self.robots(url)
        if down is not None:
            why = f"robots.txt: {down.error}"
            return self._note(Fetch(url, kind, problem=down.problem, error=why))
        parser = self._robots[self._origin(url)]
        if not parser.can_fetch(self.user_agent, url):
            why = f"robots.txt does not allow {self.user_agent!r} to fetch it"
            return self._note(Fetch(url, kind, problem=ROBOTS, error=why))
        if self.remaining <= 0:
            return self._note(Fetch(url, kind, problem=BUDGET, error="request budget spent"))
        answer = self._get(url, kind)
        if answer.status in (429, 502, 503, 504) and self.remaining > 0:
            wait = min(max(self._retry_after(answer), self.delay), MAX_RETRY_AFTER)
            logger.info("%s: HTTP %s, asking once more in %.0f s", url, answer.status, wait)
            time.sleep(wait)
            answer = self._get(url, kind)
        if answer.ok and is_anti_bot(answer.body):
            answer.problem = ANTI_BOT
            answer.error = "an anti-bot challenge page (瑞数 $_ts script, no content)"
        return answer

    @staticmethod
    def _origin(url: str) -> str:
        return "{0.scheme}://{0.netloc}".format(urlsplit(url))

    @staticmethod
    def _retry_after(answer: Fetch) -> float:
        try:  # seconds; an HTTP date (rare) counts as none
            return float(answer.retry_after) if answer.retry_after else 0.0
        except ValueError:
            return 0.0

    def _note(self, fetch: Fetch) -> Fetch:
        self.fetches.append(fetch)
        return fetch

    def _wait_turn(self) -> None:
        if self._last_request is not None:
            pause = self._last_request + self.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def _get(self, url: str, kind: str) -> Fetch:
        """One request (counted against the budget), after the delay."""
        self._wait_turn()
        self.requests_made += 1
        fetch = Fetch(url, kind, requested=True)
        fetch.fetched_at = dt.datetime.now(BEIJING).isoformat(timespec="seconds")
        request = urllib.request.Request(
            url, headers={"User-Agent": self._agent_header, "Accept-Encoding": "identity"}
        )
        started = time.monotonic()
        try:
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    fetch.status = response.status
                    fetch.final_url = response.geturl()
                    fetch.content_type = response.headers.get("Content-Type")
                    fetch.body = self._read(response, started)
            except urllib.error.HTTPError as exc:
                fetch.status, fetch.final_url = exc.code, exc.geturl()
                fetch.content_type = exc.headers.get("Content-Type") if exc.headers else None
                fetch.retry_after = exc.headers.get("Retry-After") if exc.headers else None
                fetch.problem, fetch.error = HTTP_ERROR, f"HTTP {exc.code} {exc.reason}"
                try:
                    fetch.body = self._read(exc, started)
                except (OSError, TimeoutError, ValueError):
                    fetch.body = None
        except TimeoutError:
            fetch.problem, fetch.error = TIMEOUT, f"no answer within {self.timeout:g} s"
        except ValueError as exc:  # _read: too large
            fetch.problem, fetch.error = TOO_LARGE, str(exc)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, _Refused):
                fetch.problem, fetch.error = REFUSED, str(reason)
            elif isinstance(reason, TimeoutError | socket.timeout):
                fetch.problem, fetch.error = TIMEOUT, f"no answer within {self.timeout:g} s"
            else:
                fetch.problem, fetch.error = UNREACHABLE, f"cannot connect ({reason})"
        except (OSError, http.client.HTTPException) as exc:
            fetch.problem, fetch.error = UNREACHABLE, f"connection failed ({exc})"
        finally:
            self._last_request = time.monotonic()
        logger.info("%s %s: %s", kind, url, fetch.status or fetch.error)
        return self._note(fetch)

    def _read(self, response, started: float) -> bytes:
        """The body within the size cap and the deadline (a trickle ends there)."""
        chunks, size = [], 0
        while True:
            if time.monotonic() - started > self.timeout:
                raise TimeoutError
            chunk = response.read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_PAGE_BYTES:
                raise ValueError(f"page larger than {MAX_PAGE_BYTES // 1024 // 1024} MB")
            chunks.append(chunk)
