"""`zwgk db …` — the store's own upkeep: upgrade, backup, restore, copy, prune (存储维护).

Only `zwgk db upgrade` migrates a schema (after a backup); every other command refuses a store
at an older revision (`store.open_store`). Errors are one sentence and exit code 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from store.text import shown

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from store.migrate import SchemaState

DB_OPTION = typer.Option(None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL.")

app = typer.Typer(
    help="The store: upgrade its schema, back it up and restore it, copy it to another "
    "database, prune superseded data.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


@contextmanager
def _one_sentence() -> Iterator[None]:
    """The store's refusals said as they are, exit code 2 (StoreUnavailable: zwgk.cli)."""
    from store.backup import BackupError
    from store.config import NoStore
    from store.copy import CopyError
    from store.lock import CrawlLocked

    try:
        yield
    except (BackupError, CopyError, CrawlLocked, NoStore) as exc:
        err.print(shown(f"error: {exc}", style="red"))
        raise typer.Exit(2) from None


def size_text(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def _existing_engine(url: str | None) -> tuple[Engine, SchemaState]:
    """An engine on an existing store, whatever its schema revision (`StoreUnavailable` if
    there is none: nothing is created)."""
    from store.config import make_engine
    from store.core import StoreUnavailable, store_name, unavailable
    from store.migrate import EMPTY, schema_state

    with unavailable(url):
        engine = make_engine(url, create=False)
        try:
            state = schema_state(engine)
        except BaseException:
            engine.dispose()
            raise
    if state.kind == EMPTY:
        engine.dispose()
        raise StoreUnavailable(f"{store_name(url)} holds no zwgk store (no tables): nothing to do")
    return engine, state


@app.command("upgrade")
def upgrade_command(
    database_url: str | None = DB_OPTION,
    backup_to: Path | None = typer.Option(
        None,
        "--backup-to",
        help="Backup file (default: beside the SQLite store, or "
        "<database>-<time>.before-<revision>.pgdump in the working directory).",
    ),
) -> None:
    """Back the store up, then migrate its schema to this zwgk's newest revision.

    Says each migration as it goes; the only command that changes a schema."""
    from store.backup import backup
    from store.core import check_schema, store_name
    from store.lock import crawl_lock
    from store.migrate import CURRENT, OLD, migrate, pending

    engine, state = _existing_engine(database_url)
    try:
        where = store_name(database_url)
        if state.kind == CURRENT:
            out.print(shown(f"{where} is at schema revision {state.current}, this zwgk's "
                            "newest: nothing to do"))  # fmt: skip
            return
        if state.kind != OLD:
            check_schema(engine, database_url)  # newer or foreign: one sentence
        steps = pending(state.current)
        out.print(shown(f"upgrading {where} from schema revision {state.current} to "
                        f"{state.head} ({len(steps)} migration(s)):"))  # fmt: skip
        for step in steps:
            out.print(shown(f"  {step.id}  {step.message}"))
        with _one_sentence(), crawl_lock(engine, "crawl"):
            saved = backup(database_url, backup_to, label=f"before-{state.head}")
            out.print(shown(f"backed up to {saved.path} ({size_text(saved.size)} in "
                            f"{saved.seconds:.1f} s)"))  # fmt: skip
            started = time.monotonic()
            for step in steps:
                migrate(engine, step.id)
                out.print(shown(f"  {step.id} done"))
        out.print(shown(f"{where} is now at schema revision {state.head} "
                        f"({time.monotonic() - started:.1f} s); the backup stays at "
                        f"{saved.path}"))  # fmt: skip
    finally:
        engine.dispose()


@app.command("backup")
def backup_command(
    database_url: str | None = DB_OPTION,
    to: Path | None = typer.Option(
        None,
        "--out",
        help="Backup file (default: beside the SQLite store, or "
        "<database>-<time>.backup.pgdump in the working directory).",
    ),
) -> None:
    """Back the store up, also while a crawl writes (a consistent snapshot).

    SQLite: the online backup API (WAL included); PostgreSQL: pg_dump's custom format."""
    from store.backup import backup

    engine, _ = _existing_engine(database_url)
    engine.dispose()
    with _one_sentence():
        saved = backup(database_url, to)
    out.print(shown(f"backed up to {saved.path} ({size_text(saved.size)} in "
                    f"{saved.seconds:.1f} s)"))  # fmt: skip


@app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., help="A file `zwgk db backup` wrote."),
    database_url: str | None = DB_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace a store that holds data."),
) -> None:
    """Restore a backup into the store (refused if the store holds data, unless --force)."""
    from store.backup import restore
    from store.config import make_engine
    from store.core import store_name
    from store.migrate import OLD, schema_state

    with _one_sentence():
        done = restore(database_url, file, force=force)
    out.print(shown(f"restored {file} into {store_name(database_url)} "
                    f"({size_text(done.size)} in {done.seconds:.1f} s)"))  # fmt: skip
    engine = make_engine(database_url, create=False)
    try:
        state = schema_state(engine)
    finally:
        engine.dispose()
    if state.kind == OLD:
        out.print(shown(f"the backup is at schema revision {state.current}: run "
                        "`zwgk db upgrade` before any other command"))  # fmt: skip


@app.command("copy")
def copy_command(
    source: str = typer.Argument(..., help="URL of the store to copy (it stays as it is)."),
    destination: str = typer.Argument(..., help="URL of an empty database (created as a store)."),
    batch: int = typer.Option(1000, "--batch", min=1, max=100_000, help="Rows per batch."),
) -> None:
    """Copy a store to another, empty database (SQLite ↔ PostgreSQL).

    Table by table in batches, then verified by each table's row count."""
    from store.copy import copy_store
    from store.core import store_name

    started = time.monotonic()
    with _one_sentence():
        counts = copy_store(source, destination, batch_rows=batch)
    table = Table("table", "rows in source", "rows copied", title="行数核对 (row counts)")
    for c in counts:
        table.add_row(c.table, f"{c.source:,}", f"{c.destination:,}")
    out.print(table)
    out.print(shown(f"copied {store_name(source)} to {store_name(destination)}: "
                    f"{sum(c.source for c in counts):,} rows in {len(counts)} tables, every "
                    f"count equal ({time.monotonic() - started:.1f} s)"))  # fmt: skip


@app.command("prune")
def prune_command(
    database_url: str | None = DB_OPTION,
    keep_days: int = typer.Option(
        180,
        "--keep-days",
        min=0,
        max=36_500,
        help="Keep every run started in the last N days whole.",
    ),  # fmt: skip
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; change nothing."),
) -> None:
    """Drop superseded data that no kept run reads, then VACUUM.

    Dropped: old page versions, link checks, crawl issues and removed links that no kept run
    reads. Kept whole: runs frozen by rounds, runs of the last --keep-days days, the newest
    runs; articles, rounds and answers are never pruned."""
    from store import open_store
    from store.lock import crawl_lock
    from store.prune import plan_prune, prune, store_size, vacuum

    store = open_store(database_url)
    try:
        before = store_size(store.engine)
        started = time.monotonic()
        if dry_run:
            plan = plan_prune(store.engine, keep_days)
        else:
            with _one_sentence(), crawl_lock(store.engine, "crawl"):
                plan = prune(store.engine, keep_days)
            vacuum(store.engine)  # after the lock's own last write, so the WAL is emptied too
        after = store_size(store.engine)
    finally:
        store.close()
    verb = "would drop" if dry_run else "dropped"
    out.print(shown(f"kept whole: {len(plan.kept_runs)} run(s) (rounds' runs, runs since "
                    f"{plan.cutoff:%Y-%m-%d}, the newest)"))  # fmt: skip
    for name, n in plan.rows.items():
        out.print(shown(f"  {name}: {verb} {n:,} row(s)"))
    sizes = f"{size_text(before)}" if dry_run else f"{size_text(before)} → {size_text(after)}"
    out.print(shown(f"store size {sizes} ({time.monotonic() - started:.1f} s)"))
