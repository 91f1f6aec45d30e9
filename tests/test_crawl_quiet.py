"""`zwgk crawl -q` on a night when hosts fail: one line per failure, never a traceback.

A name that does not resolve, a refused port, a page that never answers and a connection reset
are expected network failures: each becomes a crawl issue (a link check for a link) printed on
one line, and Scrapy's own records of them (retry give-ups, robots.txt errors with chained
tracebacks) stay out of the terminal. An error that is not a network failure still shows whole.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crawler.quiet import CrawlLogFilter, is_network_error

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Misbehaving:
    """A loopback listener that accepts and then either never answers or resets the
    connection, on two ports."""

    def __init__(self) -> None:
        self.hang = socket.create_server(("127.0.0.1", 0))
        self.reset = socket.create_server(("127.0.0.1", 0))
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        for server, act in ((self.hang, self.held.append), (self.reset, self._reset)):
            server.settimeout(0.2)
            threading.Thread(target=self._serve, args=(server, act), daemon=True).start()

    @staticmethod
    def _reset(conn: socket.socket) -> None:
        conn.recv(65536)
        # SO_LINGER 0: close sends RST, the client sees "connection reset".
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    def _serve(self, server: socket.socket, act) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            act(conn)

    def close(self) -> None:
        self.stop.set()
        for s in (self.hang, self.reset, *self.held):
            s.close()


def registry(path: Path, hang_port: int, reset_port: int) -> Path:
    refused = free_port()  # nothing listens there
    units = {
        "nohost": ("不存在的单位", "http://no-such-host.invalid/public/column/1001?type=4"),
        "refused": ("拒绝连接的单位", f"http://127.0.0.1:{refused}/xxgk/index.html"),
        "hangs": ("无响应的单位", f"http://127.0.0.1:{hang_port}/xxgk/index.html"),
        "resets": ("连接被重置的单位", f"http://127.0.0.1:{reset_port}/xxgk/index.html"),
    }
    lines = ["version: 1", "name: 失败的夜晚", "defaults:", "  timeout: 2", "units:"]
    for unit_id, (name, entry) in units.items():
        lines += [f"- id: {unit_id}", f"  name: {name}", "  level: 市直部门", "  parent: null"]
        lines += ["  profile: trs", f"  entry: {entry}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_crawl_q_prints_one_line_per_failure_and_no_traceback(store_url, tmp_path):
    server = Misbehaving()
    try:
        units = registry(
            tmp_path / "units.yaml", server.hang.getsockname()[1], server.reset.getsockname()[1]
        )
        env = {**os.environ, "ZWGK_DATABASE_URL": store_url}
        done = subprocess.run(
            [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(units)]
            + ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=1"]
            # A host's pause doubles with each failure in a row, up to a minute (test_faults
            # checks it): 90 s of waiting here, for nothing this test looks at.
            + ["-s", "ZWGK_RETRY_BACKOFF=0.05", "-s", "ZWGK_RETRY_BACKOFF_MAX=0.5"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.close()
    # No unit could be read: the run failed (exit 5), said in one line on stderr.
    assert done.returncode == 5, done.stderr[-3000:]
    out = done.stdout.splitlines()
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("crawl run 1 failed: 4 of 4 units not observed")
    assert len(done.stderr.splitlines()) == 1, done.stderr[-3000:]  # and the lines below
    assert out[0].startswith("crawl run 1: failed (incremental); requests ")
    failures = out[1:]
    assert len(failures) == 4, out  # one line per unit's failed directory page
    by_unit = {line.split()[1]: line for line in failures}
    assert by_unit["nohost"].startswith("host_unreachable nohost http://no-such-host.invalid/")
    assert "DNS lookup failed" in by_unit["nohost"]
    assert by_unit["refused"].startswith("host_unreachable refused ")
    assert by_unit["hangs"].startswith("timeout hangs ")
    assert by_unit["resets"].startswith("http_error resets ")


def record(name: str, message: str, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, None) if exc else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, None, info)


def test_the_filter_drops_network_failures_only():
    from scrapy.exceptions import CannotResolveHostError
    from twisted.internet.error import ConnectionLost, DNSLookupError

    quiet = CrawlLogFilter(logging.WARNING)
    wrapped = CannotResolveHostError("no such host")
    wrapped.__cause__ = DNSLookupError("no such host")
    robots = "scrapy.downloadermiddlewares.robotstxt"
    assert not quiet.filter(record(robots, "Error downloading <GET http://x/>", wrapped))
    assert not quiet.filter(record("scrapy.core.scraper", "Error downloading", ConnectionLost()))
    gave_up = "Gave up retrying <GET http://x/> (failed 3 times): 503 Service Unavailable"
    assert not quiet.filter(record("scrapy.downloadermiddlewares.retry", gave_up))
    assert not quiet.filter(
        logging.LogRecord(
            "scrapy.core.engine", logging.INFO, __file__, 1, "Spider opened", None, None
        )
    )
    # A bug is not a network failure: it is shown, traceback and all.
    assert quiet.filter(record("scrapy.core.scraper", "Spider error processing", KeyError("x")))
    assert quiet.filter(record(robots, "Error downloading", ValueError("bad robots.txt")))
    assert quiet.filter(record("crawler.pipelines", "batch rolled back", ConnectionLost()))
    assert is_network_error(wrapped) and not is_network_error(KeyError("x"))
