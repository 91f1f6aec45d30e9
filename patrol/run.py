"""One patrol (日巡查, `zwgk patrol`): the latest crawl fit to judge, judged against the current
indicator set as of the day it ended — no round is made — with the warnings of the days ahead
(patrol/forecast.py), stored (`store.patrols`), and compared with the patrol before it.

What changed since the previous patrol, per fingerprint (`CHANGES`):
- ``new`` — a problem today that the previous patrol did not find (``warned``: it had warned);
- ``gone`` — a problem of the previous patrol not found today, its unit read by today's crawl
  (a unit the crawl could not read is never called fixed: ``unread``);
- ``open`` — a problem both found;
- ``warning`` — a warning today that the previous patrol did not give; ``still_warned`` — one it
  gave too.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from patrol.forecast import DEFAULT_WITHIN, forecast
from scoring.data import load_crawl, pick_run
from scoring.durations import parse_duration
from scoring.indicators import IndicatorSet
from scoring.round_steps import check_as_of, run_day
from scoring.run_choice import choose_run
from scoring.scorer import RoundError, score_crawl
from scoring.workdays import WorkCalendar, default_calendar
from store import Store
from store.patrols import (
    FINDING_COLUMNS,
    PatrolInfo,
    get_patrol,
    latest_patrol,
    patrol_before,
    patrol_findings,
    write_patrol,
)
from store.rounds import latest_decisions
from store.runs import RunInfo

CHANGES = ("new", "gone", "unread", "open", "warning", "still_warned")


class PatrolError(RoundError):
    """A patrol cannot run as asked (no crawl fit to judge, a day the crawl did not see)."""


class AlreadyPatrolled(PatrolError):
    """The latest patrol judged the same crawl run as of the same day: nothing is new."""

    def __init__(self, patrol: PatrolInfo) -> None:
        super().__init__(
            f"crawl run {patrol.crawl_run} was patrolled as of {patrol.as_of} already (patrol "
            f"{patrol.id}): nothing new to judge; --again sends its digests that did not go"
        )
        self.patrol = patrol


@dataclass(frozen=True)
class PatrolResult:
    patrol: PatrolInfo
    previous: PatrolInfo | None
    findings: pd.DataFrame  # FINDING_COLUMNS: this patrol's problems and warnings
    changes: pd.DataFrame  # fingerprint, unit_id, indicator_id, subject, change, warned, due

    def count(self, *changes: str) -> int:
        return int(self.changes["change"].isin(changes).sum())

    def warned_before(self) -> int:
        """New problems the previous patrol had warned of."""
        return int((self.changes["warned"] & (self.changes["change"] == "new")).sum())

    def summary(self) -> str:
        """The patrol in one Chinese sentence, as the demo and the evaluators' notes say it."""
        text = f"日巡查（{self.patrol.as_of}）：问题{self.count('new', 'open')}个"
        if self.previous is None:
            text += "（首次巡查）"
        else:
            text += (
                f"，其中新发现{self.count('new')}个（{self.warned_before()}个此前已预警），"
                f"较上次巡查已整改{self.count('gone')}个"
            )
            if self.count("unread"):
                text += f"，{self.count('unread')}个因未能采集而未能比较"
        warnings = self.count("warning", "still_warned")
        text += (
            f"；预警{warnings}个（{parse_duration(self.patrol.within).zh}内将成为问题）"
            if warnings
            else "；无预警"
        )
        return text + "。"


def run_patrol(
    store: Store,
    indicator_set: IndicatorSet,
    *,
    as_of: dt.date | None = None,
    within: str | None = None,
    run_id: int | None = None,
    calendar: WorkCalendar | None = None,
    again: bool = False,
) -> PatrolResult:
    """Patrol crawl run ``run_id`` (default: the latest fit to judge) as of ``as_of`` (default:
    the China day the run ended), warn ``within`` ahead (default: the set's `warn_within`, else
    `DEFAULT_WITHIN`), store it and compare it. The same run and day as the latest patrol's
    is refused (`AlreadyPatrolled`) unless ``again``."""
    calendar = calendar or default_calendar()
    within = within or getattr(indicator_set, "warn_within", None) or DEFAULT_WITHIN
    run = _run(store, run_id)
    as_of = as_of or run_day(run)
    check_as_of(as_of, run)
    # A bad horizon refused before anything is read; kept in its canonical spelling.
    within = str(parse_duration(within))
    latest = latest_patrol(store)
    if latest and (latest.crawl_run, latest.as_of) == (run.id, as_of) and not again:
        raise AlreadyPatrolled(latest)  # the timer after a crawl that did not run: no repeat
    started = time.perf_counter()
    data = load_crawl(store, run.id)
    dismissed = dismissed_problems(store)
    problems = score_crawl(data, indicator_set, as_of, calendar=calendar).problems
    problems = problems[~problems["fingerprint"].isin(dismissed)]
    warnings = forecast(
        data, indicator_set, as_of, set(problems["fingerprint"]) | dismissed, within=within,
        calendar=calendar,
    )  # fmt: skip
    findings = pd.concat(
        [_as_findings(problems, "problem"), _as_findings(warnings, "warning")], ignore_index=True
    )
    observed = set(data.units.loc[data.units["observed"].astype(bool), "id"])
    stats: dict[str, Any] = {
        "problems": len(problems),
        "warnings": len(warnings),
        "units_observed": len(observed),
        "units_not_observed": sorted(set(data.units["id"]) - observed),
        "dismissed": len(dismissed),
        "seconds": round(time.perf_counter() - started, 1),
    }
    patrol_id = write_patrol(
        store,
        as_of=as_of,
        crawl_run=run.id,
        indicator_set=indicator_set,
        within=within,
        findings=findings,
        stats=stats,
    )
    patrol = get_patrol(store, patrol_id)
    assert patrol is not None
    return _compared(store, patrol, findings, observed, dismissed)


def dismissed_problems(store: Store) -> set[str]:
    """The fingerprints the evaluators dismissed (their latest decision): a patrol neither
    reports nor warns them, nor calls them fixed — the unit was told they are not problems."""
    return {fp for fp, d in latest_decisions(store).items() if d.decision == "dismissed"}


def load_result(store: Store, patrol_id: int | None = None) -> PatrolResult:
    """A stored patrol (default: the latest) with its changes since the one before, as
    `run_patrol` returned them: for dispatching its digests again."""
    patrol = get_patrol(store, patrol_id) if patrol_id is not None else latest_patrol(store)
    if patrol is None:
        raise PatrolError(f"no patrol {patrol_id}" if patrol_id is not None else "no patrol yet")
    unread = set((patrol.stats or {}).get("units_not_observed", []))
    observed = set(store.units_frame()["id"]) - unread
    findings = patrol_findings(store, patrol.id)
    return _compared(store, patrol, findings, observed, dismissed_problems(store))


def _compared(
    store: Store,
    patrol: PatrolInfo,
    findings: pd.DataFrame,
    observed: set[str],
    dismissed: set[str],
) -> PatrolResult:
    """``patrol`` with its changes since the patrol before it; a problem ``dismissed`` since is
    left out of the earlier findings: not a fix."""
    previous = patrol_before(store, patrol.id)
    before = (
        patrol_findings(store, previous.id) if previous else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    before = before[~before["fingerprint"].isin(dismissed)]
    return PatrolResult(patrol, previous, findings, compare(before, findings, observed))


def compare(before: pd.DataFrame, now: pd.DataFrame, observed: set[str]) -> pd.DataFrame:
    """What changed from the findings ``before`` to ``now`` (both `FINDING_COLUMNS`), one row
    per fingerprint either holds — two for a problem fixed today that is warned again (gone,
    and a warning) —: its change (`CHANGES`), whether it had been warned, its due day
    (warnings)."""
    kinds_before = dict(zip(before["fingerprint"], before["kind"], strict=True))
    rows = []
    for r in now.itertuples(index=False):
        earlier = kinds_before.get(r.fingerprint)
        if r.kind == "problem":
            change = "open" if earlier == "problem" else "new"
        else:
            change = "still_warned" if earlier == "warning" else "warning"
        rows.append((r.fingerprint, r.unit_id, r.indicator_id, r.subject, change,
                     earlier == "warning", r.due))  # fmt: skip
    problems_now = set(now.loc[now["kind"] == "problem", "fingerprint"])
    for r in before.itertuples(index=False):
        if r.kind != "problem" or r.fingerprint in problems_now:
            continue  # a warning not given again: nothing to say (it came, or it went)
        # A problem that is only a warning today was fixed, and comes back by its due day if
        # nothing more is done (a column updated today, stale again in a week): gone, and a
        # warning — two rows.
        change = "gone" if r.unit_id in observed else "unread"
        rows.append((r.fingerprint, r.unit_id, r.indicator_id, r.subject, change, False, None))
    columns = ["fingerprint", "unit_id", "indicator_id", "subject", "change", "warned", "due"]
    return pd.DataFrame(rows, columns=columns)


def _run(store: Store, run_id: int | None) -> RunInfo:
    if run_id is not None:
        run = pick_run(store, run_id)  # CrawlDataError names a run the store does not hold
    else:
        run = choose_run(store)
        if run is None:
            raise PatrolError("no crawl run fit to judge: crawl first (`zwgk crawl`)")
    if run.outcome == "failed":
        raise PatrolError(
            f"crawl run {run.id} failed (无可评分单位): the patrol judges nothing from it; "
            "name a finished or degraded run with --run, or crawl again"
        )
    return run


def _as_findings(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    out = frame.copy()
    out["kind"] = kind
    if "due" not in out:
        out["due"] = None
    return out[FINDING_COLUMNS]
