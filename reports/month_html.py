"""The monthly monitoring report as one self-contained HTML page (月监测报告.html), laid out as
the round report is (inline CSS shared in templates/report_style.css.j2, charts as base64 PNG
``data:`` URIs). Numbers are formatted here; templates/month.html.j2 only places them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from patrol.history import IGNORED, OUTCOME_ZH
from reports import month_charts
from reports.month_data import MonthReportData
from reports.month_text import deadline_words, short_date
from reports.round_html import BEIJING, _env, embedded, fix_cells
from scoring.summary import group_label

SHOWN_WARNINGS = 50


def chart_images(data: MonthReportData) -> list[dict[str, Any]]:
    """The charts as ``{id, title, png}``."""
    groups = data.by_group
    levels = data.by_level.iloc[:-1]
    return [
        {
            "id": "groups",
            "title": "本月新发现和已整改的问题：按指标分组",
            "png": month_charts.found_and_fixed(
                [group_label(groups, r.group1, r.group2) for r in groups.itertuples()],
                groups["found"].tolist(),
                groups["fixed"].tolist(),
                "按指标分组（二级指标）",
            ),
        },
        {
            "id": "levels",
            "title": "本月新发现和已整改的问题：按层级",
            "png": month_charts.found_and_fixed(
                levels["level"].tolist(),
                levels["found"].tolist(),
                levels["fixed"].tolist(),
                "按层级",
            ),
        },
        {
            "id": "warnings",
            "title": "本月预警及其结果",
            "png": month_charts.warning_outcomes(data.warning_counts),
        },
        {
            "id": "nights",
            "title": "每次巡查的问题数和预警数",
            "png": month_charts.nightly(data.nights),
        },
    ]


def _day(value: Any) -> str:
    return "" if value is None or pd.isna(value) else short_date(value)


def render(data: MonthReportData, images: list[dict[str, Any]]) -> str:
    """The HTML text of the report, with ``images`` (from `chart_images`) embedded."""
    levels = fix_cells(data.by_level)
    # The ignored first (a unit that let a warning become a problem), then by day; the page
    # lists SHOWN_WARNINGS, the workbook every one.
    ignored = data.warnings["outcome"].ne(IGNORED).rename("_i")
    warnings = (
        data.warnings.join(ignored)
        .sort_values(["_i", "warned_on", "name", "due"], kind="stable")
        .head(SHOWN_WARNINGS)
    )
    warned = [
        {"name": r.name, "level": r.level, "indicator": r.indicator, "warned_on": _day(r.warned_on),
         "due": _day(r.due), "outcome": OUTCOME_ZH[r.outcome],
         "became_problem": _day(r.became_problem)}
        for r in warnings.itertuples()
    ]  # fmt: skip
    nights = data.nights
    return (
        _env()
        .get_template("month.html.j2")
        .render(
            title=f"政务公开月监测报告（{data.month.label}）",
            period=f"{short_date(data.month.first)}至{short_date(data.month.last)}",
            nights=len(set(nights["as_of"])),
            last_day=short_date(data.last_day),
            last_label="最近一次巡查" if data.in_progress else "月末巡查",
            deadline=deadline_words(data.deadline),
            generated_at=dt.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M"),
            paragraph=data.paragraph,
            charts=embedded(images),
            groups=data.by_group.to_dict("records"),
            levels=levels,
            warning_counts=data.warning_counts.to_dict("records"),
            outcome_words=[OUTCOME_ZH[o] for o in ("heeded", "ignored", "pending")],
            warnings=warned,
            warnings_total=len(data.warnings),
            top_units=data.top_units.to_dict("records"),
            unread_end=data.unread_end,
        )
    )
