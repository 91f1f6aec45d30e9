"""duplicate_titles — 信息重复发布: the same (normalised) title in two or more columns of a unit
("信息多头发布", docs/domain.md §3.7), whether as two pages or one page listed twice.

Subject `dup/<hash of the title>`. The target is the copy outside the most authoritative column:
columns rank by `prefer` (the disclosure-content columns before 动态 news), then the later
publication is the copy. With `across_columns: false` repeats inside one column count too.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

DEFAULT_PREFER = [
    "normative",
    "policy",
    "notice",
    "interpretation",
    "annual_report",
    "budget",
    "key_area",
    "consultation",
    "feedback",
    "personnel",
    "plan",
    "township_area",
    "news",
]


class DuplicateParams(CheckParams):
    across_columns: bool = True
    prefer: list[str] = Field(default_factory=lambda: list(DEFAULT_PREFER))
    # Shorter titles (“通知”) are too generic to judge; no title is 200 characters long.
    min_length: int = Field(default=6, ge=1, le=200)


# What printing varies in a title: spaces (ASCII, ideographic, no-break) and full-width ASCII
# (ＡＢＣ１２３（）). NFKC's rarer compatibility forms are not folded.
_SPACES = (0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0)
_FOLD = {c: None for c in _SPACES}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
_WIDE_FIRST, _WIDE_LAST, _WIDE_SHIFT = 0xFF01, 0xFF5E, 0xFEE0
_SEP = "\x00"  # joins a chunk of titles; a chunk with a title holding it is folded title by title
_CHUNK = 100_000


def normalise_title(title: str) -> str:
    return (title or "").translate(_FOLD)


def normalise_titles(titles: pd.Series) -> pd.Series:
    """`normalise_title` over a Series, as code points in numpy.

    Real titles nearly all hold a full-width bracket (（）), and `str.translate` looks up every
    character in a dict: seconds for a million titles. Here a chunk of titles is joined, encoded
    as UTF-32 once, folded and stripped of spaces with array operations, and split again —
    the same strings, title for title.
    """
    values = titles.to_numpy(dtype=object, na_value="")
    out = np.empty(len(values), dtype=object)
    for start in range(0, len(values), _CHUNK):
        part = [t if isinstance(t, str) else str(t) for t in values[start : start + _CHUNK]]
        joined = _SEP.join(part)
        if joined.count(_SEP) != len(part) - 1:
            out[start : start + len(part)] = [t.translate(_FOLD) for t in part]
            continue
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        wide = (codes >= _WIDE_FIRST) & (codes <= _WIDE_LAST)
        codes = np.where(wide, codes - _WIDE_SHIFT, codes).astype("<u4")
        codes = codes[~np.isin(codes, _SPACES)]
        folded = codes.tobytes().decode("utf-32-le", "surrogatepass").split(_SEP)
        out[start : start + len(part)] = folded
    return pd.Series(out, index=titles.index, dtype=object)


@register
class DuplicateTitles(Check):
    name: ClassVar[str] = "duplicate_titles"
    Params = DuplicateParams
    description: ClassVar[str] = "same title published in two columns of a unit"
    judges: ClassVar[str] = "column_items"

    def find(self, data: CrawlData, params: DuplicateParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        items = _scope.column_items(data, cols, ctx.as_of).rename(columns={"date": "publish_date"})
        col = cols.set_index("id")
        items["unit_id"] = items["column_id"].map(col["unit_id"])
        items["key"] = normalise_titles(items["title"])
        items = items[items["key"].str.len() >= params.min_length]
        if items.empty:
            return findings([])
        # Only rows whose (unit, title) repeats: integer codes, no groupby over every title.
        unit_code = pd.factorize(items["unit_id"])[0].astype("int64")
        key_code = pd.factorize(items["key"])[0].astype("int64")
        group = key_code * (unit_code.max() + 1) + unit_code
        repeats = pd.Series(group).duplicated(keep=False).to_numpy()
        items = items[repeats].assign(group=group[repeats])
        if items.empty:
            return findings([])
        spread = items.groupby("group").agg(columns=("column_id", "nunique"), n=("url", "size"))
        wanted = spread["columns"] >= 2 if params.across_columns else spread["n"] >= 2
        dup = items[items["group"].isin(spread.index[wanted.to_numpy()])]
        if dup.empty:
            return findings([])
        rank = {c: i for i, c in enumerate(params.prefer)}
        dup = dup.assign(rank=dup["column_id"].map(col["category"]).map(rank).fillna(len(rank)))
        # One stable sort for every group: within a group the copy (the row outside the most
        # authoritative column, else the later one) comes last.
        dup = dup.sort_values(
            ["unit_id", "key", "rank", "publish_date", "url"], na_position="last", kind="stable"
        )
        names = col["name"].to_dict()
        rows = []
        groups = dup["group"].to_numpy()
        ends = np.flatnonzero(np.r_[groups[1:] != groups[:-1], True]) + 1
        starts = np.r_[0, ends[:-1]]
        unit_ids, keys = dup["unit_id"].to_numpy(), dup["key"].to_numpy()
        urls, titles = dup["url"].to_numpy(), dup["title"].to_numpy()
        column_ids = dup["column_id"].to_numpy()
        for lo, hi in zip(starts, ends, strict=True):
            copy = hi - 1
            rows.append(
                {
                    "unit_id": unit_ids[copy],
                    "subject": f"dup/{_scope.short_hash(keys[copy])}",
                    "target_url": urls[copy],
                    "evidence": {
                        "title": _scope.text(titles[copy]),
                        "url": urls[copy],
                        "column_name": names.get(column_ids[copy]),
                        "other_urls": sorted(set(urls[lo:hi]) - {urls[copy]}),
                        "columns": sorted({str(names.get(c)) for c in column_ids[lo:hi]}),
                        "count": int(hi - lo),
                    },
                }
            )
        return findings(rows)
