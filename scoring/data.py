"""What one crawl run saw, as pandas frames for the checks (`load_crawl`).

What was *observed* is decided by `store.observed` (the one definition, which also decides a
run's outcome): a unit whose directory could not be read in the run (host unreachable, anti-bot
page, robots, HTTP error …) and a column whose list could not be read are kept, marked
`observed=False`, and no check may report on them — a crawl failure is never a unit's problem
(docs/domain.md §3.6).

Store limitation, noted so nobody relies on it: columns keep only their *last* listing state
(`last_row_count`, `last_listed_run`), so loading an older run after a newer crawl judges its
columns by the newer listing. Articles, links and link checks are exact as of the run.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from store.observed import added_listings_stmt, observed_columns, observed_units
from store.observed import ensure_columns as _ensure

if TYPE_CHECKING:
    from store import Store
    from store.runs import RunInfo

log = logging.getLogger(__name__)

# Keys of `articles.extra` the checks read, as article columns. `load_crawl` has the database
# pull them out (json_extract / ->>), so the frame is read on the store's fast path: reading the
# whole JSON (with every metadata label of the page) costs about three times the article read.
# The whole dict, metadata included, is available per article through `CrawlData.extra(ids)`.
# (`extra["category"]` is the page's 组配分类/信息分类; it becomes `info_category`, because
# `category` is the category of the article's column.)
EXTRA_FIELDS = {"body_doc_no": "body_doc_no", "info_category": "category", "related": "related"}
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
# Metadata fields only the metadata checks read, on the few categories they judge (规范性文件,
# 政策文件): `load_crawl` leaves them out of `articles` and reads them by article id when a
# check asks (`CrawlData.article_columns`, `_scope.articles(columns=…)`). 索引号 is read up
# front: every item must carry one, so its format is checked on every article.
LAZY_COLUMNS = ("publisher", "doc_no", "validity", "subject", "keywords")
LAZY_CHUNK = 50_000  # ids per statement
LAZY_SCAN = 0.3  # asked for more than this share of the articles: read the whole column
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
# An article without related links: one shared immutable empty sequence rather than a list per
# row (a million empty lists are ~60 MB).
NO_RELATED: tuple[()] = ()

Loader = Callable[[list[int]], pd.Series]
Searcher = Callable[[list[str]], pd.Series]
ColumnLoader = Callable[[list[str], list[int] | None], pd.DataFrame]


class CrawlDataError(LookupError):
    """No finished crawl run to load (or the run asked for does not exist)."""


@dataclass(frozen=True)
class CrawlData:
    """Frames of one crawl run (listed below). Checks read them and never modify them.

    - `units`: id, name, level, parent, entry_url, observed
    - `columns`: id, unit_id, url, name, category, path, rows, observed
    - `articles`: the store's article columns the checks read (`ARTICLE_COLUMNS`) + category
      (of its column), body_doc_no, info_category, related (list of {url, text, kind}; an
      empty tuple when none), listed_in (distinct columns listing it), observed (its unit and
      column were observed); from `load_crawl` without the `LAZY_COLUMNS` metadata fields,
      which are read for the rows a check asks for: `article_columns(rows, names)` (or
      `_scope.articles(..., columns=[...])`); hand-built frames have them all;
      body text and the whole `extra` dict (with `metadata`) are read on demand:
      `body_text(ids)`, `body_text_containing(ids, terms)`, `extra(ids)`
    - `listings`: from `load_crawl`, only the rows that add to the articles — a page listed in
      another column than the one it was first found in, or a listed page not stored (its
      list date stands in); hand-built frames may give every row, checks work with both
    - `links` (`LINK_COLUMNS`, with the latest check `outcome` and `status_code` up to the
      run), `crawl_issues` (of the run)
    """

    units: pd.DataFrame
    columns: pd.DataFrame
    articles: pd.DataFrame
    listings: pd.DataFrame
    links: pd.DataFrame
    crawl_issues: pd.DataFrame
    run_id: int | None = None
    as_of_run: int | None = None
    text_loader: Loader | None = field(default=None, repr=False, compare=False)
    extra_loader: Loader | None = field(default=None, repr=False, compare=False)
    text_searcher: Searcher | None = field(default=None, repr=False, compare=False)
    column_loader: ColumnLoader | None = field(default=None, repr=False, compare=False)
    # Derived frames several checks share (column items, interpretation pairs), built once.
    cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """`build()` once per CrawlData and key; checks must not modify what it returns."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def article_columns(self, rows: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
        """`rows` (a slice of `articles`, with its row positions as index) with the columns
        `names` too: those `articles` lacks (`LAZY_COLUMNS`) are read for these rows only, all
        lazy fields at once, and kept for the next check that asks."""
        missing = [n for n in dict.fromkeys(names) if n not in rows]
        if not missing:
            return rows
        lazy = [n for n in missing if n not in self.articles]
        if lazy and self.column_loader is None:
            raise KeyError(f"articles have no column(s) {lazy}")
        out = rows.copy()
        if lazy:
            ids = self.articles["id"].to_numpy("int64")[rows.index.to_numpy()]
            for name, values in self._lazy(lazy, ids).items():
                out[name] = values.set_axis(out.index)
        for name in (n for n in missing if n not in lazy):
            out[name] = self.articles[name].to_numpy()[rows.index.to_numpy()]
        return out

    def _lazy(self, names: list[str], ids: np.ndarray) -> dict[str, pd.Series]:
        """The lazy fields `names` of the articles `ids` (row for row), each id and field read
        once, the fields asked together in one statement. Asked for most of the articles, the
        whole columns are read in one scan instead."""
        wanted = pd.Index(ids).unique()
        known = {n: self.cache.get(("lazy", n)) for n in names}
        new = wanted[:0]
        for values in known.values():
            new = new.union(wanted if values is None else wanted[~wanted.isin(values.index)])
        if len(new):
            assert self.column_loader is not None
            every = len(new) > LAZY_SCAN * len(self.articles)
            read = self.column_loader(names, None if every else [int(i) for i in new])
            read = read.set_index("id")
            for name, values in known.items():
                add = read[name] if values is None else read[name][~read.index.isin(values.index)]
                known[name] = add if values is None else pd.concat([values, add])
                self.cache[("lazy", name)] = known[name]
        # A field never read (no row asked for it yet: an empty scope) is an empty column.
        none = pd.Series([], dtype=object, index=pd.Index([], dtype="int64"))
        return {
            name: (none if values is None else values).reindex(ids)
            for name, values in known.items()
        }

    def body_text(self, article_ids: Iterable[int]) -> pd.Series:
        """Body text of some articles (index: article id; "" when unknown).

        Read on demand: the whole text of a million articles would double a round's memory,
        and only a few check types (consultation periods, term lists) need it.
        """
        return self._on_demand(article_ids, "body_text", self.text_loader, "")

    def body_text_containing(self, article_ids: Iterable[int], terms: Iterable[str]) -> pd.Series:
        """Body text of those of the articles whose body contains at least one of `terms`
        (index: article id, in `article_ids` order; may include a few more when the database
        compares letters without case, so callers match again).

        The store looks for the terms itself, so only the few pages that contain one travel to
        Python — not the text of every page in scope.
        """
        if isinstance(article_ids, pd.Series | pd.Index | np.ndarray):
            ids = pd.Index(np.asarray(article_ids, dtype="int64"))
        else:
            ids = pd.Index([int(i) for i in article_ids], dtype="int64")
        words = [t for t in dict.fromkeys(terms) if t]
        if not len(ids) or not words:
            return pd.Series([], dtype=object, index=pd.Index([], dtype="int64"))
        if "body_text" not in self.articles and self.text_searcher is not None:
            found = self.text_searcher(words)
            found = found[~found.index.duplicated()]
            keep = ids[ids.isin(found.index)].unique()
            return found.reindex(keep).astype(object)
        texts = self.body_text(ids.unique())
        hit = texts.astype(str).str.contains("|".join(map(re.escape, words)), regex=True)
        return texts[hit.to_numpy(dtype=bool)]

    def extra(self, article_ids: Iterable[int]) -> pd.Series:
        """The whole `extra` dict of some articles (index: article id; {} when unknown): the
        page's every metadata label under "metadata", its source, dates, related links."""
        return self._on_demand(article_ids, "extra", self.extra_loader, None).map(
            lambda e: e if isinstance(e, dict) else {}
        )

    def _on_demand(
        self, article_ids: Iterable[int], name: str, loader: Loader | None, default: Any
    ) -> pd.Series:
        ids = [int(i) for i in article_ids]
        if not ids:
            return pd.Series([], dtype=object, index=pd.Index([], dtype="int64"))
        if name in self.articles:
            values = self.articles.set_index("id")[name]
        elif loader is not None:
            values = loader(ids)
        else:
            values = pd.Series([], dtype=object)
        values = values[~values.index.duplicated()].reindex(ids).astype(object)
        return values.where(values.notna(), default)

    @property
    def observed_unit_ids(self) -> set[str]:
        return set(self.units.loc[self.units["observed"].astype(bool), "id"])


def load_crawl(store: Store, run_id: int | None = None) -> CrawlData:
    """The store as of `run_id` (default: `pick_run`'s)."""
    run = pick_run(store, run_id)
    units = store.units_frame()
    columns = store.columns_frame(as_of_run=run.id)
    # The newest run reads the current rows: no version union, the same answer.
    newest = max(r.id for r in store.runs()) == run.id
    as_of = None if newest else run.id
    articles = _read_articles(store, as_of)
    listings = _read_listings(store, run.id)
    links = _read_links(store, run.id)
    issues = store.crawl_issues_frame(run.id)
    data = assemble(
        units,
        columns,
        articles,
        listings,
        links,
        issues,
        run_id=run.id,
        run_units=run.units,
        text_loader=_loader(store, as_of, "body_text"),
        extra_loader=_loader(store, as_of, "extra"),
        text_searcher=_searcher(store, as_of),
        column_loader=_column_loader(store, as_of),
        copy=False,
    )
    log.info(
        "loaded crawl run %s: %d units (%d observed), %d columns, %d articles, %d links",
        run.id,
        len(data.units),
        int(data.units["observed"].sum()),
        len(data.columns),
        len(data.articles),
        len(data.links),
    )
    return data


def assemble(
    units: pd.DataFrame,
    columns: pd.DataFrame,
    articles: pd.DataFrame,
    listings: pd.DataFrame,
    links: pd.DataFrame,
    crawl_issues: pd.DataFrame,
    *,
    run_id: int | None = None,
    run_units: Iterable[str] | None = None,
    text_loader: Loader | None = None,
    extra_loader: Loader | None = None,
    text_searcher: Searcher | None = None,
    column_loader: ColumnLoader | None = None,
    copy: bool = True,
) -> CrawlData:
    """Derive `observed`, categories and the parsed `extra` fields from store-shaped frames.

    `load_crawl` uses it on the store's frames; tests use it on hand-built ones. Columns a frame
    lacks are filled with empty values, so a test only writes what it is about. The frames are
    copied unless `copy=False` (`load_crawl`'s own frames: no second million-row copy).
    """
    issues = crawl_issues
    if run_id is not None and "run_id" in issues and len(issues):
        issues = issues[issues["run_id"] == run_id]
    columns = observed_columns(columns, issues, listings, run_id)
    units = observed_units(units, columns, run_units)
    # Given a loader, the lazy fields stay out of the frame (read when a check asks).
    lazy = LAZY_COLUMNS if column_loader is not None else ()
    articles = _articles(articles, columns, units, copy, lazy).reset_index(drop=True)
    # The URL index (hash table of a million URLs) is built once, here, and shared with the
    # checks through the cache (`_scope.url_index`).
    urls = pd.Index(articles["url"])
    articles["listed_in"] = _listed_in(articles, listings, urls)
    data = CrawlData(
        units=units.reset_index(drop=True),
        columns=columns.reset_index(drop=True),
        articles=articles,
        listings=_ensure(
            listings,
            {
                "column_id": "Int64",
                "unit_id": object,
                "url": object,
                "title": object,
                "listed_date": "datetime64[s]",
            },
        ).reset_index(drop=True),  # fmt: skip
        links=_links(links),
        crawl_issues=issues.reset_index(drop=True),
        run_id=run_id,
        as_of_run=run_id,
        text_loader=text_loader,
        extra_loader=extra_loader,
        text_searcher=text_searcher,
        column_loader=column_loader,
    )
    data.cache["url_index"] = urls
    return data


# -- pieces -----------------------------------------------------------------------------------
def pick_run(store: Store, run_id: int | None) -> RunInfo:
    """The crawl run `run_id` (default: the latest one fit to judge — finished or degraded —
    else the latest that ran to its end); `CrawlDataError` if none."""
    if run_id is None:
        run = store.latest_fit_run() or store.latest_run(status="finished")
        if run is None:
            raise CrawlDataError(f"{store.url}: no finished crawl run; run `zwgk crawl` first")
        return run
    run = next((r for r in store.runs() if r.id == run_id), None)
    if run is None:
        raise CrawlDataError(f"{store.url}: no crawl run {run_id}")
    if run.status != "finished":
        log.warning(
            "crawl run %s is %s, not finished: what it saw may be partial", run.id, run.status
        )
    return run


def _read_articles(store: Store, run_id: int | None) -> pd.DataFrame:
    """Articles as of the run (None: as they are now): `ARTICLE_COLUMNS` plus `EXTRA_FIELDS`
    extracted by SQL."""
    from sqlalchemy import Text, cast, func, select, type_coerce

    from store.reads import articles_stmt, read_frame

    versions = articles_stmt([*ARTICLE_COLUMNS, "extra"], run_id, None).subquery("v")
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
    for i in np.flatnonzero(pd.notna(related)):
        if related[i] not in ("null", "[]"):
            out[i] = json.loads(related[i]) or NO_RELATED
    frame["related"] = out
    return frame


def _read_links(store: Store, run_id: int) -> pd.DataFrame:
    """Links as of the run with their latest check (`store.links_frame`), `LINK_COLUMNS` only."""
    from store.reads import links_stmt, read_frame

    stmt = links_stmt(None, run_id, False)
    stmt = stmt.with_only_columns(
        *(c for c in stmt.selected_columns if c.key in LINK_COLUMNS), maintain_column_froms=True
    )
    with store.engine.connect() as conn:
        return read_frame(conn, stmt)


def _read_listings(store: Store, run_id: int) -> pd.DataFrame:
    """The listings that add to the articles (`store.observed.added_listings_stmt`)."""
    from store.reads import read_frame

    with store.engine.connect() as conn:
        return read_frame(conn, added_listings_stmt(run_id))


def _searcher(store: Store, run_id: int | None) -> Searcher:
    """Finds the articles (as of the run; None: as they are now) whose body contains a term."""

    def search(terms: list[str]) -> pd.Series:
        from sqlalchemy import func, or_, select

        from store.reads import articles_stmt, read_frame

        versions = articles_stmt(["id", "body_text"], run_id, None).subquery("v")
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


def _column_loader(store: Store, run_id: int | None) -> ColumnLoader:
    """Reads some article columns for given ids (None: every article), as of the run (None: as
    they are now)."""

    def load(names: list[str], ids: list[int] | None) -> pd.DataFrame:
        from sqlalchemy import select, text

        from store.reads import articles_stmt, read_frame

        versions = articles_stmt(["id", *names], run_id, None).subquery("v")
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


def _loader(store: Store, run_id: int | None, column: str) -> Loader:
    """Reads one optional article column (body_text, extra) for given ids, as of the run
    (None: as they are now)."""

    def load(ids: list[int]) -> pd.Series:
        from store.reads import articles_stmt, read_frame

        wanted = sorted(set(ids))
        parts = []
        # In chunks: a literal IN list of a few thousand ids is cheap on both backends.
        for start in range(0, len(wanted), 5000):
            stmt = articles_stmt(["id", column], run_id, None)
            stmt = stmt.where(stmt.selected_columns.id.in_(wanted[start : start + 5000]))
            with store.engine.connect() as conn:
                parts.append(read_frame(conn, stmt))
        if not parts:
            return pd.Series([], dtype=object)
        frame = pd.concat(parts, ignore_index=True)
        return pd.Series(frame[column].to_numpy(), index=frame["id"].astype("int64"), dtype=object)

    return load


def _articles(
    articles: pd.DataFrame,
    columns: pd.DataFrame,
    units: pd.DataFrame,
    copy: bool,
    lazy: Iterable[str] = (),
) -> pd.DataFrame:
    wanted = {
        "id": "Int64",
        "unit_id": object,
        "column_id": "Int64",
        "url": object,
        "title": object,
        "index_no": object,
        "doc_no": object,
        "written_date": "datetime64[s]",
        "publish_date": "datetime64[s]",
        "validity": object,
        "subject": object,
        "keywords": object,
        "publisher": object,
    }
    out = _ensure(articles, {k: v for k, v in wanted.items() if k not in set(lazy)}, copy=copy)
    # A frame read by `load_crawl` has the extra fields already; a hand-built one may give the
    # `extra` dicts (kept: `CrawlData.extra` reads them) or the fields themselves.
    if "extra" in out:
        extra = out["extra"].map(lambda e: e if isinstance(e, dict) else {})
    for name, key in EXTRA_FIELDS.items():
        if name in out:
            continue
        if "extra" not in out:
            empty = [[] for _ in range(len(out))] if name == "related" else None
            out[name] = pd.Series(empty, index=out.index, dtype=object)
        elif name == "related":
            out[name] = extra.map(lambda e: list(e.get("related") or []))
        else:
            out[name] = extra.map(lambda e, k=key: e.get(k) or None).astype(object)
    col = columns.set_index("id")
    out["category"] = out["column_id"].map(col["category"]).astype(object)
    column_seen = out["column_id"].map(col["observed"]).fillna(False).astype(bool)
    out["observed"] = (
        column_seen & out["unit_id"].isin(set(units.loc[units["observed"], "id"])).to_numpy()
    )
    return out


def _listed_in(articles: pd.DataFrame, listings: pd.DataFrame, urls: pd.Index) -> np.ndarray:
    """Distinct columns listing each article: the one it was found in plus the others that list
    it (works with all listings or only `_read_listings`' extra rows)."""
    counts = articles["column_id"].notna().to_numpy(dtype="int64")
    if listings.empty or articles.empty:
        return counts
    pos = urls.get_indexer(listings["url"].to_numpy())
    own = articles["column_id"].to_numpy("float64", na_value=np.nan)[np.maximum(pos, 0)]
    other = (pos >= 0) & (listings["column_id"].to_numpy("float64", na_value=np.nan) != own)
    extra = pd.DataFrame({"pos": pos[other], "column_id": listings["column_id"].to_numpy()[other]})
    extra = extra.drop_duplicates()
    np.add.at(counts, extra["pos"].to_numpy(), 1)
    return counts


def _links(links: pd.DataFrame) -> pd.DataFrame:
    out = _ensure(
        links,
        {
            "article_id": "Int64",
            "unit_id": object,
            "article_url": object,
            "url": object,
            "kind": object,
            "text": object,
            "on_site": "boolean",
            "outcome": object,
            "status_code": "Int64",
        },
    )
    return out.reset_index(drop=True)
