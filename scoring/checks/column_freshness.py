"""column_freshness — 栏目更新不及时: the newest dated item of a column is older than `max_age`.

docs/domain.md §3.1: 动态/要闻 2 weeks, 通知公告/政策文件 6 months, 人事/规划计划 1 year; an item without
a publish date counts as not updated — an item dated only in its column's list is dated
(`_list_dates`), and so is a published 规范性说明 (本栏目暂无新增信息, docs/domain.md §2). An empty
column is not stale (that is `blank_column`). Problem kinds: `stale` (the newest dated item is too
old; undated items above it do not count) and `undated` (the column lists only undated items).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from scoring.checks import _list_dates, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData
from scoring.durations import DurationField


class FreshnessParams(CheckParams):
    max_age: DurationField
    # True (2015 rule): undated items are no update, a column of only undated items is stale.
    # False: undated items are ignored and such a column is not judged.
    count_undated_as_stale: bool = True


@register
class ColumnFreshness(Check):
    name: ClassVar[str] = "column_freshness"
    forecasts: ClassVar[bool] = True
    Params = FreshnessParams
    description: ClassVar[str] = "observed column whose newest dated item is older than max_age"
    judges: ClassVar[str] = "column_items"

    def find(self, data: CrawlData, params: FreshnessParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        items = _scope.column_items(data, cols, ctx.as_of)
        if cols.empty or items.empty:
            return findings([])
        items = _dated_by_list(data, items, ctx)
        per_column = items.groupby("column_id").agg(
            newest=("date", "max"), items=("url", "size"), dated=("date", "count")
        )
        cols = cols.merge(per_column, left_on="id", right_index=True, how="inner")
        limit = pd.Timestamp(params.max_age.before(ctx.as_of, ctx.calendar))
        undated_only = cols["newest"].isna()
        stale = cols["newest"] < limit
        if params.count_undated_as_stale:
            stale |= undated_only
        hits = cols[stale]
        as_of = pd.Timestamp(ctx.as_of)
        # The newest dated item of each stale column, for the unit to find it.
        mine = items[items["column_id"].isin(_scope.distinct(hits["id"])) & items["date"].notna()]
        newest = mine.sort_values(["date", "url"]).drop_duplicates("column_id", keep="last")
        newest = newest.set_index("column_id")
        return findings(
            _scope.column_finding(
                row,
                problem="undated" if pd.isna(row.newest) else "stale",
                newest=_scope.iso(row.newest),
                newest_title=_scope.text(newest["title"].get(row.id)),
                newest_url=newest["url"].get(row.id),
                age_days=None if pd.isna(row.newest) else int((as_of - row.newest).days),
                as_of=ctx.as_of.isoformat(),
                updated_since=limit.date().isoformat(),
                max_age=str(params.max_age),
                max_age_zh=params.max_age.zh,
                items=int(row.items),
                undated_items=int(row.items - row.dated),
            )
            for row in hits.itertuples(index=False)
        )


def _dated_by_list(data: CrawlData, items: pd.DataFrame, ctx: CheckContext) -> pd.DataFrame:
    """`items` with an undated page's date taken from its list row (`_list_dates`)."""
    undated = items["date"].isna().to_numpy(dtype=bool)
    if not undated.any():
        return items
    pos = _scope.url_positions(data, items.loc[undated, "url"])
    stored = pos >= 0
    if not stored.any():
        return items
    listed = _list_dates.list_dates(data, data.articles.iloc[pos[stored]])
    dates = items["date"].to_numpy(dtype="datetime64[s]").copy()
    dates[np.flatnonzero(undated)[stored]] = listed.to_numpy(dtype="datetime64[s]")
    out = items.assign(date=dates)
    return out[out["date"].isna() | (out["date"] <= pd.Timestamp(ctx.as_of))]
