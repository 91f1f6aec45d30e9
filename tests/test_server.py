"""The sample portal's HTTP server, over real sockets on 127.0.0.x.

The pages come from a stand-in site (fixed bytes per path) so these tests pin the server's own
behaviour: headers, validators, keep-alive, hazards, request counts, shutdown.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from demo.hazards import HazardIndex
from demo.model import Article, Host, Link, Portal
from demo.server import ListenError, PortalServer, serve_portal, shift_ports

MODIFIED = dt.date(2024, 5, 6)
ZWGK = [sys.executable, "-c", "from zwgk.cli import app; app()"]
GBK_BODY = (
    "<html><head><title>江淮市人民政府</title></head><body>政务公开 索引号</body></html>".encode(
        "gbk"
    )
)


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str
    last_modified: dt.date | None = None


class StandInSite:
    """Answers fixed pages and records every call, like demo.site.Site would be called."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.calls: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def respond(self, host_id: str, path: str, query: str) -> Page:
        with self.lock:
            self.calls.append((host_id, path, query))
        if path == "/gbk.html":
            return Page(200, GBK_BODY, "text/html", MODIFIED)
        if path == "/dynamic":
            return Page(200, f"{host_id}?{query}".encode(), "text/html; charset=utf-8")
        if path == "/boom":
            raise RuntimeError("renderer bug")
        if path.endswith(".html"):
            lists = path.startswith(("/list/", "/other/"))
            pager = '<script>createPageHTML(3, 0, "index", "html");</script>' if lists else ""
            body = f"<html><body>{host_id} {path} 正文{pager}</body></html>".encode()
            return Page(200, body, "text/html; charset=utf-8", MODIFIED)
        return Page(404, b"not found", "text/html; charset=utf-8")


@pytest.fixture
def free_port() -> int:
    """A port free on 127.0.0.1, reused on the other loopback addresses."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hazard_entry(port: int, kind: str, path: str, **params: float) -> dict:
    """A hazard on host a (127.0.0.2) at `path`."""
    return {
        "kind": kind,
        "url": f"http://127.0.0.2:{port}{path}",
        "unit_id": "jh-fgw",
        "expected": "运行故障，不应计为单位问题",
        "params": params,
    }


def make_portal(port: int) -> Portal:
    hosts = [
        Host(id="a", address="127.0.0.2", port=port, platform="lonsun"),
        Host(id="b", address="127.0.0.3", port=port, platform="trs", encoding="gbk"),
        Host(id="down", address="127.0.0.4", port=port, platform="trs", down=True),
    ]

    def hazard(kind: str, path: str, **params: float) -> dict:
        return hazard_entry(port, kind, path, **params)

    hazards = [
        hazard("retry_503", "/retry.html"),
        hazard("retry_503", "/retry2.html", failures=2),
        hazard("slow", "/slow.html", delay=1.0),
        hazard("anti_bot", "/guarded.html"),
        hazard("timeout_link", "/hang.html", hang=30),
        {**hazard("host_down", ""), "url": f"http://127.0.0.4:{port}"},
    ]
    return Portal(seed=0, scale="test", city="江淮市", as_of=MODIFIED, hosts=hosts, hazards=hazards)


@pytest.fixture
def served(free_port: int):
    portal = make_portal(free_port)
    site = StandInSite(portal)
    server = serve_portal(portal, site)
    try:
        yield server, site, free_port
    finally:
        server.stop()


def get(port: int, path: str, address: str = "127.0.0.2", method: str = "GET", **headers: str):
    conn = http.client.HTTPConnection(address, port, timeout=5)
    try:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_get_serves_page_with_validators(served) -> None:
    _, _, port = served
    status, headers, body = get(port, "/public/1/2.html")
    assert status == 200
    assert body == "<html><body>a /public/1/2.html 正文</body></html>".encode()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Server"] == "zwgk-demo"
    # Midnight Beijing time on 2024-05-06 is 16:00 GMT the day before.
    assert headers["Last-Modified"] == "Sun, 05 May 2024 16:00:00 GMT"
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert not headers["ETag"].startswith("W/")


def test_each_host_answers_for_itself(served) -> None:
    _, site, port = served
    assert get(port, "/dynamic?x=1", address="127.0.0.3")[2] == b"b?x=1"
    assert site.calls[-1] == ("b", "/dynamic", "x=1")


def test_head_has_get_headers_and_no_body(served) -> None:
    _, _, port = served
    _, get_headers, body = get(port, "/x.html")
    status, headers, head_body = get(port, "/x.html", method="HEAD")
    assert status == 200 and head_body == b""
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"] == get_headers["ETag"]


def test_dynamic_page_has_no_validators(served) -> None:
    _, _, port = served
    status, headers, _ = get(port, "/dynamic?pageIndex=2", **{"If-None-Match": "*"})
    assert status == 200
    assert "ETag" not in headers and "Last-Modified" not in headers


def test_if_none_match_answers_304(served) -> None:
    _, _, port = served
    etag = get(port, "/x.html")[1]["ETag"]
    status, headers, body = get(port, "/x.html", **{"If-None-Match": f'"other", {etag}'})
    assert status == 304 and body == b""
    assert headers["ETag"] == etag
    assert get(port, "/x.html", **{"If-None-Match": '"other"'})[0] == 200
    # If-None-Match wins over a matching If-Modified-Since (RFC 9110 §13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": "Sun, 05 May 2024 16:00:00 GMT"}
    assert get(port, "/x.html", **both)[0] == 200


def test_if_modified_since_answers_304(served) -> None:
    _, _, port = served
    same = {"If-Modified-Since": "Sun, 05 May 2024 16:00:00 GMT"}
    assert get(port, "/x.html", **same)[0] == 304
    later = {"If-Modified-Since": "Mon, 06 May 2024 08:00:00 GMT"}
    assert get(port, "/x.html", **later)[0] == 304
    earlier = {"If-Modified-Since": "Sun, 05 May 2024 15:59:59 GMT"}
    assert get(port, "/x.html", **earlier)[0] == 200
    assert get(port, "/x.html", **{"If-Modified-Since": "not a date"})[0] == 200


def test_gbk_body_passes_through_byte_identical(served) -> None:
    _, _, port = served
    status, headers, body = get(port, "/gbk.html", address="127.0.0.3")
    assert status == 200 and body == GBK_BODY
    assert headers["Content-Type"] == "text/html"  # no charset: the page declares none
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_keep_alive_serves_several_requests_on_one_connection(served) -> None:
    server, _, port = served
    conn = http.client.HTTPConnection("127.0.0.2", port, timeout=5)
    conn.connect()
    sock = conn.sock
    for n in range(5):
        conn.request("GET", f"/k{n}.html")
        resp = conn.getresponse()
        assert resp.status == 200 and f"/k{n}.html".encode() in resp.read()
        assert resp.getheader("Connection") is None
    assert conn.sock is sock  # http.client reconnects if the server had closed it
    assert len(server._connections) == 1
    conn.close()


def test_pipelined_requests_answered_in_order(served) -> None:
    _, _, port = served
    with socket.create_connection(("127.0.0.2", port), timeout=5) as sock:
        request = "GET /p{n}.html HTTP/1.1\r\nHost: x\r\n{extra}\r\n"
        sock.sendall(
            (
                request.format(n=1, extra="") + request.format(n=2, extra="Connection: close\r\n")
            ).encode()
        )
        data = b""
        while chunk := sock.recv(65536):  # ends because the last request asked for close
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert data.index(b"/p1.html") < data.index(b"/p2.html")
    assert b"Connection: close" in data


def test_http10_closes_unless_keep_alive(served) -> None:
    _, _, port = served
    with socket.create_connection(("127.0.0.2", port), timeout=5) as sock:
        sock.sendall(b"GET /old.html HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith("正文</body></html>".encode())


def test_other_methods_and_garbage_are_refused(served) -> None:
    _, _, port = served
    status, headers, _ = get(port, "/x.html", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    with socket.create_connection(("127.0.0.2", port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400 Bad Request")


def test_site_error_becomes_500_and_server_keeps_serving(served) -> None:
    _, _, port = served
    assert get(port, "/boom")[0] == 500
    assert get(port, "/x.html")[0] == 200


def test_down_host_refuses_connections(served) -> None:
    _, _, port = served
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.4", port), timeout=2)


def test_retry_503_fails_then_serves(served) -> None:
    _, site, port = served
    status, headers, _ = get(port, "/retry.html")
    assert status == 503 and headers["Retry-After"] == "1"
    assert not site.calls  # the site is not asked while the hazard holds
    assert get(port, "/retry.html")[0] == 200
    assert get(port, "/retry.html")[0] == 200
    assert [get(port, "/retry2.html")[0] for _ in range(3)] == [503, 503, 200]


def test_slow_page_does_not_hold_up_other_requests(served) -> None:
    _, _, port = served
    result: dict[str, float] = {}

    def slow() -> None:
        started = time.monotonic()
        assert get(port, "/slow.html")[0] == 200
        result["slow"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)  # the slow request is now waiting on the server
    started = time.monotonic()
    assert get(port, "/fast.html")[0] == 200
    fast = time.monotonic() - started
    thread.join(5)
    assert result["slow"] >= 1.0
    assert fast < 0.5  # not held up by the slow page's second (margin: a loaded machine)


def test_anti_bot_answers_challenge_without_content(served) -> None:
    _, site, port = served
    status, headers, body = get(port, "/guarded.html")
    html = body.decode("utf-8")
    assert status == 200
    assert "$_ts=window['$_ts']" in html and "$_ts.cd=" in html
    assert "document.cookie" in html and 'http-equiv="refresh"' in html
    assert "正文" not in html
    assert "Set-Cookie" in headers
    assert not site.calls
    assert get(port, "/guarded.html")[2] == body  # always, and always the same page


def test_timeout_link_hangs_and_stop_still_returns_quickly(free_port: int) -> None:
    portal = make_portal(free_port)
    server = PortalServer(portal, StandInSite(portal))
    server.start()
    idle = socket.create_connection(("127.0.0.2", free_port), timeout=5)
    conn = http.client.HTTPConnection("127.0.0.2", free_port, timeout=0.5)
    conn.request("GET", "/hang.html")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        conn.getresponse()
    assert time.monotonic() - started >= 0.45
    assert server.request_count(f"http://127.0.0.2:{free_port}/hang.html") == 1

    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    assert idle.recv(10) == b""  # idle keep-alive connections are closed too
    conn.close()
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", free_port), timeout=2)


def test_request_counts_per_method_and_url(served) -> None:
    server, _, port = served
    base = f"http://127.0.0.2:{port}"
    get(port, "/c.html")
    get(port, "/c.html")
    get(port, "/c.html", method="HEAD")
    get(port, "/dynamic?pageIndex=3")
    get(port, "/retry.html")  # answered by a hazard: still counted
    assert server.request_count(base + "/c.html") == 3
    assert server.request_count(base + "/c.html", method="HEAD") == 1
    assert server.request_count(base + "/dynamic?pageIndex=3") == 1
    assert server.request_count(base + "/retry.html") == 1
    assert server.request_count() == 5
    assert server.requests.snapshot()[("GET", base + "/c.html")] == 2
    server.reset_counts()
    assert server.request_count() == 0


def test_taken_port_is_named(free_port: int) -> None:
    portal = make_portal(free_port)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.3", free_port))
        blocker.listen()
        with pytest.raises(ListenError, match=f"127.0.0.3:{free_port}"):
            PortalServer(portal, StandInSite(portal)).start()
    # The listener bound before the failure was released.
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", free_port))


def test_hazard_index_rejects_bad_entries_and_matches_host_scope() -> None:
    with pytest.raises(ValueError, match=r"hazards\[0\].*'flaky'"):
        HazardIndex([{"kind": "flaky", "url": "http://127.0.0.2:1/x"}])
    with pytest.raises(ValueError, match=r"hazards\[0\].*unknown params"):
        HazardIndex([{"kind": "slow", "url": "http://127.0.0.2:1/x", "params": {"dealy": 1}}])
    with pytest.raises(ValueError, match="absolute 'url'"):
        HazardIndex([{"kind": "slow", "url": "/x"}])
    index = HazardIndex(
        [
            {"kind": "anti_bot", "url": "http://127.0.0.2:1/", "params": {"scope": "host"}},
            {"kind": "slow", "target_url": "http://127.0.0.2:1/s.html"},
        ]
    )
    assert index.hazard_for("http://127.0.0.2:1/any/page.html?x=1")["kind"] == "anti_bot"
    assert index.hazard_for("http://127.0.0.2:1/s.html")["params"]["delay"] == 2.0
    assert index.hazard_for("http://127.0.0.3:1/any.html") is None


def test_shift_ports_moves_hosts_hazards_and_links(free_port: int) -> None:
    portal = make_portal(8000)
    portal.articles.append(
        Article(
            id=1,
            unit_id="u",
            column_id=1,
            title="t",
            written=None,
            published=None,
            index_no="",
            publisher="",
            links=[
                Link("in", "http://127.0.0.2:8000/hang.html"),
                Link("out", "http://127.0.0.2:80001/x"),
            ],
        )
    )
    shift_ports(portal, 5)
    assert [h.port for h in portal.hosts] == [8005, 8005, 8005]
    assert portal.hazards[0]["url"] == "http://127.0.0.2:8005/retry.html"
    assert portal.hazards[-1]["url"] == "http://127.0.0.4:8005"
    assert [x.target for x in portal.articles[0].links] == [
        "http://127.0.0.2:8005/hang.html",
        "http://127.0.0.2:80001/x",
    ]


def test_real_site_serves_generated_portal_and_its_hazards(free_port: int) -> None:
    from demo import urls
    from demo.generate import make_sample
    from demo.site import Site

    portal, _ = make_sample(seed=1, scale="small", port=free_port)
    hazards = {h["kind"]: h for h in portal.hazards}
    with serve_portal(portal, Site(portal)) as server:
        slow_took: list[float] = []

        def fetch_slow() -> None:
            started = time.monotonic()
            status = fetch(hazards["slow"]["url"])[0]
            slow_took.append(time.monotonic() - started if status == 200 else -1)

        slow = threading.Thread(target=fetch_slow)
        slow.start()

        # Articles on a UTF-8 Lonsun host and on a GBK TRS host without a charset declaration.
        by_host = {portal.index.unit[a.unit_id].host: a for a in portal.articles if a.published}
        for host_id in ("h1", "h4"):
            article = by_host[host_id]
            url = urls.article_url(portal, article)
            status, headers, body = fetch(url)
            assert status == 200, url
            modified = article.modified or article.published
            midnight = dt.datetime.combine(
                modified, dt.time(0), tzinfo=dt.timezone(dt.timedelta(hours=8))
            )
            assert parsedate_to_datetime(headers["Last-Modified"]) == midnight
            assert fetch(url, **{"If-None-Match": headers["ETag"]})[0] == 304
            if host_id == "h4":
                assert "charset" not in headers["Content-Type"]
                assert article.title in body.decode("gbk")
                with pytest.raises(UnicodeDecodeError):
                    body.decode("utf-8")
            else:
                assert article.title in body.decode("utf-8")

        assert fetch(hazards["retry_503"]["url"])[0] == 503
        assert fetch(hazards["retry_503"]["url"])[0] == 200
        challenge = fetch(hazards["anti_bot"]["url"])[2].decode("utf-8")
        assert "$_ts=window['$_ts']" in challenge
        host_down = urlsplit(hazards["host_down"]["url"])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host_down.hostname, host_down.port), timeout=2)
        with pytest.raises(TimeoutError):
            fetch(hazards["timeout_link"]["url"], timeout=0.5)
        slow.join(5)
        assert slow_took and slow_took[0] >= 2.0
        assert server.request_count(hazards["retry_503"]["url"]) == 2


def fetch(url: str, timeout: float = 5, **headers: str):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_serve_command_runs_until_interrupted(tmp_path, free_port: int) -> None:
    from demo.generate import make_sample, write_portal

    portal, manifest = make_sample(seed=1, scale="small", port=free_port - 1)
    write_portal(tmp_path, portal, manifest)
    proc = subprocess.Popen(
        [*ZWGK, "demo", "serve", str(tmp_path), "--port-offset", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C to stop" in line:
                break
        assert f"http://127.0.0.11:{free_port}" in "".join(lines)
        assert fetch(f"http://127.0.0.11:{free_port}/public/index.html")[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after 1 requests" in out


def test_serve_command_names_missing_model(tmp_path) -> None:
    run = subprocess.run(
        [*ZWGK, "demo", "serve", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=30,
    )
    assert run.returncode == 1
    assert f"{tmp_path}/model.json.gz: no sample portal here" in run.stdout


# -- the fault matrix (demo.hazards FAULT_KINDS) ---------------------------------------------------
def fault_portal(port: int) -> Portal:
    portal = make_portal(port)

    def fault(kind: str, path: str, **params: float) -> dict:
        return hazard_entry(port, kind, path, **params)

    portal.hazards = [
        fault("burst_5xx", "/burst.html", failures=2, status=502),
        fault("retry_after_429", "/busy.html", failures=1, retry_after=7),
        fault("reset", "/reset.html", failures=1),
        fault("truncated", "/cut.html"),
        fault("redirect_loop", "/loop.html"),
        fault("redirect_loop", "/chain.html", hops=1),
        fault("page_count", "/list/index.html", count=99999),
        fault("gzip_bomb", "/bomb.html", size=8 << 20),
        fault("endless_body", "/endless.html"),
        fault("trickle", "/trickle.html", size=100, interval=0.2),
        {**fault("outage", ""), "url": f"http://127.0.0.3:{port}/", "params": {"from_night": 2}},
    ]
    return portal


@pytest.fixture
def faulty(free_port: int):
    portal = fault_portal(free_port)
    server = serve_portal(portal, StandInSite(portal))
    try:
        yield free_port
    finally:
        server.stop()


def test_fault_bursts_fail_then_serve(faulty) -> None:
    assert [get(faulty, "/burst.html")[0] for _ in range(3)] == [502, 502, 200]
    status, headers, _ = get(faulty, "/busy.html")
    assert (status, headers["Retry-After"]) == (429, "7")
    assert get(faulty, "/busy.html")[0] == 200


def test_reset_drops_the_connection_then_serves(faulty) -> None:
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(faulty, "/reset.html")
    assert get(faulty, "/reset.html")[0] == 200


def test_truncated_body_is_shorter_than_its_content_length(faulty) -> None:
    conn = http.client.HTTPConnection("127.0.0.2", faulty, timeout=5)
    conn.request("GET", "/cut.html")
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as raised:
        response.read()
    declared = int(response.getheader("Content-Length"))
    assert 0 < len(raised.value.partial) < declared
    conn.close()


def test_redirect_loops(faulty) -> None:
    assert get(faulty, "/loop.html")[1]["Location"].endswith("/loop.html?loop=1")
    assert get(faulty, "/loop.html?loop=1")[1]["Location"].endswith("/loop.html")
    assert get(faulty, "/chain.html")[1]["Location"].endswith("/chain.html?hop=1")
    assert get(faulty, "/chain.html?hop=41")[1]["Location"].endswith("/chain.html?hop=42")


def test_page_count_is_claimed_on_every_page_of_the_list(faulty) -> None:
    for path in ("/list/index.html", "/list/index_3.html", "/list/index_500.html"):
        assert b"createPageHTML(99999, 0," in get(faulty, path)[2]
    assert b"createPageHTML(3, 0," in get(faulty, "/other/index_3.html")[2]


def test_claim_page_count_rewrites_both_platforms() -> None:
    from demo.hazards import claim_page_count, list_key

    body = b'{currPage:2,pageCount:3,pageSize:15} createPageHTML(5, 1, "index", "html")'
    assert claim_page_count(body, 99999) == (
        b'{currPage:2,pageCount:99999,pageSize:15} createPageHTML(99999, 1, "index", "html")'
    )
    lonsun = "http://h/site/label/8888?labelName=publicInfoList&catId=3&pageIndex={}&pageSize=15"
    assert list_key(lonsun.format(1)) == list_key(lonsun.format(7))
    assert list_key("http://h/a/index.html") == list_key("http://h/a/index_12.html")
    assert list_key("http://h/a/index.html") != list_key("http://h/b/index_1.html")


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(faulty) -> None:
    import zlib

    status, headers, body = get(faulty, "/bomb.html")
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert len(body) < 64 * 1024
    assert len(zlib.decompressobj(31).decompress(body)) == 8 << 20


def test_endless_and_trickling_bodies_never_complete(faulty) -> None:
    with socket.create_connection(("127.0.0.2", faulty), timeout=5) as sock:
        sock.sendall(b"GET /endless.html HTTP/1.1\r\nHost: x\r\n\r\n")
        received = 0
        while received < 4 << 20:  # far past any page; it keeps coming
            received += len(sock.recv(1 << 16))
    started = time.monotonic()
    with socket.create_connection(("127.0.0.2", faulty), timeout=5) as sock:
        sock.sendall(b"GET /trickle.html HTTP/1.1\r\nHost: x\r\n\r\n")
        head = sock.recv(4096)
        assert b"Content-Length: 100" in head
        got = len(head.partition(b"\r\n\r\n")[2])
        while got < 5:
            got += len(sock.recv(100))
    assert time.monotonic() - started >= 0.6  # 5 bytes, one every 0.2 s


def test_outage_takes_its_host_down_on_its_nights_only(free_port: int) -> None:
    portal = fault_portal(free_port)
    for night, up in ((None, True), (1, True), (2, False), (3, False), (4, True)):
        server = PortalServer(portal, StandInSite(portal), night=night)
        server.start()
        try:
            if up:
                assert get(free_port, "/x.html", address="127.0.0.3")[0] == 200
            else:
                with pytest.raises(ConnectionRefusedError):
                    get(free_port, "/x.html", address="127.0.0.3")
        finally:
            server.stop()


def test_timed_request_log(free_port: int) -> None:
    portal = make_portal(free_port)
    server = PortalServer(portal, StandInSite(portal), timed_log=True)
    server.start()
    try:
        get(free_port, "/a.html")
        get(free_port, "/b.html", address="127.0.0.3")
        rows = server.requests.times(f"http://127.0.0.2:{free_port}")
        assert [(method, url.rsplit("/", 1)[1]) for _, method, url in rows] == [("GET", "a.html")]
        assert len(server.requests.times()) == 2
    finally:
        server.stop()
