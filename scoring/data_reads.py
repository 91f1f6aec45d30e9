"""The store reads behind `scoring.data.load_crawl`: one crawl run's articles, listings and
links as frames, and the loaders `CrawlData` calls for what it reads only when a check asks
(body text, the whole `extra` dict, the lazy metadata fields, a term search in the body text).

Each reads "as of" a run: a run id reads the store as that run left it — the article versions
it saw, and what later crawls overwrote as it was then (`store.states`) —, None the current rows.
While the run is the store's newest, its articles are read from the current rows (no version
union, faster), and read again as of the run if a crawl began meanwhile (`pinned`): a round
never reads part of a later crawl, whenever that crawl starts. The frames are store-shaped;
turning them into what the checks read (observed, categories …) is `scoring.frames`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from scoring.frames import EXTRA_FIELDS

if TYPE_CHECKING:
    from store import Store

# The article columns `load_crawl` reads up front: what most checks and tracking look at. The
# store's bookkeeping columns (date_source, repealed, listed_date, first/last_seen_run,
# version_run) are left in the store: each string or date column costs about a second per
# million rows.
ARTICLE_COLUMNS = (
    "id",
    "unit_id",
    "column_id",
    "url",
    "title",
    "index_no",
    "written_date",
    "publish_date",
    "fetched_at",
)
# The link columns the checks and tracking read (no check times, positions or run bookkeeping).
LINK_COLUMNS = (
    "article_id",
    "unit_id",
    "article_url",
    "url",
    "kind",
    "text",
    "on_site",
    "outcome",
    "status_code",
)
LAZY_CHUNK = 50_000  # ids per statement of `column_loader`
# An article without related links: one shared immutable empty sequence rather than a list per
# row (a million empty lists are ~60 MB).
NO_RELATED: tuple[()] = ()

log = logging.getLogger(__name__)
T = TypeVar("T")
Loader = Callable[[list[int]], pd.Series]
Searcher = Callable[[list[str]], pd.Series]
ColumnLoader = Callable[[list[str], list[int] | None], pd.DataFrame]


def pinned(store: Store, run_id: int | None, read: Callable[[int | None], T]) -> T:
    """``read(as_of)`` as of run ``run_id`` (None: as the store is now). While it is the
    store's newest run, the current rows are the run's: ``read(None)``, checked afterwards — a
    crawl writes only after its run is stored, so a newer run then means the read may hold its
    rows, and it is done again as of ``run_id``."""
    if run_id is None:
        return read(None)
    if _newest(store) == run_id:
        out = read(None)
        if _newest(store) == run_id:
            return out
        log.info("a crawl began while run %s was read: read again as of the run", run_id)
    return read(run_id)


def _newest(store: Store) -> int | None:
    latest = store.latest_run()
    return None if latest is None else latest.id


def read_articles(
    store: Store, run_id: int | None, unit_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Articles as of the run (None: as they are now), of the units ``unit_ids`` (None: all):
    `ARTICLE_COLUMNS` plus `EXTRA_FIELDS` extracted by SQL."""
    from sqlalchemy import Text, cast, func, select, type_coerce

    from store.reads import articles_stmt, read_frame

    versions = articles_stmt([*ARTICLE_COLUMNS, "extra"], run_id, unit_ids).subquery("v")
    extra = versions.c.extra
    sqlite = store.engine.dialect.name == "sqlite"
    picked = []
    for name, key in EXTRA_FIELDS.items():
        if name != "related":
            picked.append(extra[key].as_string().label(name))
        elif sqlite:
            # The list's JSON text, NULL when absent or empty (most pages): no text per row.
            related = func.nullif(func.json_extract(extra, f"$.{key}"), "[]")
            picked.append(type_coerce(related, Text).label(name))
        else:
            picked.append(cast(extra[key], Text).label(name))
    stmt = select(*(versions.c[n] for n in ARTICLE_COLUMNS), *picked).order_by(versions.c.id)
    with store.engine.connect() as conn:
        frame = read_frame(conn, stmt)
    # Most pages have no related links: the key is absent (SQL NULL, or JSON 'null' once
    # quoted) or an empty list. Only the others are parsed.
    related = frame["related"].to_numpy(dtype=object, na_value=None)
    out = np.empty(len(related), dtype=object)
    out.fill(NO_RELATED)
    listed = [i for i in np.flatnonzero(pd.notna(related)) if related[i] not in ("null", "[]")]
    # One JSON array of all the lists, parsed in one call rather than a call per page.
    parsed = json.loads("[" + ",".join(related[listed]) + "]") if listed else []
    for i, value in zip(listed, parsed, strict=True):
        out[i] = value or NO_RELATED
    frame["related"] = out
    return frame


def read_links(store: Store, run_id: int, unit_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Links as of the run with their latest check (`store.links_frame`), `LINK_COLUMNS` only
    (of the articles of ``unit_ids``, when given)."""
    from store.reads import links_stmt, read_frame

    stmt = links_stmt(unit_ids, run_id, False)
    stmt = stmt.with_only_columns(
        *(c for c in stmt.selected_columns if c.key in LINK_COLUMNS), maintain_column_froms=True
    )
    with store.engine.connect() as conn:
        return read_frame(conn, stmt)


def read_listings(store: Store, run_id: int, unit_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The listings that add to the articles (`store.observed.added_listings_stmt`), in the
    columns of ``unit_ids`` when given."""
    from store.observed import added_listings_stmt
    from store.reads import read_frame

    with store.engine.connect() as conn:
        return read_frame(conn, added_listings_stmt(run_id, unit_ids))


def body_searcher(
    store: Store, run_id: int | None, unit_ids: Sequence[str] | None = None
) -> Searcher:
    """Finds the articles (as of the run; None: as they are now; of ``unit_ids`` when given)
    whose body contains a term."""

    def search(terms: list[str]) -> pd.Series:
        return pinned(store, run_id, lambda as_of: _search(terms, as_of))

    def _search(terms: list[str], as_of: int | None) -> pd.Series:
        from sqlalchemy import func, or_, select

        from store.reads import articles_stmt, read_frame

        versions = articles_stmt(["id", "body_text"], as_of, unit_ids).subquery("v")
        body = versions.c.body_text
        with store.engine.connect() as conn:
            # A plain substring search: instr/strpos beat LIKE (and need no escaping).
            position = {"sqlite": func.instr, "postgresql": func.strpos}.get(conn.dialect.name)
            found = [
                position(body, t) > 0 if position else body.contains(t, autoescape=True)
                for t in terms
            ]
            frame = read_frame(conn, select(versions.c.id, body).where(or_(*found)))
        return pd.Series(
            frame["body_text"].to_numpy(dtype=object), index=frame["id"].astype("int64")
        )

    return search


def column_loader(
    store: Store, run_id: int | None, unit_ids: Sequence[str] | None = None
) -> ColumnLoader:
    """Reads some article columns for given ids (None: every article — of ``unit_ids``, when
    given), as of the run (None: as they are now)."""

    def load(names: list[str], ids: list[int] | None) -> pd.DataFrame:
        return pinned(store, run_id, lambda as_of: _load(names, ids, as_of))

    def _load(names: list[str], ids: list[int] | None, as_of: int | None) -> pd.DataFrame:
        from sqlalchemy import select, text

        from store.reads import articles_stmt, read_frame

        # Ids name their articles already: the units' filter only for a whole column (with
        # it, SQLite walks the unit index for every chunk of ids — 10× slower on a city).
        units = unit_ids if ids is None else None
        versions = articles_stmt(["id", *names], as_of, units).subquery("v")
        if ids is None:
            with store.engine.connect() as conn:
                return read_frame(conn, select(*versions.c))
        parts = []
        with store.engine.connect() as conn:
            for start in range(0, len(ids), LAZY_CHUNK):
                # Integer ids written into the statement as they are: SQLAlchemy's literal
                # rendering of a long IN list costs more than the read itself.
                chunk = ",".join(str(int(i)) for i in ids[start : start + LAZY_CHUNK])
                stmt = select(*versions.c).where(text(f"v.id IN ({chunk})"))
                parts.append(read_frame(conn, stmt))
        if not parts:
            return pd.DataFrame(columns=["id", *names])
        return pd.concat(parts, ignore_index=True)

    return load


def field_loader(store: Store, run_id: int | None, column: str) -> Loader:
    """Reads one optional article column (body_text, extra) for given ids, as of the run
    (None: as they are now)."""

    def load(ids: list[int]) -> pd.Series:
        return pinned(store, run_id, lambda as_of: _load(ids, as_of))

    def _load(ids: list[int], as_of: int | None) -> pd.Series:
        from sqlalchemy import select, text

        from store.reads import articles_stmt, read_frame

        wanted = sorted(set(ids))
        parts = []
        versions = articles_stmt(["id", column], as_of, None).subquery("v")
        with store.engine.connect() as conn:
            # In chunks, the integer ids written into the statement as they are (as
            # `column_loader` does): SQLAlchemy's literal rendering costs a call per id.
            for start in range(0, len(wanted), LAZY_CHUNK):
                chunk = ",".join(str(int(i)) for i in wanted[start : start + LAZY_CHUNK])
                stmt = select(*versions.c).where(text(f"v.id IN ({chunk})"))
                parts.append(read_frame(conn, stmt))
        if not parts:
            return pd.Series([], dtype=object)
        frame = pd.concat(parts, ignore_index=True)
        return pd.Series(frame[column].to_numpy(), index=frame["id"].astype("int64"), dtype=object)

    return load
