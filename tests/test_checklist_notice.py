"""The notice a checklist travels with (issue 12, point 6): the office's 文号, sender, contact and
signature block from office.yaml (FILE:LINE errors), 整改期限 counted in working days from the
issue date, points lost by 一级指标, the indicators not evaluated, a notice instead of an empty
list for a unit not read, and one-time events (今后注意) shown without an answer asked — and
refused when answered anyway. Rounds: tests/report_rounds.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from report_rounds import (  # noqa: F401 (fixtures)
    K2,
    NOT_EVALUATED,
    L,
    fp,
    report_store_fixture,
    report_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)

from reports.checklist import load_checklists, write_checklists
from reports.checklist.data import default_deadline
from reports.checklist.html_page import render_html
from reports.checklist.notice import build_notice
from reports.checklist.office import Office, OfficeError, configured_office, load_office
from reports.checklist.result import rank_position, rank_text, ranked_per_level
from reports.checklist.xlsx import build_workbook
from reports.responses import ResponseError, import_responses
from reports.wording import today_in_beijing
from store import Store

ISSUED = dt.date(2025, 9, 26)  # the Friday before National Day
OFFICE_YAML = """\
sender: 江淮市人民政府办公室
notice_no: 江淮政办秘〔2025〕45号
contact:
  name: 李明
  phone: 0551-12345678
  email: zwgk@jianghuai.gov.cn
signature: [江淮市人民政府办公室, （江淮市政务公开办公室代章）]
deadline_workdays: 15
"""


@pytest.fixture
def office(tmp_path: Path) -> Office:
    path = tmp_path / "office.yaml"
    path.write_text(OFFICE_YAML, encoding="utf-8")
    return load_office(path)


def checklist(store: Store, unit: str, office: Office | None = None, **kw):
    (cl,) = load_checklists(store, "2025Q3", [unit], issued=ISSUED, office=office, **kw)
    return cl


# -- office.yaml -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("sender: 办公室\nsendr: x\n", [":2: (top level): unknown key 'sendr'"]),
        ("sender: 办公室\ncontact:\n  name: 李明\n", [":2: contact: missing key 'phone'"]),
        (
            "deadline_workdays: 0\n",
            [":1: deadline_workdays: Input should be greater than or equal to 1"],
        ),
        (
            "deadline_workdays: 200\n",
            [":1: deadline_workdays: Input should be less than or equal to 120"],
        ),
        ("deadline_workdays: 十五\n", [":1: deadline_workdays: Input should be a valid integer"]),
        ('title: "关于{unit}的通知"\n', [":1: title: the title may use {round} only"]),
        ("signature: 办公室\n", [":1: signature: Input should be a valid list"]),
        ("- sender\n", [":1: an office file is a mapping"]),
        ("sender: [办公室\n", [":2: invalid YAML"]),
        ("a: &x 办公室\nsender: *x\n", [":2: alias *x"]),
    ],
)
def test_a_bad_office_file_is_refused_with_file_and_line(tmp_path, text, needles):
    path = tmp_path / "office.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OfficeError) as caught:
        load_office(path)
    for needle in needles:
        assert f"{path}{needle}" in str(caught.value)


def test_the_office_file_is_found_by_option_zwgk_toml_or_environment(tmp_path, monkeypatch):
    (tmp_path / "office.yaml").write_text(OFFICE_YAML, encoding="utf-8")
    monkeypatch.delenv("ZWGK_OFFICE", raising=False)
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    assert configured_office() == (Office(), None)
    config = tmp_path / "zwgk.toml"
    config.write_text('[checklist]\noffice = "office.yaml"\n', encoding="utf-8")
    monkeypatch.setenv("ZWGK_CONFIG", str(config))
    office, where = configured_office()
    assert office.notice_no == "江淮政办秘〔2025〕45号" and where == str(tmp_path / "office.yaml")
    (tmp_path / "bad.yaml").write_text("sender: 办公室\nfoo: 1\n", encoding="utf-8")
    monkeypatch.setenv("ZWGK_OFFICE", str(tmp_path / "bad.yaml"))
    with pytest.raises(
        OfficeError,
        match=r"bad.yaml:2: .*unknown key 'foo'\n\(the office file named at \$ZWGK_OFFICE\)",
    ):
        configured_office()
    assert configured_office(tmp_path / "office.yaml")[0].sender == "江淮市人民政府办公室"


def test_the_command_refuses_a_bad_office_file_and_takes_a_notice_number(
    report_store: Store, tmp_path: Path
):
    from typer.testing import CliRunner

    from zwgk.cli import app

    bad = tmp_path / "office.yaml"
    bad.write_text("sender: 办公室\ndeadline_workdays: -1\n", encoding="utf-8")
    args = ["report", "checklist", "--round", "2025Q3", "-u", "d1", "--db", report_store.url]
    run = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "a"), "--office", str(bad)])
    assert run.exit_code == 2 and f"{bad}:2: deadline_workdays" in run.output
    bad.write_text(OFFICE_YAML, encoding="utf-8")
    run = CliRunner().invoke(
        app,
        [*args, "-o", str(tmp_path / "b"), "--office", str(bad), "--issued", "2025-09-26",
         "--notice-no", "江淮政办秘〔2025〕46号"],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    html = next((tmp_path / "b").glob("*.html")).read_text(encoding="utf-8")
    assert "江淮政办秘〔2025〕46号" in html and "45号" not in html
    assert "2025年10月23日前（15个工作日内）" in html


# -- 整改期限 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("issued", "workdays", "deadline"),
    [
        # National Day 2025: 9-28 (Sunday) and 10-11 (Saturday) are 调休 workdays, 10-1…10-8 off.
        (dt.date(2025, 9, 26), 15, dt.date(2025, 10, 23)),
        (dt.date(2025, 9, 26), 4, dt.date(2025, 10, 9)),
        # Spring Festival 2025: 1-26 (Sunday) and 2-8 (Saturday) are workdays, 1-28…2-4 off.
        (dt.date(2025, 1, 24), 5, dt.date(2025, 2, 7)),
        # An ordinary fortnight: 10 working days from a Monday is the Monday two weeks on.
        (dt.date(2025, 6, 9), 10, dt.date(2025, 6, 23)),
    ],
)
def test_the_deadline_is_counted_in_working_days_from_the_issue_date(issued, workdays, deadline):
    assert default_deadline(issued, workdays) == deadline


def test_the_notice_gives_the_deadline_and_its_working_days(report_store: Store, office):
    cl = checklist(report_store, "d1", office)
    assert (cl.issued, cl.deadline) == (ISSUED, dt.date(2025, 10, 23))
    text = "".join(build_notice(cl).paragraphs)
    assert "于2025年10月23日前（15个工作日内）" in text
    # Without --issued: today in Beijing, and the default 20 working days.
    (today,) = load_checklists(report_store, "2025Q3", ["d2"])
    assert today.issued == today_in_beijing()
    assert today.deadline == default_deadline(today.issued, 20)
    beijing = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert today_in_beijing() == beijing


# -- the notice -------------------------------------------------------------------------------------
def test_notice_of_a_unit_with_problems(report_store: Store, office):
    cl = checklist(report_store, "d1", office)
    notice = build_notice(cl)
    assert notice.number == "江淮政办秘〔2025〕45号"
    assert notice.title == "关于2025年第三季度政务公开测评发现问题整改的通知"
    assert notice.salutation == "江淮市教育局："
    first, ask, once = notice.paragraphs
    assert "你单位本轮得分85.71分，在市直部门中排名第2（共3家），测评结果为合格。" in first
    assert "其中1个问题需要整改" in ask
    assert once.startswith("另有1个问题为已经发生、无法整改的一次性问题")
    assert notice.summary == (
        ("栏目建设", "6", "0", "0"),
        ("信息发布", "4", "1", "1"),
        ("网站运维", "4", "1", "1"),
        ("合计", "14", "2", "2"),
    )
    assert notice.summary_note == (
        "注：本轮适用于你单位的指标合计14分（不适用和未能评估的指标不计入），实得12分，"
        "按百分制折算后得85.71分。"
    )
    assert notice.contact == "联系人：李明，电话：0551-12345678，电子邮箱：zwgk@jianghuai.gov.cn"
    assert notice.signature == ("江淮市人民政府办公室", "（江淮市政务公开办公室代章）")
    assert notice.date == "2025年9月26日"


def test_a_level_of_one_unit_is_not_ranked_and_an_inapplicable_indicator_not_summed(
    report_store: Store,
):
    city = build_notice(checklist(report_store, "city"))
    assert (
        "市政府仅你单位1家，不作排名" in city.paragraphs[0] and "排名第" not in city.paragraphs[0]
    )
    assert checklist(report_store, "city").rank == "本层级仅此1家（市政府），不排名"
    town = build_notice(checklist(report_store, "t1"))
    assert [row[0] for row in town.summary] == ["栏目建设", "网站运维", "合计"]  # lag: 不适用
    assert town.paragraphs[-1] == "本轮未发现需要你单位整改的问题，请继续保持。"


def test_without_an_office_file_the_notice_has_no_number_contact_or_sender(report_store: Store):
    notice = build_notice(checklist(report_store, "d1"))
    assert (notice.number, notice.contact, notice.signature) == ("", "", ())
    html = render_html(checklist(report_store, "d1"))
    assert 'class="number"' not in html and "联系人" not in html
    assert '<p class="sign">2025年9月26日</p>' in html


def test_a_unit_not_read_gets_a_notice_saying_so(report_store: Store, office, tmp_path):
    cl = checklist(report_store, "d4", office)
    assert (cl.observed, cl.total, cl.rows) == (False, None, ())
    notice = build_notice(cl)
    assert notice.paragraphs[0].endswith("你单位网站未能正常访问，本轮未能评估，未予评分。")
    assert notice.paragraphs[1] == (
        "测评时遇到的情况：网站返回了人机验证或安全防护拦截页面，正常访问被阻挡。"
    )
    assert "（一）网站能否从互联网正常访问" in notice.paragraphs[2]
    assert "2025年10月23日前" in notice.paragraphs[2]
    assert notice.summary == () and notice.not_evaluated == ()
    html = render_html(cl)
    assert "未予评分" in html and "本轮未能评估，没有列入清单的问题。" in html
    assert "本轮未发现问题" not in html
    path = tmp_path / "d4.xlsx"
    build_workbook(cl).save(path)
    text = [c for row in openpyxl.load_workbook(path)["整改通知"].values for c in row if c]
    assert any("未能评估，未予评分" in t for t in text) and any("人机验证" in t for t in text)


def test_indicators_not_evaluated_are_listed_with_their_reason(report_store: Store, tmp_path):
    cl = checklist(report_store, "d3")
    assert [(n.group1, n.name, n.reason) for n in cl.not_evaluated] == [
        ("网站运维", "无失效链接", NOT_EVALUATED)
    ]
    notice = build_notice(cl)
    assert notice.not_evaluated == (("网站运维", "无失效链接", NOT_EVALUATED),)
    assert [row[0] for row in notice.summary] == ["栏目建设", "信息发布", "合计"]
    html = render_html(cl)
    assert 'id="not-evaluated"' in html and NOT_EVALUATED in html
    path = tmp_path / "d3.xlsx"
    build_workbook(cl).save(path)
    ws = openpyxl.load_workbook(path)["整改通知"]
    cells = [c for row in ws.values for c in row if c]
    assert "本轮未能评估的指标（不计分，总分按其余指标折算）" in cells and NOT_EVALUATED in cells
    assert ws.protection.sheet and ws.oddFooter.center.text == "第 &P 页，共 &N 页"


# -- 今后注意: one-time events ---------------------------------------------------------------------
def test_a_one_time_event_is_shown_as_for_the_future_without_an_answer(report_store: Store):
    cl = checklist(report_store, "d1")
    rows = {r.fingerprint: r for r in cl.rows}
    once, link = rows[fp("d1", "lag", L)], rows[fp("d1", "links", K2)]
    assert (once.status_zh, once.answerable, once.for_the_future) == ("今后注意", False, True)
    assert once.advice == "今后请在信息形成之日起20个工作日内公开。"
    assert once.reason.startswith("《关于2025年防汛工作的通知》形成后24个工作日才公开")
    assert (link.status_zh, link.answerable) == ("反弹", True)
    assert [r.status_zh for r in cl.rows] == ["反弹", "今后注意", "已整改"]
    assert (cl.to_answer, cl.for_the_future) == (1, 1)


def test_the_sheet_locks_the_answer_cells_of_a_one_time_event(report_store: Store, tmp_path):
    path = tmp_path / "d1.xlsx"
    build_workbook(checklist(report_store, "d1")).save(path)
    ws = openpyxl.load_workbook(path)["整改清单"]
    assert [ws[f"J{r}"].value for r in (7, 8, 9)] == ["反弹", "今后注意", "已整改"]
    dv, length = ws.data_validations.dataValidation
    assert str(dv.sqref) == "M7" and str(length.sqref) == "N7"  # the 反弹 row only
    assert ws["M8"].protection.locked and ws["N8"].protection.locked
    assert not ws["M7"].protection.locked
    assert ws["M8"].fill.fgColor.rgb.endswith("EDEDED")


def test_an_answer_to_a_one_time_event_is_refused_with_the_reason(report_store: Store, tmp_path):
    (path,) = write_checklists(
        report_store, "2025Q3", tmp_path, ["d1"], issued=ISSUED, formats=["xlsx"]
    )
    wb = openpyxl.load_workbook(path)
    wb["整改清单"]["M7"] = "整改中"
    wb["整改清单"]["M8"] = "已整改"
    wb["整改清单"]["N8"] = "已按时发布"
    wb.save(path)
    with pytest.raises(ResponseError) as caught:
        import_responses(report_store, path)
    assert caught.value.problems == [
        "整改清单!M8: 「整改情况」此行无需填写——该问题是已经发生、无法整改的一次性问题"
        "（状态“今后注意”），今后注意避免即可，不需答复；应为空，表中为“已整改”",
        "整改清单!N8: 「整改说明」此行无需填写——该问题是已经发生、无法整改的一次性问题"
        "（状态“今后注意”），今后注意避免即可，不需答复；应为空，表中为“已按时发布”",
    ]
    wb["整改清单"]["M8"] = None
    wb["整改清单"]["N8"] = None
    wb.save(path)
    done = import_responses(report_store, path)
    assert (done.recorded, done.blank) == (1, 0)


def test_a_sheet_of_the_previous_format_is_refused_naming_it(report_store: Store, tmp_path):
    (path,) = write_checklists(report_store, "2025Q3", tmp_path, ["d2"], formats=["xlsx"])
    wb = openpyxl.load_workbook(path)
    wb["_meta"]["B1"] = "zwgk-checklist/1"
    wb.save(path)
    with pytest.raises(
        ResponseError,
        match="清单格式 zwgk-checklist/1 不是 zwgk-checklist/3或zwgk-checklist/2.*重新导出",
    ):
        import_responses(report_store, path)


def test_requirement_and_basis_fill_their_columns_where_the_indicator_has_them():
    """Issue 12 gives indicators `requirement:` and `basis:` for units; until a set has them,
    内容要求 is the description without its source tags and 依据 is empty."""
    from types import SimpleNamespace

    from reports.checklist.rows import unit_facing

    new = SimpleNamespace(
        description="作者注：阈值为参数 max_workdays [L]",
        requirement="信息应自形成之日起20个工作日内公开 [V]",
        basis="《中华人民共和国政府信息公开条例》第二十六条",
    )
    assert unit_facing(new) == (
        "信息应自形成之日起20个工作日内公开",
        "《中华人民共和国政府信息公开条例》第二十六条",
    )
    old = SimpleNamespace(description="信息应在20个工作日内公开，每条扣1分 [V]。")
    assert unit_facing(old) == ("信息应在20个工作日内公开，每条扣1分。", "")
    assert unit_facing(None) == ("", "")


def test_ranks_with_the_level_counts_counted_once_are_the_ranks_counted_per_unit():
    # The portal and the checklists count each level's ranked units once for a round's 500
    # units (a filter of the totals per unit took 2.6 s a round); the answers must not move.
    totals = pd.DataFrame(
        {
            "unit_id": ["d1", "d2", "d3", "t1", "t2", "c1"],
            "level": ["市直部门"] * 3 + ["乡镇街道"] * 2 + ["县区"],
            "total": [90.0, None, 80.0, 70.0, 60.0, 50.0],
            "rank_in_level": [1, None, 2, 1, 2, 1],
        }
    )
    ranked = ranked_per_level(totals)
    assert ranked == {"市直部门": 2, "乡镇街道": 2, "县区": 1}
    records = totals.to_dict("records")
    texts = [rank_text(t, totals, ranked) for t in records]
    assert texts == [rank_text(t, totals) for t in records]
    assert [rank_position(t, totals, ranked) for t in records] == [
        rank_position(t, totals) for t in records
    ]
    assert texts == ["1/2（市直部门）", "—", "2/2（市直部门）", "1/2（乡镇街道）", "2/2（乡镇街道）",
                     "本层级仅此1家（县区），不排名"]  # fmt: skip
