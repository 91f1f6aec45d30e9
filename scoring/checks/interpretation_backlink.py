"""interpretation_backlink — 未双向关联: an interpretation whose page does not link the document
it interprets (the document links it, or nothing links them at all). docs/domain.md §3.3 "链通".
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scoring.checks import _interpretation, _scope
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
        # Also a link in the body or to a document the crawl did not store counts as a link.
        out_links = _interpretation.cross_links(interps)
        linking |= set(out_links.loc[out_links["kind"] == "document", "source_url"])
        lonely = interps[~interps["url"].isin(linking)]
        if lonely.empty:
            return findings([])
        # The documents each lonely interpretation is paired with (plain dicts: a Series.get
        # per row costs seconds over a city's interpretations).
        mine = known[known["interp_url"].isin(set(lonely["url"]))]
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
