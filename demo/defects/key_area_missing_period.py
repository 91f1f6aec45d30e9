"""key_area_missing_period: a monthly key-area (重点领域) column lacks one month's item."""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import Planter, column_label
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
