"""interpretation_backlink — 未双向关联: an interpretation whose page does not link the document
it interprets (the document links it, or nothing links them at all). docs/domain.md §3.3 "链通".

A link back is one in the page's 相关文件 block, or one in its body text ("原文：《…》") to its
document (to a stored document when the pair is not known otherwise), under any spelling of the
document's address (`_urls`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from scoring.checks import _interpretation, _scope, _urls
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


@register
class InterpretationBacklink(Check):
    name: ClassVar[str] = "interpretation_backlink"
    Params = CheckParams
    description: ClassVar[str] = "interpretation whose page does not link its document"
    reads: ClassVar[frozenset[str]] = frozenset({_interpretation.INTERPRETATION})

    def find(self, data: CrawlData, params: CheckParams, ctx: CheckContext) -> pd.DataFrame:
        interps = _scope.articles(
            data,
            ctx,
            [_interpretation.INTERPRETATION],
            columns=["unit_id", "url", "title", "related"],
        )
        if interps.empty:
            return findings([])
        known = _interpretation.pairs(data)
        known = known[known["interp_url"].isin(interps["url"])]
        linking = set(known.loc[known["interp_links"], "interp_url"])
        # Also a 相关文件 link to a document the crawl did not store counts as a link.
        out_links = _interpretation.cross_links(interps)
        linking |= set(out_links.loc[out_links["kind"] == "document", "source_url"])
        lonely = interps[~interps["url"].isin(linking)]
        lonely = lonely[~lonely["url"].isin(_linked_in_body(data, lonely, known))]
        if lonely.empty:
            return findings([])
        # The documents each lonely interpretation is paired with (plain dicts: a Series.get
        # per row costs seconds over a city's interpretations).
        mine = known[known["interp_url"].isin(_scope.distinct(lonely["url"]))]
        docs = {u: sorted(g) for u, g in mine.groupby("interp_url")["doc_url"]}
        first = [next(iter(docs.get(u, [])), None) for u in lonely["url"]]
        titles = _scope.by_url(data, pd.Series(first, dtype=object), ["title"])["title"].tolist()
        return findings(
            _scope.article_finding(
                row,
                document_urls=list(docs.get(row.url, [])),
                document_title=_scope.text(title),
            )
            for row, title in zip(
                _scope.rows(lonely, ["unit_id", "url", "title"]), titles, strict=True
            )
        )


def _linked_in_body(data: CrawlData, interps: pd.DataFrame, known: pd.DataFrame) -> set[str]:
    """The interpretations of `interps` whose body links their document: one the pairs name
    for it, or, for an interpretation no document links, any stored page that is not an
    interpretation."""
    links = data.links
    if interps.empty or links.empty:
        return set()
    mine = links[(links["kind"] == "body").to_numpy(bool) & links["article_url"].isin(
        set(interps["url"])).to_numpy(bool)]  # fmt: skip
    if mine.empty:
        return set()
    pos = _urls.stored(mine["url"].to_numpy(object), _scope.url_index(data), drop_query=True)
    at = np.maximum(pos, 0)
    urls = data.articles["url"].to_numpy(object)[at]
    is_doc = (pos >= 0) & (data.articles["category"].to_numpy(object)[at] != "interpretation")
    paired = {u: set(g) for u, g in known.groupby("interp_url")["doc_url"]}
    return {
        source
        for source, target, doc in zip(mine["article_url"], urls, is_doc, strict=True)
        if doc and (source not in paired or target in paired[source])
    }
