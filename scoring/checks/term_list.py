"""term_list — 表述错误: wrong or forbidden wording in titles or body text (a superseded agency
name, 的/地 slips in a leader's title, a banned phrase). `terms` maps the wrong form to the right
one (empty: forbidden, no replacement). Subject `<url>#term/<wrong>`.

Titles are searched in the frame with one regular expression (the terms as one alternation);
body text is searched by the store, so only the pages that hold a term are read into Python.

A term inside a quoted name (《…》: a law, a document or a book is cited as it is titled, an
older document's 帐号 included) or inside a web address is quoted, not written: not reported.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

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
        arts = _scope.articles(data, ctx, dated=False, columns=["id", "unit_id", "url", "title"])
        terms = {k: v for k, v in params.terms.items() if k}
        # Longest first, so "市人民政府办公厅" wins over "人民政府" where both are listed.
        pattern = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))
        hits: dict[tuple[str, str], dict] = {}
        if arts.empty:
            return findings([])
        for field in params.fields:
            if field == "title":
                matched = _scope.rows_containing(arts["title"], terms)
                rows = arts[matched]
                texts = rows["title"].astype(object).fillna("").astype(str).tolist()
            else:
                # Only pages whose body holds a term come back from the store.
                bodies = data.body_text_containing(arts["id"], terms)
                rows = arts[arts["id"].isin(bodies.index).to_numpy(dtype=bool)]
                texts = bodies.reindex(rows["id"].to_numpy()).astype(object).fillna("").tolist()
            for row, text in zip(
                _scope.rows(rows, ["unit_id", "url", "title"]), texts, strict=True
            ):
                for m in pattern.finditer(str(text)):
                    if quoted(str(text), m.start(), m.end()):
                        continue
                    key = (row.url, m.group(0))
                    if key in hits:
                        continue
                    lo, hi = max(0, m.start() - CONTEXT), m.end() + CONTEXT
                    hits[key] = {
                        "unit_id": row.unit_id,
                        "subject": f"{row.url}#term/{m.group(0)}",
                        "target_url": row.url,
                        "evidence": {
                            "url": row.url,
                            "title": _scope.text(row.title),
                            "term": m.group(0),
                            "right": terms[m.group(0)] or None,
                            "field": field,
                            "context": text[lo:hi],
                        },
                    }
        return findings(hits.values())


_NAME_SPAN = 80  # the longest 《name》 looked through
_ADDRESS = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)


def quoted(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] sits inside a 《name》 or a web address."""
    before = text[max(0, start - _NAME_SPAN) : start]
    opened = before.rfind("《")
    if opened > before.rfind("》") and "》" in text[end : end + _NAME_SPAN]:
        return True
    token = re.split(r"[\s，。；：、（）《》]", text[max(0, start - 200) : start])[-1]
    return bool(_ADDRESS.search(token))
