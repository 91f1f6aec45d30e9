"""Per-unit checklists (整改清单): what the rows say, and the XLSX (read back with openpyxl and
pandas), CSV and HTML written from them. Rounds: tests/checklist_fixtures.py."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from checklist_fixtures import (  # noqa: F401 (fixtures)
    A1,
    A2,
    C1,
    C2,
    FORMULA_TITLE,
    any_store_fixture,
    fp,
    sqlite_store_fixture,
    sqlite_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)

from reports.checklist import ChecklistError, load_checklists, write_checklists
from reports.checklist.csv_file import CSV_COLUMNS, checklist_frame
from reports.checklist.data import split_suggestion
from reports.checklist.html_page import render_html
from reports.checklist.xlsx import build_workbook
from store import Store
from store.rounds import RoundNotFound

HEADERS = [
    "序号", "一级指标", "二级指标", "三级指标", "内容要求", "依据", "分值", "得分", "失分原因",
    "状态", "首次发现", "整改建议", "整改情况", "整改说明", "问题编号", "优先级",
]  # fmt: skip
ISSUED = dt.date(2025, 7, 4)  # a Friday: 20 working days later is 2025-08-01


@pytest.fixture
def dept1(sqlite_store: Store):
    (cl,) = load_checklists(sqlite_store, "2025Q2", ["dept1"], issued=ISSUED)
    return cl


@pytest.fixture
def sheet(dept1, tmp_path: Path):
    path = tmp_path / "dept1.xlsx"
    build_workbook(dept1).save(path)
    return path


# -- what a checklist says ------------------------------------------------------------------------
def test_split_suggestion_into_finding_and_advice():
    assert split_suggestion("「工作动态」栏目已60天未更新。请及时发布。") == (
        "「工作动态」栏目已60天未更新。",
        "请及时发布。",
    )
    assert split_suggestion("年报晚于期限。今后请按时发布。")[1] == "今后请按时发布。"
    # A sentence end inside a quoted title is not where the advice starts.
    title = "《关于报送材料的通知。请各单位于5日前报送》未标注发布日期。请补充。"
    assert split_suggestion(title) == (
        "《关于报送材料的通知。请各单位于5日前报送》未标注发布日期。",
        "请补充。",
    )
    assert split_suggestion("空白栏目1个，单项否决。") == ("空白栏目1个，单项否决。", "")
    assert split_suggestion("请补充。") == ("", "请补充。")


def test_rows_in_order_with_statuses_scores_and_without_dismissed_problems(any_store: Store):
    dept1, dept2 = load_checklists(any_store, "2025Q2", issued=ISSUED)
    # dept2 was not read: dept1 is the only unit ranked in its level.
    assert (dept1.unit_name, dept1.total, dept1.rank, dept1.verdict) == (
        "江淮市教育局",
        50,
        "本层级仅此1家（市直部门），不排名",
        "不合格",
    )
    assert (dept1.issued, dept1.deadline) == (ISSUED, dt.date(2025, 8, 1))  # 20 working days
    got = [(r.fingerprint, r.status_zh, r.first_seen, r.points, r.score) for r in dept1.rows]
    q1, q2 = "2025年第一季度", "2025年第二季度"
    assert got == [
        (fp("dept1", "fresh", C1), "未整改", q1, 6, 3),
        (fp("dept1", "undated", A1), "未整改", q1, 4, 2),
        (fp("dept1", "undated", A2), "新发现", q2, 4, 2),
        (fp("dept1", "fresh", C2), "已整改", q1, 6, 3),  # fixed: after the open ones
        (fp("dept1", "veto.stale", "veto/veto.stale"), "已整改", q1, "单项否决", "—"),
    ]
    assert [r.answerable for r in dept1.rows] == [True, True, True, False, False]
    assert dept1.to_answer == 3
    first = dept1.rows[0]
    assert (first.group1, first.group2, first.group3) == ("栏目建设", "更新维护", "动态要闻类栏目")
    assert first.requirement == "动态类栏目超过2周未更新，每个栏目扣3分。"  # no [V] tag
    assert first.basis == ""  # the set has no `basis:` (the column stays empty)
    assert first.reason == "「工作动态」栏目已130天未更新。（扣3分）\n网页：http://a/c1"
    assert first.advice == "请及时发布本单位工作动态。"
    # Two-level group: the indicator's name is the 三级指标.
    assert dept1.rows[1].group3 == "信息标注发布日期"
    assert dept1.rows[1].requirement == "信息应标注发布日期，每条扣1分。"
    # The title's control character is gone; the dismissed problem (A3) is not listed.
    assert dept1.rows[2].reason.startswith("@SUM(1)年度报告未标注发布日期。")
    # dept2 could not be read: no score, its earlier problem cannot be called fixed.
    assert (dept2.total, dept2.rank, dept2.verdict) == (None, "—", "未评分（网站本轮未能访问）")
    ((row,),) = [dept2.rows]
    assert (row.status_zh, row.answerable, row.score) == ("未能复核", True, "—")


def test_unknown_unit_or_round_is_named(sqlite_store: Store):
    with pytest.raises(ChecklistError, match=r"round 2025Q2 has no unit dept9 \(units: dept1"):
        load_checklists(sqlite_store, "2025Q2", ["dept9"])
    with pytest.raises(RoundNotFound, match="2025Q9"):
        load_checklists(sqlite_store, "2025Q9")


# -- XLSX -----------------------------------------------------------------------------------------
def test_xlsx_title_block_headers_and_rows(sheet: Path):
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames == ["整改清单", "整改通知", "_meta"] and wb.active.title == "整改清单"
    ws = wb["整改清单"]
    assert ws["A1"].value == "江淮市教育局政务公开整改清单（2025年第二季度）"
    title = {ws.cell(r, c).value: ws.cell(r, c + 1).value for r in (2, 3) for c in (1, 5, 8, 10)}
    assert title["单位"] == "江淮市教育局" and title["印发日期"] == "2025年7月4日"
    assert title["测评轮次"] == "2025年第二季度（评估日 2025年6月30日）"
    assert title["得分"] == 50 and title["层级排名"] == "本层级仅此1家（市直部门），不排名"
    assert ws["M2"].value == "测评结果" and ws["N2"].value == "不合格"
    assert title["整改期限"] == "2025年8月1日" and title["待整改问题"] == 3
    assert "dept1" not in {c.value for row in ws.iter_rows(1, 6) for c in row}  # no unit id
    assert [c.value for c in ws[6]] == HEADERS
    assert ws.max_row == 11  # five problems from row 7
    assert [ws.cell(r, 1).value for r in range(7, 12)] == [1, 2, 3, 4, 5]
    assert ws["J7"].value == "未整改" and ws["J10"].value == "已整改"
    assert ws["K9"].value == "2025年第二季度"
    assert ws["O7"].value == fp("dept1", "fresh", C1)
    assert ws["I7"].hyperlink.target == "http://a/c1"
    assert ws["I11"].hyperlink is None  # the veto has no page
    assert ws.freeze_panes == "A7"
    assert ws.column_dimensions["O"].hidden and not ws.column_dimensions["P"].hidden
    assert ws.column_dimensions["I"].width >= 30 and ws.column_dimensions["A"].width <= 6
    assert ws["I7"].alignment.wrap_text and ws.row_dimensions[7].height > 15
    meta = wb["_meta"]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    values = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert (
        values.items()
        >= {
            "round": "2025Q2",
            "unit": "dept1",
            "issued": "2025-07-04",
            "deadline": "2025-08-01",
            "format": "zwgk-checklist/3",
        }.items()
    )


def test_xlsx_read_with_pandas(sheet: Path):
    frame = pd.read_excel(sheet, sheet_name="整改清单", header=5)
    assert list(frame.columns) == HEADERS
    assert len(frame) == 5
    assert frame["状态"].tolist() == ["未整改", "未整改", "新发现", "已整改", "已整改"]
    assert frame["分值"].tolist() == [6, 4, 4, 6, "单项否决"]
    assert frame.loc[1, "失分原因"].startswith(FORMULA_TITLE)
    assert frame["整改情况"].isna().all()


def test_a_crawled_formula_arrives_as_text(sheet: Path):
    wb = openpyxl.load_workbook(sheet)
    cell = wb["整改清单"]["I8"]
    assert cell.value.startswith(FORMULA_TITLE + "未标注发布日期")
    assert cell.data_type == "s" and cell.quotePrefix
    at = wb["整改清单"]["I9"]
    assert at.value.startswith("@SUM(1)") and at.data_type == "s" and at.quotePrefix
    with zipfile.ZipFile(sheet) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere in the sheet
    # pandas sees the text, not a computed value.
    frame = pd.read_excel(sheet, sheet_name="整改清单", header=5)
    assert frame.loc[1, "失分原因"].startswith('=HYPERLINK("http://x","y")')


def test_xlsx_drop_down_and_protection(sheet: Path):
    ws = openpyxl.load_workbook(sheet)["整改清单"]
    dv, length = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"已整改,整改中,无法整改"'
    assert str(dv.sqref) == "M7:M9"  # the three rows to answer, not the fixed ones
    assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.allow_blank
    # 整改说明's length limit, said while typing (the import refuses a longer one too).
    assert (length.type, length.operator, length.formula1) == ("textLength", "lessThanOrEqual", "2000")  # fmt: skip
    assert str(length.sqref) == "N7:N9" and length.errorStyle == "stop"
    assert ws.protection.sheet
    unlocked = {
        c.coordinate for row in ws.iter_rows(1, ws.max_row, 1, 16) for c in row
        if not c.protection.locked
    }  # fmt: skip
    assert unlocked == {f"{col}{r}" for col in "MN" for r in (7, 8, 9)}
    wb = openpyxl.load_workbook(sheet)
    assert wb.security.lockStructure


def test_xlsx_print_setup(sheet: Path):
    ws = openpyxl.load_workbook(sheet)["整改清单"]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.print_title_rows == "$6:$6"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_area == ["'整改清单'!$A$1:$P$11"] or "$A$1:$P$11" in str(ws.print_area)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_xlsx_shows_an_unread_unit_without_score(sqlite_store: Store, tmp_path: Path):
    (dept2,) = load_checklists(sqlite_store, "2025Q2", ["dept2"])
    path = tmp_path / "dept2.xlsx"
    build_workbook(dept2).save(path)
    ws = openpyxl.load_workbook(path)["整改清单"]
    assert ws["I2"].value == "—" and ws["N2"].value == "未评分（网站本轮未能访问）"
    assert ws["J7"].value == "未能复核" and ws["H7"].value == "—"


# -- CSV and HTML ---------------------------------------------------------------------------------
def test_csv_has_a_bom_and_round_trips(dept1, tmp_path: Path):
    (path,) = [p for p in write_checklists_for(dept1, tmp_path) if p.suffix == ".csv"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "江淮市教育局".encode() in raw
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert tuple(back.columns) == CSV_COLUMNS
    shown = checklist_frame(dept1).fillna("").astype(str)
    # Text Excel would evaluate carries a leading apostrophe (CSV injection).
    assert back.loc[1, "失分原因"] == "'" + shown.loc[1, "失分原因"]
    assert back.loc[2, "失分原因"].startswith("'@SUM(1)")
    unescaped = back.apply(lambda c: c.str.replace(r"^'(?=[=+\-@])", "", regex=True))
    pd.testing.assert_frame_equal(unescaped, shown)
    assert "问题编号" not in back and "单位编号" not in back  # no internal codes
    assert set(back["测评轮次"]) == {"2025年第二季度"}
    assert back.loc[0, "网页"] == "http://a/c1"


def test_html_is_self_contained_and_escaped(dept1):
    page = render_html(dept1)
    assert page.startswith("<!DOCTYPE html>") and "size: A4 landscape" in page
    # Page numbers in print: the page's margin box counts pages.
    assert 'content: "第 " counter(page) " 页，共 " counter(pages) " 页"' in page
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in page
    assert '<a href="http://a/c1">http://a/c1</a>' in page
    # The crawled formula is text, escaped: its URL is not a link.
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)未标注发布日期" in page
    assert 'href="http://x"' not in page
    assert page.count("<tr class=") == 5 and page.count('class="done"') == 2
    assert "<thead>" in page and "整改期限</th><td>2025年8月1日" in page
    assert "data-fingerprint" not in page and fp("dept1", "fresh", C1) not in page


def write_checklists_for(cl, out: Path) -> list[Path]:
    from reports.checklist import write_checklist

    return write_checklist(cl, out)


# -- writing every unit, and the command line --------------------------------------------------------
def test_write_checklists_for_every_unit_or_some(sqlite_store: Store, tmp_path: Path):
    paths = write_checklists(sqlite_store, "2025Q2", tmp_path / "all")
    names = sorted(p.name for p in paths)
    assert names == sorted(
        f"整改清单_2025Q2_{u}_{n}.{ext}"
        for u, n in (("dept1", "江淮市教育局"), ("dept2", "江淮市财政局"))
        for ext in ("xlsx", "csv", "html")
    )
    assert all(p.stat().st_size > 0 for p in paths)
    only = write_checklists(
        sqlite_store, "2025Q2", tmp_path / "one", ["dept2"], deadline=dt.date(2025, 8, 15)
    )
    assert len(only) == 3 and all("dept2" in p.name for p in only)
    ws = openpyxl.load_workbook(next(p for p in only if p.suffix == ".xlsx"))["整改清单"]
    assert ws["F3"].value == "2025年8月15日"


def test_report_checklist_command(sqlite_store: Store, tmp_path: Path):
    from typer.testing import CliRunner

    from zwgk.cli import app

    url = sqlite_store.url
    out = tmp_path / "out"
    args = ["report", "checklist", "--round", "2025Q2", "--out", str(out), "--db", url]
    done = CliRunner().invoke(
        app, [*args, "-u", "dept1", "--issued", "2025-07-04", "--deadline", "2025-08-01"]
    )
    assert done.exit_code == 0, done.output
    assert "no office file" in done.output  # said once, on stderr
    assert "1 units, 3 files" in done.output
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".html", ".xlsx"]
    bad = CliRunner().invoke(app, [*args, "-u", "dept9"])
    assert bad.exit_code == 2 and "no unit dept9" in bad.output
    bad_date = CliRunner().invoke(app, [*args, "--deadline", "soon"])
    assert bad_date.exit_code == 2 and "--deadline" in bad_date.output
    bad_date = CliRunner().invoke(
        app, [*args, "--issued", "2025-07-04", "--deadline", "2025-07-01"]
    )
    assert bad_date.exit_code == 2 and "is not after the issue date" in bad_date.output
    assert re.search(
        r"no round '2025Q9'",
        CliRunner().invoke(app, [*args[:2], "--round", "2025Q9", "--db", url]).output,
    )
