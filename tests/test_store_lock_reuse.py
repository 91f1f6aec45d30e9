"""A crawl killed with kill -9 leaves its lock row behind (SQLite): the next crawl on the same
host takes it over at once — also when the dead holder's pid already names another process, as
after a reboot or a container restart, where pids are handed out again from the start.

SQLite only: on PostgreSQL the lock is a session advisory lock (no pid rule to test), covered by
tests/test_store_lock.py on both backends."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import subprocess
import time

import pytest

from store import CrawlLocked, open_store
from store.lock import LOCKS, process_started
from store.types import utcnow


def leave_lock(store, pid: int, acquired_at: dt.datetime) -> None:
    """The row a killed crawl leaves: this host, that pid, a fresh heartbeat."""
    with store.engine.begin() as conn:
        conn.execute(
            LOCKS.insert().values(
                name="crawl",
                token="killed",
                pid=pid,
                host=socket.gethostname(),
                acquired_at=acquired_at,
                heartbeat_at=utcnow(),
            )
        )


@pytest.fixture
def other_process():
    before = utcnow()
    child = subprocess.Popen(["sleep", "60"])
    yield child, before
    child.kill()
    child.wait()


def test_process_started_reads_when_a_process_began(other_process):
    child, before = other_process
    started = process_started(child.pid)
    assert started is not None
    assert before - dt.timedelta(seconds=2) <= started <= utcnow() + dt.timedelta(seconds=2)
    assert process_started(2**22 + 12345) is None  # no such process


def test_a_lock_whose_pid_now_names_a_younger_process_is_taken_over(
    tmp_path, other_process, caplog
):
    child, _ = other_process
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}", create=True) as store:
        leave_lock(store, child.pid, utcnow() - dt.timedelta(hours=1))
        with caplog.at_level(logging.WARNING), store.acquire_crawl_lock() as lock:
            assert lock.pid == os.getpid()
    assert f"taking over crawl lock 'crawl' from pid {child.pid}" in caplog.text
    assert "after the lock was taken" in caplog.text


def test_a_lock_left_under_this_very_pid_by_an_earlier_process_is_taken_over(tmp_path, caplog):
    # The new crawl got the killed one's pid (pid 7 in a container, both times).
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}", create=True) as store:
        leave_lock(store, os.getpid(), utcnow() - dt.timedelta(days=3))
        with caplog.at_level(logging.WARNING), store.acquire_crawl_lock() as lock:
            assert lock.token != "killed"
    assert "after the lock was taken" in caplog.text


def test_a_lock_held_by_the_process_that_took_it_is_not_taken_over(tmp_path, other_process):
    child, _ = other_process
    time.sleep(0.05)
    with open_store(f"sqlite:///{tmp_path / 's.sqlite'}", create=True) as store:
        leave_lock(store, child.pid, utcnow())  # taken by the child after it started
        with pytest.raises(CrawlLocked, match=f"pid {child.pid}"), store.acquire_crawl_lock():
            pass
