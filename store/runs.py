"""Crawl runs (采集批次): start, finish, and the interrupted runs a kill leaves behind."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select, update

from store.models import RUN_MODES, RUN_STATUSES, CrawlRun
from store.types import utcnow

log = logging.getLogger(__name__)

RUNS: Table = CrawlRun.__table__  # type: ignore[assignment]


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
    stale = conn.scalars(select(RUNS.c.id).where(RUNS.c.status == "running")).all()
    if stale:
        # Only one crawl runs at a time (the crawl lock), so a run still 'running' was killed.
        log.warning("marking crawl run(s) %s as interrupted", list(stale))
        conn.execute(update(RUNS).where(RUNS.c.id.in_(stale)).values(status="interrupted"))
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
        )
        .returning(RUNS.c.id)
    ).scalar_one()


def finish_run(conn: Connection, run_id: int, status: str, stats: Mapping[str, Any] | None) -> None:
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"finish status must be finished, failed or interrupted, got {status!r}")
    res = conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status=status, finished_at=utcnow(), stats=json_safe(stats))
    )
    if res.rowcount != 1:
        raise ValueError(f"no crawl run {run_id}")


def runs(conn: Connection) -> list[RunInfo]:
    return [_info(r) for r in conn.execute(select(RUNS).order_by(RUNS.c.id)).mappings()]


def latest_run(conn: Connection, status: str | None = None) -> RunInfo | None:
    stmt = select(RUNS).order_by(RUNS.c.id.desc()).limit(1)
    if status is not None:
        stmt = stmt.where(RUNS.c.status == status)
    row = conn.execute(stmt).mappings().first()
    return None if row is None else _info(row)
