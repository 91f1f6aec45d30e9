"""The round workflow (测评轮次): which round, which crawl run, decided once; then score, track, store.

`plan` decides, from what was asked and the stored round of that id (looked up once), what an
evaluation does — a new round, the stored round evaluated again with its frozen indicator set and
crawl run, or a replacement — and refuses what cannot be done (a bad round id, a conflicting
re-evaluation, a new round without a date). `run_plan` then loads the crawl, scores it
(`scoring.scorer`, pure), tracks each problem against the previous round (`scoring.tracking`),
freezes the indicator set's text and hash and the crawl run in the round, and stores everything
in one transaction. `evaluate`, `evaluate_data` and `reevaluate` are the three ways in; the
steps a round by city shares (`scoring.by_city`) are in `scoring.round_steps`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from scoring import data as crawl_data
from scoring import gc_pause
from scoring.indicators import load_indicator_set, newest_set, set_from_text
from scoring.round_steps import (
    AS_OF_FLOOR,
    checked_run,
    explanation,
    header,
    judge,
    nothing_observed,
    round_stats,
    site_scoring,
)
from scoring.run_choice import choose_run, run_reason
from scoring.scorer import RoundError
from scoring.workdays import WorkCalendar, default_calendar
from store import rounds as round_store
from store.explanations import write_explanation

if TYPE_CHECKING:
    from scoring.data import CrawlData
    from scoring.indicator_model import IndicatorSet
    from store import Store

__all__ = [
    "AS_OF_FLOOR",
    "Plan",
    "RoundError",
    "RoundResult",
    "evaluate",
    "evaluate_data",
    "frozen_set",
    "load_result",
    "plan",
    "reevaluate",
    "run_plan",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundResult:
    """A stored round: its header and its frames (problems carry their tracking status)."""

    info: round_store.RoundInfo
    scores: pd.DataFrame
    totals: pd.DataFrame
    problems: pd.DataFrame


@dataclass(frozen=True)
class Plan:
    """What one evaluation does, decided by `plan` and carried out by `run_plan`."""

    round_id: str
    stored: round_store.RoundInfo | None  # the stored round of that id (None: a new round)
    again: bool  # the stored round evaluated again with its frozen set and crawl run
    as_of: dt.date
    indicator_set: IndicatorSet
    kind: str
    run_id: int | None  # None only when no crawl run is stored (`load_crawl` then says so)
    allow_future: bool
    run_reason: str | None = None  # why `choose_run` picked the run, when none was named


def plan(
    store: Store,
    round_id: str,
    *,
    as_of: dt.date | None = None,
    indicator_set: IndicatorSet | str | None = None,
    kind: str | None = None,
    run_id: int | None = None,
    replace: bool = False,
    allow_future: bool = False,
    must_exist: bool = False,
) -> Plan:
    """Decide what evaluating round ``round_id`` means — the one place that does.

    The stored round is looked up once. Asked nothing new about it (no set, run or replace, the
    same as_of and kind or none), a stored round is evaluated *again*: its frozen set, crawl run,
    as_of and kind (any as_of allowed — it is the round's own). Otherwise ``as_of`` is needed;
    the set is ``indicator_set`` (an `IndicatorSet`, or a YAML path / shipped id to load;
    default the newest shipped set), the kind defaults to quarterly and the crawl run to the one
    the stored round used (unless ``replace``), else the latest run fit to judge
    (`choose_run`, which says why in ``Plan.run_reason``). A stored round
    evaluated with another set, run, as_of or kind needs ``replace``; a new round's id must match
    `store.rounds.ROUND_ID`. ``must_exist``: `store.rounds.RoundNotFound` for a new round."""
    if must_exist:
        stored: round_store.RoundInfo | None = round_store.get_round(
            store, round_id, incomplete=True
        )
    else:
        # A round evaluated by city whose parts are not all stored is evaluated again too.
        stored = round_store.find_round(store, round_id, incomplete=True)
    if stored is None:
        round_store.check_round_id(round_id)
    elif (
        indicator_set is None
        and run_id is None
        and not replace
        and as_of in (None, stored.as_of)
        and kind in (None, stored.kind)
    ):
        return Plan(
            round_id,
            stored,
            again=True,
            as_of=stored.as_of,
            indicator_set=frozen_set(stored),
            kind=stored.kind,
            run_id=stored.crawl_run,
            allow_future=True,  # the round's own date, whatever it was evaluated with
        )
    if as_of is None:
        raise RoundError(
            f"round {round_id}: --as-of is required for a new round, or for a stored one "
            "evaluated with another set, run or kind"
        )
    if indicator_set is None or isinstance(indicator_set, str):
        indicator_set = load_indicator_set(indicator_set or newest_set())
    kind = kind or "quarterly"
    if stored is not None and not replace:
        if run_id is None:
            run_id = stored.crawl_run
        _refuse_changes(stored, indicator_set, run_id, as_of, kind)
    reason = None
    if run_id is None:
        chosen = choose_run(store)
        if chosen is not None:
            run_id, reason = chosen.id, run_reason(store, chosen)
    return Plan(round_id, stored, False, as_of, indicator_set, kind, run_id, allow_future, reason)


def _refuse_changes(
    stored: round_store.RoundInfo,
    indicator_set: IndicatorSet,
    run_id: int | None,
    as_of: dt.date,
    kind: str,
) -> None:
    """`RoundError` when a stored round would be evaluated with another set, run, date or kind
    without ``replace``: its numbers would change under the same id."""
    changed = [
        what
        for what, before, now in (
            ("indicator set", stored.indicator_set_sha256, indicator_set.sha256),
            ("crawl run", stored.crawl_run, run_id),
            ("as_of", stored.as_of, as_of),
            ("kind", stored.kind, kind),
        )
        if before != now
    ]
    if changed:
        raise RoundError(
            f"round {stored.id} exists with another {', '.join(changed)}; evaluate it with "
            "its frozen set (`reevaluate`) or pass replace=True (--replace) to overwrite it"
        )


def run_plan(
    store: Store,
    planned: Plan,
    *,
    calendar: WorkCalendar | None = None,
    data: CrawlData | None = None,
) -> RoundResult:
    """Carry out ``planned``: load its crawl run (unless ``data`` is given, whose ``run_id``
    names it), score, track against the previous round and store the round."""
    with gc_pause.paused():  # load, score, track and store without full collections
        return _run_plan(store, planned, calendar, data)


def _run_plan(
    store: Store, planned: Plan, calendar: WorkCalendar | None, data: CrawlData | None
) -> RoundResult:
    round_id, as_of, indicator_set = planned.round_id, planned.as_of, planned.indicator_set
    if data is None:
        run = checked_run(store, planned)
        started = time.perf_counter()
        data = crawl_data.load_crawl(store, run.id)
        log.info("round %s: crawl run %s loaded in %.1f s", round_id, data.run_id, _since(started))
    if not data.units["observed"].astype(bool).any():
        raise nothing_observed(round_id, int(data.run_id), len(data.units))  # type: ignore[arg-type]
    calendar = calendar or default_calendar()
    previous = round_store.round_before(store, as_of, exclude=round_id)
    scored, problems = judge(store, round_id, as_of, indicator_set, data, previous, calendar)
    site = site_scoring(store, previous, data, indicator_set, as_of, calendar)
    started = time.perf_counter()
    stats = round_stats(scored, problems)
    info = header(planned, int(data.run_id), previous, calendar, stats)  # type: ignore[arg-type]
    info = round_store.save_round(store, info, scored.scores, scored.totals, problems)
    log.info(
        "round %s: %d units, %d problems, stored in %.1f s",
        round_id,
        len(scored.totals),
        len(problems),
        _since(started),
    )
    del data  # let go before the previous round's crawl is loaded: never two crawls at once
    lines = explanation(store, previous, indicator_set, site, scored, calendar)
    write_explanation(store, round_id, lines)
    return RoundResult(info, scored.scores, scored.totals, problems)


def evaluate(
    store: Store,
    round_id: str,
    as_of: dt.date,
    indicator_set: IndicatorSet,
    *,
    kind: str = "quarterly",
    run_id: int | None = None,
    calendar: WorkCalendar | None = None,
    replace: bool = False,
    allow_future: bool = False,
) -> RoundResult:
    """Evaluate round ``round_id`` as of ``as_of`` on crawl run ``run_id`` (default: the run the
    round already used, else the latest run fit to judge: `choose_run`) and store it.

    Evaluating an existing round again with the same set and run gives the same numbers; a
    different set, run, as_of or kind needs ``replace=True`` (`plan`). ``as_of`` must lie
    between `AS_OF_FLOOR` and the day the crawl run finished (later only with
    ``allow_future``): see `check_as_of`."""
    planned = plan(
        store,
        round_id,
        as_of=as_of,
        indicator_set=indicator_set,
        kind=kind,
        run_id=run_id,
        replace=replace,
        allow_future=allow_future,
    )
    return run_plan(store, planned, calendar=calendar)


def evaluate_data(
    store: Store,
    round_id: str,
    as_of: dt.date,
    indicator_set: IndicatorSet,
    data: CrawlData,
    *,
    kind: str = "quarterly",
    calendar: WorkCalendar | None = None,
    replace: bool = False,
) -> RoundResult:
    """`evaluate` on crawl data already loaded (``data.run_id`` names its crawl run)."""
    planned = plan(
        store,
        round_id,
        as_of=as_of,
        indicator_set=indicator_set,
        kind=kind,
        run_id=data.run_id,
        replace=replace,
    )
    return run_plan(store, planned, calendar=calendar, data=data)


def reevaluate(store: Store, round_id: str, *, calendar: WorkCalendar | None = None) -> RoundResult:
    """Evaluate a stored round again with its frozen indicator set and crawl run."""
    return run_plan(store, plan(store, round_id, must_exist=True), calendar=calendar)


def load_result(store: Store, round_id: str) -> RoundResult:
    """A stored round's header and frames, as `evaluate` returned them."""
    info = round_store.get_round(store, round_id)
    return RoundResult(
        info,
        round_store.round_scores_frame(store, round_id),
        round_store.round_totals_frame(store, round_id),
        round_store.problems_frame(store, round_id),
    )


def frozen_set(info: round_store.RoundInfo) -> IndicatorSet:
    """The indicator set a round froze, loaded again from its stored text (once per round and
    text in a process: the portal asks for it on every checklist download; treat it as
    read-only)."""
    return _frozen_set(info.id, info.indicator_set_sha256, info.indicator_set_text)


@functools.lru_cache(maxsize=16)
def _frozen_set(round_id: str, sha256: str, text: str) -> IndicatorSet:
    loaded = set_from_text(text, f"round {round_id}")
    if loaded.sha256 != sha256:
        raise RoundError(
            f"round {round_id}: the frozen indicator set no longer loads to the same hash "
            f"({loaded.sha256[:12]} ≠ {sha256[:12]})"
        )
    return loaded


def _since(started: float) -> float:
    return time.perf_counter() - started
