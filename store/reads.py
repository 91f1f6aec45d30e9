"""Readers for the scorer: pandas DataFrames built straight from SQL.

Frames are typed the same on SQLite and PostgreSQL: integers ``Int64``, booleans ``boolean``,
text ``str`` (missing: NaN), dates ``datetime64[s]`` (midnight, naive), timestamps
``datetime64[us, UTC]``, JSON columns Python objects. Dates travel as ISO text
and are parsed by pandas in one vectorised call, which is what keeps a million-row read fast.
Rows are fetched in partitions so peak memory stays near the size of the final frame.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from common.vocabulary import ARTICLE_FIELDS
from store import states
from store.types import UTCDateTime
from store.writes import (
    ARTICLES,
    COLUMNS,
    HISTORY,
    ISSUES,
    LINK_CHECKS,
    LINKS,
    LISTINGS,
    UNITS,
)

# Rows fetched at a time: small enough that one partition's transient objects stay ~30 MiB.
PARTITION = 20_000
DATE_DTYPE = "datetime64[s]"
TS_DTYPE = "datetime64[us, UTC]"

# What `articles_frame` returns unless asked: everything the checks read, nothing bulky.
# (No content_hash: 64-character strings would add ~110 MB per million rows.)
ARTICLE_FRAME_COLUMNS = (
    "id",
    "unit_id",
    "column_id",
    "url",
    *ARTICLE_FIELDS,
    "date_source",
    "repealed",
    "listed_date",
    "first_seen_run",
    "last_seen_run",
    "version_run",
    "fetched_at",
)
# Also available on request (body_text is large; extra is a JSON dict per row).
ARTICLE_OPTIONAL_COLUMNS = ("body_text", "extra", "content_hash", "etag", "last_modified")
# Columns that belong to the article's identity (from `articles`) rather than to a version.
_IDENTITY = {
    "id",
    "unit_id",
    "column_id",
    "url",
    "listed_date",
    "first_seen_run",
    "last_seen_run",
    "etag",
    "last_modified",
}


def _wire(expr: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Send dates (and SQLite timestamps) as text: pandas parses text far faster than objects."""
    if isinstance(expr.type, Date):
        return type_coerce(expr, String) if dialect == "sqlite" else cast(expr, String)
    if isinstance(expr.type, UTCDateTime) and dialect == "sqlite":
        return type_coerce(expr, String)
    return expr


def _dtypes(stmt: Select[Any]) -> dict[str, Any]:
    kinds = {}
    for col in stmt.selected_columns:
        t = col.type
        if isinstance(t, UTCDateTime):
            kinds[col.key] = "ts"
        elif isinstance(t, Date):
            kinds[col.key] = "date"
        elif isinstance(t, Boolean):
            kinds[col.key] = "boolean"
        elif isinstance(t, Integer):
            kinds[col.key] = "Int64"
        elif isinstance(t, String):  # Text is a String
            kinds[col.key] = "str"
    return kinds


def _partitions(conn: Connection, stmt: Select[Any]) -> Iterator[Sequence[tuple[Any, ...]]]:
    if any(isinstance(c.type, JSON) for c in stmt.selected_columns):
        # JSON needs SQLAlchemy's result processing (text → dict on SQLite). Plain tuples,
        # because pandas probes each Row for attributes, and a Row answers a missing one by
        # raising, which costs more than the read itself.
        result = conn.execution_options(yield_per=PARTITION).execute(stmt)
        for part in result.partitions():
            yield list(map(tuple, part))
        return
    # Every other column already arrives in a form pandas parses (see _wire), so the rows come
    # straight from a DBAPI cursor: a third faster than building Row objects. Parameters here
    # are only run ids and unit ids, which SQLAlchemy renders as safely quoted literals.
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    # PostgreSQL: a named (server-side) cursor, so a million rows are not all held at once.
    name = f"zwgk_read_{uuid.uuid4().hex[:12]}"
    cursor = dbapi.cursor(name=name) if conn.dialect.name == "postgresql" else dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(PARTITION):
            yield rows
    finally:
        cursor.close()


class _Column:
    """One column, typed partition by partition and joined at the end.

    Typing each partition at once lets the driver's per-value objects (date strings, ints) go
    before the next partition is fetched. Text that repeats (unit ids, 有效性, publishers…) is
    kept once — the driver makes a new string per value, which for a million rows costs
    hundreds of MiB; columns whose first partition is mostly distinct (URLs, titles) skip that.
    """

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self.parts: list[pd.Series] = []
        self.shared: dict[str, str] | None = {} if kind == "str" else None
        self.seen = 0

    def add(self, values: Sequence[Any]) -> None:
        if self.shared is not None:
            shared = self.shared
            values = [shared.setdefault(v, v) if v is not None else None for v in values]
            self.seen += len(values)
            if len(shared) > self.seen // 2:
                self.shared = None
        self.parts.append(pd.Series(self._typed(values), copy=False))

    def _typed(self, values: Sequence[Any]) -> Any:
        if self.kind == "ts":
            return pd.to_datetime(list(values), utc=True, format="ISO8601").astype(TS_DTYPE)
        if self.kind == "date":
            return pd.to_datetime(list(values), format="ISO8601").astype(DATE_DTYPE)
        if self.kind is None:  # JSON: Python objects as they are
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
        return pd.array(values, dtype=self.kind)

    def series(self) -> pd.Series:
        if not self.parts:
            return pd.Series(self._typed([]))
        parts, self.parts = self.parts, []
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def read_frame(conn: Connection, stmt: Select[Any]) -> pd.DataFrame:
    """Run ``stmt`` and return a typed DataFrame (column names = the select's labels).

    Values are gathered column by column and typed one column at a time, so the peak memory
    stays near the size of the finished frame rather than twice it.
    """
    kinds = _dtypes(stmt)
    names = [c.key for c in stmt.selected_columns]
    wired = stmt.with_only_columns(
        *(_wire(c, conn.dialect.name).label(c.key) for c in stmt.selected_columns),
        maintain_column_froms=True,
    )
    columns = [_Column(kinds.get(n)) for n in names]
    for rows in _partitions(conn, wired):
        for column, values in zip(columns, zip(*rows, strict=True), strict=True):
            column.add(values)
        del rows
    return pd.DataFrame({n: c.series() for n, c in zip(names, columns, strict=True)})


def _article_columns(names: Sequence[str]) -> list[str]:
    allowed = (*ARTICLE_FRAME_COLUMNS, *ARTICLE_OPTIONAL_COLUMNS)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"articles_frame: unknown columns {unknown}; choose from {allowed}")
    return list(names)


def articles_stmt(
    names: Sequence[str], as_of_run: int | None, unit_ids: Sequence[str] | None
) -> Select[Any]:
    names = _article_columns(names)
    if as_of_run is None:
        stmt = select(*(ARTICLES.c[n] for n in names))
        if unit_ids is not None:
            stmt = stmt.where(ARTICLES.c.unit_id.in_(unit_ids))
        return stmt.order_by(ARTICLES.c.id)
    # As of run N: the current version if it was fetched by N, else the history version
    # that was valid at N; articles first seen after N are left out. What a crawl overwrites
    # outside a version (list date, column, fetch time) is taken as of N (`store.states`).
    kept = states.at(states.ARTICLE, as_of_run)

    def from_current(n: str) -> ColumnElement[Any]:
        if n in states.ARTICLE.fields:
            return states.value(kept, ARTICLES, n).label(n)
        return ARTICLES.c[n].label(n)

    # Joined only when read: most reads (body text, metadata fields) take no overwritten field.
    overwritten = any(n in states.ARTICLE.fields for n in names)

    def joined(rows: Any) -> Any:
        return rows.outerjoin(kept, kept.c.key == ARTICLES.c.id) if overwritten else rows

    current = (
        select(*(from_current(n) for n in names))
        .select_from(joined(ARTICLES))
        .where(ARTICLES.c.first_seen_run <= as_of_run, ARTICLES.c.version_run <= as_of_run)
    )

    def from_history(n: str) -> ColumnElement[Any]:
        if n == "version_run":
            return HISTORY.c.valid_from_run.label(n)
        if n in _IDENTITY or n in states.ARTICLE.fields:
            return from_current(n)
        return HISTORY.c[n].label(n)

    past = (
        select(*(from_history(n) for n in names))
        .select_from(joined(HISTORY.join(ARTICLES, HISTORY.c.article_id == ARTICLES.c.id)))
        .where(
            ARTICLES.c.first_seen_run <= as_of_run,
            HISTORY.c.valid_from_run <= as_of_run,
            HISTORY.c.valid_to_run > as_of_run,
        )
    )
    if unit_ids is not None:
        current = current.where(ARTICLES.c.unit_id.in_(unit_ids))
        past = past.where(ARTICLES.c.unit_id.in_(unit_ids))
    both = union_all(current, past).subquery("versions")
    # Re-select with the original column types so the frame is typed as usual.
    cols = [type_coerce(both.c[n], ARTICLES.c[n].type).label(n) for n in names]
    order = "id" if "id" in names else names[0]
    return select(*cols).order_by(both.c[order])


COLUMN_FRAME_COLUMNS = (
    "id",
    "unit_id",
    "url",
    "name",
    "category",
    "parent_id",
    "path",
    "first_seen_run",
    "last_seen_run",
    "last_row_count",
    "last_listed_run",
    "last_nonempty_run",
)


def columns_stmt(unit_ids: Sequence[str] | None, as_of_run: int | None) -> Select[Any]:
    c = COLUMNS.c
    kept = None if as_of_run is None else states.at(states.COLUMN, as_of_run)
    stmt = select(*(states.as_of(states.COLUMN, kept, n) for n in COLUMN_FRAME_COLUMNS))
    if kept is not None:
        stmt = stmt.select_from(COLUMNS.outerjoin(kept, kept.c.key == c.id))
        stmt = stmt.where(c.first_seen_run <= as_of_run)
    if unit_ids is not None:
        stmt = stmt.where(c.unit_id.in_(unit_ids))
    return stmt.order_by(c.id)


def listings_stmt(unit_ids: Sequence[str] | None, as_of_run: int | None) -> Select[Any]:
    li, c = LISTINGS.c, COLUMNS.c
    rows: Any = LISTINGS.join(COLUMNS, li.column_id == c.id)
    kept = columns = None
    if as_of_run is not None:  # the listing's title and date, its column's category, as of N
        kept = states.at(states.LISTING, as_of_run)
        columns = states.at(states.COLUMN, as_of_run)
        rows = rows.outerjoin(kept, kept.c.key == li.id)
        rows = rows.outerjoin(columns, columns.c.key == c.id)
    listing = [
        states.as_of(states.LISTING, kept, n)
        for n in ("url", "title", "listed_date", "page", "position")
    ]
    stmt = (
        select(
            li.id,
            c.unit_id,
            li.column_id,
            states.as_of(states.COLUMN, columns, "category"),
            *listing,
            li.first_seen_run,
            li.last_seen_run,
        )
        .select_from(rows)
        .order_by(li.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(c.unit_id.in_(unit_ids))
    if as_of_run is not None:
        stmt = stmt.where(li.first_seen_run <= as_of_run)
    return stmt


def links_stmt(
    unit_ids: Sequence[str] | None, as_of_run: int | None, include_removed: bool
) -> Select[Any]:
    ln, a, lc = LINKS.c, ARTICLES.c, LINK_CHECKS.c
    latest = select(lc.url, func.max(lc.run_id).label("run_id")).group_by(lc.url)
    if as_of_run is not None:
        latest = latest.where(lc.run_id <= as_of_run)
    latest_sq = latest.subquery("latest")
    check = LINK_CHECKS.alias("chk")
    rows: Any = LINKS.join(ARTICLES, ln.article_id == a.id)
    # As of run N: the text and the removal a re-fetch after N may have changed, as of N.
    kept = None if as_of_run is None else states.at(states.LINK, as_of_run)
    if kept is not None:
        rows = rows.outerjoin(kept, kept.c.key == ln.id)
    link = {
        n: states.as_of(states.LINK, kept, n)
        for n in ("text", "type", "on_site", "position", "first_seen_run", "last_seen_run")
    }
    removed = ln.removed_run if kept is None else states.value(kept, LINKS, "removed_run")
    stmt = (
        select(
            ln.id,
            ln.article_id,
            a.unit_id,
            a.url.label("article_url"),
            ln.url,
            ln.kind,
            *link.values(),
            removed.label("removed_run"),
            check.c.outcome,
            check.c.status_code,
            check.c.reason,
            check.c.run_id.label("checked_run"),
            check.c.checked_at,
        )
        .select_from(
            rows.outerjoin(latest_sq, latest_sq.c.url == ln.url).outerjoin(
                check,
                and_(check.c.url == latest_sq.c.url, check.c.run_id == latest_sq.c.run_id),
            )
        )
        .order_by(ln.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(a.unit_id.in_(unit_ids))
    if as_of_run is not None:
        stmt = stmt.where(ln.first_seen_run <= as_of_run, a.first_seen_run <= as_of_run)
        if not include_removed:
            stmt = stmt.where(or_(removed.is_(None), removed > as_of_run))
    elif not include_removed:
        stmt = stmt.where(ln.removed_run.is_(None))
    return stmt


def link_checks_stmt(run_id: int | None) -> Select[Any]:
    lc = LINK_CHECKS.c
    stmt = select(
        lc.id, lc.run_id, lc.url, lc.checked_at, lc.status_code, lc.outcome, lc.reason, lc.attempts
    ).order_by(lc.id)
    return stmt if run_id is None else stmt.where(lc.run_id == run_id)


def crawl_issues_stmt(run_id: int | None) -> Select[Any]:
    i = ISSUES.c
    stmt = select(
        i.id, i.run_id, i.unit_id, i.kind, i.host, i.url, i.detail, i.first_at, i.last_at, i.count
    ).order_by(i.id)
    return stmt if run_id is None else stmt.where(i.run_id == run_id)


def units_stmt() -> Select[Any]:
    u = UNITS.c
    return select(u.id, u.name, u.level, u.parent, u.profile, u.entry_url, u.updated_at).order_by(
        u.id
    )


__all__ = [
    "ARTICLE_FRAME_COLUMNS",
    "ARTICLE_OPTIONAL_COLUMNS",
    "articles_stmt",
    "columns_stmt",
    "crawl_issues_stmt",
    "link_checks_stmt",
    "links_stmt",
    "listings_stmt",
    "read_frame",
    "units_stmt",
]
