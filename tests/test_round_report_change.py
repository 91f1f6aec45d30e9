"""The round report's 得分变化原因 (issue 17 point 1): per level, how much of the movement since
the previous round came from the indicator set, the sites and the evaluators' decisions — sums,
averages per unit and one sentence — or one line when there is nothing to compare.

Rounds: tests/report_rounds.py, whose 2025Q3 explanation lines (d1: a rules part and a site part)
are written into the store by hand; the totals are the rounds' own."""

from __future__ import annotations

import openpyxl
import pandas as pd
from report_rounds import (  # noqa: F401 (fixtures)
    EXPLAINED,
    report_store_fixture,
    report_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)
from sqlalchemy import delete

from reports.round_data import round_report_data
from reports.round_report import write_round_report
from store.explanation_models import RoundExplanation

DEPARTMENTS = (
    "与上轮相比，市直部门（2家两轮均有得分）平均得分上升10.71分，"
    "其中指标体系调整−3.57分、网站自身变化+14.29分、测评人员核定0分。"
)


def test_per_level_the_movement_is_split_into_rules_sites_and_decisions(report_store):
    found = round_report_data(report_store, "2025Q3").movement
    assert found.note == ""
    assert found.sentences == (
        "与上轮相比，市政府（1家两轮均有得分）平均得分未变化。",
        DEPARTMENTS,
        "与上轮相比，乡镇街道（2家两轮均有得分）平均得分未变化。",
    )
    # 市直部门: d1 (64.2857 → 85.7143) and d2 (unchanged) are in both rounds; d3 was not read
    # in 2025Q2, d4 not in 2025Q3.
    row = found.levels.set_index("level").loc["市直部门"]
    rules = sum(c for u, part, _, c in EXPLAINED if part == "rules")
    site = sum(c for u, part, _, c in EXPLAINED if part == "site")
    assert row["units"] == 2
    assert round(row["change"], 4) == round(85.7143 - 64.2857, 4)
    assert (round(row["rules"], 4), round(row["site"], 4)) == (round(rules, 4), round(site, 4))
    assert row["decisions"] == 0 and row["unsplit"] == 0


def test_the_report_files_carry_the_sheet_and_the_section(report_store, tmp_path):
    xlsx, html = write_round_report(report_store, "2025Q3", tmp_path)
    table = pd.read_excel(xlsx, sheet_name="得分变化原因", skiprows=1, nrows=3)
    departments = table.set_index("层级").loc["市直部门"]
    assert departments["两轮均有得分的单位"] == 2
    assert round(departments["平均每家"], 4) == round((85.7143 - 64.2857) / 2, 4)
    assert abs(departments["指标体系调整平均每家"] - -7.1429 / 2) < 1e-9
    ws = openpyxl.load_workbook(xlsx)["得分变化原因"]
    shown = [c.value for row in ws.iter_rows(min_col=1, max_col=1) for c in row]
    assert DEPARTMENTS in shown
    page = html.read_text(encoding="utf-8")
    assert '<h3 id="movement">得分变化原因（与上轮相比）</h3>' in page
    assert f"<p>{DEPARTMENTS}</p>" in page
    assert '<td>市直部门</td><td class="num">2</td><td class="num">+10.71</td>' in page


def test_without_a_previous_round_or_an_explanation_one_line_says_so(report_store, tmp_path):
    xlsx, html = write_round_report(report_store, "2025Q2", tmp_path / "q2")
    first = "本轮为首轮评估，没有上轮得分可比较。"
    assert openpyxl.load_workbook(xlsx)["得分变化原因"]["A1"].value == first
    assert f'<p class="note" id="movement-none">{first}</p>' in html.read_text(encoding="utf-8")
    with report_store.engine.begin() as conn:
        conn.execute(delete(RoundExplanation))
    xlsx, html = write_round_report(report_store, "2025Q3", tmp_path / "q3")
    ws = openpyxl.load_workbook(xlsx)["得分变化原因"]
    assert (
        ws["A1"].value.startswith("本轮测评未保存与上轮相比的得分变化分解")
        and ws["A2"].value is None
    )
    assert "本轮测评未保存与上轮相比的得分变化分解" in html.read_text(encoding="utf-8")
