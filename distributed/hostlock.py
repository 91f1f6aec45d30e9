"""One job per host at a time, across every worker on every machine (主机锁).

A Redis lock per host name (redis-py's `Lock`: SET NX with an expiry, released and extended
by token in Lua scripts), held while the host's crawl process runs and renewed every third of
its expiry. A worker killed with -9 stops renewing, so the lock lapses within `HOST_LOCK_TTL_S`
and the job, delivered again, can take it.

Why a lock and not a queue per host: Celery routes a message to a queue, not to "the worker
that is not busy with this host"; several workers consuming one host's queue would still run
two of its jobs at once (a redelivered job beside the original, still running), and a queue
per host needs a worker per queue. The lock holds whoever runs the job, whichever queue it
came from. The lock is by host name, not by run: two runs (two stores, a drill) never crawl one
host at once either.
"""

from __future__ import annotations

import contextlib
import logging
import threading

import redis
from redis.exceptions import LockError

log = logging.getLogger(__name__)

PREFIX = "zwgk:host-lock:"


class HostLock:
    def __init__(self, client: redis.Redis, host: str, ttl: float) -> None:
        self.host, self.ttl = host, ttl
        self.lock = client.lock(f"{PREFIX}{host}", timeout=ttl, thread_local=False)
        self.lost = threading.Event()

    def acquire(self) -> bool:
        return bool(self.lock.acquire(blocking=False))

    def renew(self) -> bool:
        """Extend the lock to a full `ttl` again; False (and ``lost`` set) if another holds it."""
        try:
            self.lock.reacquire()
            return True
        except LockError:
            log.error("host lock %s was lost (expired and taken by another job)", self.host)
            self.lost.set()
            return False

    def release(self) -> None:
        with contextlib.suppress(LockError):  # expired, or taken over: not ours to release
            self.lock.release()

    def holder_exists(self) -> bool:
        return bool(self.lock.locked())
