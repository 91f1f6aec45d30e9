"""required_columns — 必设栏目缺失: an observed unit whose directory lacks a column category its
level must have (e.g. every unit: 财政预决算; governments: 意见征集, 重点领域).

A column that exists but could not be read still exists: only the directory decides presence.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class RequiredColumnsParams(CheckParams):
    by_level: dict[str, list[str]] = Field(min_length=1)


@register
class RequiredColumns(Check):
    name: ClassVar[str] = "required_columns"
    Params = RequiredColumnsParams
    description: ClassVar[str] = "unit lacking a column of a category its level requires"
    judges: ClassVar[str] = "units"  # the directory: read whenever the unit was observed

    def find(
        self, data: CrawlData, params: RequiredColumnsParams, ctx: CheckContext
    ) -> pd.DataFrame:
        units = data.units[data.units["id"].isin(_scope.unit_ids(data, ctx))]
        required = pd.DataFrame(
            [
                (unit.id, unit.entry_url, category)
                for unit in units.itertuples(index=False)
                for category in params.by_level.get(unit.level, [])
            ],
            columns=["unit_id", "entry_url", "category"],
        )
        if required.empty:
            return findings([])
        present = data.columns[["unit_id", "category"]].drop_duplicates()
        merged = required.merge(present, on=["unit_id", "category"], how="left", indicator=True)
        missing = merged[merged["_merge"] == "left_only"]
        return findings(
            {
                "unit_id": row.unit_id,
                "subject": f"missing/{row.category}",
                "target_url": row.entry_url,
                "evidence": {"category": row.category, "entry_url": row.entry_url},
            }
            for row in missing.itertuples(index=False)
        )
