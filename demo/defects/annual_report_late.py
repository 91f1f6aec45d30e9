"""annual_report_late: the annual report was published after its deadline."""

from __future__ import annotations

import datetime as dt

from demo import timeline, urls
from demo.defects._common import Planter, annual_report_expires, last_annual_report
from demo.defects._registry import Kind, register


def annual_report_late(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = last_annual_report(p, unit)
        if found:
            column, report, year = found
            deadline = timeline.annual_report_deadline(unit.level, year)
            # Late after the deadline moved past a holiday (31 Jan 2025 → 5 Feb), as zwgk counts.
            due = timeline.on_or_after(deadline)
            day = timeline.on_or_after(due + dt.timedelta(days=p.rng.randint(5, 40)))
            if day > p.as_of:
                continue
            p.take(report)
            report.written = report.published = day
            p.used_columns.add(column.id)
            p.portal.index.resort(column.id)
            return [
                p.entry(
                    unit.id,
                    "annual_report_late",
                    urls.article_url(p.portal, report),
                    f"{year}年政府信息公开工作年度报告发布于{day:%Y-%m-%d}，晚于规定期限{deadline:%Y-%m-%d}",
                    article_id=report.id,
                    year=year,
                    deadline=deadline.isoformat(),
                    published=day.isoformat(),
                )
            ]
    return []


register(
    Kind(
        "annual_report_late",
        annual_report_late,
        0.03,
        no_fix="a late publication cannot be made on time afterwards",
        no_regression="it has no fix to undo",
        expires=annual_report_expires,
    )
)
