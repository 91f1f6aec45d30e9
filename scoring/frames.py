"""The frames `CrawlData` holds, derived from store-shaped ones: what the run observed, and
each article's column category, `extra` fields and columns listing it.

The one place that decides what was *observed*: a unit whose directory could not be read in the
run (host unreachable, anti-bot page, robots, HTTP error …) and a column whose list could not be
read are kept, marked `observed=False`, and no check may report on them — a crawl failure is
never a unit's problem (docs/domain.md §3.6). `scoring.data.assemble` calls these functions on
the frames `load_crawl` read (or on a test's hand-built ones); columns a frame lacks are filled
with empty values (`ensure_columns`).

Store limitation, noted so nobody relies on it: columns keep only their *last* listing state
(`last_row_count`, `last_listed_run`), so loading an older run after a newer crawl judges its
columns by the newer listing. Articles, links and link checks are exact as of the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

# Crawl issues that mean "this page could not be read" (not "the page says nothing").
UNREADABLE = frozenset(
    {
        "host_unreachable",
        "anti_bot",
        "robots_blocked",
        "http_error",
        "timeout",
        "too_large",
        "extraction_anomaly",
    }
)
# Keys of `articles.extra` the checks read, as article columns. `load_crawl` has the database
# pull them out (json_extract / ->>, `scoring.data_reads.read_articles`), so the frame is read on
# the store's fast path: reading the whole JSON (with every metadata label of the page) costs
# about three times the article read. The whole dict, metadata included, is available per
# article through `CrawlData.extra(ids)`. (`extra["category"]` is the page's 组配分类/信息分类;
# it becomes `info_category`, because `category` is the category of the article's column.)
EXTRA_FIELDS = {"body_doc_no": "body_doc_no", "info_category": "category", "related": "related"}


def _issue_urls(issues: pd.DataFrame, kinds: frozenset[str]) -> set[str]:
    if issues.empty:
        return set()
    bad = issues[issues["kind"].isin(kinds)]
    return {_norm_url(u) for u in bad["url"].dropna()}


def _norm_url(url: str) -> str:
    return url.rstrip("/")


def observed_columns(
    columns: pd.DataFrame, issues: pd.DataFrame, listings: pd.DataFrame, run_id: int | None
) -> pd.DataFrame:
    """The columns with `rows` and `observed`: a column is observed when this run listed it,
    its list page raised no `UNREADABLE` crawl issue, and it did not go empty after having rows."""
    out = ensure_columns(
        columns,
        {
            "id": "Int64",
            "unit_id": object,
            "url": object,
            "name": object,
            "category": object,
            "path": object,
            "last_row_count": "Int64",
            "last_listed_run": "Int64",
        },
    )
    counted = out["last_row_count"].notna()
    if run_id is not None and out["last_listed_run"].notna().any():
        # Listed by this run or later (see the module note); an older listing is not this run's.
        counted &= out["last_listed_run"].fillna(-1).astype("int64") >= run_id
    unreadable = _issue_urls(issues, UNREADABLE)
    blocked = out["url"].map(lambda u: isinstance(u, str) and _norm_url(u) in unreadable)
    out["rows"] = out["last_row_count"].fillna(0).astype("int64")
    if not listings.empty and "column_id" in listings:
        ever = listings.groupby("column_id").size()
        out["ever_listed"] = out["id"].map(ever).fillna(0).astype("int64")
    else:
        out["ever_listed"] = 0
    # No rows now but rows before: the list was mis-parsed (the crawler records an
    # extraction_anomaly, on the list page's URL) or emptied. What it holds now is unknown, so
    # it is neither blank nor stale.
    emptied = (out["rows"] == 0) & (out["ever_listed"] > 0)
    out["observed"] = (counted & ~blocked.astype(bool) & ~emptied).astype(bool)
    return out


def observed_units(
    units: pd.DataFrame, columns: pd.DataFrame, run_units: Iterable[str] | None
) -> pd.DataFrame:
    """The units with `observed`: at least one of their columns observed (and, given
    `run_units`, crawled by the run)."""
    out = ensure_columns(
        units,
        {"id": object, "name": object, "level": object, "parent": object, "entry_url": object},
    )
    # Observed: the run read at least one of the unit's column lists. A unit never crawled
    # has no directory; a unit whose entry page failed, or that a killed run never reached
    # (its columns known from an earlier run, none listed by this one), shows nothing this run
    # — judged, it would lack every required column. Nothing seen, nothing judged.
    seen = set(columns.loc[columns["observed"], "unit_id"])
    observed = out["id"].isin(seen)
    if run_units:
        observed &= out["id"].isin(set(run_units))
    out["observed"] = observed.astype(bool)
    return out


def article_frame(
    articles: pd.DataFrame,
    columns: pd.DataFrame,
    units: pd.DataFrame,
    copy: bool,
    lazy: Iterable[str] = (),
) -> pd.DataFrame:
    """The articles with their `EXTRA_FIELDS`, their column's `category` and `observed` (their
    unit and column observed); the fields in `lazy` are not added when missing."""
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
    out = ensure_columns(
        articles, {k: v for k, v in wanted.items() if k not in set(lazy)}, copy=copy
    )
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


def listed_in(articles: pd.DataFrame, listings: pd.DataFrame, urls: pd.Index) -> np.ndarray:
    """Distinct columns listing each article: the one it was found in plus the others that list
    it (works with all listings or only `scoring.data_reads.read_listings`' extra rows)."""
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


def link_frame(links: pd.DataFrame) -> pd.DataFrame:
    """The links with every column the checks read (missing ones empty)."""
    out = ensure_columns(
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


def ensure_columns(frame: pd.DataFrame, wanted: dict[str, Any], copy: bool = True) -> pd.DataFrame:
    """A copy (or, `copy=False`, the frame itself) with every `wanted` column present (missing
    ones empty, of the given dtype)."""
    out = frame.copy() if copy else frame
    for name, dtype in wanted.items():
        if name not in out:
            out[name] = (
                pd.Series([pd.NA] * len(out), index=out.index, dtype=dtype)
                if len(out)
                else pd.Series([], dtype=dtype)
            )
    return out
