"""The round report workbook (测评情况报告.xlsx) for evaluators, with openpyxl.

Sheets: 排名 (ranking by level), 问题按指标, 问题按单位 (every problem, unit by unit, and the
previous round's problems fixed at 回头看), 与上轮对比 (status counts per unit and per indicator
against the previous round, then the trend over the stored rounds), 本轮未能评估 (units not
read, indicators not evaluated), 整改用时 (time to fix and warnings over the daily patrols
up to the as-of day) and 得分变化原因 (per level, the change since the previous round from the
indicator set, the sites and the decisions) — each a plain table under one header row, so pandas reads them
too; 与上轮对比, 本轮未能评估 and 整改用时 stack titled tables. No internal codes: no unit or indicator id,
no fingerprint; rounds by their labels (2025年第三季度).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from common import vocabulary
from common.cells import plain, put
from common.vocabulary import FAILED, NOT_SCORED, PASSED, STATUSES
from patrol.history import HEEDED, IGNORED, OUTCOME_ZH, PENDING
from reports import files, round_change
from reports.round_data import RoundReportData
from reports.wording import cn_date, round_label
from scoring.durations import parse_duration

STATUS_ZH = {**vocabulary.STATUS_ZH, "dismissed": "已驳回"}
KIND_ZH = {"quarterly": "季度", "special": "专项"}
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Col:
    """A column: header, where its value comes from (a field or a function of the row), width
    in characters, number format."""

    header: str
    value: str | Callable[[Any], Any]
    width: float = 10
    number_format: str | None = None
    wrap: bool = False


def _get(row: Any, col: Col) -> Any:
    return col.value(row) if callable(col.value) else getattr(row, col.value)


def _header(ws: Worksheet, top: int, cols: Sequence[Col]) -> None:
    for j, col in enumerate(cols, 1):
        cell = put(ws, top, j, col.header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, col.width)


def _rows(ws: Worksheet, top: int, cols: Sequence[Col], rows: Any) -> int:
    """Write ``rows`` (itertuples) from row ``top``; returns the next free row."""
    r = top
    for row in rows:
        for j, col in enumerate(cols, 1):
            cell = put(ws, r, j, _get(row, col))
            if col.number_format:
                cell.number_format = col.number_format
            if col.wrap:
                cell.alignment = WRAP
        r += 1
    return r


def _sheet(wb: Workbook, title: str) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def _table_sheet(wb: Workbook, title: str, cols: Sequence[Col], frame: pd.DataFrame) -> Worksheet:
    ws = _sheet(wb, title)
    _header(ws, 1, cols)
    end = _rows(ws, 2, cols, frame.itertuples(index=False))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(end - 1, 1)}"
    ws.print_title_rows = "1:1"
    return ws


def status_zh(status: str, decision: Any, via_recheck: Any = False, rectifiable: Any = None) -> str:
    """新发现/未整改/…, with （已驳回） for a dismissed problem, （回头看） for one fixed at the
    previous round's 回头看, （一次性，今后注意） for a one-time event that deducted."""
    text = STATUS_ZH.get(status, status)
    if plain(via_recheck):
        text += "（回头看）"
    if status in ("new", "open", "regressed") and plain(rectifiable) is False:
        text += "（一次性，今后注意）"
    return text + ("（已驳回）" if decision == "dismissed" else "")


def _rank(single_levels: frozenset[str]) -> Callable[[Any], Any]:
    """The rank in the level; — for the only unit of its level (nothing to rank against)."""

    def rank(row: Any) -> Any:
        if row.level in single_levels and plain(row.rank_in_level) is not None:
            return "—"
        return row.rank_in_level

    return rank


def _yes(flag: Any) -> str:
    return "是" if bool(flag) else "否"


def _result(row: Any) -> str:
    return {True: PASSED, False: FAILED}.get(plain(row.passed), NOT_SCORED)


def _counts() -> list[Col]:
    return [Col(STATUS_ZH[s], s, 9) for s in STATUS_ZH]


def ranking_cols(single_levels: frozenset[str]) -> list[Col]:
    return [
        Col("层级", "level", 10),
        Col("排名", _rank(single_levels), 6),
        Col("单位名称", "name", 28, wrap=True),
        Col("上级单位", "parent_name", 20, wrap=True),
        Col("得分", "total", 8, "0.00"),
        Col("问题数", "problems", 8),
        Col("结果", _result, 8),
        Col("单项否决", lambda r: _yes(r.vetoed) if r.observed else "", 9),
    ]


BY_INDICATOR = [
    Col("一级指标", "group1", 12, wrap=True),
    Col("二级指标", "group2", 14, wrap=True),
    Col("三级指标", "group3", 16, wrap=True),
    Col("指标名称", "name", 24, wrap=True),
    Col("类型", "kind", 8),
    Col("分值", "points", 6, "0.##"),
    Col("问题数", "counted", 8),
    Col("涉及单位", "units", 9),
    Col("扣分合计", "points_lost", 9, "0.##"),
    *_counts(),
]
BY_UNIT = [
    Col("层级", "level", 10),
    Col("单位名称", "unit_name", 24, wrap=True),
    Col("一级指标", "group1", 12, wrap=True),
    Col("指标名称", "indicator_name", 22, wrap=True),
    Col(
        "状态",
        lambda r: status_zh(r.status, r.decision, r.via_recheck, getattr(r, "rectifiable", None)),
        12,
        wrap=True,
    ),
    Col("扣分", "deduction", 6, "0.##"),
    Col("问题描述", "suggestion", 50, wrap=True),
    Col("页面", "target_url", 40),
    Col("首次发现", lambda r: round_label(r.first_seen_round), 14),
]
LINK_COLUMN = 1 + [c.header for c in BY_UNIT].index("页面")


def change_by_unit_cols(single_levels: frozenset[str]) -> list[Col]:
    return [
        Col("层级", "level", 10),
        Col("单位名称", "name", 28, wrap=True),
        Col("本轮得分", "total", 9, "0.00"),
        Col("上轮得分", "previous_total", 9, "0.00"),
        Col("得分变化", "change", 9, "+0.00;-0.00;0"),
        Col("本轮排名", _rank(single_levels), 9),
        Col("上轮排名", "previous_rank", 9),
        *_counts(),
    ]


CHANGE_BY_INDICATOR = [
    Col("一级指标", "group1", 10, wrap=True),
    Col("指标名称", "name", 28, wrap=True),
    *_counts(),
]
UNREAD = [
    Col("层级", "level", 10),
    Col("单位名称", "name", 28, wrap=True),
    Col("测评时遇到的情况", "reasons", 60, wrap=True),
]
NOT_EVALUATED = [
    Col("层级", "level", 10),
    Col("单位名称", "unit_name", 28, wrap=True),
    Col("一级指标", "group1", 12, wrap=True),
    Col("指标名称", "indicator", 24, wrap=True),
    Col("未能评估的原因", "reason", 50, wrap=True),
]


FIX_TIMES = [
    Col("层级", "level", 12),
    Col("问题数", "problems", 9),
    Col("已整改", "fixed", 9),
    Col("整改用时中位数（天）", "median_days", 12, "0.#"),
    Col("期限内整改比例", "in_time_share", 12, "0.0%"),
    Col("整改后又出现", "came_back", 11),
    Col("仍未整改", "still_open", 9),
]
WARNING_COUNTS = [
    Col("层级", "level", 12),
    Col("预警数", "warnings", 9),
    *[Col(OUTCOME_ZH[o], o, 14) for o in (HEEDED, IGNORED, PENDING)],
]


def _patrol_sheet(wb: Workbook, data: RoundReportData) -> None:
    """整改用时: time to fix per level over the patrols up to the as-of day, then the warnings
    by outcome; one line when no patrol ran by then."""
    ws = _sheet(wb, "整改用时")
    found = data.patrol
    if found is None:
        put(ws, 1, 1, "评估基准日前没有日巡查记录，无法统计整改用时和预警结果。")
        return
    put(ws, 1, 1, f"按{cn_date(found.first)}至{cn_date(found.last)}共{found.days}天的日巡查统计"
        f"（截至评估基准日），整改期限为{parse_duration(found.deadline).zh}")  # fmt: skip
    top = _titled(ws, 3, "整改用时（按层级）", FIX_TIMES, found.fix.itertuples(index=False))
    _titled(
        ws, top, "预警及其结果（按层级）", WARNING_COUNTS, found.warnings.itertuples(index=False)
    )


MOVEMENT = [
    Col("层级", "level", 12),
    Col("两轮均有得分的单位", "units", 10),
    Col("得分变化合计", "change", 10, "0.00"),
    Col("平均每家", lambda r: r.change / r.units if r.units else None, 10, "0.00"),
    *[
        col
        for part in round_change.SHOWN_PARTS
        for col in (
            Col(f"{round_change.part_title(part)}合计", part, 12, "0.00"),
            Col(f"{round_change.part_title(part)}平均每家",
                lambda r, p=part: getattr(r, p) / r.units if r.units else None, 12, "0.00"),
        )
    ],
]  # fmt: skip


def _movement_sheet(wb: Workbook, data: RoundReportData) -> None:
    """得分变化原因: per level the change since the previous round, split into the indicator
    set's, the sites' and the decisions' parts, the sentences under the table; one line when
    there is nothing to compare."""
    ws = _sheet(wb, "得分变化原因")
    found = data.movement
    if found is None or found.note:
        put(ws, 1, 1, found.note if found is not None else round_change.FIRST_ROUND)
        return
    top = _titled(
        ws, 1, f"与上轮（{round_label(data.info.previous_round)}）相比的得分变化（按层级）",
        MOVEMENT, found.levels.itertuples(index=False),
    )  # fmt: skip
    for r, text in enumerate(found.sentences, start=top):
        put(ws, r, 1, text)


def _trend_cols(levels: Sequence[str]) -> list[Col]:
    return [
        Col("轮次", lambda r: round_label(r.round), 14),
        Col("类型", lambda r: KIND_ZH.get(r.kind, r.kind), 8),
        Col("评估基准日", lambda r: r.as_of.isoformat(), 14),
        Col("参评单位", "units", 9),
        Col("合格单位", "passed", 9),
        *[Col(f"{lv}平均分", lambda r, lv=lv: r.get(lv), 9, "0.00") for lv in levels],
        Col("计分问题", "counted", 9),
        *[Col(STATUS_ZH[s], s, 9) for s in STATUSES],
        Col("测评后经回头看整改", "rechecked", 12),
    ]


def _titled(ws: Worksheet, top: int, title: str, cols: Sequence[Col], rows: Any) -> int:
    put(ws, top, 1, title).font = Font(bold=True, size=12)
    _header(ws, top + 1, cols)
    return _rows(ws, top + 2, cols, rows) + 1


class _Row(dict):
    """A trend row that `_get` can read by attribute or, for level names, by key."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


def write_xlsx(
    data: RoundReportData, path: Path, on_unit: Callable[[str], None] | None = None
) -> Path:
    """Write the workbook to ``path``; ``on_unit(name)`` is called as each unit's problems are
    written (the slow part on a city's tens of thousands of problems)."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"政务公开测评情况报告（{round_label(data.info.id)}）"
    _table_sheet(wb, "排名", ranking_cols(data.single_levels), data.units)
    _table_sheet(wb, "问题按指标", BY_INDICATOR, data.indicators)

    ws = _sheet(wb, "问题按单位")
    _header(ws, 1, BY_UNIT)
    ws.freeze_panes, ws.print_title_rows = "A2", "1:1"
    groups = dict(tuple(data.problems.groupby("unit_id", sort=False)))
    r = 2
    for unit in data.units.itertuples(index=False):
        part = groups.get(unit.unit_id)
        if part is not None:
            start = r
            r = _rows(ws, r, BY_UNIT, part.itertuples(index=False))
            for i in range(start, r):
                cell = ws.cell(row=i, column=LINK_COLUMN)
                # Only web pages become links: a crawled URL is untrusted (file:, javascript:).
                if str(cell.value or "").startswith(("http://", "https://")):
                    cell.hyperlink, cell.style = str(cell.value), "Hyperlink"
        if on_unit:
            on_unit(unit.name)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(BY_UNIT))}{max(r - 1, 1)}"

    ws = _sheet(wb, "与上轮对比")
    prev = data.info.previous_round
    this = round_label(data.info.id)
    top = _titled(
        ws,
        1,
        f"按单位：本轮（{this}）与上轮（{round_label(prev)}）对比（已整改含上轮回头看时整改的问题）"
        if prev
        else f"按单位：本轮（{this}）为首轮评估，没有上轮可对比",
        change_by_unit_cols(data.single_levels),
        data.units.itertuples(index=False),
    )
    top = _titled(
        ws, top, "按指标：问题状态", CHANGE_BY_INDICATOR, data.indicators.itertuples(index=False)
    )
    _titled(
        ws,
        top,
        "历轮趋势（截至本轮的全部轮次）",
        _trend_cols(data.levels),
        (_Row(r) for r in data.trend.to_dict("records")),
    )
    ws = _sheet(wb, "本轮未能评估")
    top = _titled(
        ws, 1, "网站未能正常访问、未予评分的单位", UNREAD, data.unread.itertuples(index=False)
    )
    _titled(
        ws,
        top,
        "未能评估的指标（不计分，总分按其余指标折算）",
        NOT_EVALUATED,
        data.not_evaluated.itertuples(index=False),
    )
    _patrol_sheet(wb, data)
    _movement_sheet(wb, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    with files.written(path) as tmp:
        wb.save(tmp)
    return path
