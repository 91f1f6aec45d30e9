"""blank_column — 空白栏目: an observed column that has listed nothing since it opened.

A column that could not be read (anti-bot page, host down) is not observed and never blank; a
column that listed items before and none now is a crawl anomaly, not blank (docs/domain.md §3.1).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


@register
class BlankColumn(Check):
    name: ClassVar[str] = "blank_column"
    Params = CheckParams
    description: ClassVar[str] = "observed column with no item at all"
    judges: ClassVar[str] = "columns"

    def find(self, data: CrawlData, params: CheckParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        cols = cols[cols["category"].fillna("") != "group"]
        has_articles = cols["id"].isin(set(data.articles["column_id"].dropna()))
        blank = cols[(cols["rows"] == 0) & (cols["ever_listed"] == 0) & ~has_articles]
        return findings(
            _scope.column_finding(
                row,
            )
            for row in blank.itertuples(index=False)
        )
