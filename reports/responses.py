"""Reading returned checklists (整改清单) back: `zwgk responses import FILE.xlsx`.

A returned sheet is checked whole before anything is stored:
- it is an xlsx with the sheets 整改清单 and ``_meta``, and ``_meta`` names a stored round and a
  unit of it;
- every cell the unit may not edit — title block, headers, and on each problem row (matched by
  the hidden 问题编号, the fingerprint) every column but 整改情况/整改说明 — equals what the round
  says now; no row or column was added;
- 整改情况 is 已整改/整改中/无法整改 or empty, 无法整改 comes with a 整改说明, and a 整改说明 comes
  with a 整改情况.

Every refusal names sheet, row and column (``整改清单!G7``); all of them are reported together,
and a refused file records nothing. Accepted answers go to the store in one transaction
(`store.responses`: history kept, the latest answer wins; a row left empty records nothing and
an answer equal to the one in force is not repeated).
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from reports.checklist import layout
from reports.checklist.data import ANSWER_CODES, Checklist, ChecklistError, load_checklists
from store.responses import Answer, record_responses

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

SHOWN = 40  # characters of a cell value quoted in a message


class ResponseError(ValueError):
    """A returned checklist that cannot be recorded; ``problems`` lists each refusal."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: 未导入（{len(problems)}处问题）\n" + "\n".join(problems))


@dataclass(frozen=True)
class Imported:
    """An accepted file: answers recorded, answers already in force, problems left blank."""

    source: str
    round_id: str
    unit_id: str
    recorded: int
    unchanged: int
    blank: int


def _show(value: Any) -> str:
    if value is None or value == "":
        return "空"
    text = str(value).replace("\n", " ")
    return f"“{text[:SHOWN]}…”" if len(text) > SHOWN else f"“{text}”"


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n")
        return value if value.strip() else None
    return value


def same(found: Any, expected: Any) -> bool:
    """Cell equality as a spreadsheet program keeps it: numbers by value, text exactly."""
    found, expected = _norm(found), _norm(expected)
    numbers = (int, float)
    if isinstance(found, numbers) and isinstance(expected, numbers):
        return abs(float(found) - float(expected)) < 1e-6
    return found == expected


def _open(path: Path, source: str) -> Any:
    try:
        return load_workbook(path)
    except FileNotFoundError:
        raise ResponseError(source, [f"{source}: 文件不存在"]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ResponseError(
            source, [f"{source}: 不是有效的 xlsx 文件，请报回导出的整改清单原表（{exc}）"]
        ) from None


def _meta(wb: Any, source: str) -> dict[str, str]:
    if layout.META_SHEET not in wb.sheetnames:
        raise ResponseError(
            source,
            [
                f"{source}: 缺少工作表「{layout.META_SHEET}」，不是 zwgk 导出的整改清单（请用原表填写）"
            ],
        )
    meta = wb[layout.META_SHEET]
    values = {
        str(k): ("" if v is None else str(v))
        for k, v in meta.iter_rows(min_col=1, max_col=2, values_only=True)
        if k is not None
    }
    problems = [
        f"{layout.META_SHEET}: 缺少「{key}」" for key in ("format", "round", "unit", "deadline")
        if not values.get(key)
    ]  # fmt: skip
    if not problems and values["format"] != layout.FORMAT:
        problems.append(f"{layout.META_SHEET}: 清单格式 {values['format']} 不是 {layout.FORMAT}")
    if problems:
        raise ResponseError(source, problems)
    return values


def _expected(store: Store, meta: dict[str, str], source: str) -> Checklist:
    from store.rounds import RoundNotFound

    try:
        deadline = dt.date.fromisoformat(meta["deadline"])
    except ValueError:
        raise ResponseError(
            source, [f"{layout.META_SHEET}: 整改期限 {meta['deadline']!r} 不是日期"]
        ) from None
    try:
        (cl,) = load_checklists(
            store, meta["round"], [meta["unit"]], deadline=deadline, with_answers=False
        )
    except RoundNotFound as exc:
        raise ResponseError(
            source, [f"{layout.META_SHEET}: 测评轮次 {meta['round']} 不存在（{exc}）"]
        ) from None
    except ChecklistError as exc:
        raise ResponseError(
            source,
            [f"{layout.META_SHEET}: 单位 {meta['unit']} 不在测评轮次 {meta['round']} 中（{exc}）"],
        ) from None
    return cl


def _locked_problem(r: int, c: int, found: Any, expected: Any) -> str:
    where = layout.ref(r, c)
    if c > len(layout.COLUMNS):
        return f"{where}: 清单外新增了内容{_show(found)}，请只在「整改情况」「整改说明」列填写"
    title = layout.COLUMNS[c - 1].title
    if r >= layout.FIRST_ROW and layout.COLUMNS[c - 1].unit:
        return f"{where}: 「{title}」此行无需填写（问题状态为已整改），应为空，表中为{_show(found)}"
    if r < layout.FIRST_ROW:
        return f"{where}: 表头内容被修改（应为{_show(expected)}，表中为{_show(found)}）"
    return (
        f"{where}: 锁定列「{title}」被修改（应为{_show(expected)}，表中为{_show(found)}）；"
        "如清单导出后测评结果有变化，请重新导出清单"
    )


def _check_title(ws: Worksheet, cl: Checklist, width: int) -> list[str]:
    expected = layout.title_cells(cl)
    problems = []
    for r in range(1, layout.FIRST_ROW):
        for c in range(1, width + 1):
            found, want = ws.cell(r, c).value, expected.get((r, c))
            if not same(found, want):
                problems.append(_locked_problem(r, c, found, want))
    return problems


def _answer(r: int, values: list[Any], problems: list[str]) -> Answer | None:
    """The unit's answer on sheet row ``r`` (None: left blank); refusals go to ``problems``."""
    a, n = layout.col("answer"), layout.col("note")
    status, note = _norm(values[a - 1]), _norm(values[n - 1])
    if isinstance(status, str):
        status = status.strip()
    note = None if note is None else str(note).strip()
    if status is None:
        if note is not None:
            problems.append(f"{layout.ref(r, a)}: 填写了整改说明，但未选择整改情况")
        return None
    if status not in ANSWER_CODES:
        problems.append(
            f"{layout.ref(r, a)}: 整改情况{_show(status)}无效，"
            f"应为{'、'.join(layout.ANSWER_CHOICES)}之一"
        )
        return None
    if ANSWER_CODES[status] == "cannot_rectify" and note is None:
        problems.append(f"{layout.ref(r, n)}: 选择“无法整改”须在整改说明中写明原因")
        return None
    return Answer(str(values[layout.col("fingerprint") - 1]), ANSWER_CODES[status], note)


def check_sheet(ws: Worksheet, cl: Checklist) -> tuple[list[Answer], int, list[str]]:
    """(answers, rows left blank, refusals) of a filled checklist sheet against ``cl``."""
    width = max(ws.max_column, len(layout.COLUMNS))
    problems = _check_title(ws, cl, width)
    rows = {row.fingerprint: row for row in cl.rows}
    fp_col = layout.col("fingerprint")
    seen: dict[str, int] = {}
    answers: list[Answer] = []
    blank = 0
    for r in range(layout.FIRST_ROW, ws.max_row + 1):
        values = [ws.cell(r, c).value for c in range(1, width + 1)]
        if all(_norm(v) is None for v in values):
            continue
        fp = _norm(values[fp_col - 1])
        if fp is None:
            problems.append(
                f"{layout.ref(r, fp_col)}: 此行不是清单中的问题行（没有问题编号），请勿增加行"
            )
            continue
        fp = str(fp).strip()
        if fp in cl.dismissed:
            problems.append(
                f"{layout.ref(r, fp_col)}: 问题 {fp} 已被驳回，不再列入整改清单；请重新导出清单"
            )
            continue
        if fp not in rows:
            problems.append(
                f"{layout.ref(r, fp_col)}: 问题编号 {fp} 不是{cl.unit_name}在{cl.round_id}的问题"
            )
            continue
        if fp in seen:
            problems.append(f"{layout.ref(r, fp_col)}: 问题编号 {fp} 与第{seen[fp]}行重复")
            continue
        seen[fp] = r
        row = rows[fp]
        expected = layout.row_values(row, answers=False)
        expected += [None] * (width - len(expected))
        for c, (found, want) in enumerate(zip(values, expected, strict=True), start=1):
            editable = c <= len(layout.COLUMNS) and layout.COLUMNS[c - 1].unit and row.answerable
            if not editable and not same(found, want):
                problems.append(_locked_problem(r, c, found, want))
        if row.answerable:
            answer = _answer(r, values, problems)
            if answer is None:
                blank += 1
            else:
                answers.append(answer)
    return answers, blank, problems


def read_responses(store: Store, path: Path | str) -> tuple[Checklist, list[Answer], int]:
    """Check a returned checklist; (the checklist it answers, its answers, rows left blank).

    Raises `ResponseError` listing every refusal; stores nothing."""
    path = Path(path)
    source = path.name
    wb = _open(path, source)
    if layout.SHEET not in wb.sheetnames:
        raise ResponseError(source, [f"{source}: 缺少工作表「{layout.SHEET}」"])
    cl = _expected(store, _meta(wb, source), source)
    answers, blank, problems = check_sheet(wb[layout.SHEET], cl)
    if problems:
        raise ResponseError(source, problems)
    return cl, answers, blank


def import_responses(store: Store, path: Path | str, *, at: dt.datetime | None = None) -> Imported:
    """Check a returned checklist and record its answers (all of them, or nothing)."""
    cl, answers, blank = read_responses(store, path)
    source = Path(path).name
    done = record_responses(store, cl.round_id, cl.unit_id, answers, source=source, at=at)
    log.info(
        "%s: %s %s — %d answers recorded, %d unchanged, %d blank",
        source,
        cl.round_id,
        cl.unit_id,
        done.recorded,
        done.unchanged,
        blank,
    )
    return Imported(source, cl.round_id, cl.unit_id, done.recorded, done.unchanged, blank)
