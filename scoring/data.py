"""What one crawl run saw, as pandas frames for the checks: `CrawlData` and `load_crawl`.

`load_crawl(store, run_id)` reads the run from the store (`scoring.data_reads`), marks what the
run observed (`store.observed`, the one definition, which also decides a run's outcome: a unit or column the crawl could not read is kept, marked
`observed=False`, and never judged — docs/domain.md §3.6) and hands back a `CrawlData`: the
frames every check reads, plus what is read only when a check asks — the metadata fields
(`LAZY_COLUMNS`), the body text and the whole `extra` dict of some articles. Tests build the
same object from hand-made frames with `assemble`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring import data_reads as reads
from scoring import gc_pause
from scoring.data_reads import ColumnLoader, Loader, Searcher
from scoring.frames import article_frame, link_frame, listed_in
from store.observed import ensure_columns, observed_columns, observed_units

if TYPE_CHECKING:
    from store import Store
    from store.runs import RunInfo

log = logging.getLogger(__name__)

# Metadata fields only the metadata checks read, on the few categories they judge (规范性文件,
# 政策文件): `load_crawl` leaves them out of `articles` and reads them by article id when a
# check asks (`CrawlData.article_columns`, `_scope.articles(columns=…)`). 索引号 is read up
# front: every item must carry one, so its format is checked on every article.
LAZY_COLUMNS = ("publisher", "doc_no", "validity", "subject", "keywords")
LAZY_SCAN = 0.3  # asked for more than this share of the articles: read the whole column


class CrawlDataError(LookupError):
    """No finished crawl run to load (or the run asked for does not exist)."""


@dataclass(frozen=True)
class CrawlData:
    """Frames of one crawl run (listed below). Checks read them and never modify them.

    - `units`: id, name, level, parent, entry_url, observed
    - `columns`: id, unit_id, url, name, category, path, rows, observed
    - `articles`: the store's article columns the checks read (`data_reads.ARTICLE_COLUMNS`)
      + category (of its column), body_doc_no, info_category, related (list of {url, text, kind}; an
      empty tuple when none), listed_in (distinct columns listing it), observed (its unit and
      column were observed); from `load_crawl` without the `LAZY_COLUMNS` metadata fields,
      which are read for the rows a check asks for: `article_columns(rows, names)` (or
      `_scope.articles(..., columns=[...])`); hand-built frames have them all;
      body text and the whole `extra` dict (with `metadata`) are read on demand:
      `body_text(ids)`, `body_text_containing(ids, terms)`, `extra(ids)`
    - `listings`: from `load_crawl`, only the rows that add to the articles — a page listed in
      another column than the one it was first found in, or a listed page not stored (its
      list date stands in); hand-built frames may give every row, checks work with both
    - `links` (`data_reads.LINK_COLUMNS`, with the latest check `outcome` and `status_code` up
      to the run), `crawl_issues` (of the run)
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


def load_crawl(
    store: Store, run_id: int | None = None, unit_ids: Sequence[str] | None = None
) -> CrawlData:
    """The store as of `run_id` (default: `pick_run`'s); only the units ``unit_ids`` and what
    they publish, when given (a city: `scoring.by_city`), every unit otherwise."""
    with gc_pause.paused():  # the driver's rows, million-cell object arrays: no cycles
        return _load_crawl(store, run_id, None if unit_ids is None else list(unit_ids))


def _load_crawl(store: Store, run_id: int | None, unit_ids: list[str] | None) -> CrawlData:
    run = pick_run(store, run_id)
    units = store.units_frame()
    if unit_ids is not None:
        units = units[units["id"].isin(unit_ids)].reset_index(drop=True)
    columns = store.columns_frame(unit_ids, as_of_run=run.id)
    # As of the run, whatever a crawl begun meanwhile writes (`data_reads.pinned`).
    articles = reads.pinned(
        store, run.id, lambda as_of: reads.read_articles(store, as_of, unit_ids)
    )
    listings = reads.read_listings(store, run.id, unit_ids)
    links = reads.read_links(store, run.id, unit_ids)
    # Crawl issues are few and matched by URL (a host's issue names no unit): all of the run's.
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
        text_loader=reads.field_loader(store, run.id, "body_text"),
        extra_loader=reads.field_loader(store, run.id, "extra"),
        text_searcher=reads.body_searcher(store, run.id, unit_ids),
        column_loader=reads.column_loader(store, run.id, unit_ids),
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
    articles = article_frame(articles, columns, units, copy, lazy).reset_index(drop=True)
    # The URL index (hash table of a million URLs) is built once, here, and shared with the
    # checks through the cache (`_scope.url_index`).
    urls = pd.Index(articles["url"])
    articles["listed_in"] = listed_in(articles, listings, urls)
    data = CrawlData(
        units=units.reset_index(drop=True),
        columns=columns.reset_index(drop=True),
        articles=articles,
        listings=ensure_columns(
            listings,
            {
                "column_id": "Int64",
                "unit_id": object,
                "url": object,
                "title": object,
                "listed_date": "datetime64[s]",
            },
        ).reset_index(drop=True),  # fmt: skip
        links=link_frame(links),
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
