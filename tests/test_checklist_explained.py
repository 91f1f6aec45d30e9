"""The checklist's 得分变化说明 block, its 优先级 column and 优先整改建议 line (issue 17 points 1
and 2), and returned checklists of the new layout and of the one before it still importing.

Rounds: tests/report_rounds.py — its 2025Q3 explanation lines for d1 are written into the store
by hand (`EXPLAINED`: a rules part and a site part), the totals are the rounds' own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from report_rounds import (  # noqa: F401 (fixtures)
    EXPLAINED,
    K2,
    K3,
    L,
    fp,
    report_store_fixture,
    report_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)
from sqlalchemy import update

from reports.checklist import load_checklists, write_checklists
from reports.checklist.html_page import render_html
from reports.checklist.notice import build_notice
from reports.responses import ResponseError, import_responses
from scoring.fix_first import plan_fixes
from scoring.round import frozen_set
from store import Store
from store import rounds as round_store
from store.models import RoundTotal

ISSUED = dt.date(2025, 10, 9)
ORDER = "优先整改建议：「优先级」列是建议的整改先后顺序（1为最先整改）。"


def checklist(store: Store, unit: str, round_id: str = "2025Q3"):
    (cl,) = load_checklists(store, round_id, [unit], issued=ISSUED)
    return cl


def xlsx(store: Store, tmp_path: Path, unit: str, round_id: str = "2025Q3") -> Path:
    (path,) = write_checklists(store, round_id, tmp_path, [unit], issued=ISSUED, formats=["xlsx"])
    return path


def notice_text(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)["整改通知"]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


# -- 得分变化说明 ----------------------------------------------------------------------------------
def test_a_rise_from_the_rules_and_the_site_is_split_by_part_and_indicator(report_store, tmp_path):
    assert round(sum(change for *_, change in EXPLAINED), 4) == round(85.7143 - 64.2857, 4)
    notice = build_notice(checklist(report_store, "d1"))
    assert notice.change == (
        "与上轮（2025年第二季度）相比，你单位得分由64.29分变为85.71分，上升21.43分，"
        "其中指标体系调整−7.14分、网站自身变化+28.57分。",
    )
    assert notice.change_rows == (
        ("指标体系调整", "信息公开及时", "−7.14分"),
        ("网站自身变化", "动态要闻类栏目更新及时", "+21.43分"),
        ("网站自身变化", "无失效链接", "+7.86分"),
        (
            "网站自身变化",
            "计分基数变化（参与计分的指标变了，原有失分的权重随之变化）",
            "−0.71分",
        ),
    )
    text = notice_text(xlsx(report_store, tmp_path, "d1"))
    at = text.index("得分变化说明")
    assert text[at + 1] == "\u3000\u3000" + notice.change[0]
    assert text[at + 2 : at + 5] == ["变化原因", "指标", "分值变化"]
    assert text[at + 5 : at + 8] == ["指标体系调整", "信息公开及时", "−7.14分"]
    page = render_html(checklist(report_store, "d1"))
    assert "<h2>得分变化说明</h2>" in page and 'id="score-change"' in page
    assert '<td>网站自身变化</td><td>无失效链接</td><td class="num">+7.86分</td>' in page


def test_a_pass_fail_flip_is_said_in_words(report_store):
    with report_store.engine.begin() as conn:
        conn.execute(
            update(RoundTotal)
            .where(RoundTotal.round == "2025Q2", RoundTotal.unit_id == "d1")
            .values(passed=False)
        )
    notice = build_notice(checklist(report_store, "d1"))
    assert notice.change[1:] == ("测评结果由不合格变为合格。",)


def test_a_veto_that_failed_the_unit_is_named():
    from reports.checklist.change import _flip

    before, after = {"passed": True}, {"passed": False, "vetoed": True}
    assert _flip(before, after, ["栏目长期未更新"]) == (
        "测评结果由合格变为不合格（单项否决：栏目长期未更新）。"
    )


def test_without_a_previous_round_or_a_score_one_sentence_says_so(report_store, tmp_path):
    first = build_notice(checklist(report_store, "d1", "2025Q2"))
    assert first.change == ("本轮为首次测评，无上轮得分可比。",) and first.change_rows == ()
    assert "本轮为首次测评，无上轮得分可比。" in render_html(
        checklist(report_store, "d1", "2025Q2")
    )
    text = notice_text(xlsx(report_store, tmp_path, "d1", "2025Q2"))
    assert text[text.index("得分变化说明") + 1] == "\u3000\u3000本轮为首次测评，无上轮得分可比。"
    # d3 was not read in 2025Q2, d4 not in 2025Q3; the city's total did not move.
    assert build_notice(checklist(report_store, "d3")).change == (
        "你单位上轮未予评分，无法与上轮比较得分变化。",
    )
    assert build_notice(checklist(report_store, "d4")).change == (
        "你单位本轮未予评分，无法与上轮比较得分变化。",
    )
    assert build_notice(checklist(report_store, "city")).change == (
        "与上轮（2025年第二季度）相比，你单位得分由78.57分变为78.57分，未变化。",
    )


# -- 优先级 and 优先整改建议 -----------------------------------------------------------------------
NEXT_TOTAL = {"city": None, "d1": 92.8571, "d2": None, "d3": 85.7143}


@pytest.mark.parametrize("unit", sorted(NEXT_TOTAL))
def test_the_priority_column_is_fix_first_on_the_rounds_rows(report_store, unit):
    info = round_store.get_round(report_store, "2025Q3")
    expected = plan_fixes(
        unit,
        round_store.round_scores_frame(report_store, "2025Q3"),
        round_store.problems_frame(report_store, "2025Q3", evidence=False),
        frozen_set(info),
        pass_line=info.pass_line,
        next_total=NEXT_TOTAL[unit],
    )
    assert len(expected.problems)  # each of these units has something to fix
    cl = checklist(report_store, unit)
    shown = {r.fingerprint: r.priority for r in cl.rows if r.priority is not None}
    assert shown == dict(
        zip(expected.problems["fingerprint"], expected.problems["priority"], strict=True)
    )


def test_one_time_events_and_fixed_rows_have_no_priority(report_store, tmp_path):
    cl = checklist(report_store, "d1")
    by_fp = {r.fingerprint: r for r in cl.rows}
    assert by_fp[fp("d1", "links", K2)].priority == 1
    assert (
        by_fp[fp("d1", "lag", L)].status_zh == "今后注意"
        and by_fp[fp("d1", "lag", L)].priority is None
    )
    assert all(r.priority is None for r in cl.rows if r.status == "fixed")
    ws = openpyxl.load_workbook(xlsx(report_store, tmp_path, "d1"))["整改清单"]
    assert ws["P6"].value == "优先级" and ws["O6"].value == "问题编号"
    assert [ws.cell(r, 16).value for r in range(7, 7 + len(cl.rows))] == [
        r.priority for r in cl.rows
    ]
    page = render_html(cl)
    assert "<th>优先级</th>" in page and '<td class="num">1</td>\n    </tr>' in page


def test_the_fix_first_line_names_the_rows_that_reach_each_target(report_store, tmp_path):
    d1 = checklist(report_store, "d1")
    assert d1.fix_advice == (
        ORDER + "完成以下1项整改即可前进一个名次：序号1。"
        "有已经发生、无法整改的问题扣分，完成全部整改也无法得满分。"
    )
    # d3's one fix moves it up a rank and gives it full marks: one sentence for both.
    assert checklist(report_store, "d3").fix_advice == (
        ORDER + "完成以下1项整改即可前进一个名次并得满分：序号1。"
    )
    assert checklist(report_store, "t1").fix_advice == ""  # nothing to fix
    ws = openpyxl.load_workbook(xlsx(report_store, tmp_path, "d1"))["整改清单"]
    assert ws["A5"].value == d1.fix_advice
    assert f'<p class="advice" id="fix-advice">{d1.fix_advice}</p>' in render_html(d1)


# -- returned checklists, new layout and the one before --------------------------------------------
def test_a_returned_checklist_of_the_new_layout_imports(report_store, tmp_path):
    path = xlsx(report_store, tmp_path, "d2")
    wb = openpyxl.load_workbook(path)
    wb["整改清单"]["M7"] = "整改中"
    wb.save(path)
    done = import_responses(report_store, path)
    assert (done.recorded, done.blank) == (1, 0)


def old_layout(path: Path, out: Path) -> Path:
    """``path`` as the previous format (zwgk-checklist/2) laid it out: no 优先整改建议 line in
    row 5, no 优先级 column, the format named in ``_meta``."""
    wb = openpyxl.load_workbook(path)
    ws = wb["整改清单"]
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    for r in range(1, ws.max_row + 1):
        ws.cell(r, 16).value = None
    ws["A5"] = None
    wb["_meta"]["B1"] = "zwgk-checklist/2"
    wb.save(out)
    return out


def test_a_returned_checklist_of_the_previous_layout_still_imports(report_store, tmp_path):
    path = old_layout(xlsx(report_store, tmp_path, "d2"), tmp_path / "old.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["整改清单"]["M7"] = "已整改"
    wb["整改清单"]["N7"] = "已修复链接"
    wb.save(path)
    done = import_responses(report_store, path)
    assert (done.recorded, done.blank) == (1, 0)
    answers = load_checklists(report_store, "2025Q3", ["d2"])[0].rows
    assert (answers[0].fingerprint, answers[0].answer) == (fp("d2", "links", K3), "已整改")


def test_the_previous_layout_is_checked_by_its_own_columns(report_store, tmp_path):
    path = old_layout(xlsx(report_store, tmp_path, "d2"), tmp_path / "old.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["整改清单"]["P7"] = 1  # a 优先级 the old layout does not have
    wb["整改清单"]["H7"] = 4
    wb.save(path)
    with pytest.raises(ResponseError) as caught:
        import_responses(report_store, path)
    assert caught.value.problems == [
        "整改清单!P7: 清单外新增了内容“1”，请只在「整改情况」「整改说明」列填写",
        "整改清单!H7: 锁定列「得分」被修改（应为“3”，表中为“4”）；如清单导出后测评结果有变化，请重新导出清单",
    ]
    # The new layout's file with its 优先整改建议 line removed is refused: the line is locked.
    new = xlsx(report_store, tmp_path / "new", "d1")
    wb = openpyxl.load_workbook(new)
    wb["整改清单"]["A5"] = None
    wb.save(new)
    with pytest.raises(ResponseError, match="整改清单!A5: 表头内容被修改"):
        import_responses(report_store, new)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_in_headless_chromium_the_blocks_show_and_print(report_store, tmp_path):
    from playwright.sync_api import sync_playwright

    cl = checklist(report_store, "d1")
    (path,) = write_checklists(
        report_store, "2025Q3", tmp_path, ["d1"], issued=ISSUED, formats=["html"]
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            assert page.is_visible("#score-change") and page.is_visible("#fix-advice")
            assert page.inner_text("#fix-advice") == cl.fix_advice
            rows = page.eval_on_selector_all(
                "#score-change tbody tr", "rs => rs.map(r => r.innerText.split('\\t'))"
            )
            assert rows[0] == ["指标体系调整", "信息公开及时", "−7.14分"] and len(rows) == 4
            # The 优先级 column is the table's last, one cell a row, inside the page's width.
            last = page.eval_on_selector_all(
                "table.rows tr", "rs => rs.map(r => r.lastElementChild.innerText.trim())"
            )
            assert last == ["优先级", "1", "", ""]
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert page.pdf(format="A4").startswith(b"%PDF")
        finally:
            browser.close()


def test_a_part_whose_lines_cancel_is_not_in_the_sentence_but_its_lines_are_listed():
    import pandas as pd

    from reports.checklist.change import ScoreChange, _parts, sentences, table_rows

    lines = pd.DataFrame(
        {
            "part": ["rules", "rules", "site"],
            "indicator_id": ["a", "b", "a"],
            "change": [2.0, -2.0, 1.5],
        }
    )
    parts = _parts(lines, {"a": "信息公开及时", "b": "无失效链接"})
    sc = ScoreChange(previous="2025年第二季度", before=80.0, after=81.5, parts=parts)
    assert sentences(sc) == (
        "与上轮（2025年第二季度）相比，你单位得分由80分变为81.5分，上升1.5分，其中网站自身变化+1.5分。",
    )
    assert table_rows(sc) == (
        ("指标体系调整", "信息公开及时", "+2分"),
        ("指标体系调整", "无失效链接", "−2分"),
        ("网站自身变化", "信息公开及时", "+1.5分"),
    )
