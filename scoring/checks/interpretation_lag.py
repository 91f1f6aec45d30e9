"""interpretation_lag — 解读发布滞后: an interpretation published more than `max_workdays` working
days after the document it interprets ("三同步"; 3 working days at the latest [L: 郑州 2016]).
An interpretation of several documents is judged against the latest of them. Only the first
interpretation of a document is judged: "三同步" is kept or missed once per document, and a later
one in another form (a 图解 or a video after the text, an expert's article months on) is an
addition, not a late interpretation.
The count is explained (`WorkCalendar.explain`: the 调休 workdays and holidays inside).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _interpretation, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class LagParams(CheckParams):
    max_workdays: int = Field(default=3, ge=0, le=250)  # a year of working days


@register
class InterpretationLag(Check):
    name: ClassVar[str] = "interpretation_lag"
    Params = LagParams
    description: ClassVar[str] = "interpretation published > max_workdays after its document"
    reads: ClassVar[frozenset[str]] = frozenset({_interpretation.INTERPRETATION})
    # A late interpretation is a one-time event on its publish date (docs/indicators.md §2.5).
    dated_by: ClassVar[dict[str, str]] = {"*": "published"}
    one_time: ClassVar[frozenset[str]] = frozenset({"*"})

    def find(self, data: CrawlData, params: LagParams, ctx: CheckContext) -> pd.DataFrame:
        interps = _scope.articles(data, ctx, [_interpretation.INTERPRETATION], columns=["url"])
        if interps.empty:
            return findings([])
        known = _interpretation.pairs(data)
        known = known[known["interp_url"].isin(interps["url"])].reset_index(drop=True)
        docs = _scope.by_url(data, known["doc_url"], ["publish_date", "title"])
        mine = _scope.by_url(data, known["interp_url"], ["publish_date", "title", "unit_id"])
        known = known.assign(
            doc_date=_scope.to_dates(docs["publish_date"]),
            doc_title=docs["title"],
            interp_date=_scope.to_dates(mine["publish_date"]),
            interp_title=mine["title"],
            unit_id=mine["unit_id"],
        ).dropna(subset=["doc_date", "interp_date"])
        if known.empty:
            return findings([])
        known["workdays"] = ctx.calendar.lags(
            known["doc_date"].to_numpy(), known["interp_date"].to_numpy()
        )
        # Each document's first interpretation (of all the crawl's, any unit's): the others
        # are additions to it and not judged.
        every = _interpretation.pairs(data)
        every = every[every["doc_url"].isin(_scope.distinct(known["doc_url"]))].reset_index(
            drop=True
        )
        when = _scope.to_dates(
            _scope.by_url(data, every["interp_url"], ["publish_date"])["publish_date"]
        )
        first = (
            every.assign(interp_date=when.to_numpy())
            .dropna(subset=["interp_date"])
            .sort_values(["doc_url", "interp_date", "interp_url"])
            .drop_duplicates("doc_url")
        )
        known = known[
            pd.MultiIndex.from_frame(known[["doc_url", "interp_url"]]).isin(
                pd.MultiIndex.from_frame(first[["doc_url", "interp_url"]])
            )
        ]
        if known.empty:
            return findings([])
        # Against the latest document: the smallest lag of the interpretation.
        best = known.sort_values(["interp_url", "workdays", "doc_url"]).drop_duplicates(
            "interp_url"
        )
        late = best[best["workdays"] > params.max_workdays]
        return findings(
            {
                "unit_id": row.unit_id,
                "subject": row.interp_url,
                "target_url": row.interp_url,
                "evidence": {
                    "url": row.interp_url,
                    "title": _scope.text(row.interp_title),
                    "published": _scope.iso(row.interp_date),
                    "document_url": row.doc_url,
                    "document_title": _scope.text(row.doc_title),
                    "document_published": _scope.iso(row.doc_date),
                    "max_workdays": params.max_workdays,
                    **ctx.calendar.explain(row.doc_date.date(), row.interp_date.date()).evidence(),
                },
            }
            for row in _scope.rows(late)
        )
