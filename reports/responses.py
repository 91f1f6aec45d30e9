"""Reading returned checklists (整改清单) back: `zwgk responses import FILE.xlsx`.

A returned sheet is checked whole before anything is stored:
- it is an xlsx with the sheets 整改清单 and ``_meta``, and ``_meta`` names a stored round and a
  unit of it;
- every cell the unit may not edit — title block, headers, and on each problem row (matched by
  the hidden 问题编号, the fingerprint) every column but 整改情况/整改说明 — equals what the round
  says now; no row or column was added;
- every problem row of the checklist is there (a deleted row is named by its 序号); no cell
  holds a formula or an error value;
- 整改情况 is 已整改/整改中/无法整改 or empty, 无法整改 comes with a 整改说明, a 整改说明 comes
  with a 整改情况 and is at most `layout.NOTE_MAX_CHARS` characters.

The file is untrusted (`reports.untrusted_xlsx`): its sizes are checked before openpyxl opens it,
and the checklist sheet is read as the cells it holds, at most `sheet_limit` bytes of XML — what
the round's rows for the unit can account for. So the cost follows the round, never the sheet's
``max_row × max_column``. Text taken from the file is made inert (`store.text.inert`) before it
is stored or quoted in a message.

Every refusal names sheet, row and column (``整改清单!G7``); they are reported together (at most
`MAX_LISTED`), and a refused file records nothing. Accepted answers go to the store in one
transaction (`store.responses`: history kept, the latest answer wins; a row left empty records
nothing and an answer equal to the one in force is not repeated).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.checklist import layout
from reports.checklist.data import ANSWER_CODES, Checklist, ChecklistError, load_checklists
from reports.untrusted_xlsx import StoredCell, UntrustedXlsxError, open_untrusted, stored_rows
from store.responses import Answer, record_responses
from store.text import inert

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from store import Store

log = logging.getLogger(__name__)

SHOWN = 40  # characters of a cell value quoted in a message
MAX_LISTED = 50  # refusals listed for one file; reading stops there
WIDTH = len(layout.COLUMNS)
META_ROWS, META_BYTES = 20, 64 * 1024  # _meta holds five rows
# The checklist sheet's XML may hold what the round's rows say, several times over (XML escapes,
# styles), plus the longest answers: beyond that it is not a checklist of this round.
SHEET_BASE_BYTES, SHEET_ROW_BYTES, TEXT_FACTOR = 1024 * 1024, 64 * 1024, 8


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


def _clip(value: Any) -> str:
    text = (inert(str(value)) or "").replace("\n", " ")
    return f"{text[:SHOWN]}…" if len(text) > SHOWN else text


def _show(value: Any) -> str:
    if value is None or value == "":
        return "空"
    return f"“{_clip(value)}”"


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


def _meta(wb: Any, source: str) -> dict[str, str]:
    ws = wb[layout.META_SHEET]
    too_large = f"{layout.META_SHEET}: 内容过多，不是 zwgk 导出的整改清单（请用原表填写）"
    values: dict[str, str] = {}
    for r, cells in stored_rows(ws, limit=META_BYTES, too_large=too_large):
        if r > META_ROWS:
            break
        row = {cell.column: cell.value for cell in cells}
        if row.get(1) is not None:
            values[str(row[1])] = "" if row.get(2) is None else str(row[2])
    problems = [
        f"{layout.META_SHEET}: 缺少「{key}」" for key in ("format", "round", "unit", "deadline")
        if not values.get(key)
    ]  # fmt: skip
    if not problems and values["format"] != layout.FORMAT:
        problems.append(
            f"{layout.META_SHEET}: 清单格式 {_clip(values['format'])} 不是 {layout.FORMAT}"
        )
    if problems:
        raise ResponseError(source, problems)
    return values


def _expected(store: Store, meta: dict[str, str], source: str) -> Checklist:
    from store.rounds import RoundNotFound

    try:
        deadline = dt.date.fromisoformat(meta["deadline"])
    except ValueError:
        raise ResponseError(
            source, [f"{layout.META_SHEET}: 整改期限 {_show(meta['deadline'])} 不是日期"]
        ) from None
    try:
        (cl,) = load_checklists(
            store, meta["round"], [meta["unit"]], deadline=deadline, with_answers=False
        )
    except RoundNotFound as exc:
        raise ResponseError(
            source, [f"{layout.META_SHEET}: 测评轮次 {_clip(meta['round'])} 不存在（{exc}）"]
        ) from None
    except ChecklistError as exc:
        raise ResponseError(
            source,
            [
                f"{layout.META_SHEET}: 单位 {_clip(meta['unit'])} "
                f"不在测评轮次 {_clip(meta['round'])} 中（{exc}）"
            ],
        ) from None
    return cl


def _locked_problem(r: int, c: int, found: Any, expected: Any) -> str:
    where = layout.ref(r, c)
    if c > WIDTH:
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


def _not_text(cell: StoredCell) -> str | None:
    """Why a cell cannot be read as what the unit wrote (a formula, an error value), or None."""
    where = layout.ref(cell.row, cell.column)
    if cell.kind == "f":
        text = getattr(cell.value, "text", cell.value)  # ArrayFormula keeps its text apart
        formula = _show(text) if isinstance(text, str) else ""
        return (
            f"{where}: 单元格中是公式{formula}，清单只收文字；请删除公式，直接输入文字"
            "（要以“=”开头，请先输入英文单引号'）"
        )
    if cell.kind == "e":
        return f"{where}: 单元格是错误值{_show(cell.value)}，请删除后直接输入文字"
    return None


def _check_title(title: dict[tuple[int, int], Any], skip: set[tuple[int, int]], cl: Checklist):
    expected = layout.title_cells(cl)
    for r in range(1, layout.FIRST_ROW):
        for c in range(1, WIDTH + 1):
            found, want = title.get((r, c)), expected.get((r, c))
            if (r, c) not in skip and not same(found, want):
                yield _locked_problem(r, c, found, want)


def _answer(r: int, values: list[Any], problems: list[str]) -> Answer | None:
    """The unit's answer on sheet row ``r`` (None: left blank); refusals go to ``problems``."""
    a, n = layout.col("answer"), layout.col("note")
    status, note = _norm(inert(values[a - 1])), _norm(inert(values[n - 1]))
    if isinstance(status, str):
        status = status.strip()
    note = None if note is None else str(note).strip()
    if note is not None and len(note) > layout.NOTE_MAX_CHARS:
        problems.append(
            f"{layout.ref(r, n)}: 整改说明共{len(note)}字，超过{layout.NOTE_MAX_CHARS}字的上限；"
            "请精简，详细材料请另行报送"
        )
        return None
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
    return Answer(str(values[layout.col("fingerprint") - 1]).strip(), ANSWER_CODES[status], note)


@dataclass
class _Sheet:
    """What reading the checklist sheet found so far."""

    cl: Checklist
    problems: Refusals
    answers: list[Answer]
    blank: int = 0

    def __post_init__(self) -> None:
        self.rows = {row.fingerprint: row for row in self.cl.rows}
        self.seen: dict[str, int] = {}

    def row(self, r: int, values: list[Any], refused: set[int]) -> None:
        """Problem row ``r`` (``values`` in `layout.COLUMNS` order; columns in ``refused``
        already refused)."""
        problems = self.problems
        fp_col = layout.col("fingerprint")
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
                f"{layout.ref(r, fp_col)}: 问题编号 {_clip(fp)} 不是"
                f"{self.cl.unit_name}在{self.cl.round_id}的问题"
            )
            return
        if fp in self.seen:
            problems.append(f"{layout.ref(r, fp_col)}: 问题编号 {fp} 与第{self.seen[fp]}行重复")
            return
        self.seen[fp] = r
        row = self.rows[fp]
        expected = layout.row_values(row, answers=False)
        for c, (found, want) in enumerate(zip(values, expected, strict=True), start=1):
            editable = layout.COLUMNS[c - 1].unit and row.answerable
            if c not in refused and not editable and not same(found, want):
                problems.append(_locked_problem(r, c, found, want))
        if row.answerable and not refused & {layout.col("answer"), layout.col("note")}:
            answer = _answer(r, values, problems)
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


def check_sheet(ws: ReadOnlyWorksheet, cl: Checklist) -> tuple[list[Answer], int, list[str]]:
    """(answers, rows left blank, refusals) of a filled checklist sheet against ``cl``.

    Reads the cells the sheet holds (`stored_rows`), at most `sheet_limit` bytes of it, and stops
    at `MAX_LISTED` refusals."""
    problems = Refusals()
    sheet = _Sheet(cl, problems, [])
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
                problems.extend(_check_title(title, skip, cl))
                title_checked = True
            values: list[Any] = [None] * WIDTH
            refused: set[int] = set()
            for cell in cells:
                if _norm(cell.value) is None:
                    continue  # a cell with a style only
                why = _not_text(cell)
                if why is not None:
                    problems.append(why)
                    refused.add(cell.column)
                    skip.add((cell.row, cell.column))
                    if cell.column <= WIDTH:
                        values[cell.column - 1] = "="  # the row is not empty
                elif cell.column > WIDTH:
                    problems.append(_locked_problem(cell.row, cell.column, cell.value, None))
                elif cell.row < layout.FIRST_ROW:
                    title[(cell.row, cell.column)] = cell.value
                else:
                    values[cell.column - 1] = cell.value
            if r >= layout.FIRST_ROW and any(_norm(v) is not None for v in values):
                sheet.row(r, values, refused)
        if not title_checked:
            problems.extend(_check_title(title, skip, cl))
        problems.extend(sheet.missing())
    except Enough:
        list.append(
            problems, f"{layout.SHEET}: ……问题过多，以上只列出前{MAX_LISTED}处，请用原表重新填写"
        )
    return sheet.answers, sheet.blank, problems


def read_responses(store: Store, path: Path | str) -> tuple[Checklist, list[Answer], int]:
    """Check a returned checklist; (the checklist it answers, its answers, rows left blank).

    Raises `ResponseError` listing every refusal; stores nothing."""
    path = Path(path)
    source = inert(path.name) or ""
    try:
        with open_untrusted(path) as wb:
            names = wb.sheetnames
            problems = [
                f"{source}: 缺少工作表「{name}」" for name in (layout.SHEET, layout.META_SHEET)
                if name not in names
            ] + [
                f"{source}: 多了工作表「{_clip(name)}」，请勿增加工作表，请用原表填写"
                for name in names if name not in (layout.SHEET, layout.META_SHEET)
            ]  # fmt: skip
            if problems:
                raise ResponseError(source, problems)
            cl = _expected(store, _meta(wb, source), source)
            answers, blank, problems = check_sheet(wb[layout.SHEET], cl)
    except UntrustedXlsxError as exc:
        raise ResponseError(source, [f"{source}: {exc}"]) from None
    if problems:
        raise ResponseError(source, problems)
    return cl, answers, blank


def import_responses(store: Store, path: Path | str, *, at: dt.datetime | None = None) -> Imported:
    """Check a returned checklist and record its answers (all of them, or nothing)."""
    cl, answers, blank = read_responses(store, path)
    source = inert(Path(path).name) or ""
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
