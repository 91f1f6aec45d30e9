"""Writing one spreadsheet cell safely — shared by every workbook zwgk writes (checklists, round
and month reports, the impact of a new set, the audit log, accounts).

Crawled text is untrusted: a title such as `=HYPERLINK("http://x","y")` must arrive in Excel or
WPS as the text it is, never as a formula (OWASP "CSV/formula injection"). openpyxl stores any
string starting with "=" as a formula unless told otherwise, so every string is a string cell,
and one starting with = + - @ also gets Excel's quote prefix (shown as text even after editing).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")


def plain(value: Any) -> Any:
    """A value openpyxl can store: NA/NaN → empty, numpy scalars → Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Set a cell; text is always a string cell, never a formula or an error value."""
    cell = ws.cell(row=row, column=column)
    cell.value = plain(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell
