"""INSERT a DataFrame's rows into a table fast: what a round's scores, totals and problems are
written with (`store.rounds`, `store.round_parts`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

from store.writes import chunks


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """INSERT a frame's rows: each column through its type's bind processor as one list, then
    the driver's executemany on the compiled statement.

    The same values and conversions as ``conn.execute(table.insert(), rows)``, without
    SQLAlchemy's per-row parameter processing — which cost more than SQLite's own insert for a
    city's 80,000 problems."""
    names = [c for c in [c.name for c in table.columns] if c in frame.columns]
    if frame.empty or not names:
        return
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    plain = frame[names].astype(object)
    plain = plain.where(plain.notna(), None)
    values: dict[str, list[Any]] = {}
    for name in names:
        column = plain[name].tolist()
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values[name] = [process(v) for v in column] if process else column
    binds = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    keys = [compiled.binds[b].key for b in binds]
    ordered = zip(*(values[k] for k in keys), strict=True)
    rows: list[Any] = (
        list(ordered)
        if compiled.positional
        else [dict(zip(binds, r, strict=True)) for r in ordered]
    )
    sql = str(compiled)
    for part in chunks(rows, 5000):
        conn.exec_driver_sql(sql, list(part))
