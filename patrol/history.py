"""Time to fix (整改用时), from the patrols: for each problem, each stretch it stayed open — from
the first patrol that found it to the first that did not, its unit read that night — and per
unit and level, how long fixing took (the median), the share fixed within the deadline, and the
problems that came back after a fix.

A night whose crawl could not read the unit neither ends a stretch nor starts one: the problem
was not seen gone. A problem still open counts its days up to the latest patrol.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

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
DEFAULT_DEADLINE = "20 workdays"  # the usual 整改期限 of a notice (docs/checklist.md)


def spans(store: Store) -> pd.DataFrame:
    """Every stretch a problem stayed open across the stored patrols (`SPAN_COLUMNS`):
    ``stretch`` 1 the first, 2 after it came back once…; ``gone_on`` NaT while open; ``days``
    from first seen to gone (or to the latest patrol's day)."""
    with store.reader.connect() as conn:
        patrols = conn.execute(
            PATROLS.select().with_only_columns(PATROLS.c.id, PATROLS.c.as_of, PATROLS.c.stats)
            .order_by(PATROLS.c.as_of, PATROLS.c.id)  # by day: a day patrolled late fits in
        ).all()  # fmt: skip
        found = pd.DataFrame(
            conn.execute(
                FINDINGS.select()
                .with_only_columns(
                    FINDINGS.c.patrol, FINDINGS.c.fingerprint, FINDINGS.c.unit_id,
                    FINDINGS.c.indicator_id,
                )
                .where(FINDINGS.c.kind == "problem")
            ).all(),
            columns=["patrol", "fingerprint", "unit_id", "indicator_id"],
        )  # fmt: skip
    by_patrol = {pid: part for pid, part in found.groupby("patrol")}
    opened: dict[str, tuple[str, str, int, dt.date]] = {}  # fp → unit, indicator, stretch, since
    stretches: dict[str, int] = {}
    rows = []
    last_day = None
    for pid, day, stats in patrols:
        unread = set((stats or {}).get("units_not_observed", []))
        part = by_patrol.get(pid, found.iloc[0:0])
        present = dict(
            zip(
                part["fingerprint"],
                zip(part["unit_id"], part["indicator_id"], strict=True),
                strict=True,
            )
        )
        for fp, (unit, indicator, stretch, since) in list(opened.items()):
            if fp not in present and unit not in unread:
                rows.append((fp, unit, indicator, stretch, since, day, (day - since).days))
                del opened[fp]
        for fp, (unit, indicator) in present.items():
            if fp not in opened:
                stretches[fp] = stretches.get(fp, 0) + 1
                opened[fp] = (unit, indicator, stretches[fp], day)
        last_day = day
    for fp, (unit, indicator, stretch, since) in opened.items():
        rows.append((fp, unit, indicator, stretch, since, None, (last_day - since).days))
    out = pd.DataFrame(rows, columns=SPAN_COLUMNS)
    out["gone_on"] = pd.to_datetime(out["gone_on"])
    out["first_seen"] = pd.to_datetime(out["first_seen"])
    return out.sort_values(["unit_id", "fingerprint", "stretch"], ignore_index=True)


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
    due = [duration.after(d.date(), calendar) for d in frame["first_seen"]]
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
