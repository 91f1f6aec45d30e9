"""One crawl at a time per store (运行锁).

SQLite: a row in `crawl_locks` holding pid, host and a heartbeat; a lock whose process is gone
(same host: its pid is dead, or now names a process started after the lock was taken — after a
reboot or a container restart pids are reused at once) or whose heartbeat is older than
``stale_after`` is taken over with a warning. So a crawl killed with kill -9 never blocks the
next one for long: on its own host not at all, from another host for ``stale_after``. PostgreSQL: a session advisory lock (``pg_try_advisory_lock``), released by the server
when the holder's connection ends; the row is kept for the message a second run prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, delete, select, text, update
from sqlalchemy.exc import IntegrityError

from store.models import CrawlLockRow
from store.types import utcnow
from store.writes import insert_for

log = logging.getLogger(__name__)

LOCKS: Table = CrawlLockRow.__table__  # type: ignore[assignment]
DEFAULT_STALE_AFTER = dt.timedelta(minutes=10)
DEFAULT_HEARTBEAT_S = 30.0


@dataclass(frozen=True, slots=True)
class LockHolder:
    name: str
    token: str
    pid: int
    host: str
    acquired_at: dt.datetime
    heartbeat_at: dt.datetime


class CrawlLocked(RuntimeError):
    """Another crawl holds the lock; the message names its pid, host and start time."""

    def __init__(self, name: str, holder: LockHolder | None) -> None:
        self.name, self.holder = name, holder
        if holder is None:
            msg = f"another crawl holds the crawl lock {name!r}"
        else:
            msg = (
                f"another crawl holds the crawl lock {name!r}: pid {holder.pid} on host "
                f"{holder.host}, running since {holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC "
                f"(last heartbeat {holder.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"
            )
        super().__init__(msg)


@dataclass(slots=True)
class CrawlLock:
    """A held lock. ``lost`` turns True if another process took it over (SQLite only)."""

    name: str
    token: str
    pid: int
    host: str
    lost: bool = False


def _holder(conn: Connection, name: str) -> LockHolder | None:
    row = conn.execute(select(LOCKS).where(LOCKS.c.name == name)).mappings().first()
    if row is None:
        return None
    return LockHolder(
        row["name"], row["token"], row["pid"], row["host"], row["acquired_at"], row["heartbeat_at"]
    )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# /proc gives a process's start to the clock tick and the boot time to the second.
PID_REUSE_SLACK = dt.timedelta(seconds=2)


def process_started(pid: int) -> dt.datetime | None:
    """When process ``pid`` started (UTC), from Linux's /proc; None elsewhere or unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # Field 22, counted after the command name (which may hold spaces and parentheses).
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return dt.datetime.fromtimestamp(boot + ticks / tick, dt.UTC)


def _stale_reason(holder: LockHolder, stale_after: dt.timedelta) -> str | None:
    if holder.host == socket.gethostname():
        if not pid_alive(holder.pid):
            return f"its process {holder.pid} is gone"
        started = process_started(holder.pid)
        if started is not None and started > holder.acquired_at + PID_REUSE_SLACK:
            return (
                f"its process {holder.pid} is gone (that pid is now a process started at "
                f"{started:%Y-%m-%d %H:%M:%S} UTC, after the lock was taken)"
            )
    age = utcnow() - holder.heartbeat_at
    if age > stale_after:
        return f"its last heartbeat was {age} ago"
    return None


def _row(name: str, token: str, now: dt.datetime) -> dict[str, object]:
    return {
        "name": name,
        "token": token,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "acquired_at": now,
        "heartbeat_at": now,
    }


def _acquire_row(engine: Engine, name: str, stale_after: dt.timedelta) -> CrawlLock:
    token, now = uuid.uuid4().hex, utcnow()
    new = _row(name, token, now)
    try:
        with engine.begin() as conn:
            holder = _holder(conn, name)
            if holder is None:
                conn.execute(LOCKS.insert().values(new))
            else:
                reason = _stale_reason(holder, stale_after)
                if reason is None:
                    raise CrawlLocked(name, holder)
                log.warning(
                    "taking over crawl lock %r from pid %s on %s: %s",
                    name,
                    holder.pid,
                    holder.host,
                    reason,
                )
                # Compare-and-swap on the old holder, so two takers cannot both win.
                res = conn.execute(
                    update(LOCKS)
                    .where(LOCKS.c.name == name, LOCKS.c.token == holder.token)
                    .values(new)
                )
                if res.rowcount != 1:
                    raise CrawlLocked(name, _holder(conn, name))
    except IntegrityError:  # another process inserted the row first
        with engine.connect() as conn:
            raise CrawlLocked(name, _holder(conn, name)) from None
    return CrawlLock(name, token, int(new["pid"]), str(new["host"]))  # type: ignore[call-overload]


def _advisory_key(conn: Connection, name: str) -> int:
    # Advisory locks are per database; stores in different schemas must not block each other.
    schema = conn.scalar(text("select current_schema()"))
    digest = hashlib.sha256(f"zwgk:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _Heartbeat(threading.Thread):
    def __init__(self, beat: Callable[[], bool], every: float, lock: CrawlLock) -> None:
        super().__init__(name=f"crawl-lock-{lock.name}", daemon=True)
        self.beat, self.every, self.lock = beat, every, lock
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                if not self.beat():
                    self.lock.lost = True
                    log.error("crawl lock %r was taken over by another process", self.lock.name)
                    return
            except Exception:  # keep beating: a transient database error must not end the crawl
                log.exception("crawl lock %r: heartbeat failed", self.lock.name)


@contextmanager
def crawl_lock(
    engine: Engine,
    name: str = "crawl",
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    heartbeat_every: float = DEFAULT_HEARTBEAT_S,
) -> Iterator[CrawlLock]:
    """Hold the crawl lock ``name`` for the ``with`` block, or raise `CrawlLocked`."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, name, heartbeat_every) as lock:
            yield lock
        return

    lock = _acquire_row(engine, name, stale_after)

    def beat() -> bool:
        with engine.begin() as conn:
            res = conn.execute(
                update(LOCKS)
                .where(LOCKS.c.name == name, LOCKS.c.token == lock.token)
                .values(heartbeat_at=utcnow())
            )
            return res.rowcount == 1

    heart = _Heartbeat(beat, heartbeat_every, lock)
    heart.start()
    try:
        yield lock
    finally:
        heart.stopped.set()
        heart.join()
        with engine.begin() as conn:
            conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.token == lock.token))


@contextmanager
def _pg_lock(engine: Engine, name: str, heartbeat_every: float) -> Iterator[CrawlLock]:
    conn = engine.connect()
    try:
        key = _advisory_key(conn, name)
        got = conn.scalar(text("select pg_try_advisory_lock(:k)"), {"k": key})
        conn.commit()
        if not got:
            holder = _holder(conn, name)
            conn.rollback()
            raise CrawlLocked(name, holder)
        previous = _holder(conn, name)
        if previous is not None:
            log.warning(
                "crawl lock %r: previous holder pid %s on %s ended without releasing it",
                name,
                previous.pid,
                previous.host,
            )
        token = uuid.uuid4().hex
        row = _row(name, token, utcnow())
        stmt = insert_for(conn, LOCKS)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[LOCKS.c.name],
                set_={k: stmt.excluded[k] for k in row if k != "name"},
            ),
            row,
        )
        conn.commit()
        lock = CrawlLock(name, token, int(row["pid"]), str(row["host"]))  # type: ignore[call-overload]
        guard = threading.Lock()  # the heartbeat shares the lock's connection

        def beat() -> bool:
            with guard:
                conn.execute(
                    update(LOCKS)
                    .where(LOCKS.c.name == name, LOCKS.c.token == token)
                    .values(heartbeat_at=utcnow())
                )
                conn.commit()
            return True

        heart = _Heartbeat(beat, heartbeat_every, lock)
        heart.start()
        try:
            yield lock
        finally:
            heart.stopped.set()
            heart.join()
            with guard:
                conn.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.token == token))
                conn.execute(text("select pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()
