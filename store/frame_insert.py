"""INSERT a DataFrame's rows into a table fast: what a round's scores, totals and problems are
written with (`store.rounds`, `store.round_parts`); and the planner's statistics refreshed
after such a bulk write (`refresh_statistics`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

from store.core import Store

INSERT_ROWS = 5000  # rows converted and sent per executemany


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
    process = {n: table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
    binds = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    keys = [compiled.binds[b].key for b in binds]
    sql = str(compiled)
    # A slice at a time: a city's problems converted at once (their evidence as JSON text)
    # weighed more than the frame itself at the job's peak.
    selected = frame[names]
    for start in range(0, len(selected), INSERT_ROWS):
        plain = selected.iloc[start : start + INSERT_ROWS].astype(object)
        plain = plain.where(plain.notna(), None)
        values: dict[str, list[Any]] = {}
        for name in names:
            column = plain[name].tolist()
            values[name] = [process[name](v) for v in column] if process[name] else column
        del plain
        ordered = zip(*(values[k] for k in keys), strict=True)
        rows: list[Any] = (
            list(ordered)
            if compiled.positional
            else [dict(zip(binds, r, strict=True)) for r in ordered]
        )
        del values
        conn.exec_driver_sql(sql, rows)


def refresh_statistics(store: Store, tables: Sequence[Table]) -> None:
    """PostgreSQL: ANALYZE ``tables`` after a round's rows were written, so the portal's list
    queries are planned for a round of 100,000 problems at once rather than when autovacuum
    next passes (until then a plan made for a few hundred rows sorts the whole round: 0.5 s a
    page instead of 1–25 ms). SQLite plans from its indexes alone; nothing to do."""
    if store.engine.dialect.name != "postgresql":
        return
    with store.engine.begin() as conn:
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{table.name}"')
