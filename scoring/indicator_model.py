"""The indicator model (指标): what one indicator and a resolved set are, once validated.

`scoring.indicators` reads the YAML, resolves `extends:` and builds these; the round scorer uses
`Indicator.deduct.amount`, `Indicator.suggest` and `IndicatorSet`. Field meanings and examples:
docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from common.errors import Loc, did_you_mean
from common.vocabulary import BUILT_IN_CATEGORIES, COLUMN_CATEGORIES, LEVELS
from scoring.windows import WindowField

ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
MAX_ID = 128  # store/models.py: round_scores.indicator_id and problems.indicator_id String(128)
# A set is marked out of 100 (its pass_line is 0–100 and its deduction items add up to 100), so
# no indicator, deduction or cap is worth more.
MAX_POINTS = 100
# Dates an indicator may be limited to: the 条例 (2008) is later than the first and pandas, which
# holds the crawl's dates, cannot go past 2262; a year like 0025 or 20250 is a typo.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]

Problem = tuple[str, int | None, str]  # (file, line, message)
# Every category a column may have, the built-in ones included.
CATEGORIES = frozenset([*COLUMN_CATEGORIES, *BUILT_IN_CATEGORIES])


class IndicatorError(ValueError):
    """Problems in an indicator set. `str()` is one ``FILE:LINE: message`` per line;
    `.problems` lists (file, line, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(_format(p) for p in self.problems))


class SuggestionError(KeyError):
    """A suggestion template names an evidence key the finding does not have (scoring time)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _format(problem: Problem) -> str:
    path, line, message = problem
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


# -- the model ---------------------------------------------------------------------------------
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AppliesTo(Strict):
    """Which units, columns and dates an indicator judges (适用范围)."""

    levels: tuple[str, ...] = LEVELS
    categories: tuple[str, ...] | None = None  # column categories (common/vocabulary.py); None: all
    date_from: Day | None = None  # items published on or after
    date_until: Day | None = None  # items published on or before

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        if not levels:
            raise ValueError("name at least one level")
        for level in levels:
            if level not in LEVELS:
                raise ValueError(
                    f"unknown level {level!r}{did_you_mean(level, LEVELS)} "
                    f"(one of: {' / '.join(LEVELS)})"
                )
        return levels

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, categories: tuple[str, ...] | None) -> tuple[str, ...] | None:
        known = sorted(CATEGORIES)
        for category in categories or ():
            if category not in known:
                raise ValueError(
                    f"unknown column category {category!r}{did_you_mean(category, known)} "
                    f"(known: {', '.join(known)})"
                )
        return categories

    @model_validator(mode="after")
    def _ordered(self) -> AppliesTo:
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError(f"date_from {self.date_from} is after date_until {self.date_until}")
        return self


class Deduction(Strict):
    """扣分规则: `per_problem` points per problem (× the finding's weight), at most `max`
    (default: the indicator's points). Partial credit is a fractional per_problem (0.64)."""

    per_problem: Annotated[float, Field(gt=0, le=MAX_POINTS)]
    max: Annotated[float, Field(gt=0, le=MAX_POINTS)] | None = None

    def amount(self, problems: float, points: float) -> float:
        """Points lost for `problems` (the sum of the findings' weights), never above the cap."""
        cap = points if self.max is None else min(points, self.max)
        return round(min(cap, problems * self.per_problem), 4)


class Veto(Strict):
    """单项否决: any finding of the indicator fails the unit (不合格), whatever its score."""

    reason: str = ""


def _veto(value: Any) -> Any:
    # `veto: true` is the usual spelling; `veto: {reason: …}` adds the wording of the verdict.
    if value is True:
        return {}
    if value is False:
        return None
    return value


def template_fields(template: str) -> list[str]:
    """The `{name}` fields of a suggestion template; ValueError for anything but plain names."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template ({exc}); write {{{{ and }}}} for literal braces") from None
    names = []
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        if not name.isidentifier() or "{" in (spec or ""):
            raise ValueError(
                f"{{{name}{':' + spec if spec else ''}}} is not a plain field: use an evidence key "
                "by name, e.g. {column_name}"
            )
        names.append(name)
    return names


class Indicator(Strict):
    """One indicator (指标). `params` is the check's validated `Params` model after loading."""

    id: Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID)]
    name: Annotated[str, Field(min_length=1)]
    group: Annotated[
        tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1, max_length=3)
    ]
    applies_to: AppliesTo = AppliesTo()
    check: Annotated[str, Field(min_length=1)]
    params: Any = Field(default_factory=dict)
    points: Annotated[float, Field(ge=0, le=MAX_POINTS)] = 0
    deduct: Deduction | None = None
    veto: Annotated[Veto | None, BeforeValidator(_veto)] = None
    bonus: bool = False
    # One template, or one per kind of problem (the evidence's `problem`: too_short, …).
    suggestion: str | dict[str, str] = ""
    # For the unit (plain Chinese, shown in checklists and every 失分原因): `basis` the 依据 it
    # can look up (《中华人民共和国政府信息公开条例》第二十六条), `requirement` what it must do
    # (内容要求/评价标准). `description` and `source` are the set authors' notes ([V][L][?]).
    basis: str = ""
    requirement: str = ""
    description: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    not_applicable: tuple[str, ...] = ()  # unit ids with a published 规范性说明
    # Which items a round judges (scoring.windows; the loader requires it); whether its problems
    # can be rectified (None: all but the check's one-time events); a unit with nothing to
    # judge: rescaled away (not_applicable) or full marks. docs/indicators.md §2.5.
    window: WindowField | None = None
    rectifiable: bool | None = None
    when_nothing: Literal["not_applicable", "full_marks"] = "not_applicable"
    # Whether the daily patrol warns before this indicator's problems come (None: when its
    # check can foresee them, `Check.forecasts`); false silences an indicator's warnings.
    warn: bool | None = None

    @field_validator("params", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping | BaseModel):
            raise ValueError("params must be a mapping of parameter: value")
        return value

    @field_validator(
        "name", "description", "source", "suggestion", "basis", "requirement", mode="before"
    )
    @classmethod
    def _unfold(cls, value: Any) -> Any:
        # YAML folds a long line with a space, which Chinese text does not have.
        if isinstance(value, dict):
            return {k: unfold(v) for k, v in value.items()}
        return unfold(value)

    @field_validator("suggestion")
    @classmethod
    def _template(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        for kind, template in value.items() if isinstance(value, dict) else [("", value)]:
            try:
                template_fields(template)
            except ValueError as exc:
                raise ValueError(f"{kind}: {exc}" if kind else str(exc)) from None
        return value

    @model_validator(mode="after")
    def _scoring_rule(self, info: ValidationInfo) -> Indicator:
        # The loader checks the rule itself, to point each problem at its own line.
        if not (info.context or {}).get("defer_rule"):
            problems = rule_problems(self)
            if problems:
                raise ValueError("; ".join(message for _, message in problems))
        return self

    @property
    def kind(self) -> str:
        return "veto" if self.veto else "bonus" if self.bonus else "deduction"

    def suggest(self, evidence: Mapping[str, Any]) -> str:
        """The suggestion filled from a finding's evidence plus the derived keys of
        `suggestion_values` and `{basis}`; led by "依据{basis}，" unless the template places
        `{basis}` itself, so every 失分原因 names its rule. SuggestionError names a key (or
        problem kind) the template needs and the finding lacks — only scoring can tell, since
        evidence depends on the data."""
        values = SuggestionValues(evidence)
        values.setdefault("basis", self.basis)
        template = self.suggestion
        if isinstance(template, dict):
            kind = values.get("problem")
            if kind not in template:
                raise SuggestionError(
                    f"indicator {self.id}: no suggestion for problem kind {kind!r} "
                    f"(the templates cover {sorted(template)})"
                )
            template = template[kind]
        if self.basis and "{basis}" not in template:
            template = "依据{basis}，" + template
        try:
            return template.format_map(values)
        except KeyError as exc:
            known = {**suggestion_values(evidence), "basis": values["basis"]}
            raise SuggestionError(
                f"indicator {self.id}: suggestion uses {{{exc.args[0]}}} but the finding's "
                f"evidence has only {sorted(known)}"
            ) from None
        except (ValueError, TypeError) as exc:
            raise SuggestionError(
                f"indicator {self.id}: suggestion cannot be filled: {exc}"
            ) from None


_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_FOLD = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def unfold(text: Any) -> Any:
    """Text with the spaces YAML folding put between Chinese characters removed."""
    return _FOLD.sub("", text).strip() if isinstance(text, str) else text


def category_name(category: str) -> str:
    """A column category's Chinese name from common/vocabulary.py (news → 动态/要闻)."""
    found = re.match(r"[\u4e00-\u9fff/]+", COLUMN_CATEGORIES.get(category, ""))
    return found.group(0) if found else category


def suggestion_values(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence keys plus derived ones a template may use: `<key>_quoted` for `title` and every
    `…_title` (《title》, or “title” when it already holds 《》), `<key>_text` for a list of texts
    (joined with 、), `category_name` for `category` (its Chinese name in common/vocabulary.py)."""
    values = dict(evidence)
    for key, value in evidence.items():
        if (key == "title" or key.endswith("_title")) and isinstance(value, str):
            values.setdefault(f"{key}_quoted", f"“{value}”" if "《" in value else f"《{value}》")
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            values.setdefault(f"{key}_text", "、".join(value))
    if isinstance(evidence.get("category"), str):
        values.setdefault("category_name", category_name(evidence["category"]))
    return values


class SuggestionValues(dict):
    """`suggestion_values(evidence)` as a template reads it: the evidence, and a derived key
    made only when the template asks for it (a round fills a hundred thousand suggestions,
    each template naming two or three keys of evidence that derive a dozen)."""

    def __init__(self, evidence: Mapping[str, Any]) -> None:
        super().__init__(evidence)
        self.evidence = evidence

    def __missing__(self, key: str) -> Any:
        evidence = self.evidence
        if key.endswith("_quoted"):
            base = key[: -len("_quoted")]
            value = evidence.get(base)
            if (base == "title" or base.endswith("_title")) and isinstance(value, str):
                return f"“{value}”" if "《" in value else f"《{value}》"
        elif key.endswith("_text"):
            base = key[: -len("_text")]
            value = evidence.get(base)
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return "、".join(value)
        elif key == "category_name" and isinstance(evidence.get("category"), str):
            return category_name(evidence["category"])
        raise KeyError(key)


def rule_problems(indicator: Indicator) -> list[tuple[tuple[Loc, ...], str]]:
    """(the keys involved, message) for a scoring rule that cannot work: points, deduct, veto,
    bonus. The loader blames whichever of the keys a set file gave last."""
    if indicator.veto and indicator.bonus:
        return [((("bonus",), ("veto",)), "an indicator is a veto or a bonus, not both")]
    if indicator.veto:
        if indicator.points or indicator.deduct:
            key = "points" if indicator.points else "deduct"
            return [
                (((key,), ("veto",)), "a veto indicator has no points or deduct: it fails the unit")
            ]
        return []
    if not indicator.points:
        return [((("points",),), "points must be above 0 (or make the indicator `veto: true`)")]
    if indicator.deduct is None:
        return [(((),), "missing key 'deduct' (e.g. deduct: {per_problem: 1})")]
    out: list[tuple[tuple[Loc, ...], str]] = []
    for key in ("per_problem", "max"):
        value = getattr(indicator.deduct, key)
        if value is not None and value > indicator.points:
            message = f"deduct.{key} {value:g} is more than the points {indicator.points:g}"
            out.append(((("deduct", key), ("points",)), message))
    if not indicator.bonus and not indicator.suggestion:
        out.append((((),), "missing key 'suggestion' (the 整改 advice shown with each problem)"))
    return out


@dataclass(frozen=True)
class IndicatorSet:
    """A resolved, validated set. `text`/`sha256` freeze it for a round (`set_from_text`)."""

    id: str
    version: str
    name: str
    pass_line: float
    path: Path
    text: str
    sha256: str
    indicators: list[Indicator]
    extends: tuple[str, ...] = ()  # ids of the sets it builds on, nearest first
    description: str = ""
    warn_within: str | None = None  # the patrol's horizon, as the set says ("5 workdays")
    # indicator id → {top-level key ("" for the entry itself) → "file:line" it comes from}
    origins: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def get(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        ids = [i.id for i in self.indicators]
        raise KeyError(
            f"no indicator {indicator_id!r} in {self.id}{did_you_mean(indicator_id, ids)}"
        )

    @property
    def total_points(self) -> float:
        """Full marks of the deduction indicators (bonus and veto items excluded)."""
        return sum(i.points for i in self.indicators if i.kind == "deduction")
