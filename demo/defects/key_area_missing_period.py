"""key_area_missing_period: a monthly key-area (重点领域) column lacks one month's item, due by
the 15th of the next month (`KEY_AREA_GRACE_DAYS`, key_area.monthly; docs/domain.md §3.2).

The `coming` variant plants one not due yet: the month whose item falls due within a short step
is kept from being published, so it becomes this defect on its due day (`due`) — a deadline the
daily patrol warns of before.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import KEY_AREA_GRACE_DAYS, Planter, column_label, comes_due
from demo.defects._registry import Kind, register


def key_area_missing_period(p: Planter) -> list[dict]:
    candidates = [c for c in p.columns(m.KEY_AREA) if c.cadence == "month"]
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    window = p.as_of - dt.timedelta(days=330)
    items = [a for a in p.portal.index.articles_of[column.id] if a.published > window]
    if len(items) < 4:
        return []
    victim = p.rng.choice(items[1:-1])  # never the newest or oldest in the window
    p.remove_articles([victim])
    p.skip.add(("period", column.id, victim.period))
    p.used_columns.add(column.id)
    year, month = victim.period.split("-")
    return [
        p.entry(
            column.unit_id,
            "key_area_missing_period",
            urls.column_url(p.portal, column),
            f"{column_label(column)}缺少{year}年{int(month)}月的信息（应按月发布）",
            column_id=column.id,
            period=victim.period,
        )
    ]


def month_comes_due(p: Planter) -> list[dict]:
    """A monthly key-area column whose month falling due within a short step will not be
    published (its item, which the baseline publishes in the first days of the next month, kept
    from coming; taken off if already there)."""
    found = _coming_month(p)
    if found is None:
        return []
    period, due = found
    candidates = [
        c
        for c in p.columns(m.KEY_AREA)
        if c.cadence == "month"
        and any(a.period and a.period < period for a in p.portal.index.articles_of[c.id])
    ]
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    p.remove_articles([a for a in p.portal.index.articles_of[column.id] if a.period == period])
    p.skip.add(("period", column.id, period))
    p.used_columns.add(column.id)
    year, month = period.split("-")
    return [
        p.entry(
            column.unit_id,
            "key_area_missing_period",
            urls.column_url(p.portal, column),
            f"{column_label(column)}缺少{year}年{int(month)}月的信息（应按月发布，最迟于"
            f"{due:%Y-%m-%d}前发布）",
            column_id=column.id,
            period=period,
            due=due.isoformat(),  # the first day the month is missing (the check's due day)
        )
    ]


def _coming_month(p: Planter) -> tuple[str, dt.date] | None:
    """The month (YYYY-MM) whose item falls due within a short step, and its due day: the
    month's end plus the grace (the check judges a month missing from that day on)."""
    first = p.as_of.replace(day=1)
    for _ in range(2):  # this month, the month before
        end = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        due = end + dt.timedelta(days=KEY_AREA_GRACE_DAYS)
        if comes_due(p, due):
            return f"{first:%Y-%m}", due
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return None


def expires(entry: dict, as_of: dt.date, levels: dict[str, str]) -> bool:
    """The month is no longer judged once its due date (the 15th of the next month) has left
    the 12-month window."""
    year, month = (int(p) for p in entry["details"]["period"].split("-"))
    due = dt.date(year + month // 12, month % 12 + 1, 15)
    day = min(as_of.day, 28) if as_of.month == 2 else as_of.day
    return due <= as_of.replace(year=as_of.year - 1, day=day)


register(
    Kind(
        "key_area_missing_period",
        key_area_missing_period,
        0.05,
        no_fix="the month published now would still be late; the defect expires instead",
        no_regression="it has no fix to undo",
        expires=expires,
    )
)
register(
    Kind(
        "key_area_missing_period",
        month_comes_due,
        0.03,
        no_fix="the month published now would still be late; the defect expires instead",
        no_regression="it has no fix to undo",
        expires=expires,
        variant="coming",
    )
)
