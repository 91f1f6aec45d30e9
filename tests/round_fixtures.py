"""Hand-made inputs for the round tests: a CrawlData-like object, indicator-like objects and a
check that reports findings planted in the data (so a test states exactly what was "found").

These stand in for `scoring.data.CrawlData` and `scoring.indicators.IndicatorSet` where a test
is about scoring arithmetic or tracking, not about what the real checks find.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from scoring.checks import base
from scoring.checks.base import Check, CheckParams

PLANTED = "planted_findings"


@dataclass(frozen=True)
class HandMadeCrawl:
    """Like CrawlData: units (id, name, level, parent, observed), columns (id, unit_id, url,
    observed), articles (url, column_id) — plus `planted`: the findings per indicator, and
    `coverage`: what the check says it could not judge (indicator_id, unit_id, state, reason,
    unseen; `Check.coverage`)."""

    units: pd.DataFrame
    columns: pd.DataFrame
    planted: pd.DataFrame
    run_id: int = 1
    articles: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"url": [], "column_id": []})
    )
    links: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"url": [], "article_url": []})
    )
    coverage: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["indicator_id", "unit_id", "state", "reason", "unseen"]
        )
    )


class PlantedFindings(Check):
    """Reports the rows of `data.planted` whose indicator_id is the running indicator."""

    name = PLANTED
    Params = CheckParams

    def find(self, data: Any, params: Any, ctx: base.CheckContext) -> pd.DataFrame:
        rows = data.planted[data.planted["indicator_id"] == ctx.indicator_id]
        return base.findings(rows.drop(columns=["indicator_id"]))

    def coverage(self, data: Any, params: Any, ctx: base.CheckContext) -> pd.DataFrame:
        rows = data.coverage[data.coverage["indicator_id"] == ctx.indicator_id]
        return rows.drop(columns=["indicator_id"]).reset_index(drop=True)


@pytest.fixture
def planted_check(monkeypatch: pytest.MonkeyPatch) -> type[Check]:
    base._load()
    monkeypatch.setitem(base._REGISTRY, PLANTED, PlantedFindings)
    return PlantedFindings


@dataclass(frozen=True)
class AppliesTo:
    levels: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    date_from: dt.date | None = None
    date_until: dt.date | None = None


@dataclass(frozen=True)
class Deduction:
    per_problem: float
    max: float | None = None


@dataclass(frozen=True)
class VetoCountParams:
    indicators: tuple[str, ...]
    at_least: int


@dataclass(frozen=True)
class HandMadeIndicator:
    id: str
    points: float
    per_problem: float = 1.0
    check: str = PLANTED
    params: Any = field(default_factory=CheckParams)
    levels: tuple[str, ...] | None = None
    max: float | None = None
    veto: bool = False
    bonus: bool = False
    not_applicable: tuple[str, ...] = ()
    suggestion: str = "请整改：{what}"
    group: tuple[str, ...] = ("栏目建设", "更新维护")
    name: str = ""

    @property
    def applies_to(self) -> AppliesTo:
        return AppliesTo(levels=self.levels)

    @property
    def deduct(self) -> Deduction | None:
        return None if self.veto else Deduction(self.per_problem, self.max)


@dataclass(frozen=True)
class HandMadeSet:
    indicators: list[HandMadeIndicator]
    pass_line: float = 60
    id: str = "handmade"
    version: str = "1"
    name: str = "手工指标"

    @property
    def text(self) -> str:
        return repr(self.indicators)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def units(*rows: tuple[str, str, str | None, bool]) -> pd.DataFrame:
    """(id, level, parent, observed) → a units frame (names 单位<id>)."""
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [f"单位{r[0]}" for r in rows],
            "level": [r[1] for r in rows],
            "parent": [r[2] for r in rows],
            "observed": [r[3] for r in rows],
        }
    )


def columns(*rows: tuple[int, str, str, bool]) -> pd.DataFrame:
    """(id, unit_id, url, observed) → a columns frame."""
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "unit_id": [r[1] for r in rows],
            "url": [r[2] for r in rows],
            "observed": [r[3] for r in rows],
        }
    )


def planted(*rows: tuple[str, str, str, dict[str, Any]], weight: float = 1.0) -> pd.DataFrame:
    """(indicator_id, unit_id, subject, evidence) → planted findings (target_url = subject)."""
    return pd.DataFrame(
        {
            "indicator_id": [r[0] for r in rows],
            "unit_id": [r[1] for r in rows],
            "subject": [r[2] for r in rows],
            "target_url": [r[2] for r in rows],
            "evidence": [r[3] for r in rows],
            "weight": [weight] * len(rows),
        }
    )
