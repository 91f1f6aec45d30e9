"""veto_count — 单项否决 by count: a unit is vetoed when the problems of other indicators add up to
`at_least` (e.g. blank columns ≥ 5, stale columns ≥ 10; docs/domain.md §3.1).

This check only declares and validates its parameters: it depends on other indicators' problems,
so `scoring.scorer` computes it after them (summing the findings of `indicators` per unit,
dismissed problems excluded). Its `find` returns no findings of its own.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field, field_validator

from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class VetoCountParams(CheckParams):
    indicators: list[str] = Field(min_length=1)
    at_least: int = Field(ge=1, le=1000)

    @field_validator("indicators")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("indicators are listed twice")
        return value


@register
class VetoCount(Check):
    name: ClassVar[str] = "veto_count"
    forecasts: ClassVar[bool] = True
    Params = VetoCountParams
    description: ClassVar[str] = (
        "veto when other indicators' problems reach at_least (in scorer.py)"
    )
    derived: ClassVar[bool] = True  # computed from other indicators' problems by the round

    def find(self, data: CrawlData, params: VetoCountParams, ctx: CheckContext) -> pd.DataFrame:
        return findings([])

    @staticmethod
    def vetoed(problem_counts: pd.Series, params: VetoCountParams) -> pd.Series:
        """Units vetoed, from their problem counts over `params.indicators` (index: unit id)."""
        return problem_counts >= params.at_least
