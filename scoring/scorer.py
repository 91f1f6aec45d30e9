"""Pure scoring (计分): crawl data + indicator set + decisions → scores, totals, problem rows.

Nothing here reads or writes the store: `score_crawl` takes a loaded `CrawlData` and an
`IndicatorSet` and returns frames shaped like the store's round tables (`Scored`). The round
workflow around it — which crawl run, tracking against the previous round, storing — is
`scoring.round`; statuses are `scoring.tracking`.

Scoring rules (docs/domain.md §2, §3.1):
- a problem costs ``deduct.per_problem × weight``; an indicator never loses more than its points
  (nor more than ``deduct.max``); a dismissed problem (驳回) costs nothing;
- each unit × indicator has a state (`scoring.states`): scored, not evaluated (what it needs
  could not be read: never credited), not applicable (nothing to judge, or the unit is in the
  indicator's ``not_applicable`` list: 规范性说明) or full marks (nothing to judge, where the set
  says so); the total is rescaled over the scored and full-marks points (`scoring.totals`):
  total = Σ scores / Σ those points × 100;
- a check judges the items of the indicator's window (`scoring.windows`); a one-time event
  (published late) is deducted in the round whose window holds it, and is not rectifiable;
- any counted problem of a veto indicator (单项否决) — including ``veto_count`` indicators, which
  count other indicators' problems — makes the unit 不合格 whatever its total;
- bonus indicators (加分项) sit outside the 100 (`scoring.totals`);
- a unit the crawl could not read gets no total, no pass/fail and no rank.

Each problem is named across rounds by its `fingerprint` and carries its evidence (stamped with
the crawl run) and a suggestion filled from the indicator's template.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from scoring import gc_pause, states
from scoring.checks.base import CheckContext, findings, get_check
from scoring.totals import ROUND_DIGITS, unit_totals
from scoring.windows import AS_OF_WINDOW
from scoring.workdays import WorkCalendar, default_calendar
from store.types import json_evidence

if TYPE_CHECKING:
    from scoring.checks.base import Check
    from scoring.data import CrawlData
    from scoring.indicator_model import Indicator, IndicatorSet

log = logging.getLogger(__name__)

VETO_COUNT = "veto_count"

PROBLEM_COLUMNS = (
    "fingerprint",
    "unit_id",
    "indicator_id",
    "subject",
    "target_url",
    "weight",
    "nominal",
    "deduction",
    "evidence",
    "suggestion",
    "decision",
    "rectifiable",
)

SCORE_COLUMNS = [
    "unit_id",
    "indicator_id",
    "points",
    "deduction",
    "score",
    "problems",
    "not_applicable",
    "veto",
    "bonus",
    "state",
    "reason",
]


class RoundError(ValueError):
    """A round cannot be evaluated as asked (bad template, conflicting re-evaluation, a date
    outside what the crawl saw, no unit observed, …)."""


@dataclass(frozen=True)
class Scored:
    """What `score_crawl` returns: frames shaped like the store's round tables."""

    scores: pd.DataFrame
    totals: pd.DataFrame
    problems: pd.DataFrame
    check_seconds: dict[str, float] = field(default_factory=dict)  # indicator id → time


def fingerprint(unit_id: str, indicator_id: str, subject: str) -> str:
    """The problem's name across rounds: sha1("unit|indicator|subject")[:16]."""
    return hashlib.sha1(f"{unit_id}|{indicator_id}|{subject}".encode()).hexdigest()[:16]


def _levels(indicator: Indicator) -> set[str] | None:
    applies = getattr(indicator, "applies_to", None)
    levels = getattr(applies, "levels", None) if applies is not None else None
    return set(levels) if levels else None


def check_context(
    indicator: Indicator, units: pd.DataFrame, as_of: dt.date, calendar: WorkCalendar
) -> CheckContext:
    """What a check is told besides the crawl: the day, the calendar, the units it judges and
    the indicator's window and categories (also used by tracking to ask checks about problems)."""
    applies = getattr(indicator, "applies_to", None)
    categories = getattr(applies, "categories", None)
    window = getattr(indicator, "window", None)
    if window is None and getattr(indicator, "check", None) is not None:
        window = get_check(indicator.check).default_window(indicator.params)
    return CheckContext(
        as_of=as_of,
        calendar=calendar,
        units=units,
        categories=frozenset(categories) if categories else None,
        date_from=getattr(applies, "date_from", None),
        date_until=getattr(applies, "date_until", None),
        indicator_id=indicator.id,
        window=window or AS_OF_WINDOW,
    )


def _suggestions(indicator: Indicator, rows: pd.DataFrame) -> list[str]:
    """Each problem's suggestion: the indicator's template filled from its evidence
    (`Indicator.suggest`, which also picks a per-kind template; plain str.format otherwise)."""
    suggest = getattr(indicator, "suggest", None)
    template = getattr(indicator, "suggestion", None) or ""
    out = []
    # Object arrays: pandas iterates a text column with a call per cell.
    for unit_id, subject, evidence in zip(
        rows["unit_id"].to_numpy(dtype=object),
        rows["subject"].to_numpy(dtype=object),
        rows["evidence"].to_numpy(dtype=object),
        strict=True,
    ):
        where = f"unit {unit_id}, subject {subject}"
        try:
            out.append(suggest(evidence) if suggest else template.format(**evidence))
        except KeyError as exc:
            if type(exc) is not KeyError:  # the set's own SuggestionError says it all
                raise RoundError(f"{exc} ({where})") from exc
            raise RoundError(
                f"indicator {indicator.id}: suggestion template needs {{{exc.args[0]}}}, which "
                f"the {indicator.check} check's evidence lacks ({where}; evidence keys: "
                f"{sorted(evidence)})"
            ) from exc
        except (IndexError, ValueError) as exc:
            raise RoundError(f"indicator {indicator.id}: bad suggestion template: {exc}") from exc
    return out


def _problems(
    indicator: Indicator, check: Check, found: pd.DataFrame, run_id: int | None
) -> pd.DataFrame:
    """Findings of one indicator → problem rows (fingerprint, nominal deduction, suggestion,
    rectifiable: as the indicator says, and never a one-time event)."""
    rows = found.reset_index(drop=True).copy()
    # Veto indicators have no deduct rule: their problems fail the unit and cost no points.
    deduct = getattr(indicator, "deduct", None)
    per_problem = float(deduct.per_problem) if deduct is not None else 0.0
    rows["indicator_id"] = indicator.id
    rows["weight"] = rows["weight"].fillna(1.0).astype(float)
    rows["nominal"] = per_problem * rows["weight"]
    rows["subject"] = rows["subject"].astype(str)
    rows["fingerprint"] = [
        fingerprint(u, indicator.id, s)
        for u, s in zip(
            rows["unit_id"].to_numpy(dtype=object),
            rows["subject"].to_numpy(dtype=object),
            strict=True,
        )
    ]
    rows["evidence"] = _evidence(rows["evidence"], run_id)
    rows["suggestion"] = _suggestions(indicator, rows)
    can = getattr(indicator, "rectifiable", None) is not False
    rows["rectifiable"] = [can and not check.is_one_time(e) for e in rows["evidence"]]
    return rows


def _evidence(values: pd.Series, run_id: int | None) -> list[dict[str, Any]]:
    """JSON-safe evidence, each stamped with the crawl run it was seen in."""
    plain = json_evidence([v if isinstance(v, dict) else {} for v in values])
    assert plain is not None
    if run_id is not None:
        for item in plain:
            item.setdefault("crawl_run", int(run_id))
    return plain


def _veto_count(indicator: Indicator, units: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
    """Problems of a ``veto_count`` indicator: units whose counted problems under the listed
    indicators reach ``at_least`` (docs/domain.md §3.1: e.g. ≥ 5 blank columns)."""
    watched = list(_param(indicator.params, "indicators"))
    at_least = int(_param(indicator.params, "at_least"))
    mine = counted[counted["indicator_id"].isin(watched) & counted["unit_id"].isin(units["id"])]
    per_unit = mine.groupby("unit_id").size()
    hit = per_unit[per_unit >= at_least]
    rows = []
    for unit_id, count in hit.items():
        by_indicator = mine[mine["unit_id"] == unit_id].groupby("indicator_id").size()
        rows.append(
            {
                "unit_id": unit_id,
                "subject": f"veto/{indicator.id}",
                "target_url": None,
                "evidence": {
                    "count": int(count),
                    "at_least": at_least,
                    "indicators": "、".join(watched),
                    "by_indicator": {k: int(v) for k, v in by_indicator.items()},
                },
                "weight": 1.0,
            }
        )
    return findings(rows)


def _param(params: Any, key: str) -> Any:
    """A check parameter from a validated model or (check not registered yet) a plain dict."""
    if isinstance(params, Mapping):
        if key not in params:
            raise RoundError(f"veto_count needs the parameter {key!r}")
        return params[key]
    return getattr(params, key)


def _deduct(indicator: Indicator, applies: pd.DataFrame, probs: pd.DataFrame) -> pd.DataFrame:
    """Score rows of one indicator for the units it applies to; sets each problem's share.

    A unit loses Σ per_problem × weight over its counted problems, capped at the points (and at
    ``deduct.max``). Each problem's ``deduction`` is its proportional share of that, so a capped
    indicator spreads its points evenly instead of charging whichever problem sorted first.
    """
    points = float(indicator.points)
    cap = points
    maximum = getattr(getattr(indicator, "deduct", None), "max", None)
    if maximum is not None:
        cap = min(cap, float(maximum))
    counted = probs["decision"] != "dismissed"
    nominal = probs["nominal"].where(counted, 0.0)
    total = nominal.groupby(probs["unit_id"]).transform("sum")
    capped = total.clip(upper=cap)
    ratio = (capped / total).where(total > 0, 0.0)
    probs["deduction"] = (nominal * ratio).round(ROUND_DIGITS)
    per_unit = pd.DataFrame(
        {
            "deduction": capped.groupby(probs["unit_id"]).first(),
            "problems": counted.groupby(probs["unit_id"]).sum(),
        }
    )
    rows = pd.DataFrame({"unit_id": applies["id"].to_numpy()})
    rows["indicator_id"] = indicator.id
    rows["points"] = points
    rows = rows.join(per_unit, on="unit_id")
    rows["deduction"] = rows["deduction"].fillna(0.0).astype(float).round(ROUND_DIGITS)
    rows["problems"] = rows["problems"].fillna(0).astype(int)
    rows["score"] = (rows["points"] - rows["deduction"]).round(ROUND_DIGITS)
    rows["not_applicable"] = False
    rows["veto"] = bool(getattr(indicator, "veto", None)) & (rows["problems"] > 0)
    rows["bonus"] = bool(getattr(indicator, "bonus", False))
    return rows


def _run_check(
    check: Check, data: CrawlData, indicator: Indicator, ctx: CheckContext
) -> pd.DataFrame:
    """The check's findings; a check that fails on this crawl stops the round with one sentence
    naming the indicator (`RoundError`, nothing stored; the traceback is logged with -v)."""
    try:
        return check.run(data, indicator.params, ctx)
    except RoundError:
        raise
    except Exception as exc:
        log.debug("indicator %s: check %s failed", indicator.id, check.name, exc_info=True)
        raise RoundError(
            f"indicator {indicator.id}: check {check.name} failed on crawl run "
            f"{getattr(data, 'run_id', None)} ({type(exc).__name__}: {exc}); nothing was stored "
            "— please report it with the output of `zwgk -v evaluate …`"
        ) from exc


def score_crawl(
    data: CrawlData,
    indicator_set: IndicatorSet,
    as_of: dt.date,
    *,
    calendar: WorkCalendar | None = None,
    decisions: Mapping[str, str] | None = None,
) -> Scored:
    """Score ``data`` against ``indicator_set`` as of ``as_of``.

    ``decisions``: fingerprint → "confirmed" | "dismissed" (dismissed problems deduct nothing).
    Checks run in the set's order; ``veto_count`` indicators run last, over the others' counted
    problems. `Scored.scores` carries `looked` besides the stored columns (tracking: whether an
    earlier problem of that unit × indicator may be compared).
    """
    calendar = calendar or default_calendar()
    decisions = dict(decisions or {})
    units = data.units.copy()
    units["observed"] = units["observed"].astype(bool)
    observed = set(units.loc[units["observed"], "id"])
    run_id = getattr(data, "run_id", None)
    score_parts: list[pd.DataFrame] = []
    seconds: dict[str, float] = {}
    problem_parts: list[pd.DataFrame] = []
    unseen: dict[tuple[str, str], int] = {}  # (unit, indicator) → columns it could not read

    plain = [i for i in indicator_set.indicators if i.check != VETO_COUNT]
    vetoes = [i for i in indicator_set.indicators if i.check == VETO_COUNT]
    counted_so_far = pd.DataFrame({"unit_id": [], "indicator_id": []})
    with gc_pause.paused():
        for stage in (plain, vetoes):
            for indicator in stage:
                levels = _levels(indicator)
                applies = units if levels is None else units[units["level"].isin(levels)]
                na = set(getattr(indicator, "not_applicable", None) or ()) & set(applies["id"])
                scope = applies[~applies["id"].isin(na)]
                started = time.perf_counter()
                check = get_check(indicator.check)
                if indicator.check == VETO_COUNT:
                    judged = scope[scope["observed"]]
                    found = _veto_count(indicator, judged, counted_so_far)
                    cover = states.veto_cover(
                        judged["id"], counted_so_far, list(_param(indicator.params, "indicators")),
                        int(_param(indicator.params, "at_least")), unseen,
                        getattr(getattr(indicator, "veto", None), "reason", ""),
                    )  # fmt: skip
                else:
                    ctx = check_context(indicator, scope, as_of, calendar)
                    found = _run_check(check, data, indicator, ctx)
                    cover = _coverage_of(check, data, indicator, ctx)
                    unseen.update(states.unseen_counts(indicator.id, cover))
                seconds[indicator.id] = time.perf_counter() - started
                probs = _problems(indicator, check, found, run_id)
                probs["decision"] = probs["fingerprint"].map(decisions)
                rows = states.apply(
                    _deduct(indicator, applies, probs), cover, listed=na, observed=observed,
                    when_nothing=getattr(indicator, "when_nothing", states.NOT_APPLICABLE),
                )  # fmt: skip
                score_parts.append(rows[[*SCORE_COLUMNS, "looked"]])
                problem_parts.append(probs)
                counted_so_far = pd.concat(
                    [
                        counted_so_far,
                        probs.loc[probs["decision"] != "dismissed", ["unit_id", "indicator_id"]],
                    ],
                    ignore_index=True,
                )

    scores = (
        pd.concat(score_parts, ignore_index=True)
        if score_parts
        else pd.DataFrame(columns=[*SCORE_COLUMNS, "looked"])
    )
    scores["reason"] = scores["reason"].astype(object).where(scores["reason"].notna(), None)
    problems = (
        pd.concat([p[list(PROBLEM_COLUMNS)] for p in problem_parts], ignore_index=True)
        if problem_parts
        else pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    )
    totals = unit_totals(units, scores, float(indicator_set.pass_line))
    return Scored(scores=scores, totals=totals, problems=problems, check_seconds=seconds)


def _coverage_of(
    check: Check, data: CrawlData, indicator: Indicator, ctx: CheckContext
) -> pd.DataFrame:
    """The check's coverage; like `_run_check`, a failure stops the round naming the indicator."""
    try:
        return check.coverage(data, indicator.params, ctx)
    except Exception as exc:
        log.debug("indicator %s: coverage of %s failed", indicator.id, check.name, exc_info=True)
        raise RoundError(
            f"indicator {indicator.id}: check {check.name} could not say what it judged on crawl "
            f"run {getattr(data, 'run_id', None)} ({type(exc).__name__}: {exc}); nothing was "
            "stored — please report it with the output of `zwgk -v evaluate …`"
        ) from exc
