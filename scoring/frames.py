"""The frames `CrawlData` holds, derived from store-shaped ones: each article's column
category, `extra` fields and the columns listing it, and the links.

What the run *observed* is decided by `store.observed` (the one definition, which also decides a
run's outcome): a unit or column the crawl could not read is kept, marked `observed=False`, and
no check may report on it — a crawl failure is never a unit's problem (docs/domain.md §3.6).
`scoring.data.assemble` calls these functions and those on the frames `load_crawl` read (or on a
test's hand-built ones).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from store.observed import ensure_columns

# Keys of `articles.extra` the checks read, as article columns. `load_crawl` has the database
# pull them out (json_extract / ->>, `scoring.data_reads.read_articles`), so the frame is read on
# the store's fast path: reading the whole JSON (with every metadata label of the page) costs
# about three times the article read. The whole dict, metadata included, is available per
# article through `CrawlData.extra(ids)`. (`extra["category"]` is the page's 组配分类/信息分类;
# it becomes `info_category`, because `category` is the category of the article's column.)
EXTRA_FIELDS = {"body_doc_no": "body_doc_no", "info_category": "category", "related": "related"}


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
