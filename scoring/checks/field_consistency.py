"""field_consistency — 文号不一致: the 文号 in the metadata differs from the one the document prints
as its own in the body (or in an attachment's name) — a real 六安 deduction (docs/domain.md §3.4).

Values are compared after normalising what printing varies: spaces, full/half width and the
bracket forms 〔〕[]［］()（）. A body also prints other documents' numbers: a 文号 cited in its
clause (《…》（皖政〔2020〕5号）, 根据/按照/转发 … 〔…〕号) is not the document's own, and a body
that prints the metadata's 文号 anywhere agrees with it (`scoring.checks._doc_no`). An attachment
named with another issuer's 文号 is another document (the one a 转发 notice forwards). The evidence names
both values (`differs_zh`: 正文中为「…」、附件名中为「…」).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _doc_no, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

DOC_NO = _doc_no.DOC_NO
normalise_doc_no = _doc_no.normalise
WHERE_ZH = {"body": "正文中", "attachment": "附件名中"}


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
            data, ctx, columns=["id", "unit_id", "url", "title", params.field, "body_doc_no"]
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
            suspects = differs.index[differs.to_numpy(dtype=bool)]
            for idx, printed in _own_in_body(data, arts.loc[suspects], raw, body).items():
                seen.setdefault(idx, []).append(("body", printed))
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


def _own_in_body(
    data: CrawlData, suspects: pd.DataFrame, raw: pd.Series, first: pd.Series
) -> dict[int, str]:
    """Of the articles whose body's first 文号 differs from the metadata's, those whose body
    prints another 文号 as its own: row → that 文号. The body text is read for these few rows
    only (the first printed 文号 stands in where the text is not stored)."""
    if suspects.empty:
        return {}
    texts = _scope.as_dict(data.body_text(suspects["id"].astype("int64")))
    out: dict[int, str] = {}
    for idx, article_id in zip(suspects.index, suspects["id"].astype("int64"), strict=True):
        text = str(texts.get(int(article_id), "") or "") or first[idx]
        meta = raw[idx]
        if normalise_doc_no(meta) in normalise_doc_no(text):
            continue  # the body prints the metadata's 文号 too: the first one was another's
        printed = _doc_no.printed(text)
        if any(_doc_no.same(p.text, meta) for p in printed):
            continue
        own = [p.text for p in printed if not p.cited]
        if own:
            out[idx] = own[0]
    return out


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
        # Normalised only here, for the few articles with a 文号 in an attachment name; one
        # of another issuer is another document (the one a 转发 notice forwards).
        meta = raw[idx]
        if not _doc_no.same(value, meta) and _doc_no.same_issuer(value, meta):
            out.setdefault(idx, value)
    return out
