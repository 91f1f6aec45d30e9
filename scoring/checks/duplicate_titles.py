"""duplicate_titles — 信息重复发布: the same (normalised) title in two or more columns of a unit
("信息多头发布", domain.md §3.7), whether as two pages or one page listed twice.

Subject `dup/<hash of the title>`. The target is the copy outside the most authoritative column:
columns rank by `prefer` (the disclosure-content columns before 动态 news), then the later
publication is the copy. With `across_columns: false` repeats inside one column count too.
"""

from __future__ import annotations

import re
from typing import ClassVar

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
    min_length: int = Field(default=6, ge=1)  # shorter titles (“通知”) are too generic to judge


# What printing varies in a title: spaces (ASCII, ideographic, no-break) and full-width ASCII
# (ＡＢＣ１２３（）). A translation table is C-speed over a million titles, where NFKC plus a
# regex costs seconds; NFKC's rarer compatibility forms are not folded.
_FOLD = {c: None for c in (0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0)}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})


_FOLDED = re.compile(
    "[" + "".join(map(chr, (0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0))) + "\uff01-\uff5e]"
)


def normalise_title(title: str) -> str:
    return (title or "").translate(_FOLD)


def normalise_titles(titles: pd.Series) -> pd.Series:
    """`normalise_title` over a Series; translating only titles that need it (most do not)."""
    search = _FOLDED.search
    values = titles.to_numpy(dtype=object, na_value="")
    out = [t.translate(_FOLD) if search(t) else t for t in values]
    return pd.Series(out, index=titles.index, dtype=object)


@register
class DuplicateTitles(Check):
    name: ClassVar[str] = "duplicate_titles"
    Params = DuplicateParams
    description: ClassVar[str] = "same title published in two columns of a unit"

    def find(self, data: CrawlData, params: DuplicateParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        items = _scope.column_items(data, cols, ctx.as_of).rename(columns={"date": "publish_date"})
        items["unit_id"] = items["column_id"].map(cols.set_index("id")["unit_id"])
        items["key"] = normalise_titles(items["title"])
        items = items[items["key"].str.len() >= params.min_length]
        if items.empty:
            return findings([])
        # Only rows whose (unit, title) repeats: integer codes, no groupby over every title.
        unit_code = pd.factorize(items["unit_id"])[0].astype("int64")
        key_code = pd.factorize(items["key"])[0].astype("int64")
        items = items[
            pd.Series(key_code * (unit_code.max() + 1) + unit_code)
            .duplicated(keep=False)
            .to_numpy()
        ]
        if items.empty:
            return findings([])
        rank = {c: i for i, c in enumerate(params.prefer)}
        category = cols.set_index("id")["category"]
        items["rank"] = items["column_id"].map(category).map(rank).fillna(len(rank))
        spread = items.groupby(["unit_id", "key"]).agg(
            columns=("column_id", "nunique"), n=("url", "size")
        )
        wanted = spread["columns"] >= 2 if params.across_columns else spread["n"] >= 2
        keep = spread[wanted].index
        dup = (
            items.set_index(["unit_id", "key"]).loc[keep].reset_index()
            if len(keep)
            else items.iloc[:0]
        )
        names = cols.set_index("id")["name"]
        rows = []
        for (unit_id, key), group in dup.groupby(["unit_id", "key"], sort=True):
            ordered = group.sort_values(
                ["rank", "publish_date", "url"], na_position="last", kind="stable"
            )
            copy = ordered.iloc[-1]
            rows.append(
                {
                    "unit_id": unit_id,
                    "subject": f"dup/{_scope.short_hash(key)}",
                    "target_url": copy["url"],
                    "evidence": {
                        "title": _scope.text(copy["title"]),
                        "url": copy["url"],
                        "column_name": names.get(copy["column_id"]),
                        "other_urls": sorted(set(group["url"]) - {copy["url"]}),
                        "columns": sorted({str(names.get(c)) for c in group["column_id"]}),
                        "count": len(group),
                    },
                }
            )
        return findings(rows)
