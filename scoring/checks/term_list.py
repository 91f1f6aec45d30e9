"""term_list — 表述错误: wrong or forbidden wording in titles or body text (a superseded agency
name, 的/地 slips in a leader's title, a banned phrase). `terms` maps the wrong form to the right
one (empty: forbidden, no replacement). Subject `<url>#term/<wrong>`.

Body text is read on demand in chunks, so a term list over a million pages stays within memory.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

CHUNK = 20_000
CONTEXT = 15  # characters either side of a hit, for the evidence


class TermListParams(CheckParams):
    terms: dict[str, str | None] = Field(min_length=1)
    fields: list[Literal["title", "body_text"]] = Field(
        default=["title", "body_text"], min_length=1
    )


@register
class TermList(Check):
    name: ClassVar[str] = "term_list"
    Params = TermListParams
    description: ClassVar[str] = "wrong or forbidden wording in title or body"

    def find(self, data: CrawlData, params: TermListParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(data, ctx, dated=False)
        terms = {k: v for k, v in params.terms.items() if k}
        # Longest first, so "市人民政府办公厅" wins over "人民政府" where both are listed.
        pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))
        hits: dict[tuple[str, str], dict] = {}
        for start in range(0, len(arts), CHUNK):
            part = arts.iloc[start : start + CHUNK]
            for field in params.fields:
                if field == "title":
                    values = part["title"].fillna("").astype(str)
                else:
                    texts = data.body_text(part["id"])
                    values = pd.Series(texts.to_numpy(), index=part.index).astype(str)
                matched = values.str.contains(pattern.pattern, regex=True)
                for idx in part.index[matched.to_numpy(dtype=bool)]:
                    text = values[idx]
                    row = part.loc[idx]
                    for m in pattern.finditer(text):
                        key = (row["url"], m.group(0))
                        if key in hits:
                            continue
                        lo, hi = max(0, m.start() - CONTEXT), m.end() + CONTEXT
                        hits[key] = {
                            "unit_id": row["unit_id"],
                            "subject": f"{row['url']}#term/{m.group(0)}",
                            "target_url": row["url"],
                            "evidence": {
                                "url": row["url"],
                                "title": _scope.text(row["title"]),
                                "term": m.group(0),
                                "right": terms[m.group(0)] or None,
                                "field": field,
                                "context": text[lo:hi],
                            },
                        }
        return findings(hits.values())
