"""The round report counts honestly (issue 12, point 6): deducting problems split into new /
open / regressed, fixes including those the previous round's 回头看 found, a level of one unit
neither averaged nor compared, and a section 本轮未能评估. Rounds: tests/report_rounds.py."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from report_rounds import (  # noqa: F401 (fixtures)
    K1,
    NAME,
    NOT_EVALUATED,
    fp,
    report_store_fixture,
    report_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)

from reports.round_data import round_report_data
from reports.round_report import write_round_report
from reports.round_text import counts_sentence, levels_sentence
from store import Store


@pytest.fixture
def data(report_store: Store):
    return round_report_data(report_store, "2025Q3")


def test_the_paragraph_counts_new_open_regressed_and_fixed(data):
    assert data.paragraph.startswith(
        "本轮扣分问题5个，其中新发现2个、未整改2个、反弹1个，涉及4家单位；"
        "与上一轮（2025年第二季度）相比，已整改2个（其中回头看时已整改1个）。"
    )
    assert "扣分问题中有1个是已经发生、无法整改的一次性问题" in data.paragraph
    assert "共发现问题" not in data.paragraph  # 5 deduct, only 2 were found this round


def test_fixes_found_at_the_previous_rounds_recheck_are_credited(data):
    """K1 was fixed at 2025Q2's 回头看 and is gone: credited. K2 was fixed then too but is back:
    反弹, not credited."""
    assert list(data.credit["fingerprint"]) == [fp("d1", "links", K1)]
    d1 = data.units.set_index("unit_id").loc["d1"]
    assert (d1["fixed"], d1["regressed"], d1["new"]) == (2, 1, 1)  # A (tracking) + K1 (回头看)
    links = data.indicators.set_index("name").loc["无失效链接"]
    assert (links["fixed"], links["regressed"], links["open"]) == (1, 1, 1)
    rows = data.problems[data.problems["via_recheck"].astype(bool)]
    assert list(rows["fingerprint"]) == [fp("d1", "links", K1)]
    assert rows["deduction"].tolist() == [0.0]
    trend = data.trend.set_index("round")
    # 2025Q2's row no longer counts its 回头看 fixes as its own; 2025Q3's counts K1.
    assert (trend.loc["2025Q2", "fixed"], trend.loc["2025Q2", "rechecked"]) == (0, 2)
    assert trend.loc["2025Q3", "fixed"] == 2


def test_without_a_previous_round_there_is_nothing_to_compare(report_store: Store):
    first = round_report_data(report_store, "2025Q2")
    assert first.credit.empty
    # 2025Q2 has had its 回头看 (K1, K2 fixed since): it still says what it deducted.
    assert first.paragraph.startswith(
        "本轮扣分问题5个（首轮测评，均为新发现），其中测评后经回头看已整改2个，涉及3家单位。"
    )


def test_a_level_of_one_unit_is_neither_an_average_nor_compared(data):
    assert data.single_levels == frozenset({"市政府"})
    assert (
        "分层级看，市直部门平均85.71分，乡镇街道平均100分，市直部门平均得分最低；" in data.paragraph
    )
    assert "市政府仅1家单位参与评分，得78.57分。" in data.paragraph
    assert "市政府平均" not in data.paragraph  # the city scored lowest, but alone


def test_levels_sentence_cases():
    levels = pd.DataFrame(
        {"level": ["市政府", "市直部门", "县区政府"], "average": [70.0, 90.0, 80.0]}
    )
    assert levels_sentence(levels, {"市政府": 70.0}) == (
        "分层级看，市直部门平均90分，县区政府平均80分，县区政府平均得分最低；"
        "市政府仅1家单位参与评分，得70分。"
    )
    # One level of several units: nothing to be lowest against.
    assert levels_sentence(levels[:2], {"市政府": 70.0}) == (
        "分层级看，市直部门平均90分；市政府仅1家单位参与评分，得70分。"
    )
    assert (
        levels_sentence(levels[:1], {"市政府": 70.0})
        == "分层级看，市政府仅1家单位参与评分，得70分。"
    )


def test_counts_sentence_for_a_special_round_and_not_comparable_and_expired():
    problems = pd.DataFrame(
        {
            "unit_id": ["a", "a", "b", "b", "b"],
            "status": ["new", "open", "not_comparable", "expired", "fixed"],
            "decision": [None, "dismissed", None, None, None],
        }
    )
    text = counts_sentence("special", problems, problems.iloc[0:0], "2025Q2")
    assert text == (
        "本次专项检查扣分问题1个，其中新发现1个、未整改0个、反弹0个，涉及1家单位；"
        "与上一轮（2025年第二季度）相比，已整改1个，另有1个问题因本轮未能采集而无法复核，"
        "1个已超出测评期（不再考查，不计为整改）。"
    )


def test_the_section_of_what_could_not_be_evaluated(data, report_store: Store, tmp_path):
    assert data.unread[["name", "reasons"]].values.tolist() == [
        [NAME["d4"], "网站返回了人机验证或安全防护拦截页面，正常访问被阻挡"]
    ]
    assert data.not_evaluated[["unit_name", "indicator", "reason"]].values.tolist() == [
        [NAME["d3"], "无失效链接", NOT_EVALUATED]
    ]
    xlsx, html = write_round_report(report_store, "2025Q3", tmp_path)
    page = html.read_text(encoding="utf-8")
    section = page[page.index("五、本轮未能评估") : page.index("</main>")]
    assert NAME["d4"] in section and "人机验证" in section and NOT_EVALUATED in section
    ws = load_workbook(xlsx)["本轮未能评估"]
    cells = [c for row in ws.values for c in row if c is not None]
    assert "网站未能正常访问、未予评分的单位" in cells and NAME["d4"] in cells
    assert NOT_EVALUATED in cells


def test_everything_evaluated_is_said_too(report_store: Store, tmp_path):
    _, html = write_round_report(report_store, "2025Q2", tmp_path)
    page = html.read_text(encoding="utf-8")
    assert "网站未能正常访问、未予评分的单位（2家）" in page  # d3 and d4 were not read in Q2
    assert 'id="all-evaluated"' not in page


def test_the_workbook_marks_recheck_fixes_and_one_unit_levels(report_store: Store, tmp_path):
    xlsx, html = write_round_report(report_store, "2025Q3", tmp_path)
    by_unit = pd.read_excel(xlsx, sheet_name="问题按单位")
    d1 = by_unit[by_unit["单位名称"] == NAME["d1"]]
    assert sorted(d1["状态"]) == sorted(
        ["已整改", "已整改（回头看）", "反弹", "新发现（一次性，今后注意）"]
    )
    ranking = pd.read_excel(xlsx, sheet_name="排名").set_index("单位名称")
    assert ranking.loc[NAME["city"], "排名"] == "—" and ranking.loc[NAME["d2"], "排名"] == 1
    page = html.read_text(encoding="utf-8")
    assert "78.57（仅1家，为该单位得分）" in page
    assert "“已整改”含上轮回头看时已整改的问题" in page
    assert 'content: "第 " counter(page) " 页，共 " counter(pages) " 页"' in page


def test_a_round_rechecked_since_still_says_what_it_deducted(report_store: Store):
    problems = pd.DataFrame(
        {
            "status": ["new", "fixed", "open", "fixed"],
            "decision": [None, None, None, None],
            "rechecked_at": [None, "2025-08-15", None, None],
        },
        index=[0, 1, 2, 3],
    ).assign(unit_id=["a", "a", "b", "b"])
    totals = pd.DataFrame({"unit_id": ["a", "b", "c"], "problems": [2, 1, 0]})
    # a's fixed row was fixed at this round's 回头看; b's was fixed since the previous round.
    assert counts_sentence("quarterly", problems, problems.iloc[0:0], "2025Q1", totals) == (
        "本轮扣分问题3个，其中新发现1个、未整改1个、反弹0个、测评后经回头看已整改1个，"
        "涉及2家单位；与上一轮（2025年第一季度）相比，已整改1个。"
    )
    # Without a 回头看 since, the totals and the problems agree (what `fixed_since` relies on).
    from reports.round_text import fixed_since
    from store import rounds as round_store

    q3 = round_store.problems_frame(report_store, "2025Q3", evidence=False)
    assert fixed_since(q3, round_store.round_totals_frame(report_store, "2025Q3")) == 0
