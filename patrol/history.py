"""Time to fix (整改用时), from the patrols: for each problem, each stretch it stayed open — from
the first patrol that found it to the first that did not, its unit read that night — and per
unit and level, how long fixing took (the median), the share fixed within the deadline, and the
problems that came back after a fix — and what came of each warning (预警): heeded before its
due day, or ignored until it became a problem.

A night whose crawl could not read the unit neither ends a stretch nor starts one: the problem
was not seen gone. A problem still open counts its days up to the latest patrol.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func

from scoring.durations import Duration, parse_duration
from scoring.workdays import WorkCalendar, default_calendar
from store import Store
from store.patrols import FINDINGS, PATROLS

SPAN_COLUMNS = [
    "fingerprint",
    "unit_id",
    "indicator_id",
    "stretch",
    "first_seen",
    "gone_on",
    "days",
]
WARNING_COLUMNS = [
    "fingerprint",
    "unit_id",
    "indicator_id",
    "warned_on",
    "due",
    "outcome",
    "became_problem",
]
HEEDED, IGNORED, PENDING = "heeded", "ignored", "pending"  # what came of a warning
OUTCOME_ZH = {HEEDED: "已按期处理", IGNORED: "未处理，已成为问题", PENDING: "尚未到期"}
DEFAULT_DEADLINE = "20 workdays"  # the usual 整改期限 of a notice (docs/checklist.md)


def spans(store: Store, *, until: dt.date | None = None) -> pd.DataFrame:
    """Every stretch a problem stayed open across the stored patrols (`SPAN_COLUMNS`):
    ``stretch`` 1 the first, 2 after it came back once…; ``gone_on`` NaT while open; ``days``
    from first seen to gone (or to the latest patrol's day). ``until``: only the patrols up to
    that day (a month's report as the month ended)."""
    nights = _nights(store, until)
    opened: dict[str, tuple[str, str, int, dt.date]] = {}  # fp → unit, indicator, stretch, since
    stretches: dict[str, int] = {}
    rows = []
    last_day = None
    for night in nights:
        present = night.problems
        for fp, (unit, indicator, stretch, since) in list(opened.items()):
            if fp not in present and unit not in night.unread:
                rows.append(
                    (fp, unit, indicator, stretch, since, night.day, (night.day - since).days)
                )
                del opened[fp]
        for fp, (unit, indicator) in present.items():
            if fp not in opened:
                stretches[fp] = stretches.get(fp, 0) + 1
                opened[fp] = (unit, indicator, stretches[fp], night.day)
        last_day = night.day
    for fp, (unit, indicator, stretch, since) in opened.items():
        rows.append((fp, unit, indicator, stretch, since, None, (last_day - since).days))
    out = pd.DataFrame(rows, columns=SPAN_COLUMNS)
    out["gone_on"] = pd.to_datetime(out["gone_on"])
    out["first_seen"] = pd.to_datetime(out["first_seen"])
    return out.sort_values(["unit_id", "fingerprint", "stretch"], ignore_index=True)


def warning_outcomes(store: Store, *, until: dt.date | None = None) -> pd.DataFrame:
    """Every warning given (`WARNING_COLUMNS`), once per fingerprint and due day, with what came
    of it: ``heeded`` — the first patrol on or after its due day that read the unit did not
    find the problem (the unit acted in time); ``ignored`` — it found it (the warning became a
    problem; ``became_problem`` that day); ``pending`` — no such patrol yet. A problem found
    before its due day is ignored too: it came early. ``until`` as in `spans`."""
    nights = _nights(store, until)
    given: dict[tuple[str, dt.date], list] = {}  # (fp, due) → row
    for night in nights:
        for (fp, due), (unit, indicator) in night.warnings.items():
            given.setdefault((fp, due), [fp, unit, indicator, night.day, due, PENDING, None])
        for row in given.values():
            fp, unit, _, warned_on, due = row[:5]
            if row[5] != PENDING or night.day <= warned_on or unit in night.unread:
                continue
            if fp in night.problems:
                row[5], row[6] = IGNORED, night.day
            elif night.day >= due:
                row[5] = HEEDED
    out = pd.DataFrame(list(given.values()), columns=WARNING_COLUMNS)
    for column in ("warned_on", "due", "became_problem"):
        out[column] = pd.to_datetime(out[column])
    return out.sort_values(["unit_id", "due", "fingerprint"], ignore_index=True)


NIGHT_COLUMNS = ["patrol", "as_of", "indicator_set_id", "problems", "warnings", "unread"]


def patrol_nights(
    store: Store, *, since: dt.date | None = None, until: dt.date | None = None
) -> pd.DataFrame:
    """The stored patrols from ``since`` to ``until`` (both included) in the order `spans`
    reads them (`NIGHT_COLUMNS`): each one's id, day, indicator set, how many problems and
    warnings it found, and the units its crawl did not read (a list)."""
    stmt = PATROLS.select().with_only_columns(
        PATROLS.c.id, PATROLS.c.as_of, PATROLS.c.indicator_set_id, PATROLS.c.stats
    )
    if since is not None:
        stmt = stmt.where(PATROLS.c.as_of >= since)
    if until is not None:
        stmt = stmt.where(PATROLS.c.as_of <= until)
    counted = (
        FINDINGS.select()
        .with_only_columns(FINDINGS.c.patrol, FINDINGS.c.kind, func.count())
        .where(FINDINGS.c.patrol.in_(stmt.with_only_columns(PATROLS.c.id)))
        .group_by(FINDINGS.c.patrol, FINDINGS.c.kind)
    )
    with store.reader.connect() as conn:
        patrols = conn.execute(stmt.order_by(PATROLS.c.as_of, PATROLS.c.id)).all()
        counts = {(pid, kind): n for pid, kind, n in conn.execute(counted)}
    rows = [
        (pid, day, set_id, counts.get((pid, "problem"), 0), counts.get((pid, "warning"), 0),
         list((stats or {}).get("units_not_observed", [])))
        for pid, day, set_id, stats in patrols
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=NIGHT_COLUMNS)


@dataclass(frozen=True)
class _Night:
    day: dt.date
    unread: frozenset[str]  # units the night's crawl did not read
    problems: dict[str, tuple[str, str]]  # fingerprint → unit, indicator
    warnings: dict[tuple[str, dt.date], tuple[str, str]]  # (fingerprint, due) → unit, indicator


def _nights(store: Store, until: dt.date | None) -> list[_Night]:
    """The stored patrols by day (a day patrolled late fits in), with their findings."""
    stmt = PATROLS.select().with_only_columns(PATROLS.c.id, PATROLS.c.as_of, PATROLS.c.stats)
    if until is not None:
        stmt = stmt.where(PATROLS.c.as_of <= until)
    with store.reader.connect() as conn:
        patrols = conn.execute(stmt.order_by(PATROLS.c.as_of, PATROLS.c.id)).all()
        found = conn.execute(
            FINDINGS.select().with_only_columns(
                FINDINGS.c.patrol, FINDINGS.c.kind, FINDINGS.c.fingerprint, FINDINGS.c.unit_id,
                FINDINGS.c.indicator_id, FINDINGS.c.due,
            )
        ).all()  # fmt: skip
    problems: dict[int, dict] = {}
    warnings: dict[int, dict] = {}
    for pid, kind, fp, unit, indicator, due in found:
        if kind == "problem":
            problems.setdefault(pid, {})[fp] = (unit, indicator)
        elif due is not None:
            warnings.setdefault(pid, {})[(fp, due)] = (unit, indicator)
    return [
        _Night(
            day,
            frozenset((stats or {}).get("units_not_observed", [])),
            problems.get(pid, {}),
            warnings.get(pid, {}),
        )
        for pid, day, stats in patrols
    ]


def fix_times(
    found: pd.DataFrame,
    units: pd.DataFrame,
    *,
    by: str = "level",
    deadline: str | Duration = DEFAULT_DEADLINE,
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """Per ``by`` ("level" or "unit_id"): problems (stretches), fixed, median days to fix (the
    fixed ones), the share of the fixed within ``deadline`` of first being seen, came back
    (stretches after a fix), still open. ``units``: id, level (a unit's level names its row)."""
    calendar = calendar or default_calendar()
    duration = deadline if isinstance(deadline, Duration) else parse_duration(deadline)
    frame = found.merge(units[["id", "level"]], left_on="unit_id", right_on="id", how="left")
    fixed = frame["gone_on"].notna()
    # One deadline per day first seen, not per problem: a city's months are 10⁵ stretches.
    days = {d: duration.after(d, calendar) for d in frame["first_seen"].dt.date.unique()}
    due = [days[d] for d in frame["first_seen"].dt.date]
    frame["in_time"] = fixed & (frame["gone_on"].dt.date <= pd.Series(due, index=frame.index))
    frame["fixed"] = fixed
    frame["came_back"] = frame["stretch"] > 1
    grouped = frame.groupby(by, sort=True)
    problems, fixed_count = grouped.size(), grouped["fixed"].sum().astype(int)
    out = pd.DataFrame(
        {
            "problems": problems,
            "fixed": fixed_count,
            "median_days": frame[fixed].groupby(by)["days"].median(),
            "came_back": grouped["came_back"].sum().astype(int),
            "still_open": problems - fixed_count,
        }
    )
    out["in_time_share"] = (grouped["in_time"].sum() / out["fixed"].where(out["fixed"] > 0)).round(
        3
    )
    return out.reset_index()
