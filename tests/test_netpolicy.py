"""The crawler's address policy (crawler/netpolicy.py), without any traffic: every spelling of a
non-public address is refused, public ones pass, a registry host's exact address is allowed and
its neighbours are not; the resolver refuses a name by what it resolves to, at every lookup
(DNS rebinding); the middleware refuses before anything is downloaded and stops a page
redirected out of the registry; link checks stop at the headers; an unchecked link is never a
unit's problem. tests/test_crawl_netpolicy.py runs the same in a real crawl."""

from __future__ import annotations

import ipaddress
import socket
from types import SimpleNamespace

import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit
from hypothesis import given, settings
from hypothesis import strategies as st
from netpolicy_hosts import TableResolver
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import HtmlResponse
from scrapy.resolver import dnscache
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from twisted.python.failure import Failure

from crawler.addresses import literal_address, non_public_kind
from crawler.linkcheck import SUSPECTED, UNCHECKED, outcome_for_failure
from crawler.netpolicy import (
    AddressPolicyMiddleware,
    AddressRefusedLookup,
    CappedHttpCompressionMiddleware,
    LinkRedirectMiddleware,
    NetPolicy,
    OffsiteRedirect,
    PolicyResolver,
    RefusedAddress,
    RefusedLookupMiddleware,
    ResponseTooLarge,
)
from store import downgrade, make_engine, migrate, open_store
from store.testing import backend_url

REGISTRY_HOSTS = ["127.0.0.11", "www.jh.gov.cn", "intranet.jh.gov"]


@pytest.fixture
def policy() -> NetPolicy:
    return NetPolicy(REGISTRY_HOSTS)


# -- spellings ---------------------------------------------------------------------------------
REFUSED = {
    "http://169.254.169.254/latest/meta-data/": "链路本地地址",
    "http://10.0.0.1/": "内网地址",
    "http://172.16.5.4/": "内网地址",
    "http://192.168.1.1:8080/": "内网地址",
    "http://127.0.0.1/": "本机回环地址",
    "http://0x7f.1/": "本机回环地址",
    "http://0x7f000001/": "本机回环地址",
    "http://2130706433/": "本机回环地址",
    "http://017700000001/": "本机回环地址",
    "http://0177.0.0.1/": "本机回环地址",
    "http://127.1/": "本机回环地址",
    "http://127.0.0.12/": "本机回环地址",  # a neighbour of the registry's 127.0.0.11
    "http://[::1]/": "本机回环地址",
    "http://[0:0:0:0:0:0:0:1]:81/": "本机回环地址",
    "http://[::ffff:127.0.0.1]/": "本机回环地址",
    "http://[::ffff:7f00:1]/": "本机回环地址",
    "http://[::ffff:169.254.169.254]/": "链路本地地址",
    "http://[2002:a9fe:a9fe::]/": "链路本地地址",  # 6to4 wrapping 169.254.169.254
    "http://[64:ff9b::a00:1]/": "内网地址",  # NAT64 wrapping 10.0.0.1
    "http://[fe80::1%25eth0]/": "链路本地地址",
    "http://[fd00:ec2::254]/": "内网地址",
    "http://0.0.0.0/": "未指定地址",
    "http://0/": "未指定地址",
    "http://[::]/": "未指定地址",
    "http://224.0.0.1/": "组播地址",
    "http://[ff02::1]/": "组播地址",
    "http://240.0.0.1/": "保留地址",
    "http://100.64.0.1/": "非公网地址",
    "http://１６９．２５４．１６９．２５４/": "链路本地地址",  # full-width, as IDNA maps it
    "http://%31%30.0.0.1/": "内网地址",
    "http://10.0.0.1./": "内网地址",
    "http://www.gov.cn@169.254.169.254/": "链路本地地址",  # user info is not the host
    "http://10.0.0.1#@www.gov.cn/": "内网地址",
    "http://localhost/": "指向本机",
    "http://LOCALHOST.:8000/": "指向本机",
    "http://admin.localhost/": "指向本机",
}
ALLOWED = [
    "http://127.0.0.11:18600/public/column/1?x=1",  # the registry's own address, any port
    "http://2130706443/",  # 127.0.0.11 in another spelling
    "http://[::ffff:127.0.0.11]/",
    "http://www.jh.gov.cn/",
    "http://intranet.jh.gov/",  # a registry name: whatever it resolves to
    "http://www.gov.cn/zhengce/",  # a name: its resolved address is the resolver's to check
    "http://8.8.8.8/",
    "http://[2001:4860:4860::8888]/",
    "http://93.184.216.34/",
]


@pytest.mark.parametrize("url,kind", REFUSED.items())
def test_every_spelling_of_a_non_public_address_is_refused(policy, url, kind):
    reason = policy.refusal(url)
    assert reason is not None and kind in reason, (url, reason)
    assert reason.startswith("未访问："), reason


@pytest.mark.parametrize("url", ALLOWED)
def test_public_addresses_names_and_the_registrys_own_addresses_pass(policy, url):
    assert policy.refusal(url) is None


def test_the_allowance_is_per_address_not_per_range():
    only_11 = NetPolicy(["127.0.0.11"])
    assert only_11.refusal("http://127.0.0.11/") is None
    for neighbour in ("127.0.0.1", "127.0.0.10", "127.0.0.12", "127.1.0.11"):
        assert only_11.refusal(f"http://{neighbour}/") is not None, neighbour
    # an operator's own exception is exact too
    extra = NetPolicy([], extra_addresses=["10.1.2.3"])
    assert extra.refusal("http://10.1.2.3/") is None
    assert extra.refusal("http://10.1.2.4/") is not None
    with pytest.raises(ValueError, match="not an IP address"):
        NetPolicy([], extra_addresses=["intranet"])


def _spellings(address: ipaddress.IPv4Address) -> list[str]:
    """The ways a URL can write one IPv4 address that the system resolver accepts."""
    n, b = int(address), address.packed
    return [
        str(address),
        str(n),
        hex(n),
        "0" + oct(n)[2:],
        ".".join(hex(x) for x in b),
        ".".join("0" + oct(x)[2:] for x in b),
        f"{b[0]}.{n & 0xFFFFFF}",
        f"{b[0]}.{b[1]}.{n & 0xFFFF}",
        f"[::ffff:{address}]",
        f"[{ipaddress.IPv6Address((0xFFFF << 32) | n)}]",
        f"[{ipaddress.IPv6Address((0x2002 << 112) | (n << 80))}]",
    ]


NON_PUBLIC = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]


@settings(max_examples=300, deadline=None, database=None)
@given(
    network=st.sampled_from(NON_PUBLIC),
    offset=st.integers(min_value=0, max_value=2**32),
    spelling=st.integers(min_value=0, max_value=10),
)
def test_property_no_spelling_of_a_non_public_address_passes(network, offset, spelling):
    address = network[offset % network.num_addresses]
    host = _spellings(address)[spelling]
    assert literal_address(host.strip("[]")) is not None, host
    assert NetPolicy().refusal(f"http://{host}/x") is not None, (address, host)


@settings(max_examples=300, deadline=None, database=None)
@given(number=st.integers(min_value=0, max_value=2**32 - 1), spelling=st.integers(0, 10))
def test_property_a_spelling_is_refused_exactly_when_its_address_is_not_public(number, spelling):
    address = ipaddress.IPv4Address(number)
    public = address.is_global and not address.is_multicast and not address.is_reserved
    host = _spellings(address)[spelling]
    refused = NetPolicy().refusal(f"http://{host}/") is not None
    assert refused is not public, (address, host)
    # literal_address agrees with the C library on what the spelling means
    if not host.startswith("["):
        assert literal_address(host) == ipaddress.IPv4Address(socket.inet_aton(host))


def test_names_are_not_literals():
    for name in ("www.gov.cn", "1.2.3.4.example", "0x7f.example", "10.0.0.1.nip.io", ""):
        assert literal_address(name) is None, name
    assert non_public_kind(ipaddress.ip_address("8.8.8.8")) is None


# -- the resolver --------------------------------------------------------------------------------
def _resolve(resolver, name):
    out = []
    resolver.getHostByName(name).addBoth(out.append)
    return out[0]


def test_the_resolver_refuses_a_name_by_the_address_it_resolves_to(policy):
    resolver = TableResolver(
        table={
            "metadata.example": "169.254.169.254",
            "public.example": "93.184.216.34",
            "intranet.jh.gov": "10.20.30.40",
        }
    )
    resolver.policy = policy
    refused = _resolve(resolver, "metadata.example")
    assert isinstance(refused, Failure) and refused.check(AddressRefusedLookup)
    assert "169.254.169.254" in policy.refused_names["metadata.example"]
    assert _resolve(resolver, "public.example") == "93.184.216.34"
    # a registry host name may resolve anywhere, and then its address is the registry's
    assert policy.refusal("http://10.20.30.40/") is not None
    assert _resolve(resolver, "intranet.jh.gov") == "10.20.30.40"
    assert policy.refusal("http://10.20.30.40/") is None
    assert policy.refusal("http://10.20.30.41/") is not None


def test_dns_rebinding_is_caught_at_every_lookup(policy):
    resolver = TableResolver(table={"rebind.example": "93.184.216.34"})
    resolver.policy = policy
    assert _resolve(resolver, "rebind.example") == "93.184.216.34"
    resolver.table["rebind.example"] = "127.0.0.1"  # the second answer points inside
    assert isinstance(_resolve(resolver, "rebind.example"), Failure)
    resolver.table["rebind.example"] = "93.184.216.34"
    assert _resolve(resolver, "rebind.example") == "93.184.216.34"
    assert "rebind.example" not in policy.refused_names


def test_the_real_cached_lookup_is_checked_too(policy):
    """Scrapy's cache answers without a thread or a network: the check still runs on it."""
    resolver = PolicyResolver(reactor=None, cache_size=100, timeout=1)
    resolver.policy = policy
    dnscache["cached-private.example"] = "192.168.0.7"
    dnscache["cached-public.example"] = "8.8.4.4"
    try:
        assert isinstance(_resolve(resolver, "cached-private.example"), Failure)
        assert _resolve(resolver, "cached-public.example") == "8.8.4.4"
    finally:
        del dnscache["cached-private.example"], dnscache["cached-public.example"]


# -- middlewares ---------------------------------------------------------------------------------
def _crawler(policy: NetPolicy):
    crawler = get_crawler(settings_dict={})
    crawler.spider = SimpleNamespace(net_policy=policy)
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def test_the_middleware_refuses_before_the_download(policy):
    mw = AddressPolicyMiddleware(_crawler(policy))
    for url in ("http://169.254.169.254/", "http://10.0.0.1/", "http://0x7f.1:9/"):
        with pytest.raises(RefusedAddress) as refused:
            mw.process_request(Request(url, meta={"zwgk_kind": "link"}))
        assert "未访问" in refused.value.reason
    assert mw.process_request(Request("http://127.0.0.11:18600/a.html")) is None
    assert mw.stats.get_value("zwgk/netpolicy/refused_address") == 3


def test_the_policy_reaches_the_resolver_at_the_first_request(policy, monkeypatch, caplog):
    """CrawlerProcess installs the resolver after building the middlewares: the policy is
    handed over when the first request passes, not at construction."""
    from twisted.internet import reactor

    resolver = TableResolver(table={"rebind.example": "10.0.0.1"})
    mw = AddressPolicyMiddleware(_crawler(policy))
    monkeypatch.setattr(reactor, "resolver", resolver, raising=False)
    assert resolver.policy is not policy
    mw.process_request(Request("http://www.jh.gov.cn/"))
    assert resolver.policy is policy
    other = AddressPolicyMiddleware(_crawler(policy))
    monkeypatch.setattr(reactor, "resolver", object(), raising=False)
    other.process_request(Request("http://www.jh.gov.cn/"))
    assert "NOT refused" in caplog.text
    # through a proxy, names are the proxy's to resolve: said once, at the first request
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    proxied = AddressPolicyMiddleware(_crawler(policy))
    proxied.process_request(Request("http://www.jh.gov.cn/"))
    assert "the proxy resolves host names" in caplog.text


def test_a_page_redirected_out_of_the_registry_is_not_followed_but_a_link_check_is(policy):
    mw = AddressPolicyMiddleware(_crawler(policy))
    hop = {"redirect_urls": ["http://www.jh.gov.cn/col/1.html"], "redirect_times": 1}
    for kind in ("directory", "list", "article"):
        with pytest.raises(OffsiteRedirect, match="名录以外"):
            mw.process_request(Request("http://www.example.com/", meta={**hop, "zwgk_kind": kind}))
    assert (
        mw.process_request(Request("http://www.example.com/", meta={**hop, "zwgk_kind": "link"}))
        is None
    )
    # inside the registry, a redirect is followed
    inside = Request("http://127.0.0.11:18600/x", meta={**hop, "zwgk_kind": "article"})
    assert mw.process_request(inside) is None
    # a link check's hop is still under the address policy
    with pytest.raises(RefusedAddress):
        mw.process_request(Request("http://169.254.169.254/", meta={**hop, "zwgk_kind": "link"}))


def test_a_link_checks_redirect_hop_is_never_dropped_as_a_duplicate():
    mw = LinkRedirectMiddleware.from_crawler(get_crawler(settings_dict={}))
    for kind, dont_filter in (("link", True), ("article", False)):
        request = Request("http://www.jh.gov.cn/a", meta={"zwgk_kind": kind})
        response = HtmlResponse(
            request.url, status=302, headers={"Location": "http://www.gov.cn/"}, request=request
        )
        hop = mw.process_response(request, response)
        assert isinstance(hop, Request) and hop.url == "http://www.gov.cn/"
        assert hop.dont_filter is dont_filter
        assert hop.meta["redirect_urls"] == ["http://www.jh.gov.cn/a"]


def test_a_refused_lookup_becomes_refused_address_not_a_retry(policy):
    policy.refused_names["rebind.example"] = "未访问：rebind.example（10.0.0.1）是内网地址"
    mw = RefusedLookupMiddleware(_crawler(policy))
    request = Request("http://rebind.example/a", meta={"zwgk_kind": "link"})
    from scrapy.exceptions import CannotResolveHostError

    with pytest.raises(RefusedAddress, match="内网地址"):
        mw.process_exception(request, CannotResolveHostError("no results"))
    other = Request("http://nowhere.example/a")
    assert mw.process_exception(other, CannotResolveHostError("no results")) is None
    assert mw.process_exception(request, TimeoutError()) is None


def test_link_checks_stop_at_the_headers_and_pages_do_not(policy):
    mw = AddressPolicyMiddleware(_crawler(policy))
    with pytest.raises(StopDownload) as stop:
        mw.headers_received({}, 10**9, Request("http://x/", meta={"zwgk_kind": "link"}), None)
    assert stop.value.fail is False  # the callback gets the status
    mw.headers_received({}, 10**9, Request("http://x/", meta={"zwgk_kind": "article"}), None)


def test_a_decompression_bomb_is_too_large_not_ignored():
    import gzip

    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 1024 * 1024})
    mw = CappedHttpCompressionMiddleware.from_crawler(crawler)
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    request = Request("http://127.0.0.11/bomb.html")
    response = HtmlResponse(
        request.url, body=bomb, headers={"Content-Encoding": "gzip"}, request=request
    )
    with pytest.raises(ResponseTooLarge, match="超过下载大小上限") as too_large:
        mw.process_response(request, response)
    assert isinstance(too_large.value, IgnoreRequest)
    small = HtmlResponse(
        request.url, body=gzip.compress(b"<p>ok</p>"), headers={"Content-Encoding": "gzip"}
    )
    assert mw.process_response(request, small).body == b"<p>ok</p>"
    stopped = HtmlResponse(request.url, body=b"", headers={"Content-Encoding": "br"})
    stopped.flags.append("download_stopped")
    assert mw.process_response(request, stopped) is stopped


def test_link_outcomes_for_the_policys_failures():
    refused = Failure(RefusedAddress("未访问：10.0.0.1 是内网地址，不属于名录中的网站"))
    assert outcome_for_failure(refused) == (UNCHECKED, refused.value.reason)
    assert outcome_for_failure(Failure(ResponseTooLarge("x")))[0] == SUSPECTED


def test_the_project_settings_install_the_policy():
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    assert s["TWISTED_DNS_RESOLVER"] == "crawler.netpolicy.PolicyResolver"
    middlewares = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["crawler.netpolicy.AddressPolicyMiddleware"] < 100  # before robots.txt
    assert middlewares["crawler.netpolicy.RefusedLookupMiddleware"] > 550  # before retry
    assert (
        middlewares["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"]
        is None
    )
    assert middlewares["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"] is None
    assert middlewares["crawler.netpolicy.LinkRedirectMiddleware"] == 600
    assert s.getint("DOWNLOAD_MAXSIZE") <= 20 * 1024 * 1024
    assert s.getint("ZWGK_LINK_MAXSIZE") <= 64 * 1024


# -- store and scoring ---------------------------------------------------------------------------
def test_an_unchecked_link_is_never_a_units_problem():
    def link(page, url, kind, on_site):
        return {"article_url": f"http://gov.test/u/art/{page}.html", "unit_id": "u", "url": url,
                "kind": kind, "text": "链接", "on_site": on_site, "outcome": UNCHECKED,
                "status_code": None}  # fmt: skip

    links = [
        link(1, "http://169.254.169.254/latest/meta-data/", "body", False),
        link(1, "http://gov.test/u/a.pdf", "attachment", True),  # e.g. the registry name moved
        link(2, "http://10.0.0.1/", "related", False),
    ]
    arts = [article(i, "u", 10, publish_date="2025-06-01") for i in (1, 2)]
    data = crawl_data([unit("u")], [column(10, "u", "notice")], arts, links=links)
    for params in ({}, {"kinds": ["attachment", "body", "related"], "on_site_only": False}):
        assert run_check("broken_links", data, params).empty, params


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    with backend_url(request.param, tmp_path) as url:
        yield url


def test_migration_0006_admits_unchecked_and_goes_back_to_suspected(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, "0005")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO crawl_runs (id, started_at, status, mode) "
                     "VALUES (1, '2026-12-01 00:00:00+00:00', 'finished', 'full')")
            )  # fmt: skip
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(INSERT_CHECK, {"url": "http://10.0.0.1/", "outcome": "unchecked"})
            conn.execute(INSERT_CHECK, {"url": "http://gov.test/a.pdf", "outcome": "suspected"})
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(INSERT_CHECK, {"url": "http://10.0.0.1/", "outcome": "unchecked"})
        rows = _outcomes(engine)
        assert rows == {"http://gov.test/a.pdf": "suspected", "http://10.0.0.1/": "unchecked"}
        downgrade(engine, "0005")
        assert _outcomes(engine) == {
            "http://gov.test/a.pdf": "suspected",
            "http://10.0.0.1/": "suspected",  # the nearest older outcome, never a unit's problem
        }
    finally:
        engine.dispose()


INSERT_CHECK = text(
    "INSERT INTO link_checks (run_id, url, checked_at, outcome, attempts) "
    "VALUES (1, :url, '2026-12-01 00:00:00+00:00', :outcome, 1)"
)


def _outcomes(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT url, outcome FROM link_checks")).all())


def test_the_store_keeps_an_unchecked_outcome_with_its_reason(db_url):
    with open_store(db_url, create=True) as store:
        run = store.start_run()
        store.record_link_checks(
            run, [{"url": "http://10.0.0.1/", "outcome": UNCHECKED, "reason": "未访问：10.0.0.1"}]
        )
        checks = store.link_checks_frame(run)
        assert checks[["outcome", "reason"]].values.tolist() == [[UNCHECKED, "未访问：10.0.0.1"]]
