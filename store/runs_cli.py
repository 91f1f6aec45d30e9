"""`zwgk status` and `zwgk runs`: how the nightly crawl went, read from the store, for the
operator in the morning and for a monitor (exit status, ``--json``).

Both only read: the store is opened without migrating, and a store that does not exist (a
missing SQLite file, a database without zwgk's tables) or has an older schema is said in one
sentence — never created nor upgraded.
`zwgk db …` (store/db_cli.py) holds the commands that change the store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import func, select, text

from store.core import Store, open_store
from store.migrate import current_revision, head_revision
from store.models import CrawlIssue
from store.runs import RunInfo
from store.text import console, shown
from store.types import beijing_time, utcnow
from store.version import zwgk_version

DB_OPTION = typer.Option(None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL.")
ISSUES = CrawlIssue.__table__

# `zwgk status` exit codes (those of the outcomes are `zwgk crawl`'s).
STATUS_CODES = {"ok": 0, "interrupted": 1, "degraded": 4, "failed": 5, "too_old": 6, "no_run": 7}
STATUS_HELP = """How the store and its last crawl run stand: outcome, age, units observed, crawl
issues by kind, the latest run fit for a round, schema version and size.

\b
Exit status, for a monitor (a running crawl is reported, the verdict is the last ended run's):
  0  ok: the last run finished (or ended before outcomes were recorded) within --max-age
  1  the last run was interrupted (killed; run the crawl again)
  2  the store cannot be opened, or there is none at that URL
  4  the last run is degraded (units not observed over the crawl's --max-unobserved)
  5  the last run failed (no unit observed, or the store went away)
  6  the last run ended more than --max-age hours ago
  7  no crawl run yet
"""


def open_existing(url: str | None) -> Store:
    """The store at ``url``, opened to read only: `open_store` never creates one and refuses
    one at another schema revision (`StoreUnavailable`, one sentence, exit 2 in `zwgk`)."""
    return open_store(url)


def store_size(store: Store) -> int:
    """Bytes the store takes: a SQLite file with its -wal and -shm files; on PostgreSQL the
    tables (indexes and TOAST included) of the schema the store lives in."""
    if store.engine.dialect.name == "sqlite":
        path = store.engine.url.database or ""
        return sum(
            os.path.getsize(p) for p in (path, f"{path}-wal", f"{path}-shm") if os.path.isfile(p)
        )
    size = text(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
    )
    with store.engine.connect() as conn:
        return int(conn.scalar(size) or 0)


def issue_counts(store: Store, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """run id → crawl issue kind → how many (repeats counted)."""
    if not run_ids:
        return {}
    i = ISSUES.c
    stmt = (
        select(i.run_id, i.kind, func.sum(i.count))
        .where(i.run_id.in_(run_ids))
        .group_by(i.run_id, i.kind)
        .order_by(i.run_id, i.kind)
    )
    out: dict[int, dict[str, int]] = {r: {} for r in run_ids}
    with store.engine.connect() as conn:
        for run_id, kind, n in conn.execute(stmt):
            out[run_id][kind] = int(n or 0)
    return out


def run_record(run: RunInfo, issues: dict[str, int] | None = None) -> dict[str, Any]:
    """A run as plain JSON values (times in UTC ISO and in Beijing time)."""
    stats = run.stats or {}
    record = {
        "id": run.id,
        "outcome": run.outcome,
        "status": run.status,
        "mode": run.mode,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "started_beijing": beijing_time(run.started_at),
        "finished_beijing": beijing_time(run.finished_at),
        "units": stats.get("zwgk/units"),
        "units_observed": stats.get("zwgk/units_observed"),
        "units_not_observed": stats.get("zwgk/units_not_observed"),
        "zwgk_version": run.zwgk_version,
    }
    if issues is not None:
        record["crawl_issues"] = issues
    return record


def verdict(last: RunInfo | None, now: dt.datetime, max_age_h: float) -> str:
    """`STATUS_CODES`' key for the last ended run."""
    if last is None:
        return "no_run"
    if last.outcome in ("failed", "degraded", "interrupted"):
        return last.outcome
    ended = last.finished_at or last.started_at
    if now - ended > dt.timedelta(hours=max_age_h):
        return "too_old"
    return "ok"


def status_command(
    max_age: float = typer.Option(
        26.0,
        "--max-age",
        min=0.0,
        help="Hours after which the last run is too old (a nightly crawl plus slack).",
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
    database_url: str | None = DB_OPTION,
) -> None:
    store = open_existing(database_url)
    try:
        runs = store.runs()
        ended = [r for r in runs if r.status != "running"]
        last = ended[-1] if ended else None
        running = [r.id for r in runs if r.status == "running"]
        fit = store.latest_fit_run()
        issues = issue_counts(store, [last.id]).get(last.id, {}) if last else {}
        now = utcnow()
        state = verdict(last, now, max_age)
        record = {
            "store": store.url,
            "verdict": state,
            "exit_code": STATUS_CODES[state],
            "last_run": run_record(last, issues) if last else None,
            "last_run_age_hours": (
                round((now - (last.finished_at or last.started_at)).total_seconds() / 3600, 2)
                if last
                else None
            ),
            "running": running,
            "fit_run": run_record(fit) if fit else None,
            "schema": {"revision": current_revision(store.engine), "head": head_revision()},
            "size_bytes": store_size(store),
            "zwgk_version": zwgk_version(),
        }
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_status(record)
    raise typer.Exit(record["exit_code"])


def _print_status(record: dict[str, Any]) -> None:
    out = console()
    schema = record["schema"]
    behind = "" if schema["revision"] == schema["head"] else f" (this zwgk's is {schema['head']})"
    lines = [
        f"store {record['store']}: schema {schema['revision']}{behind}, "
        f"{record['size_bytes'] / 2**20:.1f} MiB; zwgk {record['zwgk_version']}"
    ]
    last = record["last_run"]
    if last is None:
        lines.append("no crawl run yet: run `zwgk crawl`")
    else:
        seen = (
            f"{last['units_observed']} of {last['units']} units observed"
            if last["units"] is not None
            else "units observed unknown"
        )
        lines.append(
            f"last run {last['id']}: {last['outcome'] or last['status']}, ended "
            f"{last['finished_beijing']} (Beijing), {record['last_run_age_hours']:.1f} h ago; "
            f"{seen}"
        )
        if last["units_not_observed"]:
            lines.append("  not observed: " + ", ".join(last["units_not_observed"]))
        kinds = last["crawl_issues"]
        lines.append(
            "  crawl issues: "
            + (", ".join(f"{k} {n}" for k, n in kinds.items()) if kinds else "none")
        )
    if record["running"]:
        lines.append(f"running now: crawl run {', '.join(map(str, record['running']))}")
    fit = record["fit_run"]
    lines.append(
        f"latest run fit for a round: {fit['id']} ({fit['outcome']}, ended "
        f"{fit['finished_beijing']})"
        if fit
        else "no run fit for a round yet"
    )
    lines.append(f"verdict: {record['verdict']} (exit {record['exit_code']})")
    for line in lines:
        out.print(shown(line), highlight=False)


def runs_command(
    limit: int = typer.Option(20, "--limit", min=1, help="The latest N runs."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list, for scripts."),
    database_url: str | None = DB_OPTION,
) -> None:
    """The history of crawl runs, newest first: outcome, started/ended (Beijing time), units
    observed, crawl issues, the zwgk version that crawled."""
    store = open_existing(database_url)
    try:
        runs = list(reversed(store.runs()))[:limit]
        issues = issue_counts(store, [r.id for r in runs])
    finally:
        store.close()
    records = [run_record(r, issues.get(r.id, {})) for r in runs]
    if as_json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title="crawl runs (times: Beijing)")
    for name in ("run", "outcome", "mode", "started", "ended", "observed", "issues", "zwgk"):
        table.add_column(name, justify="right" if name in ("run", "issues") else "left")
    for r in records:
        observed = f"{r['units_observed']}/{r['units']}" if r["units"] is not None else "—"
        table.add_row(
            *map(
                shown,
                (
                    r["id"],
                    r["outcome"] or r["status"],
                    r["mode"],
                    r["started_beijing"],
                    r["finished_beijing"],
                    observed,
                    sum(r["crawl_issues"].values()),
                    r["zwgk_version"] or "—",
                ),
            )
        )
    console().print(table)
