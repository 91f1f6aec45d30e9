"""The checklist sheet (整改清单) of a returned file, cell by cell against the round.

`check_sheet` reads the sheet a unit filled in and compares it with the checklist the round
gives for that unit (`reports.checklist.data.Checklist`, placed by `reports.checklist.layout`):
- every cell the unit may not edit — title block, headers, and on each problem row (matched by
  the hidden 问题编号, the fingerprint) every column but 整改情况/整改说明, and those too on rows
  not to answer (已整改, 超出测评期, and 今后注意: a one-time event cannot be rectified) — equals
  what the round says; no row or column was added, no problem row deleted (named by its 序号);
- no cell holds a formula or an error value;
- 整改情况 is 已整改/整改中/无法整改 or empty, 无法整改 comes with a 整改说明, a 整改说明 comes
  with a 整改情况 and is at most `layout.NOTE_MAX_CHARS` characters.

It reads the cells the sheet holds (`reports.untrusted_xlsx.stored_rows`), at most `sheet_limit`
bytes of XML — what the round's rows for the unit can account for — and stops at `MAX_LISTED`
refusals, each naming sheet, row and column (``整改清单!G7``). Opening the file, its ``_meta``
sheet and recording the answers are `reports.responses`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reports.checklist import layout
from reports.checklist.data import ANSWER_CODES, FUTURE_ZH, Checklist, ChecklistRow
from reports.untrusted_xlsx import StoredCell, stored_rows
from store.responses import Answer
from store.text import inert

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

SHOWN = 40  # characters of a cell value quoted in a message
MAX_LISTED = 50  # refusals listed for one file; reading stops there
WIDTH = len(layout.COLUMNS)  # the current format's; a returned sheet's is its `SheetLayout`'s
# The checklist sheet's XML may hold what the round's rows say, several times over (XML escapes,
# styles), plus the longest answers: beyond that it is not a checklist of this round.
SHEET_BASE_BYTES, SHEET_ROW_BYTES, TEXT_FACTOR = 1024 * 1024, 64 * 1024, 8


class Enough(Exception):
    """`MAX_LISTED` refusals found: enough to send the file back."""


class Refusals(list[str]):
    """The refusals of one file, in sheet order; appending the `MAX_LISTED`-th raises `Enough`
    (a file with thousands of bad rows is not read to its end)."""

    def append(self, problem: str) -> None:
        super().append(problem)
        if len(self) >= MAX_LISTED:
            raise Enough

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.append(problem)


def clip(value: Any) -> str:
    """A cell value for a message: made inert, on one line, at most `SHOWN` characters."""
    text = (inert(str(value)) or "").replace("\n", " ")
    return f"{text[:SHOWN]}…" if len(text) > SHOWN else text


def quoted(value: Any) -> str:
    """A cell value quoted for a message (“…”), or 空 when empty."""
    if value is None or value == "":
        return "空"
    return f"“{clip(value)}”"


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


def _locked_problem(
    r: int,
    c: int,
    found: Any,
    expected: Any,
    row: ChecklistRow | None = None,
    shape: layout.SheetLayout = layout.sheet_layout(),
) -> str:
    where = layout.ref(r, c)
    if c > shape.width:
        return f"{where}: 清单外新增了内容{quoted(found)}，请只在「整改情况」「整改说明」列填写"
    title = shape.columns[c - 1].title
    if r >= layout.FIRST_ROW and shape.columns[c - 1].unit:
        if row is not None and row.for_the_future:
            return (
                f"{where}: 「{title}」此行无需填写——该问题是已经发生、无法整改的一次性问题"
                f"（状态“{FUTURE_ZH}”），今后注意避免即可，不需答复；应为空，表中为{quoted(found)}"
            )
        status = row.status_zh if row is not None else "已整改"
        return (
            f"{where}: 「{title}」此行无需填写（问题状态为{status}），应为空，表中为{quoted(found)}"
        )
    if r < layout.FIRST_ROW:
        return f"{where}: 表头内容被修改（应为{quoted(expected)}，表中为{quoted(found)}）"
    return (
        f"{where}: 锁定列「{title}」被修改（应为{quoted(expected)}，表中为{quoted(found)}）；"
        "如清单导出后测评结果有变化，请重新导出清单"
    )


def _not_text(cell: StoredCell) -> str | None:
    """Why a cell cannot be read as what the unit wrote (a formula, an error value), or None."""
    where = layout.ref(cell.row, cell.column)
    if cell.kind == "f":
        text = getattr(cell.value, "text", cell.value)  # ArrayFormula keeps its text apart
        formula = quoted(text) if isinstance(text, str) else ""
        return (
            f"{where}: 单元格中是公式{formula}，清单只收文字；请删除公式，直接输入文字"
            "（要以“=”开头，请先输入英文单引号'）"
        )
    if cell.kind == "e":
        return f"{where}: 单元格是错误值{quoted(cell.value)}，请删除后直接输入文字"
    return None


def _check_title(
    title: dict[tuple[int, int], Any],
    skip: set[tuple[int, int]],
    cl: Checklist,
    shape: layout.SheetLayout,
):
    expected = shape.title_cells(cl)
    for r in range(1, layout.FIRST_ROW):
        for c in range(1, shape.width + 1):
            found, want = title.get((r, c)), expected.get((r, c))
            if (r, c) not in skip and not same(found, want):
                yield _locked_problem(r, c, found, want, shape=shape)


@dataclass(frozen=True)
class AnswerRefusal:
    """Why an answer cannot be recorded: the field at fault (``answer``: 整改情况, ``note``:
    整改说明) and the reason, without the cell (the sheet adds it; the portal shows it)."""

    field: str
    message: str


def read_answer(fingerprint: str, status: Any, note: Any) -> Answer | AnswerRefusal | None:
    """An answer as the unit gave it — 整改情况 in Chinese (已整改/整改中/无法整改), 整改说明 —
    checked by the rules every answer follows, in a returned sheet or on the portal: None when
    left blank, else the `Answer` or an `AnswerRefusal`. (Whether the problem takes an answer
    at all is the row's: `ChecklistRow.answerable`.)"""
    status, note = _norm(inert(status)), _norm(inert(note))
    if isinstance(status, str):
        status = status.strip()
    note = None if note is None else str(note).strip()
    if note is not None and len(note) > layout.NOTE_MAX_CHARS:
        return AnswerRefusal(
            "note",
            f"整改说明共{len(note)}字，超过{layout.NOTE_MAX_CHARS}字的上限；"
            "请精简，详细材料请另行报送",
        )
    if status is None:
        if note is not None:
            return AnswerRefusal("answer", "填写了整改说明，但未选择整改情况")
        return None
    if status not in ANSWER_CODES:
        return AnswerRefusal(
            "answer",
            f"整改情况{quoted(status)}无效，应为{'、'.join(layout.ANSWER_CHOICES)}之一",
        )
    if ANSWER_CODES[status] == "cannot_rectify" and note is None:
        return AnswerRefusal("note", "选择“无法整改”须在整改说明中写明原因")
    return Answer(fingerprint, ANSWER_CODES[status], note)


def _answer(
    r: int, values: list[Any], problems: list[str], shape: layout.SheetLayout
) -> Answer | None:
    """The unit's answer on sheet row ``r`` (None: left blank); refusals go to ``problems``."""
    found = read_answer(
        str(values[shape.col("fingerprint") - 1]).strip(),
        values[shape.col("answer") - 1],
        values[shape.col("note") - 1],
    )
    if isinstance(found, AnswerRefusal):
        problems.append(f"{layout.ref(r, shape.col(found.field))}: {found.message}")
        return None
    return found


@dataclass
class _Sheet:
    """What reading the checklist sheet found so far."""

    cl: Checklist
    problems: Refusals
    answers: list[Answer]
    shape: layout.SheetLayout
    blank: int = 0

    def __post_init__(self) -> None:
        self.rows = {row.fingerprint: row for row in self.cl.rows}
        self.seen: dict[str, int] = {}

    def row(self, r: int, values: list[Any], refused: set[int]) -> None:
        """Problem row ``r`` (``values`` in the sheet's columns' order; columns in
        ``refused`` already refused)."""
        problems, shape = self.problems, self.shape
        fp_col = shape.col("fingerprint")
        fp = _norm(values[fp_col - 1])
        if fp_col in refused:
            return
        if fp is None:
            problems.append(
                f"{layout.ref(r, fp_col)}: 此行不是清单中的问题行（没有问题编号），请勿增加行"
            )
            return
        fp = str(fp).strip()
        if fp in self.cl.dismissed:
            problems.append(
                f"{layout.ref(r, fp_col)}: 问题 {fp} 已被驳回，不再列入整改清单；请重新导出清单"
            )
            return
        if fp not in self.rows:
            problems.append(
                f"{layout.ref(r, fp_col)}: 问题编号 {clip(fp)} 不是"
                f"{self.cl.unit_name}在{self.cl.round_id}的问题"
            )
            return
        if fp in self.seen:
            problems.append(f"{layout.ref(r, fp_col)}: 问题编号 {fp} 与第{self.seen[fp]}行重复")
            return
        self.seen[fp] = r
        row = self.rows[fp]
        expected = shape.row_values(row, answers=False)
        for c, (found, want) in enumerate(zip(values, expected, strict=True), start=1):
            editable = shape.columns[c - 1].unit and row.answerable
            if c not in refused and not editable and not same(found, want):
                problems.append(_locked_problem(r, c, found, want, row, shape))
        if row.answerable and not refused & {shape.col("answer"), shape.col("note")}:
            answer = _answer(r, values, problems, shape)
            if answer is None:
                self.blank += 1
            else:
                self.answers.append(answer)

    def missing(self) -> Iterable[str]:
        """Problem rows of the checklist that the sheet no longer has (a row deleted)."""
        for offset, row in enumerate(self.cl.rows):
            if row.fingerprint not in self.seen:
                yield (
                    f"{layout.ref(layout.FIRST_ROW + offset, 1)}: 缺少序号{row.number}的问题行"
                    f"（问题编号 {row.fingerprint}），请勿删除行；请用导出的原表重新填写"
                )


def sheet_limit(cl: Checklist) -> int:
    """Bytes of sheet XML a returned checklist of ``cl`` may hold (see `SHEET_ROW_BYTES`)."""
    text = sum(
        len(str(v).encode()) for row in cl.rows for v in layout.row_values(row) if v is not None
    )
    return SHEET_BASE_BYTES + TEXT_FACTOR * text + SHEET_ROW_BYTES * len(cl.rows)


def check_sheet(
    ws: ReadOnlyWorksheet, cl: Checklist, shape: layout.SheetLayout = layout.sheet_layout()
) -> tuple[list[Answer], int, list[str]]:
    """(answers, rows left blank, refusals) of a filled checklist sheet against ``cl``, laid
    out as ``shape`` (the format its ``_meta`` names: the current one, or the previous one).

    Reads the cells the sheet holds (`stored_rows`), at most `sheet_limit` bytes of it, and stops
    at `MAX_LISTED` refusals."""
    problems = Refusals()
    sheet = _Sheet(cl, problems, [], shape)
    width = shape.width
    title: dict[tuple[int, int], Any] = {}
    skip: set[tuple[int, int]] = set()
    title_checked = False
    too_large = (
        f"{layout.SHEET}: 内容远多于本单位的{len(cl.rows)}条问题，不是这份整改清单；"
        "请勿增加行或粘贴大段内容，请用导出的原表重新填写"
    )
    try:
        for r, cells in stored_rows(ws, limit=sheet_limit(cl), too_large=too_large):
            if r >= layout.FIRST_ROW and not title_checked:
                problems.extend(_check_title(title, skip, cl, shape))
                title_checked = True
            values: list[Any] = [None] * width
            refused: set[int] = set()
            for cell in cells:
                if _norm(cell.value) is None:
                    continue  # a cell with a style only
                why = _not_text(cell)
                if why is not None:
                    problems.append(why)
                    refused.add(cell.column)
                    skip.add((cell.row, cell.column))
                    if cell.column <= width:
                        values[cell.column - 1] = "="  # the row is not empty
                elif cell.column > width:
                    problems.append(
                        _locked_problem(cell.row, cell.column, cell.value, None, shape=shape)
                    )
                elif cell.row < layout.FIRST_ROW:
                    title[(cell.row, cell.column)] = cell.value
                else:
                    values[cell.column - 1] = cell.value
            if r >= layout.FIRST_ROW and any(_norm(v) is not None for v in values):
                sheet.row(r, values, refused)
        if not title_checked:
            problems.extend(_check_title(title, skip, cl, shape))
        problems.extend(sheet.missing())
    except Enough:
        list.append(
            problems, f"{layout.SHEET}: ……问题过多，以上只列出前{MAX_LISTED}处，请用原表重新填写"
        )
    return sheet.answers, sheet.blank, problems
