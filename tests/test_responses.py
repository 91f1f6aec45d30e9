"""Returned checklists read back (`zwgk responses import`): a sheet filled in as a unit would
(openpyxl) is recorded; every kind of wrong sheet is refused with the cell it is about, records
nothing and leaves earlier answers as they were. Store part on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from checklist_fixtures import (  # noqa: F401 (fixtures)
    A1,
    A2,
    C1,
    X,
    any_store_fixture,
    fp,
    sqlite_store_fixture,
    sqlite_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)

from reports.checklist import load_checklists, write_checklists
from reports.responses import ResponseError, import_responses
from store import Store
from store.responses import Answer, record_responses, responses_frame
from store.rounds import RoundNotFound, update_problems

T0 = dt.datetime(2025, 7, 10, 8, 0, tzinfo=dt.UTC)


def export(store: Store, out: Path, unit: str = "dept1") -> Path:
    paths = write_checklists(store, "2025Q2", out, [unit], formats=["xlsx"])
    return paths[0]


def fill(path: Path, cells: dict[str, object], *, sheet: str = "整改清单", to: Path | None = None):
    """Change cells the way a unit does in a spreadsheet program, and save."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for ref, value in cells.items():
        ws[ref].value = value
    target = to or path
    wb.save(target)
    return target


def recorded(store: Store) -> list[tuple]:
    frame = responses_frame(store, "2025Q2", history=True)
    frame = frame.astype(object).where(frame.notna(), None)
    return [tuple(r) for r in frame[["unit_id", "fingerprint", "status", "note", "source"]].values]


# -- accepted -------------------------------------------------------------------------------------
def test_a_filled_sheet_is_recorded_and_shown_on_the_next_export(any_store: Store, tmp_path):
    path = export(any_store, tmp_path / "out")
    filled = fill(
        path,
        {"M7": "已整改", "N7": "已于7月5日发布工作动态3条", "M8": "整改中", "M9": None},
        to=tmp_path / "returned.xlsx",
    )
    done = import_responses(any_store, filled, at=T0)
    assert (done.round_id, done.unit_id, done.recorded, done.unchanged, done.blank) == (
        "2025Q2",
        "dept1",
        2,
        0,
        1,
    )
    assert recorded(any_store) == [
        (
            "dept1",
            fp("dept1", "fresh", C1),
            "rectified",
            "已于7月5日发布工作动态3条",
            "returned.xlsx",
        ),
        ("dept1", fp("dept1", "undated", A1), "in_progress", None, "returned.xlsx"),
    ]
    # The same file again changes nothing.
    again = import_responses(any_store, filled, at=T0 + dt.timedelta(hours=1))
    assert (again.recorded, again.unchanged) == (0, 2) and len(recorded(any_store)) == 2
    # A later answer wins; the earlier one stays as history.
    later = fill(filled, {"M8": "已整改", "N8": "已补充发布日期"}, to=tmp_path / "later.xlsx")
    assert import_responses(any_store, later, at=T0 + dt.timedelta(days=2)).recorded == 1
    latest = responses_frame(any_store, "2025Q2").set_index("fingerprint")
    assert latest.loc[fp("dept1", "undated", A1), "status"] == "rectified"
    assert len(responses_frame(any_store, "2025Q2", history=True)) == 3
    # The checklist exported now carries the answers — and reads back in again.
    (cl,) = load_checklists(any_store, "2025Q2", ["dept1"])
    assert [(r.answer, r.note) for r in cl.rows[:3]] == [
        ("已整改", "已于7月5日发布工作动态3条"),
        ("已整改", "已补充发布日期"),
        (None, None),
    ]
    ws = openpyxl.load_workbook(export(any_store, tmp_path / "again"))["整改清单"]
    assert (ws["M7"].value, ws["N8"].value) == ("已整改", "已补充发布日期")
    assert import_responses(any_store, tmp_path / "again" / path.name).recorded == 0


def test_a_not_comparable_problem_is_answered_like_an_open_one(any_store: Store, tmp_path):
    path = fill(export(any_store, tmp_path, "dept2"), {"M7": "无法整改", "N7": "栏目已撤并"})
    assert import_responses(any_store, path).recorded == 1
    assert recorded(any_store)[0][:3] == ("dept2", fp("dept2", "fresh", X), "cannot_rectify")


def test_refused_files_record_nothing_on_either_backend(any_store: Store, tmp_path):
    good = fill(export(any_store, tmp_path / "out"), {"M7": "整改中"}, to=tmp_path / "good.xlsx")
    import_responses(any_store, good)
    before = recorded(any_store)
    bad = fill(good, {"H7": 6, "M8": "已完成"}, to=tmp_path / "bad.xlsx")
    with pytest.raises(ResponseError) as caught:
        import_responses(any_store, bad)
    assert [p.split(":")[0] for p in caught.value.problems] == ["整改清单!H7", "整改清单!M8"]
    assert recorded(any_store) == before


# -- refused --------------------------------------------------------------------------------------
def _meta(cells: dict[str, object]) -> Callable[[Path, Path], Path]:
    return lambda path, to: fill(path, cells, sheet="_meta", to=to)


def _cells(cells: dict[str, object]) -> Callable[[Path, Path], Path]:
    return lambda path, to: fill(path, {"M7": "已整改"} | cells, to=to)


def _not_xlsx(path: Path, to: Path) -> Path:
    to.write_text("序号,失分原因\n1,x\n", encoding="utf-8")
    return to


def _drop_sheet(name: str) -> Callable[[Path, Path], Path]:
    def drop(path: Path, to: Path) -> Path:
        wb = openpyxl.load_workbook(path)
        del wb[name]
        wb.create_sheet("Sheet1")  # a workbook needs a visible sheet
        wb.save(to)
        return to

    return drop


def _other_units_row(path: Path, to: Path) -> Path:
    return fill(path, {"O9": fp("dept2", "fresh", X), "M9": "已整改"}, to=to)


WRONG = {
    "a locked score edited": (
        _cells({"H7": 6}),
        "整改清单!H7: 锁定列「得分」被修改（应为“3”，表中为“6”）",
    ),
    "the finding reworded": (_cells({"I8": "已发布"}), "整改清单!I8: 锁定列「失分原因」被修改"),
    "the advice cleared": (_cells({"L7": None}), "整改清单!L7: 锁定列「整改建议」被修改"),
    "the status changed": (_cells({"J9": "已整改"}), "整改清单!J9: 锁定列「状态」被修改"),
    "the title block edited": (_cells({"I2": 95}), "整改清单!I2: 表头内容被修改"),
    "a value not in the list": (_cells({"M8": "已完成"}), "整改清单!M8: 整改情况“已完成”无效"),
    "cannot fix without a reason": (
        _cells({"M8": "无法整改"}),
        "整改清单!N8: 选择“无法整改”须在整改说明中写明原因",
    ),
    "a note without a status": (
        _cells({"N9": "正在整改"}),
        "整改清单!M9: 填写了整改说明，但未选择整改情况",
    ),
    "an answer on a fixed row": (
        _cells({"M10": "已整改"}),
        "整改清单!M10: 「整改情况」此行无需填写",
    ),
    "an unknown fingerprint": (
        _cells({"O8": "0123456789abcdef"}),
        "整改清单!O8: 问题编号 0123456789abcdef 不是江淮市教育局在2025Q2的问题",
    ),
    "another unit's problem": (_other_units_row, "整改清单!O9: 问题编号"),
    "a row added": (_cells({"A12": 6, "I12": "新问题"}), "整改清单!O12: 此行不是清单中的问题行"),
    "a column added": (_cells({"Q7": "备注"}), "整改清单!Q7: 清单外新增了内容“备注”"),
    "the priority edited": (_cells({"P7": 9}), "整改清单!P7: 锁定列「优先级」被修改"),
    "the wrong unit": (_meta({"B3": "dept2"}), "整改清单!A1: 表头内容被修改"),
    "an unknown unit": (_meta({"B3": "dept9"}), "_meta: 单位 dept9 不在测评轮次 2025Q2 中"),
    "the wrong round": (_meta({"B2": "2025Q1"}), "整改清单!A1: 表头内容被修改"),
    "an unknown round": (_meta({"B2": "2025Q9"}), "_meta: 测评轮次 2025Q9 不存在"),
    "not an xlsx": (_not_xlsx, "bad.xlsx: 不是有效的 xlsx 文件"),
    "the checklist sheet missing": (_drop_sheet("整改清单"), "bad.xlsx: 缺少工作表「整改清单」"),
    "the meta sheet missing": (_drop_sheet("_meta"), "bad.xlsx: 缺少工作表「_meta」"),
}


@pytest.mark.parametrize("spoil, message", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_sheet_is_refused_with_its_cell_and_records_nothing(
    sqlite_store: Store, tmp_path: Path, spoil, message: str
):
    path = export(sqlite_store, tmp_path / "out")
    import_responses(sqlite_store, fill(path, {"M7": "整改中", "N7": "已安排专人"}), at=T0)
    before = recorded(sqlite_store)
    bad = spoil(path, tmp_path / "bad.xlsx")
    with pytest.raises(ResponseError) as caught:
        import_responses(sqlite_store, bad)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems
    assert str(caught.value).startswith("bad.xlsx: 未导入")
    assert recorded(sqlite_store) == before  # nothing new, nothing lost


def test_a_row_twice_names_both_rows(sqlite_store: Store, tmp_path: Path):
    path = export(sqlite_store, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["整改清单"]
    for c in range(1, 16):
        ws.cell(12, c).value = ws.cell(7, c).value
    wb.save(path)
    with pytest.raises(ResponseError, match=r"整改清单!O12: 问题编号 \w+ 与第7行重复"):
        import_responses(sqlite_store, path)


def test_a_problem_dismissed_after_the_export_is_named(sqlite_store: Store, tmp_path: Path):
    path = fill(export(sqlite_store, tmp_path), {"M8": "已整改"})
    dismissed = fp("dept1", "undated", A1)
    update_problems(sqlite_store, "2025Q2", [{"fingerprint": dismissed, "decision": "dismissed"}])
    with pytest.raises(ResponseError, match=rf"整改清单!O8: 问题 {dismissed} 已被驳回"):
        import_responses(sqlite_store, path)


def test_text_starting_with_an_equals_sign_is_kept_as_text(sqlite_store: Store, tmp_path: Path):
    """Typed as text ('=1+1 in Excel: a string cell) it is an answer like any other, and goes
    out again as text; typed as a formula it is refused (tests/test_checklist_badinput.py)."""
    path = export(sqlite_store, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["整改清单"]
    ws["M7"].value = "已整改"
    ws["N7"].value = "=1+1"
    ws["N7"].data_type = "s"
    wb.save(path)
    import_responses(sqlite_store, path)
    assert recorded(sqlite_store)[0][3] == "=1+1"
    ws = openpyxl.load_workbook(export(sqlite_store, tmp_path / "again"))["整改清单"]
    assert ws["N7"].value == "=1+1" and ws["N7"].data_type == "s"
    formula = fill(path, {"N7": "=1+1"}, to=tmp_path / "formula.xlsx")
    with pytest.raises(ResponseError, match="整改清单!N7: 单元格中是公式“=1\\+1”"):
        import_responses(sqlite_store, formula)


# -- the store API --------------------------------------------------------------------------------
def test_record_responses_checks_everything_before_writing(any_store: Store):
    ok = Answer(fp("dept1", "fresh", C1), "rectified", "已更新")
    with pytest.raises(LookupError, match="not problems of unit dept1"):
        record_responses(
            any_store, "2025Q2", "dept1", [ok, Answer(fp("dept2", "fresh", X), "rectified")],
            source="t.xlsx",
        )  # fmt: skip
    with pytest.raises(ValueError, match="response status"):
        record_responses(any_store, "2025Q2", "dept1", [Answer(ok.fingerprint, "done")], source="t")
    with pytest.raises(ValueError, match="twice"):
        record_responses(any_store, "2025Q2", "dept1", [ok, ok], source="t")
    with pytest.raises(RoundNotFound):
        record_responses(any_store, "2025Q9", "dept1", [ok], source="t")
    assert recorded(any_store) == []
    assert record_responses(any_store, "2025Q2", "dept1", [ok], source="a", at=T0).recorded == 1
    newer = Answer(fp("dept1", "undated", A2), "in_progress")
    done = record_responses(any_store, "2025Q2", "dept1", [ok, newer], source="b", at=T0)
    assert (done.recorded, done.unchanged) == (1, 1)
    assert len(responses_frame(any_store, "2025Q2", ["dept1"])) == 2
    assert responses_frame(any_store, "2025Q2", ["dept2"]).empty


# -- the command line -----------------------------------------------------------------------------
def test_responses_import_and_list_commands(sqlite_store: Store, tmp_path: Path):
    from typer.testing import CliRunner

    from zwgk.cli import app

    url = sqlite_store.url
    path = export(sqlite_store, tmp_path / "out")
    good = fill(path, {"M7": "已整改", "N7": "已更新"}, to=tmp_path / "good.xlsx")
    bad = fill(path, {"H8": 4}, to=tmp_path / "bad.xlsx")
    run = CliRunner().invoke(app, ["responses", "import", str(bad), str(good), "--db", url])
    assert run.exit_code == 2
    assert "整改清单!H8" in run.output and "good.xlsx: 2025Q2 dept1 — 记录1条" in run.output
    listed = CliRunner().invoke(
        app, ["responses", "list", "--round", "2025Q2", "--json", "--db", url]
    )
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["unit_id"], row["status"], row["note"], row["source"]) == (
        "dept1",
        "rectified",
        "已更新",
        "good.xlsx",
    )
    table = CliRunner().invoke(app, ["responses", "list", "--round", "2025Q2", "--db", url])
    assert "已整改" in table.output
    missing = CliRunner().invoke(app, ["responses", "list", "--round", "2025Q9", "--db", url])
    assert missing.exit_code == 2 and "2025Q9" in missing.output
