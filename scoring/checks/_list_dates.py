"""The date an item's list row shows, for pages that print no date of their own.

Some CMS templates print an item's date only in its column's list: the article page has no
发布日期, or the crawl listed the item without fetching its page. The crawler keeps the list row's
date with the article (`articles.listed_date`; a listed page not stored keeps it in `listings`,
which `_scope.column_items` already reads). A reader sees the item dated where it is published,
so `column_freshness` counts that date and `date_sanity` does not call the item undated
(docs/domain.md §3.1: an item with no publish date at all counts as not updated).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from scoring.data import CrawlData

DATE = "datetime64[s]"


def list_dates(data: CrawlData, rows: pd.DataFrame) -> pd.Series:
    """The list date of each of `rows` (a slice of `data.articles`, row positions as index);
    NaT where the list showed none. Read for these rows only (`load_crawl` leaves the column in
    the store); a hand-built crawl without the column has none."""
    none = pd.Series(pd.NaT, index=rows.index, dtype=DATE)
    if rows.empty or ("listed_date" not in data.articles and data.column_loader is None):
        return none
    read = data.article_columns(rows[[]], ["listed_date"])["listed_date"]
    dates = pd.to_datetime(read.astype(object), errors="coerce")
    return dates.dt.normalize().astype(DATE).set_axis(rows.index)
