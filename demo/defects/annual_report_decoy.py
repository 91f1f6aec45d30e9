"""annual_report_decoy: last year's annual report published on time under another wording of
its title ("…2024年度政府信息公开工作报告": no 年度报告 or 年报 in it) — neither missing nor late."""

from __future__ import annotations

from demo import timeline, urls
from demo.defects._common import Planter, last_annual_report, quoted
from demo.defects._registry import register_decoy


def annual_report_decoy(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = last_annual_report(p, unit)
        if not found or found[1].id in p.used_articles:
            continue
        column, report, year = found
        deadline = timeline.annual_report_deadline(unit.level, year)
        if report.published is None or report.published > deadline:
            continue
        p.take(report)
        p.used_columns.add(column.id)
        report.title = f"{unit.name}{year}年度政府信息公开工作报告"
        return [
            p.entry(
                unit.id,
                "annual_report_decoy",
                # Where a "missing" finding would point (a "late" one would name the report).
                urls.column_url(p.portal, column),
                f"不应判为年报缺失或迟发：{quoted(report)}即{year}年政府信息公开工作年度报告，"
                f"标题写法不同，已于{report.published:%Y-%m-%d}按期发布（期限{deadline:%Y-%m-%d}）",
                article_id=report.id,
                report_url=urls.article_url(p.portal, report),
                column_id=column.id,
                year=year,
                deadline=deadline.isoformat(),
                check="annual_report",
                decoy=True,
            )
        ]
    return []


register_decoy("annual_report_decoy", annual_report_decoy, "annual_report")
