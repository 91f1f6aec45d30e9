"""field_format — 格式不规范: a metadata field that is present but does not match a pattern, e.g.
索引号 as 机构代码/年月-5位流水号. An empty field is `required_fields`' business, not this one's.
"""

from __future__ import annotations

import re
from typing import ClassVar

import pandas as pd
from pydantic import field_validator

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.checks.required_fields import LABELS, FieldName
from scoring.data import CrawlData


class FieldFormatParams(CheckParams):
    field: FieldName
    pattern: str  # a Python regular expression the whole value must match

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern {value!r} is not a valid regular expression: {exc}") from exc
        return value


@register
class FieldFormat(Check):
    name: ClassVar[str] = "field_format"
    Params = FieldFormatParams
    description: ClassVar[str] = "article whose field is present but does not match the pattern"

    def find(self, data: CrawlData, params: FieldFormatParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(data, ctx)
        values = arts[params.field].astype(object).where(arts[params.field].notna(), "")
        values = values.astype(str).str.strip()
        present = values.ne("")
        bad = present & ~values.str.fullmatch(params.pattern).fillna(False).astype(bool)
        return findings(
            _scope.article_finding(
                row,
                field=params.field,
                label=LABELS[params.field],
                value=value,
                pattern=params.pattern,
            )
            for row, value in zip(arts[bad].itertuples(index=False), values[bad], strict=True)
        )
