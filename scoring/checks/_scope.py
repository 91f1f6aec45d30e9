"""What a check may look at: observed units, columns and articles of the indicator's scope.

Every check starts from these helpers, so "never report on what was not observed", the
`applies_to` filters (levels via `ctx.units`, categories, date range) and the indicator's window
(`ctx.window`, scoring.windows) live in one place.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
from collections import namedtuple
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scoring.checks.base import CheckContext
    from scoring.data import CrawlData

_SEP = "\x00"
CONTAINING_ROWS = 50_000  # values `rows_containing` joins at a time


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
    public_by_as_of: bool = True,
    columns: Iterable[str] | None = None,
    windowed: bool = True,
) -> pd.DataFrame:
    """Observed articles of observed in-scope units, in the wanted categories and, when `dated`,
    within `applies_to`'s date range on the publish date (undated articles are kept).

    A round judges what was public on its day: articles published after `ctx.as_of` (the crawl
    may be a few days later) belong to the next round, unless `public_by_as_of` is False.
    With a bounded window (`quarter`, `12 months`) only articles published in it are judged
    (undated ones cannot be placed in it and are left out), unless `windowed` is False — a check
    that needs every item (is the report published at all?) and dates its findings itself.
    `columns`: only these columns (a check over most of a million rows reads a few of the two
    dozen; copying the others costs more than the selection). The index is the row position in
    `data.articles` either way.
    """
    arts = data.articles
    mask = arts["observed"].to_numpy(dtype=bool) & member(data, "unit_id", unit_ids(data, ctx))
    cats = wanted_categories(ctx, categories)
    if cats is not None:
        mask &= member(data, "category", cats)
    day = arts["publish_date"].to_numpy(dtype="datetime64[s]")
    undated = np.isnat(day)
    if public_by_as_of:
        mask &= undated | (day <= np.datetime64(ctx.as_of, "s"))
    first = ctx.window.first_day(ctx.as_of) if windowed else None
    if first is not None:
        mask &= ~undated & (day >= np.datetime64(first, "s"))
    if dated:
        if ctx.date_from is not None:
            mask &= undated | (day >= np.datetime64(ctx.date_from, "s"))
        if ctx.date_until is not None:
            mask &= undated | (day <= np.datetime64(ctx.date_until, "s"))
    if columns is None:
        # Every column, the metadata fields `load_crawl` reads on demand too.
        from scoring.data import LAZY_COLUMNS

        return data.article_columns(arts[mask], LAZY_COLUMNS)
    names = list(dict.fromkeys(columns))
    return data.article_columns(arts.loc[mask, [n for n in names if n in arts]], names)[names]


def member(data: CrawlData, column: str, values: Iterable[Any]) -> np.ndarray:
    """`data.articles[column].isin(values)` as a boolean array, through integer codes built
    once per crawl: every indicator asks it of a million string cells, with a few values."""
    codes, uniques = data.memo(("codes", column), lambda: pd.factorize(data.articles[column]))
    # A lookup table over the codes, its last entry for code -1 (a missing value): no match.
    table = np.zeros(len(uniques) + 1, dtype=bool)
    table[: len(uniques)] = pd.Index(uniques).isin(list(values))
    return table[codes]


def distinct(values: pd.Series) -> set[Any]:
    """`set(values)`, from the distinct values: a set built from a text column calls into
    pandas once per cell, a second per million rows."""
    return set(pd.unique(values.to_numpy(dtype=object)))


def unit_ids_in(data: CrawlData, rows: pd.DataFrame) -> set[Any]:
    """The units of `rows` (a slice of `data.articles`, such as `articles()` returns; a missing
    unit id left out), through the unit codes `member` keeps: no hash of a million cells."""
    codes, uniques = data.memo(("codes", "unit_id"), lambda: pd.factorize(data.articles["unit_id"]))
    seen = np.zeros(len(uniques) + 1, dtype=bool)  # the last entry: code -1, a missing id
    seen[codes[rows.index.to_numpy()]] = True
    return set(np.asarray(uniques, dtype=object)[seen[:-1]])


def as_dict(values: pd.Series) -> dict[Any, Any] | pd.Series:
    """`values` as a plain dict (label → value) for lookups row by row: `Series.get` costs a
    pandas call each, seconds over a city's pages. With repeated labels the Series itself (its
    `get` answers a Series there)."""
    if not values.index.is_unique:
        return values
    return dict(zip(values.index.tolist(), values.to_numpy(dtype=object), strict=True))


def column_items(data: CrawlData, cols: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Every item the columns list (listings ∪ articles first found there): column_id, url,
    date (the article page's publish date, else the list row's date), title. Items dated after
    `as_of` are dropped (a round judges what was public on its day)."""
    items = data.memo("column_items", lambda: _all_items(data))
    items = items[items["column_id"].isin(distinct(cols["id"]))]
    return items[items["date"].isna() | (items["date"] <= pd.Timestamp(as_of))]


def rows(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> Iterator[Any]:
    """`frame.itertuples(index=False)` over `columns` (default: all), read from object arrays:
    pandas iterates a text column with a call per cell, seconds over a city's findings."""
    names = list(frame.columns if columns is None else columns)
    row = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    return map(row._make, zip(*(frame[c].to_numpy(dtype=object) for c in names), strict=True))


def in_articles(data: CrawlData, frame: pd.DataFrame) -> np.ndarray:
    """A mask over `data.articles` rows: True for the rows of `frame` (a slice of it, such as
    `articles()` returns; data.articles has a plain 0…n-1 index)."""
    mask = np.zeros(len(data.articles), dtype=bool)
    mask[frame.index.to_numpy()] = True
    return mask


def url_positions(data: CrawlData, urls: Any) -> np.ndarray:
    """Row position in `data.articles` of each URL (-1: not stored), through the URL index
    built once per crawl instead of a hash table of every URL per call."""
    return url_index(data).get_indexer(np.asarray(urls, dtype=object))


def rows_containing(values: pd.Series, words: Iterable[str]) -> np.ndarray:
    """Which values (missing: "") contain at least one of `words`, as a boolean array.

    The values are joined by NUL and each word is looked for with `str.find` (a fast search in
    C, where a regular expression of several words tries each position in Python's engine),
    going on after the value it was found in: a word cannot match across two values unless it
    holds NUL itself (then: a call per value). Joined `CONTAINING_ROWS` values at a time: a
    city's million titles joined at once, with the offsets, weighed ~80 MiB.
    """
    words = [w for w in dict.fromkeys(words) if w]
    texts = values.to_numpy(dtype=object, na_value="")
    if not words or not len(texts):
        return np.zeros(len(texts), dtype=bool)
    if any(_SEP in w for w in words):
        pattern = re.compile("|".join(map(re.escape, words)))
        return np.array([pattern.search(str(t)) is not None for t in texts], dtype=bool)
    hit = np.zeros(len(texts), dtype=bool)
    for start in range(0, len(texts), CONTAINING_ROWS):
        part = texts[start : start + CONTAINING_ROWS]
        hit[start : start + len(part)] = _containing(part, words)
    return hit


def _containing(texts: np.ndarray, words: list[str]) -> np.ndarray:
    """`rows_containing` of a few values (no word holds NUL)."""
    try:
        joined = _SEP.join(texts)
    except TypeError:  # a value that is not text
        texts = np.array([str(t) for t in texts], dtype=object)
        joined = _SEP.join(texts)
    # ends[i]: where the value after value i starts.
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1).tolist()
    hit = np.zeros(len(texts), dtype=bool)
    for word in words:
        at = joined.find(word)
        while at >= 0:
            i = bisect.bisect_right(ends, at)
            hit[i] = True
            at = joined.find(word, ends[i])
    return hit


def url_index(data: CrawlData) -> pd.Index:
    """The articles' URLs as an index (built once per crawl): position of a URL's row."""
    return data.memo("url_index", lambda: pd.Index(data.articles["url"]))


def _all_items(data: CrawlData) -> pd.DataFrame:
    """Items of every column, built once per crawl: each article in the column it was found in,
    plus listing rows naming another column or a page not stored. Positions, not string joins,
    so a million articles take about a second."""
    arts, lst = data.articles, data.listings
    own = arts[arts["column_id"].notna()]
    items = [
        pd.DataFrame(
            {
                "column_id": own["column_id"].to_numpy("int64"),
                "url": own["url"].to_numpy(object),
                "date": own["publish_date"].to_numpy("datetime64[s]"),
                "title": own["title"].to_numpy(object),
            }
        )
    ]
    lst = lst[lst["column_id"].notna()]
    if len(lst):
        pos = url_index(data).get_indexer(lst["url"].to_numpy())
        stored = pos >= 0
        own_column = _take(arts["column_id"].to_numpy("float64", na_value=np.nan), pos, np.nan)
        column = lst["column_id"].to_numpy("int64")
        keep = ~stored | (column != own_column)
        date = _take(arts["publish_date"].to_numpy("datetime64[s]"), pos, np.datetime64("NaT"))
        listed = _dates(lst["listed_date"]).to_numpy("datetime64[s]")
        date = np.where(np.isnat(date), listed, date)
        title = np.where(stored, _take(arts["title"].to_numpy(object), pos, None),
                         lst["title"].to_numpy(object))  # fmt: skip
        extra = pd.DataFrame(
            {"column_id": column[keep], "url": lst["url"].to_numpy(object)[keep],
             "date": date[keep], "title": title[keep]}
        ).drop_duplicates(["column_id", "url"])  # fmt: skip
        items.append(extra)
    return pd.concat(items, ignore_index=True)


def _take(values: np.ndarray, pos: np.ndarray, fill: Any) -> np.ndarray:
    """`values[pos]`, `fill` where pos is -1 (also when `values` is empty)."""
    if len(values) == 0:
        return np.full(len(pos), fill, dtype=values.dtype if fill is not None else object)
    out = values[np.maximum(pos, 0)]
    out[pos < 0] = fill
    return out


def by_url(data: CrawlData, urls: pd.Series, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The articles at `urls`, row for row (all-missing rows where a URL is not stored); the
    URL index is built once per crawl. `columns`: only these (default: all)."""
    positions = url_index(data).get_indexer(urls.to_numpy())
    arts = data.articles if columns is None else data.articles[list(columns)]
    rows = arts.iloc[np.where(positions < 0, 0, positions)].reset_index(drop=True)
    rows = rows.astype(object)
    rows.loc[positions < 0, :] = None
    rows.index = urls.index
    return rows


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


def article_finding(row: Any, suffix: str = "", **evidence: Any) -> dict[str, Any]:
    """A finding about an article row: subject its URL (+ `suffix`, e.g. "#validity"), evidence
    its URL and title plus `evidence`."""
    return {
        "unit_id": row.unit_id,
        "subject": f"{row.url}{suffix}",
        "target_url": row.url,
        "evidence": {"url": row.url, "title": text(row.title), **evidence},
    }


def column_finding(row: Any, **evidence: Any) -> dict[str, Any]:
    """A finding about a column row: subject its URL, evidence its name, URL and category."""
    return {
        "unit_id": row.unit_id,
        "subject": row.url,
        "target_url": row.url,
        "evidence": {
            "column_name": row.name,
            "column_url": row.url,
            "category": row.category,
            **evidence,
        },
    }


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
