"""The notice (整改通知, `reports.checklist.notice`) as the second sheet of the checklist
workbook: one column of text merged over four, the tables of points lost by 一级指标, of the
indicators not evaluated and of the score's change since the previous round (得分变化说明), the
signature block on the right; A4 portrait, protected. The import does not read it (the
office's details may change after the export)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from common.cells import put
from reports.checklist import layout
from reports.checklist.data import Checklist
from reports.checklist.notice import (
    CHANGE_HEADERS,
    NOT_EVALUATED_HEADERS,
    SUMMARY_HEADERS,
    build_notice,
)
from reports.checklist.row_size import row_height

WIDTHS = (24, 24, 12, 30)
INDENT = "\u3000\u3000"  # two full-width spaces: a Chinese paragraph's first-line indent
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TEXT = Alignment(wrap_text=True, vertical="top")
RIGHT = Alignment(horizontal="right", vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


class _Writer:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1

    def line(self, text: str, *, align: Alignment = TEXT, font: Font | None = None) -> None:
        """A line of text over the four columns."""
        cell = put(self.ws, self.row, 1, text)
        cell.alignment = align
        if font is not None:
            cell.font = font
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=4)
        self.ws.row_dimensions[self.row].height = row_height([text], [sum(WIDTHS)])
        self.row += 1

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A bordered table; three headers span the last two columns with the last one."""
        spans = [(1, 1), (2, 2), (3, 4)] if len(headers) == 3 else [(c, c) for c in range(1, 5)]
        for r, values in enumerate([headers, *rows]):
            widths = []
            for (first, last), value in zip(spans, values, strict=True):
                cell = put(self.ws, self.row, first, value)
                cell.alignment = CENTER if r == 0 or first > 1 and len(headers) == 4 else TEXT
                if r == 0:
                    cell.font, cell.fill = Font(bold=True), HEADER_FILL
                for c in range(first, last + 1):
                    self.ws.cell(self.row, c).border = BORDER
                if last > first:
                    self.ws.merge_cells(
                        start_row=self.row, start_column=first, end_row=self.row, end_column=last
                    )
                widths.append(sum(WIDTHS[first - 1 : last]))
            self.ws.row_dimensions[self.row].height = row_height(list(values), widths)
            self.row += 1

    def gap(self) -> None:
        self.row += 1


def add_notice_sheet(wb: Workbook, cl: Checklist) -> Worksheet:
    notice = build_notice(cl)
    ws = wb.create_sheet(layout.NOTICE_SHEET)
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions["ABCD"[i]].width = width
    out = _Writer(ws)
    if notice.number:
        out.line(notice.number, align=RIGHT)
    out.line(notice.title, align=CENTER, font=Font(bold=True, size=16))
    out.gap()
    out.line(notice.salutation)
    for paragraph in notice.paragraphs:
        out.line(INDENT + paragraph)
    if notice.summary:
        out.gap()
        out.line("失分情况（按一级指标）", font=Font(bold=True))
        out.table(SUMMARY_HEADERS, notice.summary)
        if notice.summary_note:
            out.line(notice.summary_note)
    if notice.not_evaluated:
        out.gap()
        out.line("本轮未能评估的指标（不计分，总分按其余指标折算）", font=Font(bold=True))
        out.table(NOT_EVALUATED_HEADERS, notice.not_evaluated)
    out.gap()
    out.line("得分变化说明", font=Font(bold=True))
    for sentence in notice.change:
        out.line(INDENT + sentence)
    if notice.change_rows:
        out.table(CHANGE_HEADERS, notice.change_rows)
    if notice.contact:
        out.gap()
        out.line(INDENT + notice.contact)
    out.gap()
    for line in (*notice.signature, notice.date):
        out.line(line, align=RIGHT)
    out.gap()
    out.line(notice.attachment)
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.7, right=0.7, top=0.8, bottom=0.8)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.print_area = f"A1:D{max(out.row - 1, 1)}"
    ws.protection.sheet = True
    return ws
