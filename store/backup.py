"""Backing a store up and restoring it (备份 / 恢复): `zwgk db backup` and `zwgk db restore`.

SQLite: Python's ``sqlite3`` online backup API, all pages in one step, so the copy is one read
transaction's snapshot — consistent while a crawl writes, what sits in the WAL included (a plain
``cp`` of a store in WAL mode misses it). The copy is a single file in rollback-journal mode,
written to ``<name>.part`` and renamed: a backup is whole or absent. PostgreSQL: ``pg_dump``
in its custom format (``pg_restore`` reads it back), a snapshot by construction.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, exists, inspect, select
from sqlalchemy.engine import URL, make_url

from store.config import SQLITE_BUSY_TIMEOUT_MS, database_url, sqlite_path
from store.migrate import revisions

BEIJING = ZoneInfo("Asia/Shanghai")
# What a PostgreSQL client needs when pg_dump is missing (Debian/Ubuntu package name).
PG_CLIENT_HINT = (
    "install the PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client)"
)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, in one sentence naming the file or store."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """What a backup or restore wrote: the file (or store), its size in bytes, and how long."""

    path: Path
    size: int
    seconds: float


def stamp() -> str:
    """Beijing time now, for file names (20250701-153000)."""
    return dt.datetime.now(BEIJING).strftime("%Y%m%d-%H%M%S")


def default_backup_path(url: str | None, label: str = "backup") -> Path:
    """SQLite: beside the store (``zwgk-20250701-153000.backup.sqlite``); PostgreSQL: in the
    working directory, named after the database (``zwgk-20250701-153000.backup.pgdump``)."""
    path = sqlite_path(url)
    if path is not None:
        return path.with_name(f"{path.stem}-{stamp()}.{label}{path.suffix or '.sqlite'}")
    name = make_url(database_url(url)).database or "zwgk"
    return Path.cwd() / f"{name}-{stamp()}.{label}.pgdump"


def is_sqlite(url: str | None) -> bool:
    return make_url(database_url(url)).get_backend_name() == "sqlite"


def is_empty(engine: Engine) -> bool:
    """True when the database holds no row of any zwgk table (a live crawl lock aside)."""
    from store.models import Base

    present = set(inspect(engine).get_table_names())
    tables = [t for name, t in Base.metadata.tables.items() if name in present]
    with engine.connect() as conn:
        return not any(
            conn.scalar(select(exists().select_from(t))) for t in tables if t.name != "crawl_locks"
        )


# -- backup ---------------------------------------------------------------------------------------
def backup(url: str | None, out: Path | None = None, *, label: str = "backup") -> Transfer:
    """Back the store at ``url`` up into ``out`` (default: `default_backup_path`)."""
    out = out or default_backup_path(url, label)
    if out.exists():
        raise BackupError(f"{out} exists already: choose another --out (nothing was written)")
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if is_sqlite(url):
        _sqlite_backup(_existing_sqlite(url), out)
    else:
        _pg_dump(url, out)
    return Transfer(out, out.stat().st_size, time.monotonic() - started)


def _existing_sqlite(url: str | None) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError(f"{make_url(database_url(url))}: only a SQLite file can be backed up")
    if not path.is_file():
        raise BackupError(f"no store at {path}: nothing to back up")
    return path


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return conn


def _sqlite_backup(source: Path, out: Path) -> None:
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    src = _sqlite_connect(source)
    try:
        dst = sqlite3.connect(part)
        try:
            # pages=-1: every page in one step, one read transaction — a snapshot. Stepping in
            # smaller pieces would restart whenever a crawl commits, and might never finish.
            src.backup(dst, pages=-1)
            # One self-contained file: no -wal/-shm beside it, readable from a read-only copy.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        os.replace(part, out)
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {source}: {exc}") from exc
    finally:
        src.close()


# -- restore --------------------------------------------------------------------------------------
def backup_revision(file: Path) -> str | None:
    """The schema revision a SQLite backup file is at; `BackupError` if it is no zwgk store."""
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA quick_check").fetchone()
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{file} is not a zwgk SQLite backup: {exc}") from exc
    return row[0] if row else None


def restore(url: str | None, file: Path, *, force: bool = False) -> Transfer:
    """Restore the backup ``file`` into the store at ``url``: refused when the store holds data,
    unless ``force`` (its data is then replaced)."""
    from store.config import make_engine

    if not file.is_file():
        raise BackupError(f"no backup file {file}")
    started = time.monotonic()
    if is_sqlite(url):
        revision = backup_revision(file)
        if revision not in {r.id for r in revisions()}:
            raise BackupError(
                f"{file} is at schema revision {revision}, which this zwgk does not know "
                "(a newer zwgk wrote it, or it is no zwgk store)"
            )
    elif shutil.which("pg_restore") is None:
        raise BackupError(f"pg_restore is not on PATH: {PG_CLIENT_HINT}")
    engine = make_engine(url)
    try:
        has_tables = bool(inspect(engine).get_table_names())
        if has_tables and not force and not is_empty(engine):
            raise BackupError(
                f"the store {engine.url.render_as_string(hide_password=True)} holds data: "
                "pass --force to replace it with the backup (back it up first)"
            )
    finally:
        engine.dispose()
    if is_sqlite(url):
        target = sqlite_path(url)
        assert target is not None
        _sqlite_restore(file, target)
        size = target.stat().st_size
    else:
        _pg_restore(url, file, clean=has_tables)
        size = file.stat().st_size
    return Transfer(file, size, time.monotonic() - started)


def _sqlite_restore(file: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        dst = _sqlite_connect(target)
        try:
            src.backup(dst, pages=-1)  # the whole store replaced in one step
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {file} into {target}: {exc}") from exc
    finally:
        src.close()


# -- PostgreSQL -----------------------------------------------------------------------------------
def _pg_connection(url: str | None) -> tuple[list[str], dict[str, str], URL]:
    """libpq options and environment (the password) for the PostgreSQL client tools."""
    u = make_url(database_url(url))
    args = [
        f"--host={u.host or 'localhost'}",
        f"--port={u.port or 5432}",
        f"--username={u.username or getpass.getuser()}",
        f"--dbname={u.database or u.username or getpass.getuser()}",
    ]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env, u


def _pg_schema(u: URL) -> str | None:
    """The schema named in the URL's ``options=-csearch_path=…`` (None: the default one)."""
    options = u.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    for part in text.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0]
    return None


def _run_tool(cmd: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} is not on PATH: {PG_CLIENT_HINT}")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()] or [f"exit {done.returncode}"]
        raise BackupError(f"{what} failed: {lines[0]}")


def _pg_dump(url: str | None, out: Path) -> None:
    args, env, u = _pg_connection(url)
    schema = _pg_schema(u)
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    cmd = ["pg_dump", "--format=custom", "--no-owner", f"--file={part}", *args]
    if schema:
        cmd.append(f"--schema={schema}")
    try:
        _run_tool(cmd, env, f"pg_dump of {u.render_as_string(hide_password=True)}")
    except BackupError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, out)


def _pg_restore(url: str | None, file: Path, *, clean: bool) -> None:
    args, env, u = _pg_connection(url)
    cmd = ["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", *args]
    if clean:
        cmd += ["--clean", "--if-exists"]
    _run_tool([*cmd, str(file)], env, f"pg_restore of {file} into {u.database}")
