"""required_fields — 元数据缺项: an article (of the indicator's categories) with a required
metadata field empty: 文号, 成文日期, 发布日期, 有效性, 关键词, 发布机构, 信息分类, 索引号, 主题分类
(docs/domain.md §3.4). One finding per article and field, or with `per: document` one per
article listing every missing field (subject `<url>#fields`; §3.4 deducts per document).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from common.vocabulary import ARTICLE_FIELDS, INFO_CATEGORY
from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

LABELS = dict([*ARTICLE_FIELDS.items(), INFO_CATEGORY])  # field → its Chinese name
FieldName = Literal[tuple(LABELS)]  # type: ignore[valid-type]


class RequiredFieldsParams(CheckParams):
    fields: list[FieldName] = Field(min_length=1)
    per: Literal["field", "document"] = "field"


@register
class RequiredFields(Check):
    name: ClassVar[str] = "required_fields"
    Params = RequiredFieldsParams
    description: ClassVar[str] = "article with a required metadata field empty"

    def find(
        self, data: CrawlData, params: RequiredFieldsParams, ctx: CheckContext
    ) -> pd.DataFrame:
        arts = _scope.articles(data, ctx, columns=["unit_id", "url", "title", *params.fields])
        rows = []
        for name in dict.fromkeys(params.fields):
            values = arts[name]
            empty = values.isna()
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                empty |= values.fillna("").astype(str).str.strip().eq("")
            for row in _scope.rows(
                arts.loc[empty.to_numpy(dtype=bool)], ["unit_id", "url", "title"]
            ):
                rows.append(
                    _scope.article_finding(
                        row,
                        f"#{name}",
                        field=name,
                        label=LABELS[name],
                    )
                )
        if params.per == "document":
            return findings(_per_document(rows))
        return findings(rows)


def _per_document(rows: list[dict]) -> list[dict]:
    """One finding per article from its per-field findings, the fields in the order asked."""
    out: dict[str, dict] = {}
    for row in rows:
        url = row["target_url"]
        if url not in out:
            evidence = {k: v for k, v in row["evidence"].items() if k not in ("field", "label")}
            out[url] = {**row, "subject": f"{url}#fields", "evidence": evidence}
            evidence.update(fields=[], labels=[])
        out[url]["evidence"]["fields"].append(row["evidence"]["field"])
        out[url]["evidence"]["labels"].append(row["evidence"]["label"])
    for row in out.values():
        row["evidence"]["count"] = len(row["evidence"]["fields"])
    return list(out.values())
