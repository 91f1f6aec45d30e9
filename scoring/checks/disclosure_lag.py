"""disclosure_lag — 公开不及时: published more than `max_workdays` working days after the
information was formed (条例 art. 26: 20 working days, 生成日期/成文日期 → 发布日期, on the State
Council calendar with make-up workdays 调休). Counted with `WorkCalendar.lags`, vectorised.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class DisclosureLagParams(CheckParams):
    max_workdays: int = Field(default=20, ge=0, le=250)  # a year of working days
    from_: Literal["written_date"] = Field(default="written_date", alias="from")
    to: Literal["publish_date"] = "publish_date"


@register
class DisclosureLag(Check):
    name: ClassVar[str] = "disclosure_lag"
    Params = DisclosureLagParams
    description: ClassVar[str] = "published more than max_workdays working days after written"
    # A late publication happened on its publish date: judged in the round whose window holds
    # it, never rectifiable (docs/indicators.md §2.5).
    dated_by: ClassVar[dict[str, str]] = {"*": "published"}
    one_time: ClassVar[frozenset[str]] = frozenset({"*"})

    def find(self, data: CrawlData, params: DisclosureLagParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(
            data, ctx, columns=["unit_id", "url", "title", params.from_, params.to]
        )
        start = _scope.to_dates(arts[params.from_])
        end = _scope.to_dates(arts[params.to])
        both = (start.notna() & end.notna()).to_numpy()
        arts, start, end = arts[both], start[both], end[both]
        if arts.empty:
            return findings([])
        lags = ctx.calendar.lags(start.to_numpy(), end.to_numpy())
        late = lags > params.max_workdays
        days = (end - start).dt.days.to_numpy()
        return findings(
            _scope.article_finding(
                row,
                written=_scope.iso(s),
                published=_scope.iso(e),
                workdays=int(lag),
                calendar_days=int(span),
                max_workdays=params.max_workdays,
            )
            for row, s, e, lag, span in zip(
                _scope.rows(arts.loc[late], ["unit_id", "url", "title"]),
                start[late],
                end[late],
                lags[late],
                days[late],
                strict=True,
            )
        )
