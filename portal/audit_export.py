"""The audit log as people read it: Chinese column names, Beijing time, unit names — on the
page and in the CSV and XLSX exports (the same columns in all three).

Text in the log can come from crawled pages or units (a unit's name, a problem's title in a
before/after value), so the CSV escapes formula starts as the checklists do, and the XLSX goes
through `common.cells.put` (string cells, quote prefix).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from common import cells
from portal.viewer import UNITS
from reports.checklist.csv_file import csv_safe
from store import Store
from store.types import beijing_time

HEADERS = {
    "at": "时间（北京时间）",
    "actor": "操作人",
    "action_zh": "操作",
    "round": "测评轮次",
    "unit": "单位",
    "target": "对象",
    "before": "变更前",
    "after": "变更后",
    "address": "来源地址",
}
WIDTHS = {"at": 18, "actor": 14, "action_zh": 14, "round": 10, "unit": 24, "target": 30,
          "before": 40, "after": 40, "address": 16}  # fmt: skip


def unit_names(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(UNITS.c.id, UNITS.c.name)).all())


def _json_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def shown_rows(frame: pd.DataFrame, names: dict[str, str]) -> list[dict[str, str]]:
    """Each entry as the texts shown under `HEADERS` (keys: its field names)."""
    rows = []
    for entry in frame.to_dict("records"):
        unit_id = entry.get("unit_id")
        unit = "" if not unit_id else f"{names.get(unit_id, unit_id)}（{unit_id}）"
        rows.append(
            {
                "at": beijing_time(entry["at"]),
                "actor": entry["actor"] or "",
                "action_zh": entry["action_zh"] or "",
                "round": entry.get("round") or "",
                "unit": unit,
                "target": entry.get("target") or "",
                "before": _json_text(entry.get("before")),
                "after": _json_text(entry.get("after")),
                "address": entry.get("address") or "",
            }
        )
    return rows


def to_csv(rows: list[dict[str, str]]) -> bytes:
    """UTF-8 with a BOM (Excel and WPS read it as UTF-8), CRLF, formula starts escaped."""
    frame = pd.DataFrame(
        [[csv_safe(row[key]) for key in HEADERS] for row in rows],
        columns=list(HEADERS.values()),
        dtype=object,
    )
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    for column, (key, title) in enumerate(HEADERS.items(), 1):
        cells.put(sheet, 1, column, title)
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[key]
    for number, row in enumerate(rows, 2):
        for column, key in enumerate(HEADERS, 1):
            cells.put(sheet, number, column, row[key])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
