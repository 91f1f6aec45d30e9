"""The checklist as CSV: UTF-8 with a BOM (``utf-8-sig``) so Excel and WPS detect the encoding,
one row per problem with the unit and round on every row (files of many units concatenate), and
the page as a column of its own. No internal codes: no unit id, no problem fingerprint.

Excel evaluates a CSV cell that starts with = + - @ as a formula, so such text gets a leading
apostrophe here (the OWASP advice against CSV injection); the XLSX keeps text exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from common import cells
from reports import files
from reports.checklist import layout
from reports.checklist.data import Checklist

UNIT_COLUMNS = ("单位", "测评轮次")
EXTRA_COLUMNS = ("网页",)
CSV_COLUMNS = (*UNIT_COLUMNS, *(c.title for c in layout.VISIBLE), *EXTRA_COLUMNS)
FORMULA_STARTS = (*cells.FORMULA_STARTS, "\t", "\r")  # OWASP: tab and CR too, in CSV


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def checklist_frame(cl: Checklist) -> pd.DataFrame:
    """The rows as shown (before escaping), columns `CSV_COLUMNS`."""
    records = []
    for row in cl.rows:
        values = dict(zip(layout.COLUMNS, layout.row_values(row), strict=True))
        records.append(
            [cl.unit_name, cl.round_label] + [values[c] for c in layout.VISIBLE] + [row.url]
        )
    return pd.DataFrame(records, columns=list(CSV_COLUMNS), dtype=object)


def write_csv(cl: Checklist, path: Path) -> Path:
    frame = checklist_frame(cl)
    # Cell by cell, kept as objects: a column of whole numbers with blanks (优先级) would become
    # floats and print as 1.0.
    frame = frame.apply(
        lambda column: pd.Series([csv_safe(v) for v in column], index=column.index, dtype=object)
    )
    with files.written(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
