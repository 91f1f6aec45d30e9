"""How fast the sample portal's server answers, next to how fast Scrapy consumes pages.

The server must be at least 3× faster than a Scrapy crawl, so that crawl benchmarks measure the
crawler and not the server (issue 2). This script:

1. builds the `city` portal (`demo.generate.generate_portal(seed=1, scale="city")`) and moves it
   to a free port;
2. serves it from a separate process (`demo.server.PortalServer` with `demo.site.Site`; a
   stand-in site of realistic page sizes if `demo.site` is not there yet — the output says which);
3. fires N mixed list-fragment / list-page / article requests (URLs from `demo.urls`) from an
   asyncio keep-alive client, one request in flight per connection as Scrapy does, and prints
   pages/s;
4. runs `scrapy bench` (an unthrottled Scrapy crawl of Scrapy's own fast local server) and parses
   its 'Crawled N pages (at X pages/min)' lines;
5. prints both rates and their ratio. A polite crawl (≤ 2 requests per host, delays) is far slower
   than `scrapy bench`, so the ratio is a lower bound.

    python benchmarks/serve.py [--requests 20000] [--connections 16] [--scale city] [--no-scrapy]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and benchmarks/demo.py would
# shadow the `demo` package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from demo import urls  # noqa: E402
from demo.model import Portal  # noqa: E402
from demo.server import PortalServer, shift_ports  # noqa: E402

Target = tuple[str, int, str]  # address, port, path?query


# -- the portal and its site ------------------------------------------------------------------
@dataclass
class _Page:
    status: int
    body: bytes
    content_type: str
    last_modified: object = None


class _SizedSite:
    """Stand-in for demo.site.Site while it does not exist: pages of realistic size."""

    def __init__(self, portal: Portal) -> None:
        self.filler = (
            "<p>根据《中华人民共和国政府信息公开条例》规定，现将有关事项公告如下。</p>\n" * 120
        ).encode()

    def respond(self, host_id: str, path: str, query: str) -> _Page:
        head = f"<html><head><title>{host_id}{path}?{query}</title></head><body>".encode()
        body = self.filler[:6000] if "label" in path or "index" in path else self.filler
        return _Page(200, head + body + b"</body></html>", "text/html; charset=utf-8")


def build_portal(scale: str) -> tuple[Portal, str]:
    from demo.generate import generate_portal

    portal = generate_portal(seed=1, scale=scale)
    try:
        import demo.site  # noqa: F401

        site_name = "demo.site.Site"
    except ImportError:
        site_name = "stand-in site (demo.site missing)"
    return portal, site_name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample_targets(portal: Portal, n: int, seed: int = 7) -> list[Target]:
    """N URLs: about a third list pages (Lonsun fragments, TRS index_N), the rest articles."""
    rng = random.Random(seed)
    index = portal.index
    up = {h.id for h in portal.hosts if not h.down}
    hazardous = {h.get("url") for h in portal.hazards}
    columns = [
        c
        for c in portal.columns
        if index.articles_of.get(c.id) and index.unit[c.unit_id].host in up and not c.hidden
    ]
    articles = [a for a in portal.articles if index.unit[a.unit_id].host in up]
    page_size = {"lonsun": urls.LONSUN_PAGE_SIZE, "trs": urls.TRS_PAGE_SIZE}
    out: list[Target] = []
    while len(out) < n:
        if rng.random() < 0.33:
            column = rng.choice(columns)
            host = index.host[index.unit[column.unit_id].host]
            pages = -(-len(index.articles_of[column.id]) // page_size[host.platform])
            url = urls.list_page_url(portal, column, rng.randrange(pages))
        else:
            url = urls.article_url(portal, rng.choice(articles))
        if url in hazardous:
            continue
        address_port, _, path = url.removeprefix("http://").partition("/")
        address, _, port = address_port.partition(":")
        out.append((address, int(port), "/" + path))
    return out


def _serve(portal: Portal, use_stand_in: bool, pipe) -> None:  # runs in the server process
    if use_stand_in:
        site = _SizedSite(portal)
    else:
        from demo.site import Site

        site = Site(portal)
    server = PortalServer(portal, site)
    server.start()
    pipe.send("ready")
    pipe.recv()  # "stop"
    pipe.send(server.request_count())
    server.stop()


# -- the client -------------------------------------------------------------------------------
class _Client(asyncio.Protocol):
    """One keep-alive connection: send a request, read the whole response, send the next."""

    def __init__(self, address: str, port: int, todo: list[str], stats: Counter, done) -> None:
        self.host = f"{address}:{port}".encode()
        self.todo, self.stats, self.done = todo, stats, done
        self.buf = bytearray()
        self.need = -1  # bytes of the current response, once its head is parsed

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        if not self.todo:
            self.transport.close()
            if not self.done.done():
                self.done.set_result(None)
            return
        path = self.todo.pop().encode()
        self.transport.write(
            b"GET " + path + b" HTTP/1.1\r\nHost: " + self.host + b"\r\n"
            b"User-Agent: zwgk-bench\r\nAccept-Encoding: identity\r\n\r\n"
        )

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            self.status = int(head[9:12])
            length = int(re.search(rb"content-length: (\d+)", head).group(1))
            self.need = end + 4 + length
        if len(self.buf) >= self.need:
            self.stats[self.status] += 1
            self.stats["bytes"] += self.need
            del self.buf[: self.need]
            self.need = -1
            self._send()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("server closed the connection"))


async def _fire(targets: list[Target], connections: int) -> Counter:
    loop = asyncio.get_running_loop()
    by_host: dict[tuple[str, int], list[str]] = {}
    for address, port, path in targets:
        by_host.setdefault((address, port), []).append(path)
    stats: Counter = Counter()
    waits = []
    hosts = sorted(by_host)
    per_host = max(1, connections // len(hosts))
    for address, port in hosts:
        todo = by_host[(address, port)]
        for _ in range(per_host):
            done = loop.create_future()
            await loop.create_connection(
                lambda a=address, p=port, t=todo, d=done: _Client(a, p, t, stats, d), address, port
            )
            waits.append(done)
    await asyncio.gather(*waits)
    return stats


def fire(targets: list[Target], connections: int) -> tuple[float, Counter]:
    started = time.perf_counter()
    stats = asyncio.run(_fire(targets, connections))
    return time.perf_counter() - started, stats


# -- scrapy bench -------------------------------------------------------------------------------
def scrapy_bench() -> float:
    """Peak pages/min of `scrapy bench`, run outside any project so its settings are Scrapy's."""
    with tempfile.TemporaryDirectory() as empty:
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", "LOGSTATS_INTERVAL=1"],
            cwd=empty,
            capture_output=True,
            text=True,
            timeout=120,
        )
    rates = [int(r) for r in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", run.stderr)]
    if not rates:
        raise RuntimeError(f"scrapy bench printed no rate:\n{run.stderr[-2000:]}")
    return float(max(rates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale", default="city", choices=["small", "city"])
    parser.add_argument("--no-scrapy", action="store_true", help="skip `scrapy bench`")
    args = parser.parse_args()

    started = time.perf_counter()
    portal, site_name = build_portal(args.scale)
    port = free_port()
    shift_ports(portal, port - portal.hosts[0].port)
    targets = sample_targets(portal, args.requests)
    up = sum(not h.down for h in portal.hosts)
    print(
        f"portal: {args.scale}, {len(portal.units)} units, {len(portal.articles)} articles, "
        f"{up} hosts up; built in {time.perf_counter() - started:.1f} s; site: {site_name}"
    )

    # fork: the child shares the built portal instead of rebuilding or pickling it.
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_serve, args=(portal, site_name.startswith("stand-in"), theirs))
    child.start()
    try:
        if ours.recv() != "ready":
            raise RuntimeError("server process did not start")
        fire(targets[:500], args.connections)  # warm-up: connections, caches, first renders
        elapsed, stats = fire(targets, args.connections)
        ours.send("stop")
        served = ours.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
    rate = args.requests / elapsed
    statuses = {k: v for k, v in stats.items() if k != "bytes"}
    print(
        f"server: {args.requests} requests over {args.connections} keep-alive connections in "
        f"{elapsed:.2f} s = {rate:,.0f} pages/s ({rate * 60:,.0f} pages/min), "
        f"{stats['bytes'] / args.requests / 1024:.1f} KiB/response, statuses {statuses}, "
        f"server counted {served}"
    )
    if args.no_scrapy:
        return
    scrapy_rate = scrapy_bench()
    print(f"scrapy bench: {scrapy_rate:,.0f} pages/min ({scrapy_rate / 60:,.0f} pages/s)")
    ratio = rate * 60 / scrapy_rate
    verdict = "OK" if ratio >= 3 else "TOO SLOW (target ≥ 3)"
    print(f"ratio server / scrapy bench: {ratio:.1f}× — {verdict}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
