"""The steps of a round that the whole evaluation (`scoring.round`) and the one by city
(`scoring.by_city`) share: the crawl run checked, scoring and tracking (`judge`), the header
as stored, the stats it keeps, the as-of date's bounds.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from scoring import data as crawl_data
from scoring import scorer, tracking
from scoring.run_choice import refuse_failed
from scoring.scorer import RoundError, Scored
from store import rounds as round_store

if TYPE_CHECKING:
    from scoring.data import CrawlData
    from scoring.indicator_model import IndicatorSet
    from scoring.round import Plan
    from scoring.workdays import WorkCalendar
    from store import Store
    from store.runs import RunInfo

log = logging.getLogger(__name__)

# The earliest day a round may be evaluated as of: the 政府信息公开条例 took effect on
# 2008-05-01, so there is no disclosure duty to judge before it — an earlier date is a typo
# (2205 for 2025 is caught by the crawl's finish, 2005 by this).
AS_OF_FLOOR = dt.date(2008, 5, 1)
# Round dates are China dates; crawl runs finish at UTC instants (China keeps no summer time).
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def checked_run(store: Store, planned: Plan) -> RunInfo:
    """The crawl run ``planned`` reads, refused (`RoundError`) when its as-of date lies outside
    it or a new round would judge a failed run."""
    run = crawl_data.pick_run(store, planned.run_id)
    check_as_of(planned.as_of, run, allow_future=planned.allow_future)
    if not planned.again:
        refuse_failed(planned.round_id, run)
    return run


def nothing_observed(round_id: str, run_id: int, units: int) -> RoundError:
    # Nothing to judge (every host down, a run killed before any directory was read): a
    # round of units all 未评分 would become the "previous round" that the next one is
    # tracked against, and every problem would come back as new. So nothing is stored.
    return RoundError(
        f"round {round_id} not evaluated: crawl run {run_id} observed none of its "
        f"{units} unit(s) (every site unreachable or nothing crawled), so there "
        "is nothing to score (无可评分单位); crawl again when the sites answer"
    )


def header(
    planned: Plan,
    run_id: int,
    previous: round_store.RoundInfo | None,
    calendar: WorkCalendar,
    stats: dict[str, Any] | None,
) -> round_store.RoundInfo:
    """The round's header as it is stored: what it read, the frozen set, its stats."""
    indicator_set, as_of = planned.indicator_set, planned.as_of
    return round_store.RoundInfo(
        id=planned.round_id,
        kind=planned.kind,
        as_of=as_of,
        crawl_run=run_id,
        previous_round=previous.id if previous else None,
        indicator_set_id=str(indicator_set.id),
        indicator_set_version=str(indicator_set.version),
        indicator_set_sha256=indicator_set.sha256,
        indicator_set_text=indicator_set.text,
        pass_line=float(indicator_set.pass_line),
        calendar_estimated_years=estimated_years(calendar, as_of),
        stats=stats,
    )


def judge(
    store: Store,
    round_id: str,
    as_of: dt.date,
    indicator_set: IndicatorSet,
    data: CrawlData,
    previous: round_store.RoundInfo | None,
    calendar: WorkCalendar,
    unit_ids: Sequence[str] | None = None,
) -> tuple[Scored, pd.DataFrame]:
    """Score ``data`` and track its problems against round ``previous``: the scores and totals,
    and the round's problem rows with their statuses. ``unit_ids``: the units ``data`` holds,
    when it is one city's (`scoring.by_city`): only their earlier problems are tracked."""
    decisions = tracking.decisions_in_force(store, round_id, previous, int(data.run_id))  # type: ignore[arg-type]
    started = time.perf_counter()
    scored = scorer.score_crawl(data, indicator_set, as_of, calendar=calendar, decisions=decisions)
    slowest = sorted(scored.check_seconds.items(), key=lambda kv: -kv[1])[:5]
    log.info(
        "round %s: scored in %.1f s (checks %.1f s; slowest %s)",
        round_id,
        _since(started),
        sum(scored.check_seconds.values()),
        ", ".join(f"{k} {v:.1f} s" for k, v in slowest),
    )
    started = time.perf_counter()
    problems = tracking.track_round(
        store,
        round_id,
        previous,
        scored,
        data,
        decisions,
        in_scope=lambda rows: tracking.still_judged(
            rows, indicator_set, data.units, as_of, calendar
        ),
        looked_at=lambda rows: tracking.looked_at(rows, indicator_set, data, as_of, calendar),
        unit_ids=unit_ids,
    )
    log.info(
        "round %s: tracked against %s in %.1f s",
        round_id,
        previous and previous.id,
        _since(started),
    )
    return scored, problems


def estimated_years(calendar: WorkCalendar, as_of: dt.date) -> list[int]:
    """Years up to ``as_of`` whose working days came from the python-holidays fallback."""
    calendar.is_workday(as_of)  # builds the calendar, which fills estimated_years
    return sorted(y for y in calendar.estimated_years if y <= as_of.year)


def check_as_of(as_of: dt.date, run: RunInfo, *, allow_future: bool = False) -> None:
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
    last_day = run_day(run)
    if as_of > last_day and not allow_future:
        raise RoundError(
            f"as-of {as_of} is after crawl run {run.id} ended ({last_day}, China time): the "
            "round would judge days the crawl did not see — crawl again, or pass "
            "--allow-future (allow_future=True) to evaluate as of a later day anyway"
        )


def run_day(run: RunInfo) -> dt.date:
    """The China day crawl run ``run`` ended (a run that never finished: the day it started),
    the last day a round or a patrol may judge on it."""
    ended = run.finished_at or run.started_at
    if ended.tzinfo is None:  # SQLite returns UTC instants without their zone
        ended = ended.replace(tzinfo=dt.UTC)
    return ended.astimezone(CHINA).date()


def round_stats(scored: Scored, problems: pd.DataFrame) -> dict[str, Any]:
    """A round's (or a city part's) counts, kept in its header: units, observed, problems
    found, rows by status."""
    counts = problems["status"].value_counts() if len(problems) else pd.Series(dtype=int)
    return {
        "units": len(scored.totals),
        "units_observed": int(scored.totals["observed"].astype(bool).sum()),
        "problems": int(len(scored.problems)),
        "by_status": {str(k): int(v) for k, v in counts.items()},
    }


def _since(started: float) -> float:
    return time.perf_counter() - started


def site_scoring(
    store: Store,
    previous: round_store.RoundInfo | None,
    data: CrawlData,
    indicator_set: IndicatorSet,
    as_of: dt.date,
    calendar: WorkCalendar,
    unit_ids: Sequence[str] | None = None,
) -> Scored | None:
    """The first half of the round's explanation (`scoring.explain`), on the round's own crawl
    while it is loaded: the crawl under the round's set with the previous round's decisions
    (T2). None for a first round, or when it cannot be made (said in the log)."""
    from scoring.explain import applied_decisions

    if previous is None:
        return None
    try:
        decisions = applied_decisions(store, previous.id, unit_ids)
        return scorer.score_crawl(
            data, indicator_set, as_of, calendar=calendar, decisions=decisions
        )
    except Exception as exc:  # the explanation is extra: never the reason a round fails
        _not_explained(previous, exc)
        return None


def explanation(
    store: Store,
    previous: round_store.RoundInfo | None,
    indicator_set: IndicatorSet,
    site: Scored | None,
    scored: Scored,
    calendar: WorkCalendar,
    unit_ids: Sequence[str] | None = None,
) -> pd.DataFrame | None:
    """Why each unit's total changed since ``previous``: the second half, once the round is
    stored and its crawl let go — the previous round's crawl loaded (as its run left it; only
    ``unit_ids``' for a city) and scored under its own set and under the round's (T0, T1), with
    ``site`` (T2, `site_scoring`) and ``scored`` (T3). The lines, or None for a first round or
    when the previous round's inputs cannot be read again (its crawl pruned, its set no longer
    loading) — said in the log: the round's points do not depend on the explanation."""
    from scoring.explain import against_previous

    if previous is None or site is None:
        return None
    started = time.perf_counter()
    try:
        explained = against_previous(
            store, previous, indicator_set, site, scored, calendar=calendar, unit_ids=unit_ids
        )
    except Exception as exc:  # the explanation is extra: never the reason a round fails
        _not_explained(previous, exc)
        return None
    log.info("explained against %s in %.1f s", previous.id, _since(started))
    return explained.lines


def _not_explained(previous: round_store.RoundInfo, exc: Exception) -> None:
    log.warning(
        "round explanation against %s not made (%s: %s); the round is stored without it",
        previous.id, type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG),
    )  # fmt: skip
