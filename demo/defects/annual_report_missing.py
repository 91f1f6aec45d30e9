"""annual_report_missing: the last due annual report (政府信息公开工作年度报告) is not published
(条例 art. 49: departments by 31 Jan, governments by 31 Mar; docs/domain.md §3.2).

The `coming` variant plants one not due yet, on a portal whose day is a few days before a
deadline: a unit that has not published the report keeps not publishing it, so it becomes this
defect the day after the deadline (moved to the next working day when it falls on a day off, as
annual_report.deadline counts: `due`) — a deadline the daily patrol warns of before. On a
portal whose next deadline is further away (the sample, as of 30 June) it plants nothing.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import (
    Planter,
    annual_report_column,
    annual_report_expires,
    comes_due,
    last_annual_report,
)
from demo.defects._registry import Kind, register


def annual_report_missing(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = last_annual_report(p, unit)
        if found:
            column, report, year = found
            p.remove_articles([report])
            p.skip.add(("annual", unit.id, year))
            p.used_columns.add(column.id)
            deadline = timeline.annual_report_deadline(unit.level, year)
            return [
                p.entry(
                    unit.id,
                    "annual_report_missing",
                    urls.column_url(p.portal, column),
                    f"未发布{year}年政府信息公开工作年度报告（应于{deadline:%Y-%m-%d}前发布）",
                    column_id=column.id,
                    year=year,
                    deadline=deadline.isoformat(),
                )
            ]
    return []


def report_comes_due(p: Planter) -> list[dict]:
    """A unit whose report of last year falls due within a short step and is not published
    (the baseline publishes it 6–25 days before the deadline: taken off if already there)."""
    year = p.as_of.year - 1
    levels = [level for level in m.LEVELS if comes_due(p, _first_day_late(level, year))]
    if not levels:
        return []  # no deadline within the step: nothing drawn, nothing planted
    for unit in p.rng.sample(p.units(levels), len(p.units(levels))):
        column = annual_report_column(p, unit)
        if column is None:
            continue
        p.remove_articles(
            [a for a in p.portal.index.articles_of.get(column.id, []) if a.report_year == year]
        )
        p.skip.add(("annual", unit.id, year))
        p.used_columns.add(column.id)
        deadline = timeline.annual_report_deadline(unit.level, year)
        due = _first_day_late(unit.level, year)
        moved = due - dt.timedelta(days=1)
        by = f"{deadline:%Y-%m-%d}" + ("" if moved == deadline else f"，顺延至{moved:%Y-%m-%d}")
        return [
            p.entry(
                unit.id,
                "annual_report_missing",
                urls.column_url(p.portal, column),
                f"未发布{year}年政府信息公开工作年度报告（应于{by}前发布）",
                column_id=column.id,
                year=year,
                deadline=deadline.isoformat(),
                due=due.isoformat(),  # the first day after the (moved) deadline
            )
        ]
    return []


def _first_day_late(level: str, year: int) -> dt.date:
    """The day after the report's deadline, moved to the next working day when it is a day off
    (holiday_rule next_workday, as annual_report.deadline counts)."""
    return timeline.on_or_after(timeline.annual_report_deadline(level, year)) + dt.timedelta(days=1)


register(
    Kind(
        "annual_report_missing",
        annual_report_missing,
        0.03,
        no_fix="a report published now would be late: another kind (annual_report_late)",
        no_regression="it has no fix to undo",
        expires=annual_report_expires,
    )
)
register(
    Kind(
        "annual_report_missing",
        report_comes_due,
        0.03,
        no_fix="a report published now would be late: another kind (annual_report_late)",
        no_regression="it has no fix to undo",
        expires=annual_report_expires,
        variant="coming",
    )
)
