"""download_formats — 未同时提供 WORD 和 PDF 下载: a document (by default every 行政规范性文件)
whose attachments lack one of the `formats` (docs/domain.md §3.4: "同时提供 WORD 和 PDF 下载").

An attachment's format is the extension of its address or, failing that, of its link text
(附件1：…（WORD版）.docx). A broken attachment still counts as provided: that it does not open is
`broken_links`' problem, not this one's. Subject `<url>#formats`.
"""

from __future__ import annotations

import re
from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

DEFAULT_FORMATS = {"WORD": ["doc", "docx", "wps"], "PDF": ["pdf"]}
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})(?:[?#].*)?$")


class FormatsParams(CheckParams):
    categories: list[str] = Field(default=["normative"], min_length=1)
    # format name (as the unit reads it) → file extensions that provide it
    formats: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_FORMATS.items()}, min_length=1
    )


def extension(url: object, text: object) -> str:
    """The lower-case extension of an attachment's address, else of its link text ("")."""
    for value in (url, text):
        if isinstance(value, str) and (match := _EXTENSION.search(value.strip())):
            return match.group(1).lower()
    return ""


@register
class DownloadFormats(Check):
    name: ClassVar[str] = "download_formats"
    Params = FormatsParams
    description: ClassVar[str] = "document without an attachment in each of the formats"

    def find(self, data: CrawlData, params: FormatsParams, ctx: CheckContext) -> pd.DataFrame:
        docs = _scope.articles(data, ctx, params.categories, columns=["unit_id", "url", "title"])
        if docs.empty:
            return findings([])
        links = data.links
        links = links[(links["kind"] == "attachment").to_numpy(dtype=bool)]
        links = links[links["article_url"].isin(_scope.distinct(docs["url"])).to_numpy(dtype=bool)]
        provided: dict[str, set[str]] = {}
        names: dict[str, list[str]] = {}
        for page, url, text in zip(
            links["article_url"].to_numpy(dtype=object),
            links["url"].to_numpy(dtype=object),
            links["text"].to_numpy(dtype=object),
            strict=True,
        ):
            provided.setdefault(page, set()).add(extension(url, text))
            names.setdefault(page, []).append(_scope.text(text) or str(url))
        wanted = {name: {e.lower() for e in exts} for name, exts in params.formats.items()}
        rows = []
        for row in _scope.rows(docs, ["unit_id", "url", "title"]):
            have = provided.get(row.url, set())
            missing = [name for name, exts in wanted.items() if not have & exts]
            if missing:
                rows.append(
                    _scope.article_finding(
                        row,
                        "#formats",
                        missing=missing,
                        formats=list(params.formats),
                        attachments=sorted(names.get(row.url, [])),
                        attachments_zh="、".join(f"「{n}」" for n in sorted(names.get(row.url, [])))
                        or "无附件",
                    )
                )
        return findings(rows)
