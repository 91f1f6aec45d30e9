"""field_consistency — 文号不一致: the 文号 in the metadata differs from the one printed in the
body (or in an attachment's name) — a real 六安 deduction (docs/domain.md §3.4).

Values are compared after normalising what printing varies: spaces, full/half width and the
bracket forms 〔〕[]［］()（）. The evidence names both values (`differs_zh`: 正文中为「…」、附件名中为「…」).
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")
_BRACKETS = str.maketrans({"[": "〔", "(": "〔", "]": "〕", ")": "〕"})
WHERE_ZH = {"body": "正文中", "attachment": "附件名中"}


def normalise_doc_no(value: str) -> str:
    """江政办〔2023〕 3号, 江政办[2023]3号 and 江政办（2023）3号 are the same 文号."""
    text = unicodedata.normalize("NFKC", value)
    return re.sub(r"\s+", "", text).translate(_BRACKETS)


class FieldConsistencyParams(CheckParams):
    field: Literal["doc_no"] = "doc_no"
    against: list[Literal["body_doc_no", "attachments"]] = Field(
        default=["body_doc_no"], min_length=1
    )


@register
class FieldConsistency(Check):
    name: ClassVar[str] = "field_consistency"
    Params = FieldConsistencyParams
    description: ClassVar[str] = "文号 in the metadata differs from the body or attachment names"

    def find(
        self, data: CrawlData, params: FieldConsistencyParams, ctx: CheckContext
    ) -> pd.DataFrame:
        arts = _scope.articles(
            data, ctx, columns=["unit_id", "url", "title", params.field, "body_doc_no"]
        )
        # Most pages have no 文号 at all: drop them before any per-value string work.
        arts = arts[arts[params.field].notna().to_numpy(dtype=bool)]
        raw = arts[params.field].astype(object).fillna("").astype(str).str.strip()
        arts, raw = arts[raw.ne("")], raw[raw.ne("")]
        if arts.empty:
            return findings([])
        seen: dict[int, list[tuple[str, str]]] = {}
        if "body_doc_no" in params.against:
            body = arts["body_doc_no"].astype(object).fillna("").astype(str).str.strip()
            # Normalising is a Python call per value: only where the printed forms differ.
            unequal = body.ne("") & body.ne(raw)
            differs = body[unequal].map(normalise_doc_no) != raw[unequal].map(normalise_doc_no)
            for idx in differs.index[differs.to_numpy(dtype=bool)]:
                seen.setdefault(idx, []).append(("body", body[idx]))
        if "attachments" in params.against:
            for idx, printed in _attachment_doc_nos(data, arts, raw).items():
                seen.setdefault(idx, []).append(("attachment", printed))
        rows = []
        hit = arts.loc[list(seen)]
        for where, row in zip(seen.values(), hit.itertuples(index=False), strict=True):
            rows.append(
                {
                    "unit_id": row.unit_id,
                    "subject": row.url,
                    "target_url": row.url,
                    "evidence": {
                        "url": row.url,
                        "title": _scope.text(row.title),
                        "doc_no": str(getattr(row, params.field)),
                        "body_doc_no": next((v for k, v in where if k == "body"), None),
                        "other": [{"where": k, "value": v} for k, v in where],
                        "other_doc_no": where[0][1],
                        "differs_zh": "、".join(f"{WHERE_ZH[k]}为「{v}」" for k, v in where),
                    },
                }
            )
        return findings(rows)


def _attachment_doc_nos(data: CrawlData, arts: pd.DataFrame, raw: pd.Series) -> dict[int, str]:
    """Articles whose attachment names print a 文号 other than the metadata's (`raw`)."""
    links = data.links
    urls = arts["url"].to_numpy(dtype=object)
    links = links[(links["kind"] == "attachment").to_numpy(dtype=bool)]
    links = links[links["article_url"].isin(urls).to_numpy(dtype=bool)]
    # Only names holding a 号 can print one; the regex runs on those alone.
    text = links["text"].astype(object).fillna("").astype(str)
    named = text.str.contains("号", regex=False).to_numpy(dtype=bool)
    links, text = links[named], text[named]
    printed = text.str.extract(f"({DOC_NO.pattern})")[0]
    links = links.assign(printed=printed).dropna(subset=["printed"])
    by_url = dict(zip(urls, arts.index, strict=True))
    out: dict[int, str] = {}
    for url, value in zip(
        links["article_url"].to_numpy(dtype=object),
        links["printed"].to_numpy(dtype=object),
        strict=True,
    ):
        idx = by_url[url]
        # Normalised only here, for the few articles with a 文号 in an attachment name.
        if normalise_doc_no(value) != normalise_doc_no(raw[idx]):
            out.setdefault(idx, value)
    return out
