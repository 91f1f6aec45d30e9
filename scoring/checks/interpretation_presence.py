"""interpretation_presence — 其他文件一篇都没有解读: a unit that published documents of the
categories (by default 政策文件, the documents other than 行政规范性文件) in the indicator's scope,
none of which has an interpretation (docs/domain.md §3.3: "其他文件一篇都没有解读的，该项扣一半分"
[L]). One finding per unit; the indicator's `per_problem` is half its points.

A document has an interpretation as in `interpretation_coverage`: its page and an
interpretation link each other, or an interpretation of the unit names it in 《》 — or its page
lists, under 相关解读, a stored page of any column (a unit may file its 图解 under 工作动态: the
document is interpreted all the same, where it is filed is not this indicator's concern). Subject
`none_interpreted/<categories>`, target the unit's first column of those categories.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _interpretation, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.checks.interpretation_coverage import _named
from scoring.data import CrawlData


class PresenceParams(CheckParams):
    categories: list[str] = Field(default=["policy"], min_length=1)
    # A unit with fewer documents than this is not judged (one notice is no policy output).
    min_documents: int = Field(default=1, ge=1, le=1000)


@register
class InterpretationPresence(Check):
    name: ClassVar[str] = "interpretation_presence"
    Params = PresenceParams
    description: ClassVar[str] = "unit whose documents of the categories have no interpretation"

    def find(self, data: CrawlData, params: PresenceParams, ctx: CheckContext) -> pd.DataFrame:
        docs = _scope.articles(
            data, ctx, params.categories, columns=["unit_id", "url", "title", "column_id"]
        )
        if docs.empty:
            return findings([])
        known = _interpretation.pairs(data)
        covered = docs["url"].isin(known["doc_url"])
        arts = data.articles
        interps = arts[(arts["category"] == _interpretation.INTERPRETATION).to_numpy(dtype=bool)]
        interps = interps[interps["unit_id"].isin(_scope.distinct(docs["unit_id"]))]
        covered |= docs["url"].isin(_named(docs[~covered], interps))
        covered |= docs["url"].isin(_linked_anywhere(data))
        # Each unit's documents by position (plain arrays: a pandas group per unit costs more).
        per_unit = docs.groupby("unit_id", sort=True).indices
        covered = covered.to_numpy(dtype=bool)
        titles = docs["title"].to_numpy(dtype=object)
        column_ids = docs["column_id"].to_numpy(dtype="float64", na_value=np.nan)
        cols = data.columns.set_index("id")
        label = "/".join(params.categories)
        rows = []
        for unit_id in sorted(per_unit):
            at = per_unit[unit_id]
            if len(at) < params.min_documents or covered[at].any():
                continue
            mine = column_ids[at]
            mine = mine[~np.isnan(mine)]
            column = cols.loc[int(mine.min())] if len(mine) else None  # the first column
            rows.append(
                {
                    "unit_id": unit_id,
                    "subject": f"none_interpreted/{label}",
                    "target_url": None if column is None else column["url"],
                    "evidence": {
                        "documents": len(at),
                        "column_name": None if column is None else column["name"],
                        "column_url": None if column is None else column["url"],
                        "category": params.categories[0],
                        "examples": [_quoted(t) for t in sorted(map(_scope.text, titles[at]))[:3]],
                    },
                }
            )
        return findings(rows)


def _linked_anywhere(data: CrawlData) -> set[str]:
    """Pages whose 相关解读 names a stored page, whatever that page's column."""
    arts = data.articles
    links = _interpretation.cross_links(arts[["url", "unit_id", "related"]])
    links = links[(links["kind"] == _interpretation.INTERPRETATION).to_numpy(dtype=bool)]
    if links.empty:
        return set()
    index = _scope.url_index(data)  # built once per crawl
    named = _interpretation.named_as_stored(links, arts, index)
    stored = index.get_indexer(named["target_url"].to_numpy(dtype=object)) >= 0
    return set(named.loc[stored, "source_url"])


def _quoted(title: str) -> str:
    """《title》, or “title” when it already holds 《》 (as the suggestion's `title_quoted`)."""
    return f"“{title}”" if "《" in title else f"《{title}》"
