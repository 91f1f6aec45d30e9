"""The checklist as an Excel workbook (openpyxl), laid out by `reports.checklist.layout`.

Crawled text is untrusted: every string goes in as a string cell (``t="inlineStr"``, with the
quote prefix when it starts with = + - @), so a page titled ``=HYPERLINK(…)`` is shown, never
evaluated, and ``#N/A`` is text rather than an error value.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from common.cells import put
from reports import files
from reports.checklist import layout
from reports.checklist.data import Checklist, ChecklistRow
from reports.checklist.notice_sheet import add_notice_sheet
from reports.checklist.row_size import LINE_HEIGHT, row_height

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells the unit fills in
NO_ANSWER_FILL = PatternFill("solid", fgColor="EDEDED")  # 今后注意: nothing to answer
DONE_FONT = Font(color="808080")
UNLOCKED = Protection(locked=False)


def _title_block(ws: Worksheet, cl: Checklist) -> None:
    for (row, column), value in layout.title_cells(cl).items():
        cell = put(ws, row, column, value)
        cell.alignment = WRAP
        if (row, column) in layout.LABELS:
            cell.font = Font(bold=True)
            cell.fill = LABEL_FILL
        if row == layout.HEADER_ROW:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = CENTER
            cell.border = BORDER
    for row, first, last in layout.MERGES:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[4].height = LINE_HEIGHT * 3 + 3
    if cl.fix_advice:
        advice = ws.cell(layout.ADVICE_ROW, 1)
        advice.font = Font(bold=True)
        widths = [sum(c.width for c in layout.VISIBLE)]
        ws.row_dimensions[layout.ADVICE_ROW].height = row_height([cl.fix_advice], widths)
    ws.row_dimensions[layout.HEADER_ROW].height = 20


def _look(cell: Cell, row: ChecklistRow, column: layout.Column) -> None:
    """A problem row's cell as it looks: wrapped (centred for numbers), bordered; the unit's
    cells unlocked and yellow where it answers, grey for 今后注意; done rows in grey text."""
    cell.alignment = CENTER if column.key in ("number", "points", "score", "priority") else WRAP
    cell.border = BORDER
    if row.for_the_future:
        if column.unit:
            cell.fill = NO_ANSWER_FILL
    elif not row.answerable:
        cell.font = DONE_FONT
    elif column.unit:
        cell.protection = UNLOCKED
        cell.fill = ANSWER_FILL


def _rows(ws: Worksheet, cl: Checklist) -> list[int]:
    """Problem rows; returns the sheet rows the unit answers.

    Setting a style attribute makes openpyxl hash the style object to find it in the
    workbook's list — most of the time a large checklist took. Each combination of a cell's
    style after `put` (the quote prefix) and its look is styled once; the other cells with the
    same combination get a copy of its style ids (the same file, several times faster)."""
    widths = [c.width for c in layout.COLUMNS]
    answer_cells = []
    styled: dict[tuple, StyleArray] = {}
    for offset, row in enumerate(cl.rows):
        r = layout.FIRST_ROW + offset
        values = layout.row_values(row)
        looks = (row.for_the_future, row.answerable)
        for i, (column, value) in enumerate(zip(layout.COLUMNS, values, strict=True), start=1):
            cell = put(ws, r, i, value)
            before = None if cell._style is None else tuple(cell._style)  # None: no style yet
            key = (before, column.key, looks)
            done = styled.get(key)
            if done is None:
                _look(cell, row, column)
                styled[key] = copy(cell._style)
            else:
                cell._style = copy(done)
        if row.url:
            ws.cell(row=r, column=layout.col("reason")).hyperlink = row.url
        if row.answerable:
            answer_cells.append(r)
        ws.row_dimensions[r].height = row_height(values, widths)
    return answer_cells


def _ranges(rows: list[int], column: int) -> list[str]:
    """Runs of consecutive rows as ranges of one column: [7, 8, 9, 12] → L7:L9, L12:L12."""
    letter = get_column_letter(column)
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    return [f"{letter}{a}:{letter}{b}" for a, b in runs]


def _validation(ws: Worksheet, rows: list[int]) -> None:
    if not rows:
        return
    choices = ",".join(layout.ANSWER_CHOICES)
    dv = DataValidation(
        type="list",
        formula1=f'"{choices}"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="整改情况",
        error=f"请从下拉列表中选择：{'、'.join(layout.ANSWER_CHOICES)}",
        showInputMessage=True,
        promptTitle="整改情况",
        prompt=" / ".join(layout.ANSWER_CHOICES),
    )
    for cells in _ranges(rows, layout.col("answer")):
        dv.add(cells)
    ws.add_data_validation(dv)
    limit = layout.NOTE_MAX_CHARS
    length = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1=str(limit),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="整改说明",
        error=f"整改说明不超过{limit}字；详细材料请另行报送。",
    )
    for cells in _ranges(rows, layout.col("note")):
        length.add(cells)
    ws.add_data_validation(length)


def _print_setup(ws: Worksheet, last_row: int) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as it takes, one page wide
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{layout.HEADER_ROW}:{layout.HEADER_ROW}"
    ws.print_area = f"A1:{layout.LAST_VISIBLE}{last_row}"
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _meta(wb: Workbook, cl: Checklist) -> None:
    meta = wb.create_sheet(layout.META_SHEET)
    for row, (key, value) in enumerate(layout.meta_rows(cl), start=1):
        put(meta, row, 1, key)
        put(meta, row, 2, value)
    meta.sheet_state = "veryHidden"  # not offered by Excel's "Unhide"
    meta.protection.sheet = True


def build_workbook(cl: Checklist) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = layout.SHEET
    for i, column in enumerate(layout.COLUMNS, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = column.width
        dim.hidden = column.hidden
    _title_block(ws, cl)
    _validation(ws, _rows(ws, cl))
    last_row = max(layout.HEADER_ROW, layout.FIRST_ROW + len(cl.rows) - 1)
    ws.freeze_panes = f"A{layout.FIRST_ROW}"
    _print_setup(ws, last_row)
    ws.protection.sheet = True
    ws.protection.formatRows = False  # allowed: a unit may make a row taller for its answer
    add_notice_sheet(wb, cl)
    _meta(wb, cl)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = layout.title(cl)
    wb.properties.creator = "zwgk"
    return wb


def write_xlsx(cl: Checklist, path: Path) -> Path:
    with files.written(path) as tmp:
        build_workbook(cl).save(tmp)
    return path
