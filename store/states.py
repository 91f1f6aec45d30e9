"""What a later crawl changes in place, kept as it was: the `*_states` tables.

A round freezes a crawl run, and evaluated again — or while the next crawl writes — it must read
the store as that run left it. Content that changes makes a new article version
(`article_history`); a few values are overwritten in place by every crawl that sees them
again, and those keep their earlier values here, one row per entity and per run that changed
them, valid for runs [valid_from_run, valid_to_run):

- an article's list date, its column (set once, when first unknown) and its fetch time
  (`article_states`; the fetch time is the day `date_sanity` calls a date future against);
- a listing's title and list date (`listing_states`; its page and position are the latest
  listing's — no round reads them);
- a column's name, category, path, parent and what its last listing counted
  (`column_states`: `store.observed` reads the counts);
- a link's text, type, whether it is on the site and when a re-fetch stopped showing it
  (`link_states`: a link removed and shown again is live now, and was not then; its position
  is the latest page's).

Writers call `close` before overwriting, in the same transaction: it keeps the current values,
valid since the run that set them, unless this run set them already. A reader as of run N
(`at`, `value`) takes a state valid at N where there is one, else the current row: states are
contiguous from the row's first run, so no state at N means the row has not changed since N.

Not kept: an article's etag and Last-Modified, `extra`'s provenance keys (which rule read each
field, `store.rows.PROVENANCE_KEYS`), every `last_seen_run`, and the units (the registry's,
with no run) — no round's numbers read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    FromClause,
    Subquery,
    Table,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from store import models

CHUNK = 500  # ids or URLs per statement (as store.writes)


@dataclass(frozen=True)
class Versioned:
    """A table whose `fields` a crawl overwrites, and the table keeping their earlier values."""

    table: Table
    states: Table
    key: str  # the states' column naming the table's row
    fields: tuple[str, ...]


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


ARTICLE = Versioned(
    _table(models.Article),
    _table(models.ArticleState),
    "article_id",
    ("listed_date", "column_id", "fetched_at"),
)
LISTING = Versioned(
    _table(models.Listing), _table(models.ListingState), "listing_id", ("title", "listed_date")
)
COLUMN = Versioned(
    _table(models.DisclosureColumn),
    _table(models.ColumnState),
    "column_id",
    (
        "name",
        "category",
        "parent_id",
        "path",
        "last_row_count",
        "last_listed_run",
        "last_nonempty_run",
    ),
)
LINK = Versioned(
    _table(models.Link),
    _table(models.LinkState),
    "link_id",
    ("text", "type", "on_site", "removed_run"),
)
ALL = (ARTICLE, LISTING, COLUMN, LINK)


def close(conn: Connection, v: Versioned, where: ColumnElement[bool], run_id: int) -> None:
    """Keep the current values of the rows of ``v.table`` that ``where`` selects as a state
    valid from the run that set them to ``run_id`` (which is about to change them); rows this
    run set or inserted already keep nothing."""
    t, s = v.table, v.states
    last = select(func.max(s.c.valid_to_run)).where(s.c[v.key] == t.c.id).scalar_subquery()
    since = func.coalesce(last, t.c.first_seen_run)
    src = select(t.c.id, since, literal(run_id), *(t.c[f] for f in v.fields)).where(
        where, since < run_id
    )
    conn.execute(s.insert().from_select([v.key, "valid_from_run", "valid_to_run", *v.fields], src))


def close_listings(conn: Connection, run_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """`close` the stored listings whose title or list date ``rows`` (about to be upserted)
    change: a listing seen again unchanged — nearly all — keeps nothing."""
    t = LISTING.table
    new = {(r["column_id"], r["url"]): (r["title"], r["listed_date"]) for r in rows}
    changed = []
    for column_id, part in _by_first(new):
        q = select(t.c.id, t.c.url, t.c.title, t.c.listed_date).where(
            t.c.column_id == column_id, t.c.url.in_(part)
        )
        for id_, url, title, listed in conn.execute(q):
            if new[(column_id, url)] != (title, listed):
                changed.append(id_)
    for start in range(0, len(changed), CHUNK):
        close(conn, LISTING, t.c.id.in_(changed[start : start + CHUNK]), run_id)


def close_links(
    conn: Connection, run_id: int, by_article: Mapping[int, Sequence[Mapping[str, Any]]]
) -> None:
    """`close` the stored links of these articles that the new link sets change: a live link
    whose text, type or place changes, a removed one shown again. (A link the new set drops
    only gets its `removed_run`, which a read as of an earlier run already reads right.)"""
    t = LINK.table
    new = {
        (article_id, link["url"], link["kind"]): (link["text"], link["type"], link["on_site"])
        for article_id, links in by_article.items()
        for link in links
    }
    ids = list(by_article)
    changed = []
    for start in range(0, len(ids), CHUNK):
        q = select(
            t.c.id, t.c.article_id, t.c.url, t.c.kind, t.c.text, t.c.type, t.c.on_site,
            t.c.removed_run,
        ).where(t.c.article_id.in_(ids[start : start + CHUNK]))  # fmt: skip
        for id_, article_id, url, kind, text, type_, on_site, removed in conn.execute(q):
            wanted = new.get((article_id, url, kind))
            if wanted is not None and (removed is not None or wanted != (text, type_, on_site)):
                changed.append(id_)
    for start in range(0, len(changed), CHUNK):
        close(conn, LINK, t.c.id.in_(changed[start : start + CHUNK]), run_id)


def _by_first(keys: Mapping[tuple[Any, str], Any]) -> Iterator[tuple[Any, list[str]]]:
    """(first, [seconds…]) per first element of the keys, in chunks."""
    grouped: dict[Any, list[str]] = {}
    for first, second in keys:
        grouped.setdefault(first, []).append(second)
    for first, seconds in grouped.items():
        for start in range(0, len(seconds), CHUNK):
            yield first, seconds[start : start + CHUNK]


def at(v: Versioned, run_id: int) -> Subquery:
    """The states valid at ``run_id`` (column ``key``: the row they belong to)."""
    s = v.states
    return (
        select(s.c[v.key].label("key"), *(s.c[f] for f in v.fields))
        .where(s.c.valid_from_run <= run_id, s.c.valid_to_run > run_id)
        .subquery(f"{s.name}_at")
    )


def value(states: Subquery, row: FromClause, name: str) -> ColumnElement[Any]:
    """The field ``name`` as of the run ``states`` was taken at (`at`): the state's value where
    the row has one (``row``: the table, outer-joined to ``states`` on ``key``)."""
    return case((states.c.key.is_not(None), states.c[name]), else_=row.c[name])


def as_of(v: Versioned, states: Subquery | None, name: str) -> ColumnElement[Any]:
    """Column ``name`` of ``v.table`` labelled, as of the run of ``states`` (`at`; None: now)."""
    if states is None or name not in v.fields:
        return v.table.c[name].label(name)
    return value(states, v.table, name).label(name)


__all__ = [
    "ALL",
    "ARTICLE",
    "COLUMN",
    "LINK",
    "LISTING",
    "Versioned",
    "as_of",
    "at",
    "close",
    "close_links",
    "close_listings",
    "value",
]
