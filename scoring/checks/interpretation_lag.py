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
    max_workdays: int = Field(default=3, ge=0)


@register
class InterpretationLag(Check):
    name: ClassVar[str] = "interpretation_lag"
    Params = LagParams
    description: ClassVar[str] = "interpretation published > max_workdays after its document"

    def find(self, data: CrawlData, params: LagParams, ctx: CheckContext) -> pd.DataFrame:
        interps = _scope.articles(data, ctx, [_interpretation.INTERPRETATION])
        if interps.empty:
            return findings([])
        pool = data.articles[data.articles["unit_id"].isin(set(interps["unit_id"]))]
        known = _interpretation.pairs(pool)
        known = known[known["interp_url"].isin(set(interps["url"]))]
        dates = pool.set_index("url")["publish_date"]
        titles = pool.set_index("url")["title"]
        known = known.assign(
            doc_date=_scope.to_dates(known["doc_url"].map(dates)),
            interp_date=_scope.to_dates(known["interp_url"].map(dates)),
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
        units = interps.set_index("url")["unit_id"]
        return findings(
            {
                "unit_id": units[row.interp_url],
                "subject": row.interp_url,
                "target_url": row.interp_url,
                "evidence": {
                    "url": row.interp_url,
                    "title": _scope.text(titles.get(row.interp_url)),
                    "published": _scope.iso(row.interp_date),
                    "document_url": row.doc_url,
                    "document_title": _scope.text(titles.get(row.doc_url)),
                    "document_published": _scope.iso(row.doc_date),
                    "workdays": int(row.workdays),
                    "max_workdays": params.max_workdays,
                },
            }
            for row in late.itertuples(index=False)
        )
