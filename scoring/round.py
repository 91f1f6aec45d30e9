"""A round (测评轮次): score every unit of a crawl against an indicator set, keep the problems.

`score_crawl` is the pure part: crawl data + indicator set + decisions → per unit × indicator
scores, unit totals and the problem list (问题清单). `evaluate` wraps it: loads the crawl, tracks
each problem against the previous round (`scoring.tracking`), freezes the indicator set's text
and hash and the crawl run in the round, and stores everything in one transaction.

Scoring rules (docs/domain.md §2, §3.1):
- a problem costs ``deduct.per_problem × weight``; an indicator never loses more than its points
  (nor more than ``deduct.max``); a dismissed problem (驳回) costs nothing;
- units in an indicator's ``not_applicable`` (规范性说明) skip it, and the total is rescaled:
  total = Σ scores / Σ applicable points × 100;
- any counted problem of a veto indicator (单项否决) — including ``veto_count`` indicators, which
  count other indicators' problems — makes the unit 不合格 whatever its total;
- bonus indicators (加分项) sit outside the 100 and are added only above `BONUS_FROM`, at most
  `BONUS_MAX` (国办秘函〔2019〕19号);
- a unit the crawl could not read gets no total, no pass/fail and no rank.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.workdays import WorkCalendar, default_calendar
from store import rounds as round_store

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

VETO_COUNT = "veto_count"
BONUS_FROM = 80.0  # a site above 80 may earn bonus items …
BONUS_MAX = 20.0  # … out of 20 (国办秘函〔2019〕19号)
ROUND_DIGITS = 4  # float noise off scores, so equal totals rank equal

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
]


# The earliest day a round may be evaluated as of: the 政府信息公开条例 took effect on
# 2008-05-01, so there is no disclosure duty to judge before it — an earlier date is a typo
# (2205 for 2025 is caught by the crawl's finish, 2005 by this).
AS_OF_FLOOR = dt.date(2008, 5, 1)
# Round dates are China dates; crawl runs finish at UTC instants (China keeps no summer time).
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


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


@dataclass(frozen=True)
class RoundResult:
    """A stored round: its header and its frames (problems carry their tracking status)."""

    info: round_store.RoundInfo
    scores: pd.DataFrame
    totals: pd.DataFrame
    problems: pd.DataFrame


def fingerprint(unit_id: str, indicator_id: str, subject: str) -> str:
    """The problem's name across rounds: sha1("unit|indicator|subject")[:16]."""
    return hashlib.sha1(f"{unit_id}|{indicator_id}|{subject}".encode()).hexdigest()[:16]


def _levels(indicator: Any) -> set[str] | None:
    applies = getattr(indicator, "applies_to", None)
    levels = getattr(applies, "levels", None) if applies is not None else None
    return set(levels) if levels else None


def _context(indicator: Any, units: pd.DataFrame, as_of: dt.date, calendar: WorkCalendar) -> Any:
    from scoring.checks.base import CheckContext

    applies = getattr(indicator, "applies_to", None)
    categories = getattr(applies, "categories", None)
    return CheckContext(
        as_of=as_of,
        calendar=calendar,
        units=units,
        categories=frozenset(categories) if categories else None,
        date_from=getattr(applies, "date_from", None),
        date_until=getattr(applies, "date_until", None),
        indicator_id=indicator.id,
    )


def still_judged(
    rows: pd.DataFrame, indicator_set: Any, units: pd.DataFrame, as_of: dt.date, calendar: Any
) -> pd.Series:
    """True where the row's indicator (in ``indicator_set``) still judges its subject as of
    ``as_of`` (`Check.in_scope`); a row whose indicator the set lacks is left to tracking
    (its indicator did not run: not comparable)."""
    return _ask_checks(
        rows, indicator_set, units, as_of, calendar,
        lambda check, group, indicator, ctx: check.in_scope(group, indicator.params, ctx),
    )  # fmt: skip


def looked_at(
    rows: pd.DataFrame, indicator_set: Any, data: Any, as_of: dt.date, calendar: Any
) -> pd.Series:
    """True where this round really looked at the subject of an earlier problem it did not
    find again (`Check.looked_at`); False makes it *not comparable* rather than *fixed*."""
    return _ask_checks(
        rows, indicator_set, data.units, as_of, calendar,
        lambda check, group, indicator, ctx: check.looked_at(group, data, indicator.params, ctx),
    )  # fmt: skip


def _ask_checks(
    rows: pd.DataFrame,
    indicator_set: Any,
    units: pd.DataFrame,
    as_of: dt.date,
    calendar: Any,
    ask: Callable[[Any, pd.DataFrame, Any, Any], pd.Series],
) -> pd.Series:
    """`ask(check, rows of one indicator, indicator, ctx)` for each indicator of ``rows``,
    as one boolean Series (True for rows whose indicator the set lacks or is a veto count)."""
    from scoring.checks.base import get_check

    out = pd.Series(True, index=rows.index, dtype=bool)
    known = {i.id: i for i in indicator_set.indicators}
    for indicator_id, group in rows.groupby("indicator_id", sort=False):
        indicator = known.get(indicator_id)
        if indicator is None or getattr(indicator, "check", None) in (None, "veto_count"):
            continue
        ctx = _context(indicator, units, as_of, calendar)
        mine = ask(get_check(indicator.check), group, indicator, ctx)
        out.loc[group.index] = mine.reindex(group.index, fill_value=True).astype(bool)
    return out

def _suggestions(indicator: Any, rows: pd.DataFrame) -> list[str]:
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


def _problems(indicator: Any, found: pd.DataFrame, run_id: int | None) -> pd.DataFrame:
    """Findings of one indicator → problem rows (fingerprint, nominal deduction, suggestion)."""
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
    return rows


def _evidence(values: pd.Series, run_id: int | None) -> list[dict[str, Any]]:
    """JSON-safe evidence, each stamped with the crawl run it was seen in."""
    plain = round_store.json_evidence([v if isinstance(v, dict) else {} for v in values])
    assert plain is not None
    if run_id is not None:
        for item in plain:
            item.setdefault("crawl_run", int(run_id))
    return plain


def _veto_count(indicator: Any, units: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
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
    from scoring.checks.base import findings

    return findings(rows)


def _param(params: Any, key: str) -> Any:
    """A check parameter from a validated model or (check not registered yet) a plain dict."""
    if isinstance(params, Mapping):
        if key not in params:
            raise RoundError(f"veto_count needs the parameter {key!r}")
        return params[key]
    return getattr(params, key)


def _deduct(
    indicator: Any, applies: pd.DataFrame, na: set[str], probs: pd.DataFrame
) -> pd.DataFrame:
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
    rows["not_applicable"] = rows["unit_id"].isin(na)
    rows["veto"] = bool(getattr(indicator, "veto", None)) & (rows["problems"] > 0)
    rows["bonus"] = bool(getattr(indicator, "bonus", False))
    return rows[SCORE_COLUMNS]


def _run_check(check: Any, data: Any, indicator: Any, ctx: Any) -> pd.DataFrame:
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection paused while the checks run (restored after).

    The checks of a city build tens of thousands of findings — evidence dicts and lists that
    all live until the round is stored — and every full collection walks them all again: 3–5 s
    of a round on a million articles, for no garbage (nothing here relies on cycles being
    freed early; reference counting frees the rest as usual)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def score_crawl(
    data: Any,
    indicator_set: Any,
    as_of: dt.date,
    *,
    calendar: WorkCalendar | None = None,
    decisions: Mapping[str, str] | None = None,
) -> Scored:
    """Score ``data`` (a `scoring.data.CrawlData`) against ``indicator_set``.

    ``decisions``: fingerprint → "confirmed" | "dismissed" (dismissed problems deduct nothing).
    Checks run in the set's order; ``veto_count`` indicators run last, over the others' counted
    problems.
    """
    from scoring.checks.base import get_check

    calendar = calendar or default_calendar()
    decisions = dict(decisions or {})
    units = data.units.copy()
    units["observed"] = units["observed"].astype(bool)
    run_id = getattr(data, "run_id", None)
    score_parts: list[pd.DataFrame] = []
    seconds: dict[str, float] = {}
    problem_parts: list[pd.DataFrame] = []

    plain = [i for i in indicator_set.indicators if i.check != VETO_COUNT]
    vetoes = [i for i in indicator_set.indicators if i.check == VETO_COUNT]
    counted_so_far = pd.DataFrame({"unit_id": [], "indicator_id": []})
    with _gc_paused():
        for stage in (plain, vetoes):
            for indicator in stage:
                levels = _levels(indicator)
                applies = units if levels is None else units[units["level"].isin(levels)]
                na = set(getattr(indicator, "not_applicable", None) or ()) & set(applies["id"])
                scope = applies[~applies["id"].isin(na)]
                started = time.perf_counter()
                if indicator.check == VETO_COUNT:
                    found = _veto_count(indicator, scope[scope["observed"]], counted_so_far)
                else:
                    ctx = _context(indicator, scope, as_of, calendar)
                    found = _run_check(get_check(indicator.check), data, indicator, ctx)
                seconds[indicator.id] = time.perf_counter() - started
                probs = _problems(indicator, found, run_id)
                probs["decision"] = probs["fingerprint"].map(decisions)
                score_parts.append(_deduct(indicator, applies, na, probs))
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
        else pd.DataFrame(columns=SCORE_COLUMNS)
    )
    problems = (
        pd.concat([p[list(PROBLEM_COLUMNS)] for p in problem_parts], ignore_index=True)
        if problem_parts
        else pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    )
    totals = unit_totals(units, scores, float(indicator_set.pass_line))
    return Scored(scores=scores, totals=totals, problems=problems, check_seconds=seconds)


def unit_totals(units: pd.DataFrame, scores: pd.DataFrame, pass_line: float) -> pd.DataFrame:
    """Per unit: applicable points, score, total rescaled to 100 (+ bonus), veto, pass, rank."""
    live = scores[~scores["not_applicable"].astype(bool)]
    base = live[~live["bonus"].astype(bool)].groupby("unit_id")
    bonus = live[live["bonus"].astype(bool)].groupby("unit_id")["score"].sum()
    out = units[["id", "name", "level", "parent", "observed"]].rename(columns={"id": "unit_id"})
    out = out.set_index("unit_id")
    out["points"] = base["points"].sum().reindex(out.index).fillna(0.0)
    out["score"] = base["score"].sum().reindex(out.index).fillna(0.0).round(ROUND_DIGITS)
    out["problems"] = live.groupby("unit_id")["problems"].sum().reindex(out.index).fillna(0)
    out["problems"] = out["problems"].astype(int)
    out["vetoed"] = live.groupby("unit_id")["veto"].any().reindex(out.index).fillna(False)
    out["vetoed"] = out["vetoed"].astype(bool)
    observed = out["observed"].astype(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        rescaled = (out["score"] / out["points"] * 100).round(ROUND_DIGITS)
    rescaled = rescaled.where(observed & (out["points"] > 0))
    earned = bonus.reindex(out.index).fillna(0.0)
    out["bonus"] = np.where(rescaled > BONUS_FROM, earned.clip(upper=BONUS_MAX), 0.0)
    out["rescaled"] = rescaled
    out["total"] = (rescaled + out["bonus"]).round(ROUND_DIGITS)
    passed = ~out["vetoed"] & (out["total"] >= pass_line)
    out["passed"] = passed.astype(object).where(out["total"].notna(), None)
    out["rank_in_level"] = _ranks(out)
    return out.reset_index()


def _ranks(totals: pd.DataFrame) -> pd.Series:
    """Rank within level: vetoed units after the others, then by total (ties share a rank)."""
    ranked = totals[totals["total"].notna()]
    # One sortable number: vetoed units sink below every non-vetoed total.
    key = ranked["total"] - ranked["vetoed"].astype(float) * 1e6
    ranks = key.groupby(ranked["level"]).rank(method="min", ascending=False)
    return ranks.astype("Int64").reindex(totals.index)


# -- the stored round ---------------------------------------------------------------------------
def estimated_years(calendar: WorkCalendar, as_of: dt.date) -> list[int]:
    """Years up to ``as_of`` whose working days came from the python-holidays fallback."""
    calendar.is_workday(as_of)  # builds the calendar, which fills estimated_years
    return sorted(y for y in calendar.estimated_years if y <= as_of.year)


def frozen_set(info: round_store.RoundInfo) -> Any:
    """The indicator set a round froze, loaded again from its stored text."""
    from scoring.indicators import set_from_text

    loaded = set_from_text(info.indicator_set_text, f"round {info.id}")
    if loaded.sha256 != info.indicator_set_sha256:
        raise RoundError(
            f"round {info.id}: the frozen indicator set no longer loads to the same hash "
            f"({loaded.sha256[:12]} ≠ {info.indicator_set_sha256[:12]})"
        )
    return loaded


def evaluate(
    store: Store,
    round_id: str,
    as_of: dt.date,
    indicator_set: Any,
    *,
    kind: str = "quarterly",
    run_id: int | None = None,
    calendar: WorkCalendar | None = None,
    replace: bool = False,
    allow_future: bool = False,
) -> RoundResult:
    """Evaluate round ``round_id`` as of ``as_of`` on crawl run ``run_id`` (default: the run the
    round already used, else the latest finished run) and store it.

    Evaluating an existing round again with the same set and run gives the same numbers; a
    different set, run, as_of or kind needs ``replace=True``. A new round's id must match
    `store.rounds.ROUND_ID` and ``as_of`` must lie between `AS_OF_FLOOR` and the day the crawl
    run finished (later only with ``allow_future``): see `check_as_of`."""
    from scoring.data import load_crawl, pick_run

    old = round_store.find_round(store, round_id)
    if old is None:
        round_store.check_round_id(round_id)
    if old is not None and run_id is None and not replace:
        run_id = old.crawl_run
    if run_id is None:
        run_id = latest_full_run(store)
    check_as_of(as_of, pick_run(store, run_id), allow_future=allow_future)
    started = time.perf_counter()
    data = load_crawl(store, run_id)
    log.info("round %s: crawl run %s loaded in %.1f s", round_id, data.run_id, _since(started))
    return evaluate_data(
        store, round_id, as_of, indicator_set, data, kind=kind, calendar=calendar, replace=replace
    )


def check_as_of(as_of: dt.date, run: Any, *, allow_future: bool = False) -> None:
    """Refuse (`RoundError`) an as-of date before `AS_OF_FLOOR`, or after the (China) day crawl
    run ``run`` finished unless ``allow_future``: a round judges what was public on its day,
    and the crawl cannot have seen what was published after it ended — columns would look
    stale and deadlines passed that the next crawl would show met. A run that never finished
    (killed) counts from its start."""
    if as_of < AS_OF_FLOOR:
        raise RoundError(
            f"as-of {as_of} is before {AS_OF_FLOOR}, when the 政府信息公开条例 took effect: "
            "there is nothing to evaluate that early (a typo in the year?)"
        )
    ended = run.finished_at or run.started_at
    if ended.tzinfo is None:  # SQLite returns UTC instants without their zone
        ended = ended.replace(tzinfo=dt.UTC)
    last_day = ended.astimezone(CHINA).date()
    if as_of > last_day and not allow_future:
        raise RoundError(
            f"as-of {as_of} is after crawl run {run.id} ended ({last_day}, China time): the "
            "round would judge days the crawl did not see — crawl again, or pass "
            "--allow-future (allow_future=True) to evaluate as of a later day anyway"
        )


def _since(started: float) -> float:
    return time.perf_counter() - started


def latest_full_run(store: Store) -> int | None:
    """The latest finished crawl run that covered every stored unit — not a recheck's crawl,
    which reads only the units with open problems (None: no such run; `load_crawl` then takes
    the latest finished run)."""
    units = set(store.units_frame()["id"])
    for run in reversed(store.runs()):
        if run.status == "finished" and (run.units is None or units <= set(run.units)):
            return run.id
    return None


def evaluate_data(
    store: Store,
    round_id: str,
    as_of: dt.date,
    indicator_set: Any,
    data: Any,
    *,
    kind: str = "quarterly",
    calendar: WorkCalendar | None = None,
    replace: bool = False,
) -> RoundResult:
    """`evaluate` on crawl data already loaded (``data.run_id`` names its crawl run)."""
    from scoring import tracking

    old = round_store.find_round(store, round_id)
    if old is None:
        round_store.check_round_id(round_id)
    if old is not None and not replace:
        changed = [
            what
            for what, before, now in (
                ("indicator set", old.indicator_set_sha256, indicator_set.sha256),
                ("crawl run", old.crawl_run, data.run_id),
                ("as_of", old.as_of, as_of),
                ("kind", old.kind, kind),
            )
            if before != now
        ]
        if changed:
            raise RoundError(
                f"round {round_id} exists with another {', '.join(changed)}; evaluate it with "
                "its frozen set (`reevaluate`) or pass replace=True (--replace) to overwrite it"
            )
    if not data.units["observed"].astype(bool).any():
        # Nothing to judge (every host down, a run killed before any directory was read): a
        # round of units all 未评分 would become the "previous round" that the next one is
        # tracked against, and every problem would come back as new. So nothing is stored.
        raise RoundError(
            f"round {round_id} not evaluated: crawl run {data.run_id} observed none of its "
            f"{len(data.units)} unit(s) (every site unreachable or nothing crawled), so there "
            "is nothing to score (无可评分单位); crawl again when the sites answer"
        )
    calendar = calendar or default_calendar()
    decisions = {fp: d.decision for fp, d in round_store.latest_decisions(store).items()}
    started = time.perf_counter()
    scored = score_crawl(data, indicator_set, as_of, calendar=calendar, decisions=decisions)
    slowest = sorted(scored.check_seconds.items(), key=lambda kv: -kv[1])[:5]
    log.info(
        "round %s: scored in %.1f s (checks %.1f s; slowest %s)",
        round_id,
        _since(started),
        sum(scored.check_seconds.values()),
        ", ".join(f"{k} {v:.1f} s" for k, v in slowest),
    )
    started = time.perf_counter()
    previous = round_store.round_before(store, as_of, exclude=round_id)
    problems = tracking.track_round(
        store,
        round_id,
        previous,
        scored,
        data,
        decisions,
        in_scope=lambda rows: still_judged(rows, indicator_set, data.units, as_of, calendar),
        looked_at=lambda rows: looked_at(rows, indicator_set, data, as_of, calendar),
    )
    log.info(
        "round %s: tracked against %s in %.1f s",
        round_id,
        previous and previous.id,
        _since(started),
    )
    started = time.perf_counter()
    info = round_store.RoundInfo(
        id=round_id,
        kind=kind,
        as_of=as_of,
        crawl_run=int(data.run_id),
        previous_round=previous.id if previous else None,
        indicator_set_id=str(indicator_set.id),
        indicator_set_version=str(indicator_set.version),
        indicator_set_sha256=indicator_set.sha256,
        indicator_set_text=indicator_set.text,
        pass_line=float(indicator_set.pass_line),
        calendar_estimated_years=estimated_years(calendar, as_of),
        stats=_stats(scored, problems),
    )
    info = round_store.save_round(store, info, scored.scores, scored.totals, problems)
    log.info(
        "round %s: %d units, %d problems, stored in %.1f s",
        round_id,
        len(scored.totals),
        len(problems),
        _since(started),
    )
    return RoundResult(info, scored.scores, scored.totals, problems)


def reevaluate(store: Store, round_id: str, *, calendar: WorkCalendar | None = None) -> RoundResult:
    """Evaluate a stored round again with its frozen indicator set and crawl run."""
    info = round_store.get_round(store, round_id)
    return evaluate(
        store,
        round_id,
        info.as_of,
        frozen_set(info),
        kind=info.kind,
        run_id=info.crawl_run,
        calendar=calendar,
        allow_future=True,  # the round's own date, whatever it was evaluated with
    )


def load_result(store: Store, round_id: str) -> RoundResult:
    """A stored round's header and frames, as `evaluate` returned them."""
    info = round_store.get_round(store, round_id)
    return RoundResult(
        info,
        round_store.round_scores_frame(store, round_id),
        round_store.round_totals_frame(store, round_id),
        round_store.problems_frame(store, round_id),
    )


def _stats(scored: Scored, problems: pd.DataFrame) -> dict[str, Any]:
    counts = problems["status"].value_counts() if len(problems) else pd.Series(dtype=int)
    return {
        "units": len(scored.totals),
        "units_observed": int(scored.totals["observed"].astype(bool).sum()),
        "problems": int(len(scored.problems)),
        "by_status": {str(k): int(v) for k, v in counts.items()},
    }
