"""duplicate_titles — 信息重复发布: the same (normalised) title in two or more columns of a unit
("信息多头发布", domain.md §3.7), whether as two pages or one page listed twice.

Subject `dup/<hash of the title>`. The target is the copy outside the most authoritative column:
columns rank by `prefer` (the disclosure-content columns before 动态 news), then the later
publication is the copy. With `across_columns: false` repeats inside one column count too.
"""

from __future__ import annotations

import re
import unicodedata
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


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title or "")
    return re.sub(r"\s+", "", text)


@register
class DuplicateTitles(Check):
    name: ClassVar[str] = "duplicate_titles"
    Params = DuplicateParams
    description: ClassVar[str] = "same title published in two columns of a unit"

    def find(self, data: CrawlData, params: DuplicateParams, ctx: CheckContext) -> pd.DataFrame:
        cols = _scope.columns(data, ctx)
        arts = data.articles
        own = arts[arts["column_id"].isin(set(cols["id"])) & arts["observed"]]
        items = [own[["unit_id", "column_id", "url", "title", "publish_date"]]]
        if not data.listings.empty:
            lst = data.listings[data.listings["column_id"].isin(set(cols["id"]))]
            meta = arts.set_index("url")
            items.append(
                pd.DataFrame(
                    {
                        "unit_id": lst["unit_id"],
                        "column_id": lst["column_id"],
                        "url": lst["url"],
                        "title": _scope.lookup(lst["url"], meta["title"]).fillna(lst["title"]),
                        "publish_date": _scope.lookup(lst["url"], meta["publish_date"]),
                    }
                )
            )
        items = pd.concat(items, ignore_index=True).drop_duplicates(["column_id", "url"])
        items["key"] = (
            items["title"]
            .fillna("")
            .astype(str)
            .str.normalize("NFKC")
            .str.replace(r"\s+", "", regex=True)
        )
        items = items[items["key"].str.len() >= params.min_length]
        rank = {c: i for i, c in enumerate(params.prefer)}
        category = cols.set_index("id")["category"]
        items["rank"] = items["column_id"].map(category).map(rank).fillna(len(rank))
        spread = items.groupby(["unit_id", "key"]).agg(
            columns=("column_id", "nunique"), n=("url", "size")
        )
        wanted = spread["columns"] >= 2 if params.across_columns else spread["n"] >= 2
        groups = spread[wanted].index
        if len(groups) == 0:
            return findings([])
        dup = items.set_index(["unit_id", "key"]).loc[groups].reset_index()
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
