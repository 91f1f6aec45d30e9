"""Keeping a store small (清理): `zwgk db prune`.

What a crawl stores per run, and what reading a run back (`scoring.data.load_crawl`) needs:

- ``article_history``: superseded versions of articles, each valid for runs
  [valid_from_run, valid_to_run). Reading run K as of K takes the version valid at K. Its page
  (``article_pages`` under the version's ``valid_from_run``) goes with it.
- ``link_checks``: one row per (run, URL). Reading run K takes, per URL, the latest check of a
  run ≤ K.
- ``crawl_issues``: one set per run; reading run K takes K's (the crawler's "read again what
  failed" looks at the last `KEEP_LAST_RUNS` runs).
- ``links`` removed by a re-fetch: visible to runs in [first_seen_run, removed_run).
- ``article_states``, ``listing_states``, ``column_states``, ``link_states``: what a later
  crawl overwrote in place (`store.states`), each row valid for runs [valid_from_run,
  valid_to_run); reading run K takes the row valid at K.

Articles (their current version and its page, the evidence), columns, listings, runs, rounds,
problems, decisions and responses are never pruned.

Kept runs: every run frozen by a round (so each round evaluated again gives the same numbers),
every run started within the retention period, the newest `KEEP_LAST_RUNS` runs and the newest
run of each status (the run `evaluate` would pick). Of the rows above, a row is dropped only when
no kept run reads it. Then VACUUM (SQLite) / VACUUM ANALYZE (PostgreSQL) gives the space back.
The crawl lock is held throughout: a crawl never sees rows go.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, and_, delete, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from store import states
from store.models import Base
from store.writes import HISTORY, ISSUES, LINK_CHECKS, LINKS, PAGES

log = logging.getLogger(__name__)

RUNS = Base.metadata.tables["crawl_runs"]
ROUNDS = Base.metadata.tables["rounds"]
# The crawler re-reads what failed in the last runs (crawler/seen.py, RECENT_RUNS = 10).
KEEP_LAST_RUNS = 10
DEFAULT_KEEP_DAYS = 180


@dataclass(frozen=True, slots=True)
class PrunePlan:
    cutoff: dt.datetime
    kept_runs: list[int]
    rows: dict[str, int]  # table → rows to drop


def kept_runs(conn: Connection, cutoff: dt.datetime) -> list[int]:
    """The runs whose reading must stay exactly as it is (see the module docstring)."""
    r = RUNS.c
    kept = set(conn.scalars(select(ROUNDS.c.crawl_run)))
    kept |= set(conn.scalars(select(r.id).where(r.started_at >= cutoff)))
    kept |= set(conn.scalars(select(r.id).order_by(r.id.desc()).limit(KEEP_LAST_RUNS)))
    kept |= set(conn.scalars(select(func.max(r.id)).group_by(r.status)))
    return sorted(kept)


def _unread(kept: list[int]) -> dict[str, ColumnElement[bool]]:
    """Per table, the condition of a row no kept run reads."""
    k = RUNS.alias("k")
    h, lc, ln, i = HISTORY.c, LINK_CHECKS.c, LINKS.c, ISSUES.c
    newer = LINK_CHECKS.alias("newer")

    def unread(t: Table) -> ColumnElement[bool]:  # a row valid for runs [from, to)
        return ~exists(
            select(1).where(
                k.c.id.in_(kept), k.c.id >= t.c.valid_from_run, k.c.id < t.c.valid_to_run
            )
        )

    history = unread(HISTORY)
    # A check is read by kept run K ≥ its run when no newer check of the URL comes by K.
    check = and_(
        lc.run_id.not_in(kept),
        ~exists(
            select(1).where(
                k.c.id.in_(kept),
                k.c.id >= lc.run_id,
                ~exists(
                    select(1)
                    .where(
                        newer.c.url == lc.url,
                        newer.c.run_id > lc.run_id,
                        newer.c.run_id <= k.c.id,
                    )
                    # Two levels down: said explicitly, or the outer table joins in uncorrelated.
                    .correlate(LINK_CHECKS, k)
                ),
            )
        ),
    )
    removed = and_(
        ln.removed_run.is_not(None),
        ~exists(
            select(1).where(k.c.id.in_(kept), k.c.id >= ln.first_seen_run, k.c.id < ln.removed_run)
        ),
    )
    # A superseded version's page goes with its history row (first: the row still says which).
    page = exists(
        select(1).where(
            h.article_id == PAGES.c.article_id, h.valid_from_run == PAGES.c.version_run, history
        )
    )
    return {
        PAGES.name: page,
        HISTORY.name: history,
        LINK_CHECKS.name: check,
        ISSUES.name: i.run_id.not_in(kept),
        LINKS.name: removed,
    } | {v.states.name: unread(v.states) for v in states.ALL}


TABLES = {t.name: t for t in (PAGES, HISTORY, LINK_CHECKS, ISSUES, LINKS)} | {
    v.states.name: v.states for v in states.ALL
}


def plan_prune(engine: Engine, keep_days: int, now: dt.datetime | None = None) -> PrunePlan:
    """What `prune` would drop (reads only)."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=keep_days)
    with engine.connect() as conn:
        kept = kept_runs(conn, cutoff)
        rows = {
            name: int(conn.scalar(select(func.count()).select_from(TABLES[name]).where(where)) or 0)
            for name, where in _unread(kept).items()
        }
    return PrunePlan(cutoff, kept, rows)


def prune(engine: Engine, keep_days: int, now: dt.datetime | None = None) -> PrunePlan:
    """Drop the rows no kept run reads, in one transaction (hold the crawl lock; `vacuum`
    afterwards gives the space back)."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=keep_days)
    with engine.begin() as conn:
        kept = kept_runs(conn, cutoff)
        rows = {}
        for name, where in _unread(kept).items():
            rows[name] = conn.execute(delete(TABLES[name]).where(where)).rowcount or 0
            log.info("pruned %s: %d rows", name, rows[name])
    return PrunePlan(cutoff, kept, rows)


def vacuum(engine: Engine) -> None:
    """Give the freed space back to the file system, and refresh the planner's statistics."""
    statement = "VACUUM" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql(statement)
        if engine.dialect.name == "sqlite":  # the WAL file emptied too
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def store_size(engine: Engine) -> int:
    """Bytes the store takes: the SQLite file with its WAL, or the PostgreSQL schema's relations."""
    from pathlib import Path

    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.is_file())
    with engine.connect() as conn:
        total = conn.exec_driver_sql(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        ).scalar()
    return int(total or 0)
