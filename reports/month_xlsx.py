"""The monthly monitoring workbook (月监测报告.xlsx), with openpyxl and the round report's sheet
helpers: 概况 (the paragraph and each night patrolled), 按指标分组, 按层级 (found, fixed, time to
fix, open at the month's end), 预警 (per level by outcome, then each warning), 问题较多的单位.
No internal codes: units and indicators by name, no fingerprints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from common.cells import put
from patrol.history import OUTCOME_ZH
from reports import files
from reports.month_data import MonthReportData
from reports.month_text import deadline_words
from reports.round_xlsx import WARNING_COUNTS, Col, _sheet, _table_sheet, _titled


def _day(value: Any) -> str:
    return "" if value is None or value != value else f"{value:%Y-%m-%d}"  # NaT != NaT


NIGHTS = [
    Col("巡查日期", lambda r: _day(r.as_of), 12),
    Col("问题数", "problems", 9),
    Col("预警数", "warnings", 9),
    Col("未能读取的单位", lambda r: len(r.unread), 14),
]
BY_GROUP = [
    Col("一级指标", "group1", 16, wrap=True),
    Col("二级指标", "group2", 18, wrap=True),
    Col("本月新发现", "found", 11),
    Col("本月已整改", "fixed", 11),
]


def by_level_cols(deadline: str) -> list[Col]:
    return [
        Col("层级", "level", 12),
        Col("本月新发现", "found", 11),
        Col("其中整改后又出现", "came_back", 11),
        Col("本月已整改", "fixed", 11),
        Col("整改用时中位数（天）", "median_days", 12, "0.#"),
        Col(f"期限内整改比例（{deadline_words(deadline)}）", "in_time_share", 14, "0.0%"),
        Col("月末仍存在", "open_end", 11),
        Col("涉及单位", "units_open", 9),
    ]


WARNINGS = [
    Col("单位名称", "name", 28, wrap=True),
    Col("层级", "level", 12),
    Col("一级指标", "group1", 14, wrap=True),
    Col("指标名称", "indicator", 24, wrap=True),
    Col("预警日期", lambda r: _day(r.warned_on), 12),
    Col("到期日", lambda r: _day(r.due), 12),
    Col("结果（截至月末）", lambda r: OUTCOME_ZH[r.outcome], 16),
    Col("成为问题的日期", lambda r: _day(r.became_problem), 14),
]
TOP_UNITS = [
    Col("单位名称", "name", 30, wrap=True),
    Col("层级", "level", 12),
    Col("月末问题数", "open", 11),
    Col("其中本月新发现", "new_in_month", 12),
    Col("最长已持续（天）", "longest_days", 12),
    Col("本月预警未处理", "ignored_warnings", 12),
]


def write_xlsx(data: MonthReportData, path: Path) -> Path:
    """Write the workbook to ``path``, whole or not at all."""
    wb = Workbook()
    wb.remove(wb.active)
    title = f"政务公开月监测报告（{data.month.label}）"
    wb.properties.title = title
    ws = _sheet(wb, "概况")
    put(ws, 1, 1, title).font = Font(bold=True, size=14)
    cell = put(ws, 2, 1, data.paragraph)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(NIGHTS))
    ws.row_dimensions[2].height = 15 * (len(data.paragraph) // 40 + 2)
    _titled(ws, 4, "本月每次巡查", NIGHTS, data.nights.itertuples(index=False))

    _table_sheet(wb, "按指标分组", BY_GROUP, data.by_group)
    _table_sheet(wb, "按层级", by_level_cols(data.deadline), data.by_level)
    ws = _sheet(wb, "预警")
    top = _titled(
        ws,
        1,
        "本月发出的预警：按层级（结果截至月末）",
        WARNING_COUNTS,
        data.warning_counts.itertuples(index=False),
    )
    rows = data.warnings.sort_values(["warned_on", "name", "due"], kind="stable")
    _titled(ws, top, "本月发出的预警：逐条", WARNINGS, rows.itertuples(index=False))
    _table_sheet(wb, "问题较多的单位", TOP_UNITS, data.top_units)
    with files.written(path) as tmp:
        wb.save(tmp)
    return path
