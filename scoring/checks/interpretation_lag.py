"""interpretation_lag — 解读发布滞后: an interpretation published more than `max_workdays` working
days after the document it interprets ("三同步"; 3 working days at the latest [L: 郑州 2016]).
An interpretation of several documents is judged against the latest of them.
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
                    "workdays": int(row.workdays),
                    "max_workdays": params.max_workdays,
                },
            }
            for row in _scope.rows(late)
        )
