"""annual_report_missing: the last due annual report (政府信息公开工作年度报告) is not published."""

from __future__ import annotations

from demo import timeline, urls
from demo.defects._common import Planter, annual_report_expires, last_annual_report
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
