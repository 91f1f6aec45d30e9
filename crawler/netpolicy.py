"""Where the crawler may go (issue 9 point 9): addresses, redirects and response sizes.

A government page may link anywhere, including `http://169.254.169.254/` (a cloud metadata
service) or `http://10.0.0.1/` (the machine room we crawl from). Link checks therefore never
request a loopback, private, link-local, multicast, reserved or unspecified address — the link is
recorded as `unchecked` with the reason — unless that exact address belongs to a host the
registry itself crawls (the sample portal serves on 127.0.0.x; allowing 127.0.0.11 does not allow
127.0.0.12). What an address literal stands for, and whether it is public, is
`crawler/addresses.py`. The check runs in three places, because one alone leaves a hole:

1. **before scheduling** (`NetPolicy.refusal`, called by the spider): an address literal in any
   spelling the system resolver accepts (`0x7f.1`, `2130706433`, `0177.0.0.1`, `127.1`,
   `[::1]`, `[::ffff:127.0.0.1]`, `[2002:7f00:1::]`, `０．０．０．０`…) and `localhost` / `*.localhost`;
2. **for every request the downloader sees** (`AddressPolicyMiddleware`): the same check again —
   redirect hops and `zwgk recheck`'s links go through it — and a page (directory, list,
   article) redirected to a host outside the registry is not followed (a link check's redirect
   is: a government page may link to any public site — and `LinkRedirectMiddleware` makes
   sure a link's next hop is never dropped as a duplicate of another link's URL);
3. **at resolution** (`PolicyResolver`, Scrapy's TWISTED_DNS_RESOLVER): the address a host
   *name* resolves to is checked in the very lookup the connection uses, so a name that resolves
   to 10.0.0.1 — or that answers a public address first and a private one later (DNS
   rebinding) — is never connected to. `RefusedLookupMiddleware` turns that refused lookup into
   the same `RefusedAddress` failure (not retried).

Residual risk, knowingly left: through an HTTP proxy (`http_proxy`, meta `proxy`) only the
proxy's own name is resolved here, so a name resolving to a private address would be fetched by
the proxy (address literals are still refused in 1 and 2); a resolver other than `PolicyResolver`
(another TWISTED_DNS_RESOLVER) leaves only 1 and 2, and the middleware logs an error saying so.
An address a registry host *name* resolves to is allowed once that name has been resolved (the
entry page is fetched first, so in practice from the start).

Sizes: DOWNLOAD_MAXSIZE (crawler/settings.py) caps every response, also after decompression
(`CappedHttpCompressionMiddleware` reports a decompression bomb as `ResponseTooLarge`, a
`too_large` crawl issue, where Scrapy's own middleware raises a plain IgnoreRequest that would go
unreported); a link check needs only the status line, so its download stops when the headers
arrive (`headers_received` → StopDownload) and its size cap is ZWGK_LINK_MAXSIZE besides.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import getproxies

import scrapy.exceptions
from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.addresses import (
    LOCAL_NAMES,
    Address,
    canonical,
    literal_address,
    non_public_kind,
    normalise_host,
)
from crawler.politeness import LoopAwareRedirectMiddleware

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.registry import Registry

log = logging.getLogger(__name__)

# What a failed lookup reaches the middlewares as (Scrapy ≥ 2.14 wraps Twisted's error).
_LOOKUP_ERRORS = (
    DNSLookupError,
    getattr(scrapy.exceptions, "CannotResolveHostError", DNSLookupError),
)


class RefusedAddress(IgnoreRequest):
    """A request the address policy refused; `reason` (Chinese) says which address and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OffsiteRedirect(IgnoreRequest):
    """A page of a registry host redirected to a host outside the registry (not followed)."""


class ResponseTooLarge(IgnoreRequest):
    """A response whose body, once decompressed, exceeds DOWNLOAD_MAXSIZE."""


# -- the policy ------------------------------------------------------------------------------
class NetPolicy:
    """What this crawl may connect to. Built from the registry: its host names, and the exact
    addresses of its hosts (literal ones at once, named ones as they are resolved), plus
    `extra_addresses` (ZWGK_ALLOWED_ADDRESSES: an operator's own exceptions, exact addresses)."""

    def __init__(
        self, registry_hosts: Iterable[str] = (), extra_addresses: Iterable[str] = ()
    ) -> None:
        self.registry_names: set[str] = set()
        self.registry_addresses: set[Address] = set()
        for host in registry_hosts:
            address = literal_address(host)
            if address is None:
                self.registry_names.add(normalise_host(host))
            else:
                self.registry_addresses.add(canonical(address))
        self.allowed: set[Address] = set(self.registry_addresses)
        for text in extra_addresses:
            address = literal_address(text)
            if address is None:
                raise ValueError(f"ZWGK_ALLOWED_ADDRESSES: {text!r} is not an IP address")
            self.allowed.add(canonical(address))
        self.refused_names: dict[str, str] = {}  # name → reason, filled by PolicyResolver

    @classmethod
    def from_registry(cls, registry: Registry, extra_addresses: Iterable[str] = ()) -> NetPolicy:
        return cls((urlsplit(u.entry).hostname or "" for u in registry.units), extra_addresses)

    def is_registry_host(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        address = literal_address(host)
        if address is None:
            return normalise_host(host) in self.registry_names
        return canonical(address) in self.registry_addresses

    def address_refusal(self, host: str, address: Address) -> str | None:
        """Why `address` (what `host` stands for or resolved to) must not be connected to."""
        if canonical(address) in self.allowed:
            return None
        kind = non_public_kind(address)
        if kind is None:
            return None
        reached = canonical(address)
        shown = f"{host} " if normalise_host(host) == str(reached) else f"{host}（{reached}）"
        return f"未访问：{shown}是{kind}，不属于名录中的网站"

    def refusal(self, url: str) -> str | None:
        """Why `url` must not be requested, from the URL alone (an address literal, a local
        name), or None. A host name's resolved address is checked by PolicyResolver."""
        host = urlsplit(url).hostname or ""
        name = normalise_host(host)
        if name in self.registry_names:
            return None
        address = literal_address(host)
        if address is not None:
            return self.address_refusal(host, address)
        if name in LOCAL_NAMES or name.endswith(".localhost"):
            return f"未访问：{host} 指向本机，不属于名录中的网站"
        return None

    def resolved(self, name: str, address: str) -> str | None:
        """Called with every lookup result: why the connection must not be made, or None. The
        addresses of a registry host name become allowed (they are that host's)."""
        name = normalise_host(name)
        ip = canonical(ipaddress.ip_address(address))
        if name in self.registry_names:
            self.registry_addresses.add(ip)
            self.allowed.add(ip)
            return None
        reason = self.address_refusal(name, ip)
        if reason is None:
            self.refused_names.pop(name, None)
        else:
            self.refused_names[name] = reason
        return reason


class AddressRefusedLookup(DNSLookupError):
    """The lookup succeeded but its address is refused. A DNSLookupError, so Twisted's resolver
    adapter drops it quietly and the connection attempt fails as "no results"."""


class PolicyResolver(CachingThreadedResolver):
    """Scrapy's caching threaded resolver whose every answer passes `NetPolicy.resolved` — the
    same lookup the connection is made with, so a re-bound name cannot slip in between a check
    and the connect. Until a crawl installs its policy (AddressPolicyMiddleware), the strict one
    (no registry exceptions) applies."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.policy = NetPolicy()  # strict until the crawl hands over its own

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        return self.lookup(name, timeout).addCallback(self._check, name)

    def lookup(self, name: str, timeout=()):
        """The address `name` stands for (Scrapy's cached threaded lookup)."""
        return super().getHostByName(name, timeout)

    def _check(self, address: str, name: str) -> str:
        reason = self.policy.resolved(name, address)
        if reason is not None:
            log.debug("address policy: %s", reason)
            raise AddressRefusedLookup(name)
        return address


# -- downloader middlewares --------------------------------------------------------------------
def policy_of(crawler: Crawler) -> NetPolicy:
    """The crawl's policy: the spider's (`net_policy`, built from its registry), else strict."""
    policy = getattr(crawler.spider, "net_policy", None)
    if policy is None:
        policy = NetPolicy(extra_addresses=crawler.settings.getlist("ZWGK_ALLOWED_ADDRESSES"))
        if crawler.spider is not None:
            crawler.spider.net_policy = policy
    return policy


def original_url(request: Request) -> str:
    """The URL first asked for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


class AddressPolicyMiddleware:
    """Every request, before robots.txt or anything else: refused addresses, and pages
    redirected out of the registry. Also stops link checks' downloads at the headers."""

    def __init__(self, crawler: Crawler) -> None:
        self.policy = policy_of(crawler)
        self.stats = crawler.stats
        self.resolver_ready = False
        self.proxies_enabled = crawler.settings.getbool("HTTPPROXY_ENABLED", True)
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)

    def install_policy_on_resolver(self) -> None:
        """Hand the crawl's policy to the reactor's resolver. Done at the first request, not
        here: `CrawlerProcess` builds middlewares in `crawl()` but installs the resolver later,
        in `start()`."""
        from twisted.internet import reactor

        resolver = getattr(reactor, "resolver", None)
        if isinstance(resolver, PolicyResolver):
            resolver.policy = self.policy
        else:
            log.error(
                "TWISTED_DNS_RESOLVER is not crawler.netpolicy.PolicyResolver: host names that "
                "resolve to private addresses are NOT refused (only address literals are)"
            )
        proxies = {k: v for k, v in getproxies().items() if k in ("http", "https")}
        if proxies and self.proxies_enabled:
            log.warning(
                "crawling through %s: the proxy resolves host names, so a name that resolves to "
                "a private address is not refused here (address literals still are)",
                ", ".join(sorted(set(proxies.values()))),
            )
        self.resolver_ready = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressPolicyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.resolver_ready:  # every request, robots.txt's too, comes here first
            self.install_policy_on_resolver()
        reason = self.policy.refusal(request.url)
        if reason is not None:
            self.stats.inc_value("zwgk/netpolicy/refused_address")
            raise RefusedAddress(reason)
        redirected_from = request.meta.get("redirect_urls")
        if (
            redirected_from
            and request.meta.get("zwgk_kind") != "link"
            and self.policy.is_registry_host(redirected_from[0])
            and not self.policy.is_registry_host(request.url)
        ):
            self.stats.inc_value("zwgk/netpolicy/offsite_redirect")
            raise OffsiteRedirect(
                f"重定向到名录以外的主机 {urlsplit(request.url).netloc}（{request.url}），未跟随"
            )

    def headers_received(self, headers, body_length, request: Request, spider) -> None:
        # A link check wants the status line only: never read a link's body.
        if request.meta.get("zwgk_kind") == "link":
            raise StopDownload(fail=False)


class RefusedLookupMiddleware:
    """A connection that failed because PolicyResolver refused the address becomes
    RefusedAddress, before RetryMiddleware (550) would ask for it twice more."""

    def __init__(self, crawler: Crawler) -> None:
        self.policy = policy_of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RefusedLookupMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, _LOOKUP_ERRORS):
            return
        name = normalise_host(urlsplit(request.url).hostname or "")
        reason = self.policy.refused_names.get(name)
        if reason is not None:
            self.stats.inc_value("zwgk/netpolicy/refused_address")
            raise RefusedAddress(reason) from exception


class LinkRedirectMiddleware(LoopAwareRedirectMiddleware):
    """Scrapy's redirects with loops caught (`crawler.politeness`), and a link check's next hop
    never dropped as a duplicate request: when another link already led to the same URL, this
    link would be left with no outcome. Loops stay bounded by REDIRECT_MAX_TIMES."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result.meta.get("zwgk_kind") == "link":
            return result.replace(dont_filter=True)
        return result


class CappedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, whose max-size refusal (a gzip/deflate/brotli bomb) becomes
    ResponseTooLarge — a `too_large` crawl issue — instead of an unreported IgnoreRequest."""

    def process_response(self, request: Request, response: Response) -> Response:
        if "download_stopped" in response.flags:
            return response  # headers only (a link check): nothing to decompress
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # the only IgnoreRequest it raises: max size exceeded
            limit = request.meta.get("download_maxsize", self._max_size)
            raise ResponseTooLarge(
                f"解压后超过下载大小上限（{limit} 字节），已放弃：{response.url}"
            ) from exc
