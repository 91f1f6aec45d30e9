"""The crawl lock: one crawl at a time per store, across processes; dead holders are replaced."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text, update

from store import CrawlLocked, open_store
from store.lock import LOCKS
from store.testing import backend_url
from store.types import utcnow

HOLDER = """
import sys
from store import open_store
store = open_store(sys.argv[1], create=True)
with store.acquire_crawl_lock("crawl", heartbeat_every=0.2):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        open_store(u, create=True).close()  # migrate once, before two processes race to do it
        yield u


def hold_lock(url: str) -> subprocess.Popen[str]:
    """Start another process that takes the crawl lock and waits for a line on stdin."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


def test_a_second_crawl_is_refused_naming_the_holder(url: str):
    child = hold_lock(url)
    store = open_store(url, create=True)
    try:
        with pytest.raises(CrawlLocked) as err, store.acquire_crawl_lock():
            pass
        message = str(err.value)
        assert f"pid {child.pid}" in message
        assert os.uname().nodename in message and "running since" in message
        assert err.value.holder is not None and err.value.holder.pid == child.pid

        child.communicate("\n", timeout=30)  # the holder finishes
        with store.acquire_crawl_lock() as lock:
            assert lock.pid == os.getpid() and not lock.lost
    finally:
        child.kill()
        store.close()


def test_the_lock_of_a_killed_crawl_is_taken_over(url: str, caplog):
    child = hold_lock(url)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    store = open_store(url, create=True)
    try:
        with store.acquire_crawl_lock() as lock:
            assert lock.pid == os.getpid()
        assert f"pid {child.pid}" in caplog.text  # said so, with a warning
    finally:
        store.close()


def test_the_same_process_cannot_take_the_lock_twice(url: str):
    store = open_store(url, create=True)
    try:
        with store.acquire_crawl_lock(), pytest.raises(CrawlLocked), store.acquire_crawl_lock():
            pass
        with store.acquire_crawl_lock("other-name"), store.acquire_crawl_lock("crawl"):
            pass  # locks with different names are independent
    finally:
        store.close()


def test_heartbeat_keeps_the_lock_fresh(url: str):
    store = open_store(url, create=True)
    try:
        with store.acquire_crawl_lock(heartbeat_every=0.05):
            with store.engine.connect() as conn:
                first = conn.scalar(text("SELECT heartbeat_at FROM crawl_locks"))
            time.sleep(0.5)
            with store.engine.connect() as conn:
                later = conn.scalar(text("SELECT heartbeat_at FROM crawl_locks"))
        assert later > first
        with store.engine.connect() as conn:  # released: the row is gone
            assert conn.scalar(text("SELECT count(*) FROM crawl_locks")) == 0
    finally:
        store.close()


def test_sqlite_lock_from_another_host_is_stale_only_after_its_heartbeat_stops(tmp_path, caplog):
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite", create=True)
    old = utcnow() - dt.timedelta(minutes=3)
    with store.engine.begin() as conn:
        conn.execute(
            LOCKS.insert().values(
                name="crawl", token="t", pid=1, host="crawler-2", acquired_at=old, heartbeat_at=old
            )
        )
    fresh_enough = dt.timedelta(minutes=10)
    with (
        pytest.raises(CrawlLocked, match="pid 1 on host crawler-2"),
        store.acquire_crawl_lock(stale_after=fresh_enough),
    ):
        pass
    with store.acquire_crawl_lock(stale_after=dt.timedelta(minutes=2)) as lock:
        assert lock.host == os.uname().nodename
    assert "taking over crawl lock 'crawl' from pid 1 on crawler-2" in caplog.text
    store.close()


def test_sqlite_holder_learns_when_its_lock_was_taken_over(tmp_path, caplog):
    store = open_store(f"sqlite:///{tmp_path}/s.sqlite", create=True)
    with store.acquire_crawl_lock(heartbeat_every=0.05) as lock:
        with store.engine.begin() as conn:  # as a process that judged us stale would
            conn.execute(update(LOCKS).values(token="someone-else"))
        time.sleep(0.4)
        assert lock.lost
    assert "taken over" in caplog.text
    store.close()
