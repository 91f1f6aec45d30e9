"""Reading returned checklists (整改清单) back: `zwgk responses import FILE.xlsx`.

A returned sheet is checked whole before anything is stored:
- it is an xlsx with the sheets 整改清单 and ``_meta``, maybe 整改通知 (the notice, not read:
  the office's details may have changed since), and no other; ``_meta`` names the format (the
  current one, or the previous one: a sheet made before the 优先级 column still reads back,
  `layout.SheetLayout`), a stored round and a unit of it, the issue date and the deadline —
  checked here;
- the 整改清单 sheet, cell by cell, against what the round says now: locked cells unchanged, no
  row added or deleted, no formula or error value, valid 整改情况/整改说明 answers —
  `reports.response_sheet.check_sheet`.

The file is untrusted (`reports.untrusted_xlsx`): its sizes are checked before openpyxl opens it,
and the checklist sheet is read as the cells it holds, at most `response_sheet.sheet_limit`
bytes of XML — what the round's rows for the unit can account for. So the cost follows the
round, never the sheet's ``max_row × max_column``. Text taken from the file is made inert
(`store.text.inert`) before it is stored or quoted in a message.

Every refusal names sheet, row and column (``整改清单!G7``); they are reported together (at most
`response_sheet.MAX_LISTED`), and a refused file records nothing. Accepted answers go to the
store in one transaction (`store.responses`: history kept, the latest answer wins; a row left
empty records nothing and an answer equal to the one in force is not repeated).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reports.checklist import layout
from reports.checklist.data import Checklist, ChecklistError, load_checklists
from reports.response_sheet import check_sheet, clip, quoted
from reports.untrusted_xlsx import UntrustedXlsxError, open_untrusted, stored_rows
from reports.wording import round_label
from store.responses import Answer, record_responses
from store.text import inert

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

META_ROWS, META_BYTES = 20, 64 * 1024  # _meta holds six rows
META_KEYS = ("format", "round", "unit", "issued", "deadline")
SHEETS = (layout.SHEET, layout.NOTICE_SHEET, layout.META_SHEET)


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
    if values.get("format") and values["format"] not in layout.SHEET_LAYOUTS:
        known = "或".join(layout.SHEET_LAYOUTS)
        raise ResponseError(
            source,
            [
                f"{layout.META_SHEET}: 清单格式 {clip(values['format'])} 不是 {known}"
                "（旧版或其他系统导出的清单）；请用重新导出的整改清单填写"
            ],
        )
    problems = [
        f"{layout.META_SHEET}: 缺少「{key}」" for key in META_KEYS if not values.get(key)
    ]  # fmt: skip
    if problems:
        raise ResponseError(source, problems)
    return values


def _expected(store: Store, meta: dict[str, str], source: str) -> Checklist:
    from store.rounds import RoundNotFound

    days = {}
    for key, name in (("issued", "印发日期"), ("deadline", "整改期限")):
        try:
            days[key] = dt.date.fromisoformat(meta[key])
        except ValueError:
            raise ResponseError(
                source, [f"{layout.META_SHEET}: {name} {quoted(meta[key])} 不是日期"]
            ) from None
    try:
        (cl,) = load_checklists(store, meta["round"], [meta["unit"]], **days, with_answers=False)
    except RoundNotFound as exc:
        raise ResponseError(
            source, [f"{layout.META_SHEET}: 测评轮次 {clip(meta['round'])} 不存在（{exc}）"]
        ) from None
    except ChecklistError as exc:
        raise ResponseError(
            source,
            [
                f"{layout.META_SHEET}: 单位 {clip(meta['unit'])} "
                f"不在测评轮次 {clip(meta['round'])} 中（{exc}）"
            ],
        ) from None
    return cl


def _refuse_other(meta: dict[str, str], expect: tuple[str, str], source: str) -> None:
    """`ResponseError` when the sheet names another round or unit than ``expect`` — checked
    before that checklist is read, so no refusal quotes what another unit's checklist says."""
    round_id, unit_id = expect
    if (meta["round"], meta["unit"]) != (round_id, unit_id):
        raise ResponseError(
            source,
            [
                f"{layout.META_SHEET}: 此表不是本单位{round_label(round_id)}的整改清单"
                f"（表中为测评轮次 {clip(meta['round'])}、单位 {clip(meta['unit'])}）；"
                "请下载本单位本轮次的整改清单填写后上传"
            ],
        )


def read_responses(
    store: Store,
    path: Path | str,
    *,
    expect: tuple[str, str] | None = None,
    source: str | None = None,
) -> tuple[Checklist, list[Answer], int]:
    """Check a returned checklist; (the checklist it answers, its answers, rows left blank).

    ``expect`` (round id, unit id): refuse a sheet of another round or unit (the portal, where
    a unit uploads its own). ``source``: the file's name in messages (default: the path's).
    Raises `ResponseError` listing every refusal; stores nothing."""
    path = Path(path)
    source = inert(source if source is not None else path.name) or ""
    try:
        with open_untrusted(path) as wb:
            names = wb.sheetnames
            problems = [
                f"{source}: 缺少工作表「{name}」" for name in (layout.SHEET, layout.META_SHEET)
                if name not in names
            ] + [
                f"{source}: 多了工作表「{clip(name)}」，请勿增加工作表，请用原表填写"
                for name in names if name not in SHEETS
            ]  # fmt: skip
            if problems:
                raise ResponseError(source, problems)
            meta = _meta(wb, source)
            if expect is not None:
                _refuse_other(meta, expect, source)
            cl = _expected(store, meta, source)
            shape = layout.sheet_layout(meta["format"])
            answers, blank, problems = check_sheet(wb[layout.SHEET], cl, shape)
    except UntrustedXlsxError as exc:
        raise ResponseError(source, [f"{source}: {exc}"]) from None
    if problems:
        raise ResponseError(source, problems)
    return cl, answers, blank


def import_responses(
    store: Store,
    path: Path | str,
    *,
    at: dt.datetime | None = None,
    expect: tuple[str, str] | None = None,
    source: str | None = None,
) -> Imported:
    """Check a returned checklist and record its answers (all of them, or nothing);
    ``expect`` and ``source`` as for `read_responses`."""
    cl, answers, blank = read_responses(store, path, expect=expect, source=source)
    source = inert(source if source is not None else Path(path).name) or ""
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
