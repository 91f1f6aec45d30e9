"""The impact of a new indicator set as an XLSX for the office's meeting (新指标体系影响评估):
sheets 概况 (units, flips, means per level), 单位 (every unit under both sets), 指标影响 (each
indicator's movement) and 结果变化的单位 (the units whose result flips).

Why here and not in `reports/`: the command that asks for it, `zwgk indicators diff --impact`,
lives in `scoring.indicator_cli`, and scoring may not import reports (ARCHITECTURE.md's layers).
Writing it in reports would split one command over two layers (the `--out` wiring moved up into
`zwgk/`) for four plain sheets of a frame scoring already holds, so the workbook is written here
with openpyxl, each cell through `common.cells.put` as every workbook of zwgk: unit names and
other text go into cells as string values, never formulas (a text starting with = + - @ gets
Excel's quote prefix too). The file is written under a temporary name and renamed, whole or absent, as
`reports/files.py` does.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from common.cells import put
from scoring.impact import FLIP_ZH, TO_FAIL, TO_PASS, Impact, result_zh

SHEETS = ("概况", "单位", "指标影响", "结果变化的单位")
_BOLD = Font(bold=True)


def labels(impact: Impact) -> tuple[str, str]:
    """How the two sets are named in headers: their ids, or A / B when the ids are the same."""
    a, b = str(impact.set_a.id), str(impact.set_b.id)
    return (a, b) if a != b else ("A", "B")


def write_impact(impact: Impact, path: Path | str, *, changed: Collection[str] = ()) -> Path:
    """Write ``impact`` to ``path``; ``changed``: ids of indicators both sets hold that B
    changed (shown 修改; the others 新增 / 删除 / 未变)."""
    book = Workbook()
    book.remove(book.active)
    _overview(book.create_sheet(SHEETS[0]), impact)
    la, lb = labels(impact)
    unit_head = ["单位名称", "单位代码", "单位层级", f"总分（{la}）", f"总分（{lb}）", "分值变化",
                 f"排名（{la}）", f"排名（{lb}）", "名次变化", f"结果（{la}）", f"结果（{lb}）",
                 "结果变化", "主要影响指标"]  # fmt: skip
    _table(
        book.create_sheet(SHEETS[1]), unit_head, [_unit_row(impact, r) for r in _rows(impact.units)]
    )
    _table(
        book.create_sheet(SHEETS[2]),
        [
            "指标编号",
            "指标名称",
            "变动",
            "各单位分值变化合计",
            "平均每单位",
            "上升单位数",
            "下降单位数",
        ],
        [_indicator_row(impact, r, changed) for r in _rows(impact.indicators)],
    )
    flips = [_unit_row(impact, r) for r in _rows(impact.flips)]
    _table(book.create_sheet(SHEETS[3]), unit_head, flips or [["（没有结果变化的单位）"]])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        book.save(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def _rows(frame: Any) -> list[Any]:
    return list(frame.itertuples(index=False))


def _overview(ws: Worksheet, impact: Impact) -> None:
    la, lb = labels(impact)
    units = impact.units
    compared = units[units["total_a"].notna() & units["total_b"].notna()]
    flips = units["flip"]
    head = [
        ("新指标体系影响评估", None),
        ("测评轮次", impact.round_id),
        ("测评日期", impact.as_of.isoformat()),
        (f"指标体系 {la}", _set_text(impact.set_a)),
        (f"指标体系 {lb}", _set_text(impact.set_b)),
        ("单位数", len(units)),
        ("两套指标下均有得分的单位数", len(compared)),
        ("结果变化的单位数", int((flips != "").sum())),
        (FLIP_ZH[TO_FAIL], int((flips == TO_FAIL).sum())),
        (FLIP_ZH[TO_PASS], int((flips == TO_PASS).sum())),
        ("平均分值变化", _number(compared["change"].mean()) if len(compared) else None),
        ("说明", f"同一轮次的抓取数据、测评日期和测评人员核定结果，分别按{la}和{lb}计分。"),
    ]
    for n, (label, value) in enumerate(head, start=1):
        put(ws, n, 1, label).font = _BOLD
        put(ws, n, 2, value)
    start = len(head) + 2
    level_head = ["单位层级", "单位数", "参与比较", f"平均分（{la}）", f"平均分（{lb}）", "平均变化",
                  f"合格数（{la}）", f"合格数（{lb}）", FLIP_ZH[TO_PASS], FLIP_ZH[TO_FAIL]]  # fmt: skip
    _table(ws, level_head, [list(r) for r in _rows(impact.by_level())], start=start)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40


def _set_text(indicator_set: Any) -> str:
    name = getattr(indicator_set, "name", "") or ""
    return f"{name}（{indicator_set.id} {indicator_set.version}）".strip()


def _unit_row(impact: Impact, r: Any) -> list[Any]:
    return [r.name, r.unit_id, r.level, r.total_a, r.total_b, r.change, r.rank_a, r.rank_b,
            r.rank_change, result_zh(r, "a"), result_zh(r, "b"), FLIP_ZH.get(r.flip, ""),
            impact.causes_text(r.causes)]  # fmt: skip


def _indicator_row(impact: Impact, r: Any, changed: Collection[str]) -> list[Any]:
    if r.in_a and r.in_b:
        status = "修改" if r.indicator_id in changed else "未变"
    else:
        status = "新增" if r.in_b else "删除" if r.in_a else "—"
    return [
        r.indicator_id,
        impact.line_name(r.indicator_id),
        status,
        r.movement,
        r.mean,
        r.units_up,
        r.units_down,
    ]


def _table(
    ws: Worksheet, head: Sequence[str], rows: Sequence[Sequence[Any]], start: int = 1
) -> None:
    for c, text in enumerate(head, start=1):
        put(ws, start, c, text).font = _BOLD
        width = max(10, 2 * len(text) + 2)
        letter = ws.cell(row=start, column=c).column_letter
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
    for n, row in enumerate(rows, start=start + 1):
        for c, value in enumerate(row, start=1):
            put(ws, n, c, value)
    if start == 1:
        ws.freeze_panes = "A2"


def _number(value: Any) -> float | None:
    return (
        None
        if value is None or (isinstance(value, float) and math.isnan(value))
        else round(value, 4)
    )
