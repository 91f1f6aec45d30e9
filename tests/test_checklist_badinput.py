"""The checklist part of the bad-input corpus (tests/badinput/checklist/, issue 9 points 4 and 10):
hostile or broken returned checklists, each refused by `zwgk responses import` with a Chinese
message naming the cell (or the file) and saying what to do — quickly, and recording nothing.

Most cases are built here from a real checklist of the small round in checklist_fixtures (a
named mutation of the exported file: `BUILT`); only files that must be files are kept in the
folder. expected.json holds, per case name, the substrings its refusal must contain.
"""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from checklist_fixtures import (  # noqa: F401 (fixtures)
    C1,
    fp,
    sqlite_store_fixture,
    sqlite_template_fixture,
)
from openpyxl.worksheet.formula import ArrayFormula
from round_fixtures import planted_check  # noqa: F401 (fixture)
from test_responses import T0, export, fill, recorded

from reports.response_sheet import MAX_LISTED
from reports.responses import ResponseError, import_responses
from store import Store

CORPUS = Path(__file__).parent / "badinput" / "checklist"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
SHEET_XML = "xl/worksheets/sheet1.xml"  # 整改清单, as openpyxl writes it
MiB = 1024 * 1024


# -- mutations of an exported checklist -----------------------------------------------------------
def _edit(change: Callable[[openpyxl.Workbook], None]) -> Callable[[Path, Path], None]:
    def build(src: Path, dst: Path) -> None:
        wb = openpyxl.load_workbook(src)
        change(wb)
        wb.save(dst)

    return build


def _sheet(change: Callable) -> Callable[[Path, Path], None]:
    return _edit(lambda wb: change(wb["整改清单"]))


def _cells(cells: dict[str, object]) -> Callable[[Path, Path], None]:
    def change(ws) -> None:
        for ref, value in cells.items():
            ws[ref].value = value

    return _sheet(change)


def _rezip(src: Path, dst: Path, parts: dict[str, bytes]) -> None:
    """``src`` with ``parts`` replaced or added."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename not in parts:
                new.writestr(info, old.read(info))
        for name, data in parts.items():
            new.writestr(name, data)


def _far_cell(ws) -> None:
    ws["XFD1048576"] = "备注"


def _error_value(ws) -> None:
    ws["M7"].value = "已整改"
    ws["N7"].value = "#N/A"
    ws["N7"].data_type = "e"


def _rows_added(count: int, text: str) -> Callable[[Path, Path], None]:
    def change(ws) -> None:
        for r in range(12, 12 + count):
            ws.cell(r, 8).value = text

    return _sheet(change)


def _row_inserted(ws) -> None:
    ws.insert_rows(8)
    ws["I8"] = "新增问题"


def _shared_strings_bomb(src: Path, dst: Path) -> None:
    """A part that inflates to 40 MiB from a few dozen KiB."""
    si = b"<si><t>a</t></si>"
    _rezip(src, dst, {"xl/sharedStrings.xml": si * (40 * MiB // len(si))})


def _styles_bomb(src: Path, dst: Path) -> None:
    _rezip(src, dst, {"xl/styles.xml": b"<styleSheet>" + b" " * (8 * MiB) + b"</styleSheet>"})


def _entity_expansion(src: Path, dst: Path) -> None:
    """ "Billion laughs" in the checklist sheet: 10^9 copies of "lol" if entities were expanded."""
    with zipfile.ZipFile(src) as z:
        xml = z.read(SHEET_XML).decode()
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    assert not xml.startswith("<?xml")  # as openpyxl writes it: the DOCTYPE goes first
    body = re.sub(r"<t>[^<]*</t>", "<t>&lol9;</t>", xml, count=1)  # the title, A1
    _rezip(src, dst, {SHEET_XML: f"<!DOCTYPE worksheet [{entities}]>{body}".encode()})


def _bad_string_index(src: Path, dst: Path) -> None:
    """A cell pointing at shared string 99999 of a workbook that has none."""
    with zipfile.ZipFile(src) as z:
        xml = z.read(SHEET_XML).decode()
    xml, n = re.subn(r't="inlineStr"><is><t>[^<]*</t></is>', 't="s"><v>99999</v>', xml, count=1)
    assert n == 1
    _rezip(src, dst, {SHEET_XML: xml.encode()})


def _too_big_on_disk(src: Path, dst: Path) -> None:
    with dst.open("wb") as f:
        f.truncate(33 * MiB)  # sparse: costs no disk


BUILT: dict[str, Callable[[Path, Path], None]] = {
    "far_cell.xlsx": _sheet(_far_cell),
    "extra_sheet.xlsx": _edit(lambda wb: wb.create_sheet("备注")),
    "row_deleted.xlsx": _sheet(lambda ws: ws.delete_rows(8)),
    "row_inserted.xlsx": _sheet(_row_inserted),
    "rows_added.xlsx": _rows_added(200, "新增问题"),
    "sheet_padded.xlsx": _rows_added(60, "很长的内容" * 6000),
    "formula_in_answer.xlsx": _cells({"M7": "已整改", "N7": "=1+1"}),
    "array_formula_in_answer.xlsx": _cells({"M7": "已整改", "N7": ArrayFormula("N7", "=SUM(1,2)")}),
    "hyperlink_formula_in_answer.xlsx": _cells({"M7": '=HYPERLINK("http://x","已整改")'}),
    "error_value_in_answer.xlsx": _sheet(_error_value),
    "answer_too_long.xlsx": _cells({"M7": "已整改", "N7": "整" * 2001}),
    "formula_in_locked_cell.xlsx": _cells({"H7": "=6"}),
    "shared_strings_bomb.xlsx": _shared_strings_bomb,
    "styles_bomb.xlsx": _styles_bomb,
    "entity_expansion.xlsx": _entity_expansion,
    "bad_string_index.xlsx": _bad_string_index,
    "too_big_on_disk.xlsx": _too_big_on_disk,
}
KEPT = sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.json")


def test_every_case_has_its_expected_message_and_every_message_its_case():
    assert not set(KEPT) & set(BUILT)
    assert sorted([*KEPT, *BUILT]) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_checklist_is_refused_quickly_with_its_message_and_records_nothing(
    sqlite_store: Store, tmp_path: Path, name: str
):
    path = export(sqlite_store, tmp_path / "out")
    import_responses(sqlite_store, fill(path, {"M7": "整改中", "N7": "已安排专人"}), at=T0)
    before = recorded(sqlite_store)
    bad = tmp_path / name
    if name in BUILT:
        BUILT[name](path, bad)
    else:
        bad.write_bytes((CORPUS / name).read_bytes())
    started = time.perf_counter()
    with pytest.raises(ResponseError) as caught:
        import_responses(sqlite_store, bad)
    seconds = time.perf_counter() - started
    message = str(caught.value)
    assert message.startswith(f"{name}: 未导入"), message
    for expected in EXPECTED[name]:
        assert expected in message, message
    assert len(caught.value.problems) <= MAX_LISTED + 1
    assert seconds < 10, f"{name}: {seconds:.1f} s"
    assert recorded(sqlite_store) == before  # nothing new, nothing lost


def test_many_added_rows_are_listed_up_to_the_limit(sqlite_store: Store, tmp_path: Path):
    bad = tmp_path / "rows.xlsx"
    BUILT["rows_added.xlsx"](export(sqlite_store, tmp_path / "out"), bad)
    with pytest.raises(ResponseError) as caught:
        import_responses(sqlite_store, bad)
    problems = caught.value.problems
    assert len(problems) == MAX_LISTED + 1 and "只列出前50处" in problems[-1]
    assert problems[0].startswith("整改清单!O12: 此行不是清单中的问题行")


def test_the_far_cell_of_issue_9_costs_what_the_round_costs(sqlite_store: Store, tmp_path: Path):
    """XFD1048576 drove the import into a MemoryError (max_row × max_column cells); now the
    sheet is read as the cells it holds. Measured: 0.4 s and 141 MB peak RSS for the whole
    process, against a MemoryError after 111 s at 2.7 GB before."""
    import tracemalloc

    bad = tmp_path / "far_cell.xlsx"
    BUILT["far_cell.xlsx"](export(sqlite_store, tmp_path / "out"), bad)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseError, match="XFD1048576"):
            import_responses(sqlite_store, bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MiB, f"{peak / MiB:.0f} MiB"


# -- hostile but harmless: recorded --------------------------------------------------------------
def test_a_far_cell_with_a_style_only_does_not_cost_the_sheets_size(
    sqlite_store: Store, tmp_path: Path
):
    """A sheet that claims A1:XFD1048576 (a format applied far away) reads as fast as any."""
    path = export(sqlite_store, tmp_path)

    def far_style(ws) -> None:
        ws["XFD1048576"].number_format = "0.00"
        ws["M7"] = "已整改"

    _sheet(far_style)(path, path)
    assert openpyxl.load_workbook(path, read_only=True)["整改清单"].max_column == 16384
    started = time.perf_counter()
    assert import_responses(sqlite_store, path).recorded == 1
    assert time.perf_counter() - started < 5


def test_control_characters_in_an_answer_are_removed_before_storing(
    sqlite_store: Store, tmp_path: Path
):
    """XML carries C1 controls and bidi overrides; the store gets the text without them."""
    path = fill(
        export(sqlite_store, tmp_path),
        {"M7": "已整改\u202e", "N7": "已发布\x9b2J工作动态\u202e3条"},
    )
    assert import_responses(sqlite_store, path).recorded == 1
    assert recorded(sqlite_store)[0][2:4] == ("rectified", "已发布2J工作动态3条")


def test_a_link_in_an_answer_keeps_its_text_only(sqlite_store: Store, tmp_path: Path):
    """Excel turns a typed address into a link; the answer is the text, the target is not kept."""

    def link(ws) -> None:
        ws["M7"] = "已整改"
        ws["N7"] = "已发布，见 http://example.gov.cn/1.html"
        ws["N7"].hyperlink = "javascript:alert(1)"

    path = export(sqlite_store, tmp_path)
    _sheet(link)(path, path)
    import_responses(sqlite_store, path)
    assert recorded(sqlite_store)[0][:4] == (
        "dept1",
        fp("dept1", "fresh", C1),
        "rectified",
        "已发布，见 http://example.gov.cn/1.html",
    )


def test_an_answer_at_the_length_limit_is_recorded(sqlite_store: Store, tmp_path: Path):
    path = fill(export(sqlite_store, tmp_path), {"M7": "已整改", "N7": "整" * 2000})
    assert import_responses(sqlite_store, path).recorded == 1


def test_the_limits_are_those_the_docs_state():
    from reports.checklist import layout
    from reports.untrusted_xlsx import MAX_FILE_BYTES, MAX_PART_BYTES, MAX_UNPACKED_BYTES

    docs = (Path(__file__).parent.parent / "docs" / "checklist.md").read_text(encoding="utf-8")
    assert f"{layout.NOTE_MAX_CHARS}字" in docs
    for limit in (MAX_FILE_BYTES, MAX_UNPACKED_BYTES, MAX_PART_BYTES):
        assert f"{limit // MiB} MB" in docs
    assert os.path.exists(CORPUS / "expected.json")


# -- any edit at all ----------------------------------------------------------------------------
def _property_cases():
    from hypothesis import strategies as st
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = st.text(max_size=60).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t))
    value = st.one_of(
        st.none(),
        st.sampled_from(["已整改", "整改中", "无法整改", "已完成", "=1+1", "#N/A", "\u202e"]),
        text,
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    from reports.checklist import layout

    merged = {  # no spreadsheet program writes into a merged range but its first cell
        (row, c) for row, first, last in layout.MERGES for c in range(first + 1, last + 1)
    }
    cell = (
        st.tuples(st.integers(1, 14), st.integers(1, 16))
        .filter(lambda rc: rc not in merged)
        .map(lambda rc: f"{openpyxl.utils.get_column_letter(rc[1])}{rc[0]}")
    )
    return st.dictionaries(cell, value, max_size=6)


def test_any_edit_is_recorded_whole_or_refused_whole(sqlite_store: Store, tmp_path: Path):
    """Whatever a unit types wherever (hypothesis): the import records inert answers within the
    limit, or raises ResponseError and records nothing — never another exception."""
    from hypothesis import HealthCheck, given, settings

    from store.text import is_inert

    path = export(sqlite_store, tmp_path / "out")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits=_property_cases())
    def check(edits: dict[str, object]) -> None:
        before = recorded(sqlite_store)
        edited = fill(path, edits, to=tmp_path / "edited.xlsx")
        try:
            import_responses(sqlite_store, edited)
        except ResponseError as exc:
            assert exc.problems and recorded(sqlite_store) == before
            return
        for note in (row[3] for row in recorded(sqlite_store)):
            assert note is None or (is_inert(note) and len(note) <= 2000)

    check()
