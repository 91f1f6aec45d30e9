"""Where everything sits on the checklist sheet. The XLSX writer fills these cells and
`zwgk responses import` reads them back and compares them with the round, so both use this
module and nothing else decides a position.

Sheet 整改清单: rows 1–4 the title block, row 5 优先整改建议 (the fewest fixes that reach the pass
line, the next rank, full marks), row 6 the column headers (repeated on every printed page),
problems from row 7; columns A–N and P visible, O (问题编号, the problem's fingerprint) hidden,
P 优先级 (the fix-first order; after the hidden column, so every other column sits where it
sat in the previous format). Only 整改情况 (M) and 整改说明 (N) of rows the unit has to answer
are unlocked. Sheet 整改通知 (the notice: 文号, 落款, contact, points lost by 一级指标, 得分变化说明;
protected) is not read back. Sheet ``_meta`` (very hidden, protected) names the format, round,
unit, issue date and deadline.

Sheets of the previous format (`FORMAT_2`: no row 5, no 优先级 column) are still read back: `SheetLayout` is where a format's columns sit, `sheet_layout` gives it by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from reports.checklist.data import ANSWER_ZH, NO_VALUE, Checklist, ChecklistRow
from reports.wording import cn_date

SHEET = "整改清单"
NOTICE_SHEET = "整改通知"
META_SHEET = "_meta"
# /2: the 依据 column, the issue date, the notice sheet, no unit id in the title block. A sheet
# of /1 is refused naming the format (export the checklist again). /3: the 优先级 column (after
# the hidden 问题编号) and the 优先整改建议 line in row 5; /2 sheets still read back.
FORMAT = "zwgk-checklist/3"
FORMAT_2 = "zwgk-checklist/2"
ADVICE_ROW = 5
HEADER_ROW = 6
FIRST_ROW = 7
ANSWER_CHOICES = tuple(ANSWER_ZH.values())  # 已整改, 整改中, 无法整改
# 整改说明 is at most this many characters (docs/checklist.md): the sheet's data validation says
# so while the unit types, and the import refuses a longer one. Supporting material is sent apart.
# (Not in INSTRUCTIONS: the title block is compared on import, and sheets exported before the
# limit existed must still read back.)
NOTE_MAX_CHARS = 2000
INSTRUCTIONS = (
    "填写说明：请逐条在「整改情况」列下拉选择“已整改”“整改中”或“无法整改”，在「整改说明」列写明"
    "整改措施和完成情况（选“无法整改”的须写明原因）。其他列已锁定，请勿修改，也不要增删行或工作表。"
    "状态为“今后注意”（已发生、无法整改的一次性问题）、“已整改”“超出测评期”的行无需填写。"
    "请于整改期限前将本表原文件报回，不要另存为其他格式。"
)


@dataclass(frozen=True)
class Column:
    key: str  # ChecklistRow attribute
    title: str
    width: float
    unit: bool = False  # the unit fills it in (unlocked on rows to answer)
    hidden: bool = False


COLUMNS = (
    Column("number", "序号", 5),
    Column("group1", "一级指标", 10),
    Column("group2", "二级指标", 10),
    Column("group3", "三级指标", 12),
    Column("requirement", "内容要求", 24),
    Column("basis", "依据", 16),
    Column("points", "分值", 6),
    Column("score", "得分", 6),
    Column("reason", "失分原因", 34),
    Column("status_zh", "状态", 8),
    Column("first_seen", "首次发现", 11),
    Column("advice", "整改建议", 24),
    Column("answer", "整改情况", 10, unit=True),
    Column("note", "整改说明", 30, unit=True),
    Column("fingerprint", "问题编号", 18, hidden=True),
    Column("priority", "优先级", 7),
)
VISIBLE = tuple(c for c in COLUMNS if not c.hidden)
LAST_VISIBLE = get_column_letter(len(COLUMNS))  # P


def col(key: str) -> int:
    """1-based column number of ``key``."""
    return _col(COLUMNS, key)


def _col(columns: tuple[Column, ...], key: str) -> int:
    for i, c in enumerate(columns, start=1):
        if c.key == key:
            return i
    raise KeyError(key)


def ref(row: int, column: int, sheet: str = SHEET) -> str:
    """An Excel-style cell name: 整改清单!J7."""
    return f"{sheet}!{get_column_letter(column)}{row}"


# Title block: (row, first column, last column) of each merged range; labels sit alone.
MERGES = (
    (1, 1, len(COLUMNS)),
    (2, 2, 4),
    (2, 6, 7),
    (2, 11, 12),
    (3, 2, 4),
    (3, 6, 7),
    (3, 11, len(COLUMNS)),
    (4, 1, len(COLUMNS)),
    (ADVICE_ROW, 1, len(COLUMNS)),
)
LABELS = {
    (2, 1): "单位",
    (2, 5): "测评轮次",
    (2, 8): "得分",
    (2, 10): "层级排名",
    (2, 13): "测评结果",
    (3, 1): "印发日期",
    (3, 5): "整改期限",
    (3, 8): "待整改问题",
    (3, 10): "指标体系",
}


def title(cl: Checklist) -> str:
    return f"{cl.unit_name}政务公开整改清单（{cl.round_label}）"


def title_cells(cl: Checklist) -> dict[tuple[int, int], Any]:
    """(row, column) → value of the title block and the header row."""
    cells: dict[tuple[int, int], Any] = dict(LABELS)
    cells |= {
        (1, 1): title(cl),
        (2, 2): cl.unit_name,
        (2, 6): f"{cl.round_label}（评估日 {cn_date(cl.as_of)}）",
        (2, 9): NO_VALUE if cl.total is None else cl.total,
        (2, 11): cl.rank,
        (2, 14): cl.verdict,
        (3, 2): cn_date(cl.issued),
        (3, 6): cn_date(cl.deadline),
        (3, 9): cl.to_answer,
        (3, 11): cl.indicator_set,
        (4, 1): INSTRUCTIONS,
    }
    if cl.fix_advice:
        cells[(ADVICE_ROW, 1)] = cl.fix_advice
    cells |= {(HEADER_ROW, i): c.title for i, c in enumerate(COLUMNS, start=1)}
    return cells


def row_values(
    row: ChecklistRow, *, answers: bool = True, columns: tuple[Column, ...] = COLUMNS
) -> list[Any]:
    """A problem row's cells in ``columns`` order; the unit's cells empty unless ``answers``."""
    out = []
    for c in columns:
        value = getattr(row, c.key)
        if c.unit and not (answers and row.answerable):
            value = None
        out.append(value)
    return out


@dataclass(frozen=True)
class SheetLayout:
    """Where a checklist format's cells sit, for reading a returned sheet back: its columns
    and its title block (`title_cells` of the format)."""

    format: str
    columns: tuple[Column, ...]

    @property
    def width(self) -> int:
        return len(self.columns)

    def col(self, key: str) -> int:
        return _col(self.columns, key)

    def title_cells(self, cl: Checklist) -> dict[tuple[int, int], Any]:
        if self.format == FORMAT:
            return title_cells(cl)
        cells = {k: v for k, v in title_cells(cl).items() if k[0] < ADVICE_ROW}
        return cells | {(HEADER_ROW, i): c.title for i, c in enumerate(self.columns, start=1)}

    def row_values(self, row: ChecklistRow, *, answers: bool = True) -> list[Any]:
        return row_values(row, answers=answers, columns=self.columns)


SHEET_LAYOUTS = {
    FORMAT: SheetLayout(FORMAT, COLUMNS),
    FORMAT_2: SheetLayout(FORMAT_2, tuple(c for c in COLUMNS if c.key != "priority")),
}


def sheet_layout(format_name: str = FORMAT) -> SheetLayout:
    """The layout of a format that is read back; `KeyError` for any other."""
    return SHEET_LAYOUTS[format_name]


def meta_rows(cl: Checklist) -> list[tuple[str, str]]:
    return [
        ("format", FORMAT),
        ("round", cl.round_id),
        ("unit", cl.unit_id),
        ("issued", cl.issued.isoformat()),
        ("deadline", cl.deadline.isoformat()),
        ("indicator_set_sha256", cl.indicator_set_sha256),
    ]
