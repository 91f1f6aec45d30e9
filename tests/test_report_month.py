"""The monthly monitoring report (月监测, `zwgk report month`): on a hand-made patrol history
its numbers exactly — found and fixed by indicator group and level, time to fix, the month's
warnings and what came of them, the units with the most open problems at the month's end, the
paragraph's counts —, the workbook and the page, and the command line (a bad --month, a month
without a patrol)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from reports.month_data import MonthError, NoPatrols, month_report_data, parse_month
from reports.month_report import write_month_report
from store import open_store
from store.patrols import FINDING_COLUMNS, write_patrol

BASE = type("Set", (), {"id": "base", "version": "2025.1", "sha256": "0" * 64})
UNITS = [
    ("city", "江淮市人民政府", "市政府"),
    ("d1", "江淮市教育局", "市直部门"),
    ("d2", "江淮市财政局", "市直部门"),
    ("t1", "东山县青松镇人民政府", "乡镇街道"),
]
# fingerprint → unit, indicator (of the shipped base set: its groups name the rows)
FP = {
    "P1": ("d1", "freshness.news"),  # 栏目建设 · 更新维护
    "P2": ("d2", "links.broken"),  # 网站运维 · 链接可用性
    "P3": ("t1", "interpretation.coverage"),  # 政策解读 · 解读覆盖
    "W0": ("d1", "freshness.news"),
    "W1": ("city", "freshness.news"),
    "W2": ("d2", "freshness.notice_policy"),  # 栏目建设 · 更新维护
    "W3": ("d1", "freshness.news"),
}
D = dt.date


def problem(fp: str) -> dict:
    unit, indicator = FP[fp]
    return {"fingerprint": fp, "kind": "problem", "unit_id": unit, "indicator_id": indicator,
            "subject": fp, "target_url": None, "evidence": {}, "suggestion": "", "deduction": 1.0,
            "due": None}  # fmt: skip


def warning(fp: str, due: dt.date) -> dict:
    return {**problem(fp), "kind": "warning", "due": due}


# (day, findings, units not read). In August: P2 fixed on the 1st (4 days, in time) and back on
# the 5th; P1 fixed on the 5th after 35 days (late: 20 workdays from 1 July end on 29 July);
# P3 found on the 1st, its unit unread on the 5th (not a fix), fixed on the 29th (28 days: the
# 20th workday after 1 August is the 29th, in time); W1 heeded, W2 ignored (a problem on the
# 6th), W3 pending; W0 was given in July. The 29th could not read the city. 1 September's fixes
# are after the month.
NIGHTS = [
    (D(2025, 7, 1), [problem("P1")], []),
    (D(2025, 7, 28), [problem("P1"), problem("P2"), warning("W0", D(2025, 8, 1))], []),
    (D(2025, 8, 1), [problem("P1"), problem("P3"), warning("W1", D(2025, 8, 5)),
                     warning("W2", D(2025, 8, 6))], []),
    (D(2025, 8, 5), [problem("P2"), warning("W2", D(2025, 8, 6))], ["t1"]),
    (D(2025, 8, 6), [problem("P2"), problem("P3"), problem("W2"),
                     warning("W3", D(2025, 9, 3))], []),
    (D(2025, 8, 29), [problem("P2"), problem("W2")], ["city"]),
    (D(2025, 9, 1), [], []),
]  # fmt: skip


def patrolled(store_url: str, nights: list) -> object:
    store = open_store(store_url, create=True)
    store.upsert_units([{"id": u, "name": n, "level": lv, "profile": "trs",
                         "entry_url": f"http://{u}.example/"} for u, n, lv in UNITS])  # fmt: skip
    for day, rows, unread in nights:
        write_patrol(store, as_of=day, crawl_run=1, indicator_set=BASE, within="5 workdays",
                     findings=pd.DataFrame(rows, columns=FINDING_COLUMNS),
                     stats={"units_not_observed": unread})  # fmt: skip
    return store


@pytest.fixture
def store(store_url):
    store = patrolled(store_url, NIGHTS)
    yield store
    store.close()


@pytest.fixture
def august(store):
    return month_report_data(store, parse_month("2025-08"))


def test_found_and_fixed_in_the_month_by_level_with_time_to_fix(august):
    assert list(august.nights["as_of"]) == [
        D(2025, 8, 1),
        D(2025, 8, 5),
        D(2025, 8, 6),
        D(2025, 8, 29),
    ]
    assert sorted(zip(august.found["fingerprint"], august.found["stretch"], strict=True)) == [
        ("P2", 2), ("P3", 1), ("W2", 1)
    ]  # fmt: skip
    assert sorted(august.fixed["fingerprint"]) == ["P1", "P2", "P3"]  # not September's
    rows = august.by_level.set_index("level")
    assert list(rows.index) == ["市直部门", "乡镇街道", "合计"]
    dept, town, total = rows.loc["市直部门"], rows.loc["乡镇街道"], rows.loc["合计"]
    assert (dept.found, dept.came_back, dept.fixed, dept.open_end, dept.units_open) == (
        2,
        1,
        2,
        2,
        1,
    )
    assert dept.median_days == 19.5 and dept.in_time_share == 0.5  # P2 4 days, P1 35 (late)
    assert (town.found, town.fixed, town.median_days, town.in_time_share) == (1, 1, 28, 1.0)
    assert (total.found, total.came_back, total.fixed, total.open_end) == (3, 1, 3, 2)
    assert total.median_days == 28 and total.in_time_share == pytest.approx(0.667)


def test_found_and_fixed_by_indicator_group(august):
    groups = {(r.group1, r.group2): (r.found, r.fixed) for r in august.by_group.itertuples()}
    assert groups == {
        ("栏目建设", "更新维护"): (1, 1),  # W2 found; P1 fixed
        ("网站运维", "链接可用性"): (1, 1),  # P2 back; its first stretch fixed
        ("政策解读", "解读覆盖"): (1, 1),  # P3
    }


def test_warnings_given_in_the_month_and_what_came_of_them(august):
    got = {r.fingerprint: (r.outcome, r.became_problem) for r in august.warnings.itertuples()}
    assert set(got) == {"W1", "W2", "W3"}  # W0 was given in July
    assert got["W1"][0] == "heeded" and got["W3"][0] == "pending"
    assert got["W2"] == ("ignored", pd.Timestamp(2025, 8, 6))
    counts = august.warning_counts.set_index("level")
    assert counts.loc["市政府"].tolist() == [1, 1, 0, 0]
    assert counts.loc["市直部门"].tolist() == [2, 0, 1, 1]
    assert counts.loc["合计"].tolist() == [3, 1, 1, 1]


def test_units_with_the_most_open_problems_at_the_months_last_patrol(august):
    top = august.top_units
    assert top.to_dict("records") == [
        {"name": "江淮市财政局", "level": "市直部门", "open": 2, "new_in_month": 2,
         "longest_days": 24, "ignored_warnings": 1}
    ]  # fmt: skip
    assert august.unread_end == ["江淮市人民政府"]


def test_the_paragraph_counts_what_the_month_holds(august):
    assert august.paragraph.startswith(
        "2025年8月共有4天进行了日巡查（8月1日至8月29日）。"
        "本月新发现问题3个（其中整改后又出现1个），已整改3个，整改用时中位数28天，"
        "66.7%在整改期限（20个工作日）内整改；月末（8月29日巡查）仍存在问题2个，涉及1家单位，"
        "另有1家单位网站当天未能读取，其问题未计入。"
        "本月发出预警3个，截至月末已按期处理1个、未处理而成为问题1个、尚未到期1个。"
        "新发现问题主要集中在"
    )
    assert "方面1个（占33.3%）" in august.paragraph
    assert "日巡查自" not in august.paragraph  # July was patrolled: nothing predates patrolling


def test_the_month_of_the_first_patrol_says_what_was_there_before(store_url):
    store = patrolled(store_url, NIGHTS[2:4])
    try:
        data = month_report_data(store, parse_month("2025-08"))
    finally:
        store.close()
    assert data.first_ever and len(data.found) == 3  # P1, P3 on the 1st, P2 on the 5th
    assert "日巡查自8月1日开始，当天首次巡查发现的2个问题在巡查开始前已经存在" in data.paragraph
    assert "本月发出预警2个，截至月末已按期处理1个、尚未到期1个。" in data.paragraph  # W1, W2


def test_a_month_without_a_patrol_names_the_months_patrolled(store):
    with pytest.raises(
        NoPatrols, match=r"no patrol in 2025-10 \(months patrolled: 2025-07, 2025-08, 2025-09\)"
    ):
        month_report_data(store, parse_month("2025-10"))


@pytest.mark.parametrize("bad", ["2025-13", "2025-8", "202508", "1999-12", "2025-00"])
def test_a_bad_month_is_refused_naming_it(bad):
    with pytest.raises(MonthError, match=bad):
        parse_month(bad)


def test_workbook_and_page(store, tmp_path):
    xlsx, html = write_month_report(store, parse_month("2025-08"), tmp_path)
    assert (xlsx.name, html.name) == ("月监测报告_2025-08.xlsx", "月监测报告_2025-08.html")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["概况", "按指标分组", "按层级", "预警", "问题较多的单位"]
    assert wb["概况"]["B1"].value is None and wb["概况"]["A2"].value.startswith("2025年8月共有4天")
    levels = pd.read_excel(xlsx, sheet_name="按层级")
    assert levels["层级"].tolist() == ["市直部门", "乡镇街道", "合计"]
    assert levels["本月已整改"].tolist() == [2, 1, 3]
    top = pd.read_excel(xlsx, sheet_name="问题较多的单位")
    assert top["单位名称"].tolist() == ["江淮市财政局"]
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not any(unit in cells for unit in ("d1", "d2", "t1", "city"))  # names, never ids
    assert "未处理，已成为问题" in cells and "江淮市人民政府" in cells
    page = html.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 4
    assert "政务公开月监测报告（2025年8月）" in page and "江淮市财政局" in page
    assert 'id="unread-end"' in page and "江淮市人民政府" in page
    assert "links.broken" not in page and ">d2<" not in page


def test_command_line(store, store_url, tmp_path):
    from zwgk.cli import app

    run = lambda *args: CliRunner().invoke(app, ["report", "month", *args, "--db", store_url])  # noqa: E731
    ok = run("--month", "2025-08", "--out", str(tmp_path / "out"))
    assert ok.exit_code == 0, ok.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "月监测报告_2025-08.html", "月监测报告_2025-08.xlsx"
    ]  # fmt: skip
    bad = run("--month", "2025-13", "--out", str(tmp_path / "bad"))
    assert bad.exit_code == 2 and "2025-13" in bad.output
    none = run("--month", "2024-01", "--out", str(tmp_path / "none"))
    assert none.exit_code == 2 and "no patrol in 2024-01" in none.output
    assert not (tmp_path / "bad").exists() and not (tmp_path / "none").exists()


def test_the_files_read_as_plain_chinese(store, tmp_path):
    """No English word, parameter name, indicator id, unit id or fingerprint in anything a
    reader sees (tests/documents_scan.py, as for the round report and the checklists)."""
    from documents_scan import all_param_names, offending

    from scoring.indicators import load_indicator_set

    paths = write_month_report(store, parse_month("2025-08"), tmp_path)
    ids = {i.id for i in load_indicator_set("base").indicators} | {u for u, _, _ in UNITS}
    assert offending(paths, ids, all_param_names(), set(FP)) == []


def test_the_page_lists_the_ignored_warnings_first_and_says_when_it_lists_fewer(
    august, monkeypatch
):
    from reports import month_html

    monkeypatch.setattr(month_html, "SHOWN_WARNINGS", 2)
    page = month_html.render(august, [])
    table = page[page.index('id="warnings"') :]
    rows = re.findall(r"<tr><td>([^<]+)</td>", table[: table.index("</table>")])
    assert rows == ["江淮市财政局", "江淮市人民政府"]  # W2 ignored, then W1 (1 August)
    assert "共3个预警，此处列出2个（未处理而成为问题的在前），全部见工作簿“预警”表。" in page
    monkeypatch.undo()  # 50: all three listed, nothing to say
    assert 'id="warnings-shown"' not in month_html.render(august, [])


def test_a_month_not_over_yet_counts_to_its_latest_patrol_and_never_says_month_end(store):
    data = month_report_data(store, parse_month("2025-08"), today=D(2025, 8, 7))
    assert data.in_progress and data.last_day == D(2025, 8, 29)  # the store's, as it is
    assert data.paragraph.startswith("2025年8月（本月尚未结束）共有4天进行了日巡查")
    assert "截至8月29日巡查仍存在问题2个" in data.paragraph
    assert "本月发出预警3个，截至8月29日已按期处理1个" in data.paragraph
    assert "月末" not in data.paragraph
    over = month_report_data(store, parse_month("2025-08"), today=D(2025, 9, 1))
    assert not over.in_progress and "月末（8月29日巡查）" in over.paragraph
