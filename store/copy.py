"""Copying a store to another database (迁移): `zwgk db copy SRC_URL DST_URL`.

SQLite → PostgreSQL and back. The destination must hold no data; it is created at the newest
schema if it has none. Tables go in foreign-key order, in batches (memory stays bounded by one
batch), all in one destination transaction (a failed copy leaves the destination empty). The
source is read in one transaction, a snapshot even while a crawl writes. Afterwards each table's
rows are counted on both sides, and PostgreSQL's id sequences are moved past the copied ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, select, text, update

from store.backup import is_empty
from store.core import store_name
from store.models import Base

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
# A live crawl lock is the running process's, not data: never copied.
SKIPPED = ("crawl_locks",)


class CopyError(RuntimeError):
    """A copy that cannot be done or did not check out, in one sentence."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    destination: int


def copy_store(
    src_url: str,
    dst_url: str,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCount]:
    """Copy every row of the store at ``src_url`` into the empty store at ``dst_url``; returns
    the row counts per table, which match (else `CopyError`)."""
    src = _open(src_url, create=False)
    try:
        dst = _open(dst_url, create=True)
        try:
            if not is_empty(dst):
                raise CopyError(
                    f"the destination {store_name(dst_url)} holds data: copy into an empty "
                    "database (or `zwgk db restore --force` to replace a store)"
                )
            return _copy(src, dst, batch_rows, progress or (lambda _t, _n: None))
        finally:
            dst.dispose()
    finally:
        src.dispose()


def _open(url: str, *, create: bool) -> Engine:
    """An engine on a store at the newest schema (`StoreUnavailable` otherwise)."""
    from store.core import open_store

    return open_store(url, create=create).engine


def _copy(
    src: Engine, dst: Engine, batch_rows: int, progress: Callable[[str, int], None]
) -> list[TableCount]:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]
    counts: list[TableCount] = []
    with _snapshot(src) as read, dst.begin() as write:
        for table in tables:
            copied = _copy_table(read, write, table, batch_rows, progress)
            counts.append(TableCount(table.name, _count(read, table), _count(write, table)))
            log.info("copied %s: %d rows", table.name, copied)
        if dst.dialect.name == "postgresql":
            move_sequences(write, tables)
    wrong = [c for c in counts if c.source != c.destination]
    if wrong:
        listed = ", ".join(f"{c.table} {c.source} → {c.destination}" for c in wrong)
        raise CopyError(f"row counts differ after the copy: {listed}")
    return counts


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A source connection inside one read transaction: every table as of one moment."""
    conn = engine.connect()
    try:
        if engine.dialect.name == "sqlite":
            # pysqlite opens a transaction only before a write; a read snapshot needs BEGIN.
            conn.exec_driver_sql("BEGIN")
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _self_references(table: Table) -> list[str]:
    """Columns pointing at their own table (a column's parent column): written in a second
    pass, since a child row may come before its parent."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(
    read: Connection,
    write: Connection,
    table: Table,
    batch_rows: int,
    progress: Callable[[str, int], None],
) -> int:
    later = _self_references(table)
    key = list(table.primary_key.columns)
    result = read.execution_options(stream_results=True, yield_per=batch_rows).execute(
        select(table).order_by(*key)
    )
    copied = 0
    pending: list[dict[str, object]] = []
    for part in result.partitions():
        rows = [dict(r._mapping) for r in part]
        for row in rows:
            if later:
                pending.append({**{k.name: row[k.name] for k in key}, **{c: row[c] for c in later}})
                row.update(dict.fromkeys(later))
        write.execute(table.insert(), rows)
        copied += len(rows)
        progress(table.name, copied)
    for start in range(0, len(pending), batch_rows):
        for row in pending[start : start + batch_rows]:
            if all(row[c] is None for c in later):
                continue
            where = [table.c[k.name] == row[k.name] for k in key]
            write.execute(update(table).where(*where).values({c: row[c] for c in later}))
    return copied


def _count(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def move_sequences(conn: Connection, tables: list[Table]) -> None:
    """Each serial id's sequence set past the largest copied id (the next insert gets a new id)."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            )
            if sequence is None:  # not a serial column (text keys, composite keys)
                continue
            largest = conn.scalar(select(func.max(column)))
            conn.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": sequence, "v": largest or 1, "called": largest is not None},
            )
