"""Who interprets what: document ↔ interpretation (政策解读) pairs from the pages' cross-links.

A document page lists its interpretations under 相关解读 (Lonsun "| 解读"), an interpretation page
lists its document under 相关文件 ("双向关联", docs/domain.md §3.3). A pair is known when either side
links the other — under any spelling of the other's address (`_urls`); a missing back-link is what
`interpretation_backlink` reports.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scoring.checks import _scope, _urls

if TYPE_CHECKING:
    from scoring.data import CrawlData

INTERPRETATION = "interpretation"
_QUOTED = re.compile(r"《([^》]{2,})》")


def cross_links(articles: pd.DataFrame) -> pd.DataFrame:
    """One row per related link: source_url, unit_id, target_url, kind."""
    linked = (
        articles[articles["related"].map(bool).to_numpy(dtype=bool)] if len(articles) else articles
    )
    if linked.empty:
        return pd.DataFrame(columns=["source_url", "unit_id", "target_url", "kind"], dtype=object)
    exploded = linked[["url", "unit_id", "related"]].explode("related").dropna(subset=["related"])
    return pd.DataFrame(
        {
            "source_url": exploded["url"].to_numpy(),
            "unit_id": exploded["unit_id"].to_numpy(),
            "target_url": [r.get("url") for r in exploded["related"]],
            "kind": [r.get("kind") for r in exploded["related"]],
        }
    )


def pairs(data: CrawlData) -> pd.DataFrame:
    """Known (doc_url, interp_url, doc_links, interp_links) pairs of the crawl (built once).

    `doc_links`: the document page links the interpretation; `interp_links`: the reverse.
    Interpretations are articles of the interpretation category; documents anything else.
    """
    return data.memo("interpretation_pairs", lambda: _pairs(data.articles, _scope.url_index(data)))


def _pairs(articles: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """`pairs` of `articles`, `index` their URLs (the crawl's URL index, built once)."""
    links = named_as_stored(cross_links(articles), articles, index)
    interps = set(articles.loc[articles["category"] == INTERPRETATION, "url"])
    forward = links[~links["source_url"].isin(interps) & links["target_url"].isin(interps)]
    backward = links[links["source_url"].isin(interps) & ~links["target_url"].isin(interps)]
    stored = index.get_indexer(backward["target_url"].to_numpy()) >= 0
    backward = backward[stored]
    fwd = pd.DataFrame(
        {"doc_url": forward["source_url"], "interp_url": forward["target_url"], "doc_links": True}
    )
    bwd = pd.DataFrame(
        {
            "doc_url": backward["target_url"],
            "interp_url": backward["source_url"],
            "interp_links": True,
        }
    )
    for frame in (fwd, bwd):  # empty frames come out as float: merge needs one key type
        frame[["doc_url", "interp_url"]] = frame[["doc_url", "interp_url"]].astype(object)
    out = fwd.merge(bwd, on=["doc_url", "interp_url"], how="outer")
    out["doc_links"] = out["doc_links"].astype("boolean").fillna(False).astype(bool)
    out["interp_links"] = out["interp_links"].astype("boolean").fillna(False).astype(bool)
    return out.drop_duplicates(["doc_url", "interp_url"]).reset_index(drop=True)


def named_as_stored(links: pd.DataFrame, articles: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """`links` with each target spelled as the stored page it names (`index`: the articles'
    URLs): a page links another by http or https, its directory or index.html, with a query
    string the CMS adds (`_urls`)."""
    if links.empty or articles.empty:
        return links
    urls = articles["url"].to_numpy(dtype=object)
    pos = _urls.stored(links["target_url"].to_numpy(dtype=object), index, drop_query=True)
    named = np.where(pos >= 0, urls[np.maximum(pos, 0)], links["target_url"].to_numpy(object))
    return links.assign(target_url=named)


def document_name(title: str) -> str:
    """The name an interpretation cites: the text inside the first 《》, else the whole title."""
    match = _QUOTED.search(title or "")
    return match.group(1) if match else (title or "")
