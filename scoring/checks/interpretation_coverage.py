"""interpretation_coverage — 未发布政策解读: a document (by default every 行政规范性文件) without an
interpretation: its page links none and no interpretation of the unit links it or names it in
《》 (docs/domain.md §3.3: every 规范性文件 since 2018 interpreted, one to one [L]).

`applies_to.date_from` limits the documents (e.g. 2018-01-01).
"""

from __future__ import annotations

import re
from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _interpretation, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

# What follows a 《 up to the next 》 (at every 《, overlapping).
_AFTER_OPENING = re.compile(r"《(?=([^》]*)》)")


class CoverageParams(CheckParams):
    categories: list[str] = Field(default=["normative"], min_length=1)


@register
class InterpretationCoverage(Check):
    name: ClassVar[str] = "interpretation_coverage"
    Params = CoverageParams
    description: ClassVar[str] = "document of the categories without any interpretation"
    # With a bounded window, the documents published in it (rectifiable: publish one).
    dated_by: ClassVar[dict[str, str]] = {"*": "published"}

    def find(self, data: CrawlData, params: CoverageParams, ctx: CheckContext) -> pd.DataFrame:
        docs = _scope.articles(
            data,
            ctx,
            params.categories,
            columns=["unit_id", "url", "title", "publish_date", "category"],
        )
        if docs.empty:
            return findings([])
        known = _interpretation.pairs(data)
        covered = docs["url"].isin(known["doc_url"])
        arts = data.articles
        interps = arts[(arts["category"] == _interpretation.INTERPRETATION).to_numpy(dtype=bool)]
        interps = interps[interps["unit_id"].isin(_scope.distinct(docs["unit_id"]))]
        named = _named(docs[~covered], interps)
        missing = docs[~covered & ~docs["url"].isin(named)]
        return findings(
            _scope.article_finding(
                row,
                published=_scope.iso(row.publish_date),
                category=row.category,
            )
            for row in missing[["unit_id", "url", "title", "publish_date", "category"]].itertuples(
                index=False
            )
        )


def _named(docs: pd.DataFrame, interps: pd.DataFrame) -> set[str]:
    """Documents some interpretation of the same unit names in 《》 in its title."""
    if docs.empty or interps.empty:
        return set()
    titles = interps.groupby("unit_id")["title"].agg(lambda t: "\n".join(t.fillna("")))
    titles = titles.to_dict()
    quoted: dict[str, set[str]] = {}  # unit → what follows each 《 up to the next 》
    out = set()
    for unit_id, url, title in _scope.rows(docs, ["unit_id", "url", "title"]):
        text = titles.get(unit_id, "")
        if not text:  # no interpretation titles: nothing names the document
            continue
        name = _interpretation.document_name(_scope.text(title))
        if not name:
            continue
        if "《" in name or "》" in name:
            found = f"《{name}》" in text
        else:  # 《name》 is in the text exactly when some 《 is followed by name and 》
            if unit_id not in quoted:
                quoted[unit_id] = set(_AFTER_OPENING.findall(text))
            found = name in quoted[unit_id]
        if found:
            out.add(url)
    return out
