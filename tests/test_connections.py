"""The crawler's keep-alive pool never sends a request on a connection it is closing
(crawler/connections.py).

The race, made certain: a GET whose response (headers and a short body) arrives in one read is
stopped at its headers the way Scrapy stops it — `loseConnection` for StopDownload (a link
check), `abortConnection` for a page announced above its size cap — and the next request to
the host is asked for as soon as Twisted gives the connection back to its pool, before the
reactor's next I/O turn (Scrapy's asyncio tasks run there). With Twisted's own pool the server
sees that next request twice; with zwgk's, once.

Each case runs in a subprocess: a Twisted reactor is installed once per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import asyncio, collections, json, socketserver, sys, threading

from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import defer, reactor
from twisted.web.client import Agent, HTTPConnectionPool

counts = collections.Counter()

class Handler(socketserver.StreamRequestHandler):
    def handle(self):  # keep-alive; each answer (headers and body) in one write
        while line := self.rfile.readline():
            path = line.split()[1].decode()
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            counts[path] += 1
            body = b"<html>" + b"x" * 200 + b"</html>"
            status = b"404 Not Found" if path.endswith(".pdf") else b"200 OK"
            head = b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
            self.wfile.write(head + body)

server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % server.server_address[1]

pool_kind, stop = sys.argv[1], sys.argv[2]
if pool_kind == "zwgk":
    from scrapy.utils.test import get_crawler
    from crawler.connections import HTTPDownloadHandler
    pool = HTTPDownloadHandler(get_crawler())._pool
else:
    pool = HTTPConnectionPool(reactor, persistent=True)
agent = Agent(reactor, pool=pool)
ROUNDS = 5

@defer.inlineCallbacks
def main():
    answers = 0
    for i in range(ROUNDS):
        done = defer.Deferred()
        put = pool._putConnection

        def put_then_ask(key, connection, i=i, put=put):
            pool._putConnection = put
            put(key, connection)
            if stop == "pooled":  # closed once in the pool, before it is handed out again
                connection.transport.loseConnection()
            url = ("%s/article%d.html" % (base, i)).encode()
            asyncio.get_event_loop().call_soon(
                lambda: agent.request(b"GET", url).addCallbacks(done.callback, done.errback)
            )

        def stop_at_headers(response):  # what Scrapy's download handler does
            if stop == "headers":  # StopDownload at headers_received (a link check)
                response._transport.stopProducing()
                response._transport.loseConnection()

        pool._putConnection = put_then_ask
        yield agent.request(b"GET", ("%s/link%d.pdf" % (base, i)).encode()).addCallback(
            stop_at_headers
        )
        yield done
        answers += 1
        yield defer.Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(0.05)))
    articles = {p: n for p, n in counts.items() if p.startswith("/article")}
    print(json.dumps({"answers": answers, "requests": articles}))
    reactor.stop()

reactor.callWhenRunning(main)
reactor.run()
"""


def requests_seen(pool: str, stop: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, pool, stop],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("stop", ["headers", "pooled"])
def test_a_request_after_a_download_stopped_at_its_headers_is_sent_once(stop):
    seen = requests_seen("zwgk", stop)
    assert seen["answers"] == 5
    assert seen["requests"] == {f"/article{i}.html": 1 for i in range(5)}


def test_twisteds_own_pool_sends_it_twice_which_is_why_the_crawler_has_its_own():
    # If this starts failing, Twisted (or Scrapy) no longer pools a connection being closed:
    # crawler/connections.py may go.
    seen = requests_seen("twisted", "headers")
    assert seen["answers"] == 5
    assert seen["requests"] == {f"/article{i}.html": 2 for i in range(5)}


def test_the_crawl_downloads_through_zwgks_pool():
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert handlers == dict.fromkeys(("http", "https"), "crawler.connections.HTTPDownloadHandler")
