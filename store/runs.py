"""Crawl runs (采集批次): start, finish, resume, and the interrupted runs a kill leaves behind.

A run killed part-way (kill -9, SIGTERM) is continued under the same id by `zwgk crawl --jobdir`
(`crawler.jobdir`): `resume_run` opens it again and `run_progress` says what the store already
holds for it, so the resumed part fetches only the rest and the one run holds the whole crawl.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, select, update

from store.models import RUN_MODES, RUN_STATUSES, Article, CrawlRun, Link, LinkCheck
from store.observed import UnitObservation, unit_observation
from store.types import utcnow
from store.version import zwgk_version

log = logging.getLogger(__name__)

RUNS: Table = CrawlRun.__table__  # type: ignore[assignment]
ARTICLES: Table = Article.__table__  # type: ignore[assignment]
LINKS: Table = Link.__table__  # type: ignore[assignment]
LINK_CHECKS: Table = LinkCheck.__table__  # type: ignore[assignment]

# A finished run that could not observe more than this share of the units it was asked for
# ends `degraded` (`zwgk crawl --max-unobserved`, ZWGK_MAX_UNOBSERVED). 5 %: the sample
# portal's planted down host is 1 unit of 31 (3 %), a city's nightly flaky site or two stays
# `finished`, while a county's sites gone dark (a fifth of a city's units) is reported.
MAX_UNOBSERVED = 0.05
# Outcomes a round may be evaluated on when no run is named: a degraded run is fit — the units
# it could not read are 未评分 in the round, never judged, so the others are scored fairly;
# `unknown` is a run stored before outcomes were recorded (migration 0007).
FIT_OUTCOMES = ("finished", "degraded", "unknown")


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    mode: str
    units: list[str] | None
    registry_hash: str | None
    stats: dict[str, Any] | None
    pid: int | None
    host: str | None
    outcome: str | None = None  # None while running (store.models.RUN_OUTCOMES)
    zwgk_version: str | None = None

    @property
    def ended(self) -> str:
        """The outcome, or the status while the run has none (running)."""
        return self.outcome or self.status


def _info(row: Mapping[str, Any]) -> RunInfo:
    return RunInfo(**{k: row[k] for k in RunInfo.__slots__})  # type: ignore[attr-defined]


def json_safe(stats: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Scrapy stats hold datetimes and other objects: keep them as text."""
    if stats is None:
        return None
    return json.loads(json.dumps(dict(stats), default=str))


def start_run(
    conn: Connection, mode: str, units: Sequence[str] | None, registry_hash: str | None
) -> int:
    if mode not in RUN_MODES:
        raise ValueError(f"run mode must be one of {RUN_MODES}, got {mode!r}")
    _interrupt_stale(conn)
    return conn.execute(
        RUNS.insert()
        .values(
            started_at=utcnow(),
            status="running",
            mode=mode,
            units=list(units) if units is not None else None,
            registry_hash=registry_hash,
            pid=os.getpid(),
            host=socket.gethostname(),
            zwgk_version=zwgk_version(),
        )
        .returning(RUNS.c.id)
    ).scalar_one()


def _interrupt_stale(conn: Connection, keep: int | None = None) -> None:
    """Runs still 'running' were killed: only one crawl runs at a time (the crawl lock, held by
    the caller), so they are marked 'interrupted'."""
    stmt = select(RUNS.c.id).where(RUNS.c.status == "running")
    if keep is not None:
        stmt = stmt.where(RUNS.c.id != keep)
    stale = conn.scalars(stmt).all()
    if stale:
        log.warning("marking crawl run(s) %s as interrupted", list(stale))
        conn.execute(
            update(RUNS)
            .where(RUNS.c.id.in_(stale))
            .values(status="interrupted", outcome="interrupted")
        )


def resume_run(conn: Connection, run_id: int) -> None:
    """Open an unfinished run again (call it holding the crawl lock): 'running' again under
    this process, its start time kept, so what it stored before the kill stays its own."""
    row = conn.execute(select(RUNS.c.status).where(RUNS.c.id == run_id)).first()
    if row is None:
        raise ValueError(f"no crawl run {run_id}")
    if row.status == "finished":
        raise ValueError(f"crawl run {run_id} is finished: there is nothing to resume")
    _interrupt_stale(conn, keep=run_id)
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(
            status="running",
            outcome=None,
            finished_at=None,
            pid=os.getpid(),
            host=socket.gethostname(),
            zwgk_version=zwgk_version(),
        )
    )


@dataclass(frozen=True, slots=True)
class RunProgress:
    """What the store holds for one run so far (the work a resumed run does not do again)."""

    seen: frozenset[str]  # article URLs fetched, or sighted unchanged, in the run
    fetched: frozenset[str]  # article URLs whose page was read (HTTP 200) in the run
    checked: frozenset[str]  # link URLs with a check in the run
    # (link URL, unit id): links of pages read in the run without a check in it
    unchecked: list[tuple[str, str]]


def run_progress(conn: Connection, run_id: int) -> RunProgress:
    started = conn.scalar(select(RUNS.c.started_at).where(RUNS.c.id == run_id))
    if started is None:
        raise ValueError(f"no crawl run {run_id}")
    a = ARTICLES.c
    seen = conn.execute(select(a.url, a.fetched_at).where(a.last_seen_run == run_id)).all()
    checked = frozenset(
        conn.scalars(select(LINK_CHECKS.c.url).where(LINK_CHECKS.c.run_id == run_id))
    )
    # An article read in the run had its links stored with it, in the same transaction
    # (`writes.replace_links` marks them seen in the run): those without a check are due.
    live = (
        select(LINKS.c.url, a.unit_id)
        .join(ARTICLES, a.id == LINKS.c.article_id)
        .where(and_(LINKS.c.last_seen_run == run_id, LINKS.c.removed_run.is_(None)))
        .distinct()
        .order_by(LINKS.c.url, a.unit_id)
    )
    unchecked = [(url, unit) for url, unit in conn.execute(live) if url not in checked]
    return RunProgress(
        seen=frozenset(url for url, _ in seen),
        fetched=frozenset(url for url, at in seen if at is not None and at >= started),
        checked=checked,
        unchecked=unchecked,
    )


def finish_run(
    conn: Connection,
    run_id: int,
    status: str,
    stats: Mapping[str, Any] | None,
    max_unobserved: float = MAX_UNOBSERVED,
) -> str:
    """Close the run with its status and statistics, and judge its outcome (`judge`): a
    finished run's observed units are counted (`store.observed`) and kept in its stats
    (``zwgk/units``, ``zwgk/units_observed``, ``zwgk/units_not_observed``). Returns the
    outcome."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"finish status must be finished, failed or interrupted, got {status!r}")
    if not 0 <= max_unobserved <= 1:
        raise ValueError(f"max_unobserved is a share between 0 and 1, got {max_unobserved!r}")
    row = conn.execute(select(RUNS.c.units).where(RUNS.c.id == run_id)).first()
    if row is None:
        raise ValueError(f"no crawl run {run_id}")
    stats = dict(json_safe(stats) or {})
    seen = unit_observation(conn, run_id, row.units) if status == "finished" else None
    if seen is not None:
        stats["zwgk/units"] = len(seen.asked)
        stats["zwgk/units_observed"] = seen.observed
        stats["zwgk/units_not_observed"] = seen.not_observed
    outcome = judge(status, seen, max_unobserved)
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status=status, outcome=outcome, finished_at=utcnow(), stats=stats or None)
    )
    return outcome


def judge(status: str, seen: UnitObservation | None, max_unobserved: float) -> str:
    """A run's outcome: interrupted and failed runs stay so; a finished run that observed no
    unit `failed`, one that could not observe more than ``max_unobserved`` of its units is
    `degraded`, else `finished`."""
    if status != "finished" or seen is None:
        return status
    if seen.observed == 0:
        return "failed"
    if len(seen.not_observed) > max_unobserved * len(seen.asked):
        return "degraded"
    return "finished"


def runs(conn: Connection) -> list[RunInfo]:
    return [_info(r) for r in conn.execute(select(RUNS).order_by(RUNS.c.id)).mappings()]


def latest_run(conn: Connection, status: str | None = None) -> RunInfo | None:
    stmt = select(RUNS).order_by(RUNS.c.id.desc()).limit(1)
    if status is not None:
        stmt = stmt.where(RUNS.c.status == status)
    row = conn.execute(stmt).mappings().first()
    return None if row is None else _info(row)


def latest_fit_run(conn: Connection, unit_ids: set[str] | None = None) -> RunInfo | None:
    """The latest run a round may be evaluated on (`FIT_OUTCOMES`) that was asked for every
    unit of ``unit_ids`` (None: any) — so a recheck's crawl of a few units is not taken for
    the city's."""
    stmt = select(RUNS).where(RUNS.c.outcome.in_(FIT_OUTCOMES)).order_by(RUNS.c.id.desc())
    for row in conn.execute(stmt).mappings():
        run = _info(row)
        if unit_ids is None or run.units is None or unit_ids <= set(run.units):
            return run
    return None
