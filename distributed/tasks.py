"""The job a worker runs: crawl one host's units into the coordinator's run (一台主机一个任务).

1. A job whose board says it is done (a copy delivered again) or whose coordinator is gone ends
   at once.
2. The host lock (`distributed.hostlock`) or wait: the job is retried after half the lock's
   expiry.
3. A host that accepts no connection is retried with back-off (`config.DOWN_RETRIES`,
   `config.BACKOFF_S` doubling); after the last try it is crawled all the same, so its units'
   crawl issues are stored as in a local crawl.
4. The crawl: `zwgk crawl-part FOLDER` in a process of its own, the folder made from the board
   on whichever machine runs the job (`Board.make_folder`). While it runs the lock is renewed;
   if the lock is lost or the coordinator gone, the crawl is stopped (SIGTERM: Scrapy stores
   what is in flight). The crawl process gets SIGTERM too if this process dies (PDEATHSIG).
5. Its end: a finished part is done; one that did not finish (killed, the store gone) is run
   again — it resumes — up to `config.JOB_RETRIES` times, then the job failed.

The message is acknowledged when the job ends (`task_acks_late`): a worker killed with -9
leaves it unacknowledged and Redis delivers it again after the visibility timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import shared_task

from distributed.board import Board
from distributed.hostlock import HostLock
from distributed.part import read_result

log = logging.getLogger(__name__)

# Set by `zwgk worker` for its pool: where job folders go on this machine.
JOBS_ENV = "ZWGK_WORKER_JOBS"
PR_SET_PDEATHSIG = 1
LOST = "the host lock was lost"
GONE = "the coordinator is gone"


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Not Linux: no prctl, and the lock's expiry still stops a second crawl of the host.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def reachable(address: str, timeout: float = 10.0) -> bool:
    """Whether the host (``host:port`` of a unit's entry URL) accepts a TCP connection."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def host_address(entry: str) -> str:
    parts = urlsplit(entry)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


@shared_task(bind=True, name="zwgk.crawl_host", max_retries=None)
def crawl_host(self, spec: dict[str, Any]) -> str:
    client = redis.Redis.from_url(self.app.conf.broker_url)  # one Redis: queue, board, locks
    board = Board(client, spec["board"])
    host = spec["host"]
    if not board.alive():  # a copy delivered after the run ended, or a coordinator killed
        if board.has(host) and not board.get(host).ended:
            board.update(host, state="abandoned", detail=GONE)
        return "abandoned"
    if board.get(host).ended:  # a copy delivered again after the job ended
        return "ended"
    lock = HostLock(client, host, float(spec["lock_ttl"]))
    if not lock.acquire():  # the board is the holder's to write
        wait = lock.ttl / 2  # the holder renews every third: a dead one's lapses by then or next
        log.info("host %s is being crawled by another job; again in %.0f s", host, wait)
        raise self.retry(countdown=wait)
    # The lock is released before a retry is raised: the retry may start at once elsewhere.
    try:
        outcome, wait = _holding_lock(board, host, spec, lock)
    finally:
        lock.release()
    if wait is not None:
        raise self.retry(countdown=wait)
    return outcome


def _holding_lock(
    board: Board, host: str, spec: dict[str, Any], lock: HostLock
) -> tuple[str, float | None]:
    """The job's work under its host lock: (outcome, None), or (why, seconds) to retry."""
    state = board.get(host)
    if state.ended:  # finished by another delivery while this one waited
        return "ended", None
    if state.down_checks < spec["down_retries"] and not reachable(spec["address"]):
        checks = state.down_checks + 1
        wait = spec["backoff"] * 2 ** (checks - 1)
        board.update(
            host, state="host_down", down_checks=checks,
            detail=f"{spec['address']} refused a connection; again in {wait:.0f} s",
        )  # fmt: skip
        return "host_down", wait
    return _crawl(board, host, spec, lock)


def _crawl(
    board: Board, host: str, spec: dict[str, Any], lock: HostLock
) -> tuple[str, float | None]:
    folder = Path(os.environ.get(JOBS_ENV) or ".zwgk/jobs") / spec["board"] / host
    board.make_folder(host, folder)
    state = board.update(
        host, state="running", worker=socket.gethostname(), pid=os.getpid(),
        attempts=board.get(host).attempts + 1, detail="",
    )  # fmt: skip
    cmd = [sys.executable, "-m", "zwgk", "crawl-part", str(folder)]
    with open(folder / "crawl.log", "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, preexec_fn=_die_with_parent)
        stop = _watch(proc, board, lock)
    status, stats = read_result(folder)
    if status == "finished" and proc.returncode == 0:
        board.update(host, state="done", status=status, stats=stats, detail="")
        return "done", None
    if stop == LOST:  # another job holds the host now, and the board is its to write
        return "lost", None
    if stop == GONE:
        if board.has(host):  # not when the coordinator cleared its board at its end
            board.update(host, state="abandoned", status=status, stats=stats, detail=stop)
        return "abandoned", None
    tail = (folder / "crawl.log").read_bytes()[-600:].decode("utf-8", "replace")
    why = f"crawl process exit {proc.returncode} ({status or 'no result'})"
    if state.attempts > spec["job_retries"]:
        board.update(host, state="failed", status=status, stats=stats, detail=f"{why}: {tail}")
        return "failed", None
    board.update(host, state="retrying", detail=why)
    return "retrying", spec["backoff"] * 2 ** (state.attempts - 1)


def _watch(proc: subprocess.Popen, board: Board, lock: HostLock) -> str | None:
    """Wait for the crawl process, renewing the host lock; stop it if the lock is lost or the
    coordinator is gone. Returns why it was stopped, or None."""
    every = lock.ttl / 3
    while True:
        try:
            proc.wait(timeout=every)
            return None
        except subprocess.TimeoutExpired:
            pass
        why = None
        if not lock.renew():
            why = LOST
        elif not board.alive():
            why = GONE
        if why:
            log.error("stopping the crawl of %s: %s", lock.host, why)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return why
