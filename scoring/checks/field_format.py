"""field_format — 格式不规范: a metadata field that is present but does not match a pattern, e.g.
索引号 as 机构代码/年月-5位流水号. An empty field is `required_fields`' business, not this one's.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
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
        arts = _scope.articles(data, ctx, columns=["unit_id", "url", "title", params.field])
        arts = arts[arts[params.field].notna().to_numpy(dtype=bool)]
        # A compiled pattern over plain strings: the str accessor costs a second per million.
        values = [str(v).strip() for v in arts[params.field].to_numpy(dtype=object)]
        fullmatch = re.compile(params.pattern).fullmatch
        bad = np.array([v != "" and fullmatch(v) is None for v in values], dtype=bool)
        wrong = [v for v, b in zip(values, bad, strict=True) if b]
        return findings(
            _scope.article_finding(
                row,
                field=params.field,
                label=LABELS[params.field],
                value=value,
                pattern=params.pattern,
            )
            for row, value in zip(
                _scope.rows(arts.loc[bad], ["unit_id", "url", "title"]),
                wrong,
                strict=True,
            )
        )
