"""`Store`: the crawler's writes and the scorer's reads over one database (存储)."""

from __future__ import annotations

import datetime as dt
import gzip
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from common.config_file import configured_value
from store import reads, runs, writes
from store.config import ENV_VAR, NoStore, make_engine
from store.lock import DEFAULT_HEARTBEAT_S, DEFAULT_STALE_AFTER, CrawlLock, crawl_lock
from store.migrate import EMPTY, FOREIGN, NEWER, OLD, schema_state
from store.migrate import migrate as _migrate
from store.rows import (
    normalise_article,
    normalise_crawl_issue,
    normalise_link_check,
    normalise_links,
    normalise_listing,
)
from store.runs import RunInfo

log = logging.getLogger(__name__)

SUPPORTED_DIALECTS = ("sqlite", "postgresql")


class Store:
    """A zwgk store. Writes are one transaction per call; reads return DataFrames.

    Use `open_store` to get one (it checks the schema first).
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in SUPPORTED_DIALECTS:
            raise ValueError(
                f"{engine.url.render_as_string(hide_password=True)}: the store supports "
                f"{SUPPORTED_DIALECTS}, not {engine.dialect.name}"
            )
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @cached_property
    def reader(self) -> Engine:
        """The engine for reads that need no transaction of their own — a web page's lookups,
        statement by statement. On PostgreSQL it runs in autocommit over the same pool, which
        spares every connection's use a BEGIN and a ROLLBACK round trip (a page takes three),
        and changes nothing a read sees: under READ COMMITTED, the server's default and the
        store's, each statement reads its own snapshot either way. Never write through it:
        ``commit()`` does nothing there. On SQLite it is the engine itself."""
        if self.engine.dialect.name != "postgresql":
            return self.engine
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- runs and the lock ------------------------------------------------------------------
    def acquire_crawl_lock(
        self,
        name: str = "crawl",
        *,
        stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
        heartbeat_every: float = DEFAULT_HEARTBEAT_S,
    ) -> AbstractContextManager[CrawlLock]:
        """``with store.acquire_crawl_lock(): …`` — or `CrawlLocked` if another crawl runs."""
        return crawl_lock(
            self.engine, name, stale_after=stale_after, heartbeat_every=heartbeat_every
        )

    def start_run(
        self,
        mode: str = "incremental",
        units: Sequence[str] | None = None,
        registry_hash: str | None = None,
    ) -> int:
        """Open a crawl run (call it holding the crawl lock); earlier 'running' runs become
        'interrupted'. Returns the run id."""
        with self.engine.begin() as conn:
            return runs.start_run(conn, mode, units, registry_hash)

    def finish_run(
        self,
        run_id: int,
        status: str = "finished",
        stats: Mapping[str, Any] | None = None,
        max_unobserved: float = runs.MAX_UNOBSERVED,
    ) -> str:
        """Close a run and judge its outcome (`store.runs.finish_run`); returns the outcome."""
        with self.engine.begin() as conn:
            return runs.finish_run(conn, run_id, status, stats, max_unobserved)

    def runs(self) -> list[RunInfo]:
        with self.engine.connect() as conn:
            return runs.runs(conn)

    def latest_run(self, status: str | None = None) -> RunInfo | None:
        with self.engine.connect() as conn:
            return runs.latest_run(conn, status)

    def latest_fit_run(self, unit_ids: set[str] | None = None) -> RunInfo | None:
        """The latest run a round may be evaluated on (`store.runs.latest_fit_run`)."""
        with self.engine.connect() as conn:
            return runs.latest_fit_run(conn, unit_ids)

    # -- writes -----------------------------------------------------------------------------
    def upsert_units(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows: id, name, level, parent, profile, entry_url, overrides (dict)."""
        with self.engine.begin() as conn:
            writes.upsert_units(conn, list(rows))

    def upsert_columns(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Rows: unit_id, url, name, category, parent_url, path, extra. Returns url → column id.

        Pass one unit's columns per call (URLs are unique within a unit)."""
        with self.engine.begin() as conn:
            return writes.upsert_columns(conn, run_id, list(rows))

    def set_column_counts(self, run_id: int, counts: Mapping[int, int]) -> None:
        """Record how many rows each column (by id) listed in this run."""
        with self.engine.begin() as conn:
            writes.set_column_counts(conn, run_id, counts)

    def upsert_articles(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Upsert fetched articles (see store/README.md for the row keys).

        Returns counts ``{"new", "changed", "unchanged"}``."""
        clean = [normalise_article(r) for r in rows]
        with self.engine.begin() as conn:
            return writes.write_articles(conn, run_id, clean)

    def touch_articles(self, run_id: int, urls: Iterable[str]) -> int:
        """Mark articles as seen (listed) in this run without re-fetching them."""
        with self.engine.begin() as conn:
            return writes.touch_articles(conn, run_id, list(urls))

    def record_listings(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows: column_id, url, title, listed_date, page, position."""
        clean = [normalise_listing(r) for r in rows]
        with self.engine.begin() as conn:
            writes.write_listings(conn, run_id, clean)

    def record_links(
        self, run_id: int, links_by_article: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> None:
        """Replace the link sets of stored articles: article url → [{url, kind, text, type,
        on_site, position}]. Links no longer present get ``removed_run = run_id``."""
        clean = {u: normalise_links(u, links) for u, links in links_by_article.items()}
        with self.engine.begin() as conn:
            ids = writes.article_ids(conn, list(clean))
            missing = sorted(set(clean) - set(ids))
            if missing:
                raise ValueError(f"record_links: articles not stored: {missing[:5]}")
            writes.replace_links(conn, run_id, {ids[u]: links for u, links in clean.items()})

    def record_link_checks(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows: url, outcome (ok|confirmed_broken|suspected|unchecked), status_code, reason,
        checked_at, attempts."""
        clean = [normalise_link_check(r) for r in rows]
        with self.engine.begin() as conn:
            writes.write_link_checks(conn, run_id, clean)

    def record_crawl_issues(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Rows: kind, unit_id, host, url, detail, at. Repeats in a run add to ``count``."""
        clean = [normalise_crawl_issue(r) for r in rows]
        with self.engine.begin() as conn:
            writes.write_crawl_issues(conn, run_id, clean)

    # -- look-ups for the crawler -----------------------------------------------------------
    def known_article_urls(self, unit_id: str | None = None) -> set[str]:
        stmt = select(writes.ARTICLES.c.url)
        if unit_id is not None:
            stmt = stmt.where(writes.ARTICLES.c.unit_id == unit_id)
        with self.engine.connect() as conn:
            return set(conn.scalars(stmt))

    def article_validators(
        self, urls: Iterable[str]
    ) -> dict[str, tuple[str | None, str | None, str]]:
        """url → (etag, last_modified, content_hash) for the stored ones among ``urls``."""
        a = writes.ARTICLES.c
        out: dict[str, tuple[str | None, str | None, str]] = {}
        with self.engine.connect() as conn:
            for part in writes.chunks(list(dict.fromkeys(urls))):
                q = select(a.url, a.etag, a.last_modified, a.content_hash).where(a.url.in_(part))
                out.update({u: (e, m, h) for u, e, m, h in conn.execute(q)})
        return out

    def column_row_counts(self, unit_id: str) -> dict[str, int | None]:
        """Column url → rows it listed last time (before this run's `set_column_counts`)."""
        c = writes.COLUMNS.c
        with self.engine.connect() as conn:
            q = select(c.url, c.last_row_count).where(c.unit_id == unit_id)
            return {u: n for u, n in conn.execute(q)}

    def article_html(self, url: str) -> bytes | None:
        """The stored page bytes of an article (decompressed), as evidence."""
        a, p = writes.ARTICLES.c, writes.PAGES.c
        q = select(p.html_gz).join_from(
            writes.ARTICLES,
            writes.PAGES,
            (p.article_id == a.id) & (p.version_run == a.version_run),
        )
        with self.engine.connect() as conn:
            blob = conn.scalar(q.where(a.url == url))
        return None if blob is None else gzip.decompress(blob)

    def article_sources(
        self, run_id: int, unit_ids: Sequence[str] | None = None
    ) -> list[tuple[str, dict[str, str]]]:
        """(unit id, ``extra["sources"]``) of each article seen by run ``run_id`` that records
        how its fields were read (crawler.extract.sources); only that key is read."""
        a = writes.ARTICLES.c
        q = select(a.unit_id, a.extra["sources"]).where(a.last_seen_run == run_id)
        if unit_ids is not None:
            q = q.where(a.unit_id.in_(list(unit_ids)))
        with self.engine.connect() as conn:
            return [(u, found) for u, found in conn.execute(q) if isinstance(found, dict)]

    # -- frames for the scorer --------------------------------------------------------------
    def _frame(self, stmt: Any) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return reads.read_frame(conn, stmt)

    def articles_frame(
        self,
        as_of_run: int | None = None,
        columns: Sequence[str] | None = None,
        unit_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Articles, one row each; ``as_of_run`` gives the versions stored as of that run.

        ``columns`` defaults to `reads.ARTICLE_FRAME_COLUMNS` (no body_text, no HTML)."""
        names = list(columns) if columns is not None else list(reads.ARTICLE_FRAME_COLUMNS)
        return self._frame(reads.articles_stmt(names, as_of_run, unit_ids))

    def columns_frame(
        self, unit_ids: Sequence[str] | None = None, as_of_run: int | None = None
    ) -> pd.DataFrame:
        return self._frame(reads.columns_stmt(unit_ids, as_of_run))

    def listings_frame(
        self, unit_ids: Sequence[str] | None = None, as_of_run: int | None = None
    ) -> pd.DataFrame:
        return self._frame(reads.listings_stmt(unit_ids, as_of_run))

    def links_frame(
        self,
        unit_ids: Sequence[str] | None = None,
        as_of_run: int | None = None,
        include_removed: bool = False,
    ) -> pd.DataFrame:
        """Links with their latest check up to ``as_of_run`` (outcome NA: never checked)."""
        return self._frame(reads.links_stmt(unit_ids, as_of_run, include_removed))

    def link_checks_frame(self, run_id: int | None = None) -> pd.DataFrame:
        return self._frame(reads.link_checks_stmt(run_id))

    def crawl_issues_frame(self, run_id: int | None = None) -> pd.DataFrame:
        """Crawl issues of ``run_id`` (default: the latest run)."""
        if run_id is None:
            latest = self.latest_run()
            run_id = latest.id if latest else -1
        return self._frame(reads.crawl_issues_stmt(run_id))

    def units_frame(self) -> pd.DataFrame:
        return self._frame(reads.units_stmt())


class StoreUnavailable(RuntimeError):
    """The store cannot be opened (no server, a bad URL, not a database, no store there, a schema
    older or newer than this zwgk): one sentence naming it, its password hidden. Every `zwgk`
    command says it as it is (`zwgk.cli`), never as a traceback."""


def open_store(url: str | None = None, *, create: bool = False, **engine_kwargs: Any) -> Store:
    """Open the store at ``url``, refusing one whose schema is not this zwgk's newest.

    ``url`` defaults to ``$ZWGK_DATABASE_URL``, else ``sqlite:///<cwd>/.zwgk/zwgk.sqlite``.
    ``create``: where there is no store yet (no SQLite file, or a database without zwgk's
    tables) one is created at the newest schema — only commands that write crawl data ask for
    it (`zwgk crawl`, `zwgk demo`; tests and benchmarks). Without it nothing is created.
    A store at an older revision is refused naming `zwgk db upgrade`: no command migrates on
    its own. Raises `StoreUnavailable` when it cannot be opened.
    """
    with unavailable(url):
        engine = make_engine(url, create=create, **engine_kwargs)
        store = Store(engine)
        try:
            check_schema(engine, url, create=create)
        except BaseException:
            engine.dispose()
            raise
    log.debug("opened %r", store)
    return store


@contextmanager
def unavailable(url: str | None) -> Iterator[None]:
    """Whatever stops the store at ``url`` from opening, as one `StoreUnavailable` sentence."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except NoStore as exc:
        raise StoreUnavailable(
            f"no store at {store_name(url)} ({exc}): check the path or {ENV_VAR}; "
            "only `zwgk crawl` creates a store"
        ) from exc
    except (SQLAlchemyError, CommandError, OSError, ValueError) as exc:
        raise StoreUnavailable(
            f"cannot open the store {store_name(url)}: {_first_line(exc)}"
        ) from exc


def check_schema(engine: Engine, url: str | None = None, *, create: bool = False) -> None:
    """Refuse (`StoreUnavailable`) a database whose schema is not this zwgk's newest; with
    ``create``, make an empty one a store at the newest schema."""
    state = schema_state(engine)
    where = store_name(url)
    if state.kind == EMPTY and create:
        log.info("creating a store at %s (schema %s)", where, state.head)
        _migrate(engine)
    elif state.kind == EMPTY:
        raise StoreUnavailable(
            f"{where} holds no zwgk store (no tables): check the URL or {ENV_VAR}; "
            "only `zwgk crawl` creates a store"
        )
    elif state.kind == OLD:
        raise StoreUnavailable(
            f"the store {where} is at schema revision {state.current}, older than this zwgk's "
            f"{state.head}: run `zwgk db upgrade` (it backs the store up first)"
        )
    elif state.kind == NEWER:
        raise StoreUnavailable(
            f"the store {where} is at schema revision {state.current}, which this zwgk "
            f"(newest {state.head}) does not know: a newer zwgk wrote it, so upgrade zwgk"
        )
    elif state.kind == FOREIGN:
        raise StoreUnavailable(
            f"{where} has tables named like zwgk's but no schema revision: not a store zwgk made"
        )


def store_name(url: str | None) -> str:
    """The store's URL without its password (the default store named as such)."""
    from sqlalchemy.engine import make_url

    url = url or configured_value("store.url")
    if not url:
        return "the default store (.zwgk/zwgk.sqlite)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing in it to hide
        return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
