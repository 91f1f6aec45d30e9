"""What a check may look at: observed units, columns and articles of the indicator's scope.

Every check starts from these helpers, so "never report on what was not observed" and the
`applies_to` filters (levels via `ctx.units`, categories, date range) live in one place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from scoring.checks.base import CheckContext
    from scoring.data import CrawlData


def unit_ids(data: CrawlData, ctx: CheckContext) -> set[str]:
    """Units the indicator applies to that were observed in the run."""
    return ctx.unit_ids(observed_only=False) & data.observed_unit_ids


def wanted_categories(ctx: CheckContext, own: Iterable[str] | None = None) -> frozenset[str] | None:
    """The check's own categories parameter wins over `applies_to.categories`; None: all."""
    if own is not None:
        return frozenset(own)
    return ctx.categories


def columns(
    data: CrawlData, ctx: CheckContext, categories: Iterable[str] | None = None
) -> pd.DataFrame:
    """Observed columns of observed in-scope units, in the wanted categories."""
    cols = data.columns
    mask = cols["observed"] & cols["unit_id"].isin(unit_ids(data, ctx))
    cats = wanted_categories(ctx, categories)
    if cats is not None:
        mask &= cols["category"].isin(cats)
    return cols[mask]


def articles(
    data: CrawlData,
    ctx: CheckContext,
    categories: Iterable[str] | None = None,
    *,
    dated: bool = True,
) -> pd.DataFrame:
    """Observed articles of observed in-scope units, in the wanted categories and, when `dated`,
    within `applies_to`'s date range on the publish date (undated articles are kept)."""
    arts = data.articles
    mask = arts["observed"] & arts["unit_id"].isin(unit_ids(data, ctx))
    cats = wanted_categories(ctx, categories)
    if cats is not None:
        mask &= arts["category"].isin(cats)
    if dated:
        day = arts["publish_date"]
        if ctx.date_from is not None:
            mask &= day.isna() | (day >= pd.Timestamp(ctx.date_from))
        if ctx.date_until is not None:
            mask &= day.isna() | (day <= pd.Timestamp(ctx.date_until))
    return arts[mask]


def column_items(data: CrawlData, cols: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Every item a column lists (listings ∪ articles first found there) with its date:
    the article page's publish date, else the date on the list row. Items dated after `as_of`
    are dropped (a round judges what was public on its day)."""
    ids = set(cols["id"])
    arts = data.articles
    dates = arts.set_index("url")["publish_date"]
    parts = []
    lst = data.listings
    if not lst.empty:
        lst = lst[lst["column_id"].isin(ids)]
        listed = pd.DataFrame(
            {
                "column_id": lst["column_id"].astype("int64"),
                "url": lst["url"],
                "date": _dates(lookup(lst["url"], dates)).fillna(_dates(lst["listed_date"])),
            }
        )
        parts.append(listed)
    own = arts[arts["column_id"].isin(ids)]
    parts.append(
        pd.DataFrame(
            {
                "column_id": own["column_id"].astype("int64"),
                "url": own["url"],
                "date": own["publish_date"],
            }
        )
    )
    items = pd.concat(parts, ignore_index=True).drop_duplicates(["column_id", "url"])
    items["date"] = pd.to_datetime(items["date"])
    return items[items["date"].isna() | (items["date"] <= pd.Timestamp(as_of))]


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`keys.map(table)` that also works when `table` is empty or has repeated keys
    (pandas cannot map through an empty datetime Series)."""
    table = table[~table.index.duplicated()]
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index, name=table.name)


def _dates(series: pd.Series) -> pd.Series:
    """Day timestamps whatever the input dtype (an all-missing map comes back as float)."""
    if not pd.api.types.is_datetime64_any_dtype(series):
        series = pd.to_datetime(series.astype(object), errors="coerce")
    return series.astype("datetime64[s]")


def iso(value: Any) -> str | None:
    """A date as ISO text for evidence (None for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text(value: Any) -> str:
    """A cell as text ("" for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def short_hash(value: str) -> str:
    """A stable short id for subjects built from free text (titles)."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]


def to_dates(series: pd.Series) -> pd.Series:
    """A Series of day-resolution timestamps (NaT where missing)."""
    return pd.to_datetime(series).dt.normalize()
