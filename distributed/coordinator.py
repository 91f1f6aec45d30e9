"""`zwgk crawl --distributed`: one crawl run, one job per host, the same summary at the end.

The coordinator holds the store's crawl lock for the whole run (no local crawl, prune or second
coordinator meanwhile) and starts the run itself; the jobs join it (``ZWGK_RUN_ID``, the lock
held for them) and never close it. For each host it prepares a `crawler.jobdir` job folder —
the host's units, the article index of the run's start (taken once), the pages to read again
(`crawler.run.look_again`, per host) — and puts it on the run's board in Redis
(`distributed.board`), so a job can start or resume on any machine. It enqueues the jobs, shows
each host's progress while they run, and when all have ended adds up their figures, closes the
run (`store.runs.finish_run`: its outcome by the one rule of what was observed) and prints what
a local crawl prints (`crawler.run.end_of_run`).

If the coordinator dies, its board's ``alive`` key lapses and the jobs stop; the run stays
'running' until the next crawl marks it interrupted.
"""

from __future__ import annotations

import datetime as dt
import signal
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.live import Live
from rich.table import Table
from sqlalchemy import func, select

from crawler.jobdir import Job, create_job, seen_bytes
from crawler.run import look_again
from distributed.app import make_app
from distributed.board import Board, JobState
from distributed.config import BrokerSettings
from distributed.part import SETTINGS, part_settings
from distributed.retries import Retries
from distributed.tasks import host_address
from store.text import shown
from store.writes import ARTICLES

POLL_S = 1.0
# The articles stored so far are counted this often: the count scans the run's rows.
STORE_POLL_S = 15.0
# Scrapy figures that are not counts: not added up over the parts.
NOT_ADDED = ("start_time", "finish_time", "finish_reason", "elapsed_time_seconds", "memusage/")


def hosts_of(units) -> dict[str, list]:
    """Registry units by the host name of their entry URL (a politeness slot), in order."""
    out: dict[str, list] = {}
    for unit in units:
        out.setdefault(urlsplit(unit.entry).hostname or unit.entry, []).append(unit)
    return out


def prepare(
    store, reg, registry: Path, by_host: Mapping[str, list], run_id: int, full: bool,
    raw_settings: dict[str, str], max_unobserved: float, look: dict[str, bool],
    folder: Path, console: Console,
) -> tuple[bytes, dict[str, Path]]:  # fmt: skip
    """Each host's job folder under ``folder``; returns the run's article index and the
    folders by host."""
    started = next(r.started_at for r in store.runs() if r.id == run_id)
    seen = seen_bytes(store)
    folders = {}
    for host, units in by_host.items():
        ids = [u.id for u in units]
        files: dict[str, str] = {}
        if not full:
            extra = folder / "refetch" / host
            extra.mkdir(parents=True)
            files = look_again(store, ids, extra, console, look["revalidate"], look["open"])
        job = Job(run_id, started.isoformat(), reg.hash, ids, full)
        create_job(folder / host, store, job, files, seen=seen)
        (folder / host / SETTINGS).write_bytes(
            part_settings(registry.absolute(), raw_settings, max_unobserved)
        )
        folders[host] = folder / host
    return seen, folders


def coordinate(
    store, reg, registry: Path, selected: list, *, full: bool, raw_settings: dict[str, str],
    max_unobserved: float, look: dict[str, bool], broker: BrokerSettings, retries: Retries,
    console: Console, quiet: bool,
) -> int:  # fmt: skip
    """Run the distributed crawl holding the crawl lock; returns the run id (closed)."""
    by_host = hosts_of(selected)
    run_id = store.start_run("full" if full else "incremental", [u.id for u in selected], reg.hash)
    board = Board.connect(broker.url, f"zwgk:crawl:{run_id}-{uuid.uuid4().hex[:8]}")
    began = time.monotonic()
    # systemd stops a service with SIGTERM: end as on Ctrl-C, the run closed 'interrupted' and
    # the board cleared, so the jobs stop at once rather than when `alive` lapses.
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        board.beat()
        with tempfile.TemporaryDirectory(prefix="zwgk-dist-") as tmp:
            seen, folders = prepare(
                store, reg, registry, by_host, run_id, full, raw_settings, max_unobserved,
                look, Path(tmp), console,
            )  # fmt: skip
            units = {host: [u.id for u in us] for host, us in by_host.items()}
            board.publish(seen, folders, units)
        app = make_app(broker)
        if not app.control.ping(timeout=1.0):
            console.print(
                shown(f"no zwgk worker answers on {broker.url} yet: the jobs wait in the queue "
                      "until one starts", style="yellow"),
                soft_wrap=True,
            )  # fmt: skip
        for host, us in by_host.items():
            spec = {
                "board": board.key, "host": host, "address": host_address(us[0].entry),
                "down_retries": retries.down_retries, "backoff": retries.backoff,
                "job_retries": retries.job_retries, "lock_ttl": retries.lock_ttl,
            }  # fmt: skip
            app.send_task("zwgk.crawl_host", args=[spec], task_id=f"{board.key}:{host}")
        states = follow(board, store, run_id, units, console, quiet)
        status, stats = combine(states, time.monotonic() - began)
        store.finish_run(run_id, status, stats, max_unobserved=max_unobserved)
    except BaseException:
        store.finish_run(run_id, "interrupted", None)
        raise
    finally:
        board.clear()  # the jobs still running see their coordinator gone and stop
        signal.signal(signal.SIGTERM, previous)
    not_done = [h for h, s in states.items() if s.state != "done"]
    if not_done:
        console.print(
            shown(f"hosts whose job did not finish: {', '.join(not_done)}", style="red"),
            soft_wrap=True,
        )
    return run_id


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def follow(
    board: Board, store, run_id: int, units: Mapping[str, list[str]], console: Console, quiet: bool
) -> dict[str, JobState]:
    """Show each host's job until all have ended; returns their last states."""
    host_of = {u: h for h, us in units.items() for u in us}
    live = Live(console=console, auto_refresh=False) if console.is_terminal and not quiet else None
    seen: dict[str, str] = {}
    stored: dict[str, int] = {}
    counted = -STORE_POLL_S
    if live:
        live.start()
    try:
        while True:
            board.beat()
            states = board.states()
            if time.monotonic() - counted >= STORE_POLL_S:  # a scan of the articles' rows
                stored, counted = articles_by_host(store, run_id, host_of), time.monotonic()
            if live:
                live.update(progress_table(run_id, states, stored), refresh=True)
            elif not quiet:
                for host, state in sorted(states.items()):
                    line = f"{state.state} {state.detail}".strip()
                    if seen.get(host) != line:
                        seen[host] = line
                        console.print(
                            shown(f"{host}: {line} ({stored.get(host, 0)} articles in the run)"),
                            soft_wrap=True,
                        )
            if len(states) == len(units) and all(s.ended for s in states.values()):
                return states
            time.sleep(POLL_S)
    finally:
        if live:
            live.stop()


def articles_by_host(store, run_id: int, host_of: Mapping[str, str]) -> dict[str, int]:
    """Articles stored or seen in the run so far, by host."""
    a = ARTICLES.c
    stmt = select(a.unit_id, func.count()).where(a.last_seen_run == run_id).group_by(a.unit_id)
    out: dict[str, int] = {}
    with store.engine.connect() as conn:
        for unit, count in conn.execute(stmt):
            host = host_of.get(unit)
            if host:
                out[host] = out.get(host, 0) + count
    return out


def progress_table(run_id: int, states: Mapping[str, JobState], stored: Mapping[str, int]):
    table = Table(title=f"crawl run {run_id}, distributed: one job per host")
    for name in ("host", "units", "job", "worker", "tries", "articles", "since", "detail"):
        table.add_column(name)
    now = time.time()
    for host, s in sorted(states.items()):
        table.add_row(
            host, str(len(s.units)), s.state, s.worker or "", str(s.attempts),
            str(stored.get(host, 0)), str(dt.timedelta(seconds=int(now - s.since))),
            shown(s.detail[:80]),
        )  # fmt: skip
    return table


def combine(states: Mapping[str, JobState], elapsed: float) -> tuple[str, dict[str, Any]]:
    """The run's status and figures from its parts': finished when every job finished (the
    outcome is then judged on what was observed), else interrupted — the run did not run to
    its end, and is not fit for a round."""
    stats: dict[str, Any] = {}
    for state in states.values():
        for key, value in (state.stats or {}).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if key == "zwgk/resumed" or key.startswith(NOT_ADDED):
                continue
            stats[key] = stats.get(key, 0) + value
    stats["elapsed_time_seconds"] = round(elapsed, 3)
    stats["zwgk/distributed/hosts"] = len(states)
    stats["zwgk/distributed/attempts"] = sum(s.attempts for s in states.values())
    stats["zwgk/distributed/jobs_resumed"] = sum(s.attempts > 1 for s in states.values())
    finished = all(s.state == "done" and s.status == "finished" for s in states.values())
    return ("finished" if finished else "interrupted"), stats
