"""The round report (`zwgk report round`): XLSX sheets and rankings read back with openpyxl and
pandas, the HTML page self-contained, and — in headless Chromium — its charts drawn and no
table overflowing.

Three rounds are scored in milliseconds from hand-written crawls in a SQLite store, so the
report has something to say about every status: fixed, open, new, regressed, not comparable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_round_store import SET_YAML as ROUND_SET_YAML

from reports.round_report import write_round_report
from scoring.indicators import load_indicator_set
from scoring.round import evaluate
from store import Store, open_store

# The rounds tests' set (news freshness, blank columns, a veto on blank columns) and one
# indicator in another 一级 group, so the report has groups to compare.
SET_YAML = (
    ROUND_SET_YAML
    + """\
  - id: duplicates.same_information
    name: 同一信息不多头发布
    group: [网站运维, 信息发布, 重复发布]
    check: duplicate_information
    window: as_of
    params: {across_columns: true}
    points: 4
    deduct: {per_problem: 1}
    suggestion: "同一信息{title_quoted}在{columns_text}栏目重复发布。"
    description: 同一信息（文号相同或正文基本相同）在两个及以上栏目发布。
    source: domain.md §3.7
"""
)

UNITS = [
    ("city", "江淮市人民政府", "市政府", None),
    ("u1", "江淮市教育局", "市直部门", "city"),
    ("u2", "江淮市财政局", "市直部门", "city"),
    ("u3", "江淮市住房和城乡建设局（江淮市人民防空办公室、江淮市地震局）", "市直部门", "city"),
    ("c1", "东山县人民政府", "县区政府", "city"),
    ("t1", "东山县青松镇人民政府", "乡镇街道", "c1"),
    ("t2", "东山县白石乡人民政府", "乡镇街道", "c1"),
]
NOTICE = "关于开展2025年度政务公开工作要点落实情况自查的通知"
# Per round: unit → {category: [(title, publish date)]}; a category with [] is a blank column,
# a unit left out was not crawled (not observed).
CRAWLS = {
    "2025Q2": {
        "city": {"news": [(NOTICE, "2025-06-20")], "notice": [(NOTICE, "2025-06-21")]},
        "u1": {"news": [("教育动态", "2025-05-01")], "personnel": []},
        "u2": {"news": [("财政动态", "2025-06-25")]},
        "u3": {"news": [("住建动态", "2025-06-28")]},
        "c1": {"news": [("县动态", "2025-06-01")]},
        "t1": {"news": [("镇动态", "2025-06-29")], "personnel": []},
        "t2": {"news": [("乡动态", "2025-04-01")]},
    },
    "2025Q3": {
        "city": {
            "news": [(NOTICE, "2025-06-20"), ("市动态", "2025-09-25")],
            "notice": [(NOTICE, "2025-06-21")],
        },
        "u1": {"news": [("教育动态", "2025-09-28")], "personnel": []},
        "u2": {"news": [("财政动态", "2025-08-01")]},
        "u3": {"news": [("住建动态", "2025-09-29")]},
        "c1": {"news": [("县动态", "2025-06-01")]},
        "t1": {"news": [("镇动态", "2025-09-20")], "personnel": [("任免", "2025-09-01")]},
    },
    "2025Q4": {
        "city": {
            "news": [(NOTICE, "2025-06-20"), ("市动态", "2025-12-25")],
            "notice": [(NOTICE, "2025-06-21")],
        },
        "u1": {"news": [("教育动态", "2025-09-28")], "personnel": []},
        "u2": {"news": [("财政动态", "2025-12-30")]},
        "u3": {"news": [("住建动态", "2025-12-29")]},
        "c1": {"news": [("县动态", "2025-12-20")]},
        "t1": {"news": [("镇动态", "2025-12-20")], "personnel": [("任免", "2025-09-01")]},
        "t2": {"news": [("乡动态", "2025-12-28")]},
    },
}
AS_OF = {"2025Q2": dt.date(2025, 6, 30), "2025Q3": dt.date(2025, 9, 30), "2025Q4": dt.date(2025, 12, 31)}  # fmt: skip
CATEGORY_NAMES = {"news": "工作动态", "notice": "通知公告", "personnel": "人事信息"}
MISSING_GLYPH = r"(?i).*glyph.*missing"
NAME = {u: n for u, n, _, _ in UNITS}


def crawl(store: Store, units: dict[str, dict[str, list[tuple[str, str]]]]) -> int:
    run = store.start_run("full", list(units))
    counts = {}
    for unit, columns in units.items():
        urls = {cat: f"http://{unit}.test/c/{cat}/" for cat in columns}
        ids = store.upsert_columns(
            run,
            [
                {"unit_id": unit, "url": urls[cat], "name": CATEGORY_NAMES[cat], "category": cat}
                for cat in columns
            ],
        )
        rows = [
            {"url": f"http://{unit}.test/a/{cat}/{i}.html", "unit_id": unit,
             "column_id": ids[urls[cat]], "title": title, "publish_date": day,
             # The notice is one document (one 文号) wherever it is published.
             "doc_no": "江政办〔2025〕8号" if title == NOTICE else None}
            for cat, items in columns.items()
            for i, (title, day) in enumerate(items)
        ]  # fmt: skip
        store.upsert_articles(run, rows)
        counts |= {ids[urls[cat]]: len(items) for cat, items in columns.items()}
    store.set_column_counts(run, counts)
    store.finish_run(run)
    return run


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory, module_store_urls) -> str:
    """The URL of a store with three rounds (2025Q2, Q3, Q4) of the crawls above."""
    tmp = tmp_path_factory.mktemp("rounds")
    (tmp / "t.yaml").write_text(textwrap.dedent(SET_YAML), encoding="utf-8")
    indicator_set = load_indicator_set(tmp / "t.yaml")
    url = module_store_urls.new()
    with open_store(url, create=True) as store:
        store.upsert_units(
            [
                {"id": u, "name": n, "level": lv, "parent": p, "profile": "lonsun",
                 "entry_url": f"http://{u}.test/"}
                for u, n, lv, p in UNITS
            ]
        )  # fmt: skip
        for round_id, units in CRAWLS.items():
            run = crawl(store, units)
            evaluate(store, round_id, AS_OF[round_id], indicator_set, run_id=run)
    return url


@pytest.fixture(scope="module")
def report(rounds: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report on the last round, written with missing-glyph warnings raised as errors."""
    out = tmp_path_factory.mktemp("report")
    steps: list[tuple[int, int, str]] = []
    with open_store(rounds, create=True) as store, warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        xlsx, html = write_round_report(store, "2025Q4", out, progress=lambda *a: steps.append(a))
    return {"xlsx": xlsx, "html": html, "steps": steps}


def test_the_report_is_an_xlsx_and_an_html_file_and_reports_progress_per_unit(report):
    assert report["xlsx"].name == "测评情况报告_2025Q4.xlsx" and report["xlsx"].stat().st_size
    assert report["html"].suffix == ".html"
    steps = report["steps"]
    assert [s[0] for s in steps] == list(range(1, len(UNITS) + 3))
    assert {s[1] for s in steps} == {len(UNITS) + 2}
    assert steps[0][2] == "江淮市人民政府" and [s[2] for s in steps[-2:]] == ["图表", "网页"]


def test_ranking_sheet_ranks_within_level_with_verdict_and_veto(report):
    wb = load_workbook(report["xlsx"])
    assert wb.sheetnames == [
        "排名",
        "问题按指标",
        "问题按单位",
        "与上轮对比",
        "本轮未能评估",
        "整改用时",
        "得分变化原因",
    ]
    ranking = pd.read_excel(report["xlsx"], sheet_name="排名")
    assert list(ranking.columns) == [
        "层级", "排名", "单位名称", "上级单位", "得分", "问题数", "结果", "单项否决"
    ]  # fmt: skip
    order = ["city", "u2", "u3", "u1", "c1", "t1", "t2"]
    assert list(ranking["单位名称"]) == [NAME[u] for u in order]
    rows = ranking.set_index("单位名称").rename(index={n: u for u, n in NAME.items()})
    # Q4: u1's news is stale again (-3) and its personnel column still blank (-2, and a veto):
    # 11 of 16 points, 不合格, ranked after the two full-marks departments.
    assert rows.loc["u1", ["排名", "得分", "结果", "单项否决"]].tolist() == [
        3,
        68.75,
        "不合格",
        "是",
    ]
    assert rows.loc["u2", ["排名", "得分", "结果", "单项否决"]].tolist() == [1, 100.0, "合格", "否"]
    assert rows.loc["u3", "排名"] == 1  # ties share a rank
    # The city is the only unit of its level, and so is the county: not ranked.
    assert rows.loc["city", "排名"] == "—" and rows.loc["c1", "排名"] == "—"
    # The city's notice is published again as news, same 文号 (a duplicate): 16 points, 1 lost.
    assert rows.loc["city", "得分"] == pytest.approx(93.75) and rows.loc["city", "问题数"] == 1
    assert (
        rows.loc["t1", "上级单位"] == "东山县人民政府"
        and rows.loc["u1", "上级单位"] == "江淮市人民政府"
    )


def test_problem_sheets_by_indicator_and_by_unit(report):
    by_ind = pd.read_excel(report["xlsx"], sheet_name="问题按指标").set_index("指标名称")
    assert "指标代码" not in by_ind
    fresh_name = "动态类栏目更新及时"
    assert list(by_ind.index) == [fresh_name, "无空白栏目", "空白栏目过多", "同一信息不多头发布"]
    assert by_ind.loc[fresh_name, ["一级指标", "二级指标", "三级指标"]].tolist() == [
        "栏目建设", "更新维护", "动态要闻类栏目"
    ]  # fmt: skip
    # Q4: u1's freshness problem came back (regressed); u2, c1 fixed theirs, t2's (not seen in
    # Q3) is fixed too.
    fresh = by_ind.loc[fresh_name]
    assert (fresh["问题数"], fresh["反弹"], fresh["已整改"], fresh["新发现"]) == (1, 1, 3, 0)
    assert by_ind.loc["空白栏目过多", "类型"] == "否决项"
    assert by_ind.loc["同一信息不多头发布", ["问题数", "未整改", "扣分合计"]].tolist() == [1, 1, 1]

    by_unit = pd.read_excel(report["xlsx"], sheet_name="问题按单位")
    assert list(by_unit.columns) == [
        "层级", "单位名称", "一级指标", "指标名称", "状态", "扣分", "问题描述", "页面", "首次发现"
    ]  # fmt: skip
    # Every problem row of the round, in ranking order (the city first, then the departments).
    order = ["city", "u2", "u1", "c1", "t2"]
    assert by_unit["单位名称"].drop_duplicates().tolist() == [NAME[u] for u in order]
    assert set(by_unit["首次发现"]) <= {"2025年第二季度", "2025年第三季度", "2025年第四季度"}
    u1 = by_unit[by_unit["单位名称"] == NAME["u1"]].set_index("指标名称")
    assert u1.loc["动态类栏目更新及时", "状态"] == "反弹"
    assert u1.loc["无空白栏目", "状态"] == "未整改"
    assert u1.loc["动态类栏目更新及时", "问题描述"].startswith(
        "「工作动态」栏目最新信息发布于2025-09-28"
    )
    ws = load_workbook(report["xlsx"])["问题按单位"]
    links = [c.hyperlink.target for c in ws["H"][1:] if c.hyperlink]
    assert "http://u1.test/c/news/" in links
    assert ws.freeze_panes == "A2"


def test_change_sheet_counts_statuses_against_the_previous_round_and_the_trend(report):
    ws = load_workbook(report["xlsx"])["与上轮对比"]
    cells = pd.DataFrame(ws.values)
    titles = cells.index[cells[0].astype(str).str.startswith(("按单位", "按指标", "历轮趋势"))]
    assert cells.loc[titles[0], 0] == (
        "按单位：本轮（2025年第四季度）与上轮（2025年第三季度）对比（已整改含上轮回头看时整改的问题）"
    )
    assert len(titles) == 3

    def block(i: int) -> pd.DataFrame:
        start = titles[i] + 1
        end = titles[i + 1] - 1 if i + 1 < len(titles) else len(cells)
        part = cells.iloc[start + 1 : end].dropna(how="all")
        return pd.DataFrame(part.to_numpy(), columns=cells.iloc[start]).dropna(axis=1, how="all")

    units = block(0).set_index("单位名称").rename(index={n: u for u, n in NAME.items()})
    assert units.loc["u1", ["新发现", "未整改", "反弹", "已整改"]].tolist() == [0, 2, 1, 0]
    assert units.loc["u1", ["本轮得分", "上轮得分", "得分变化"]].tolist() == [68.75, 87.5, -18.75]
    assert units.loc["t2", ["已整改", "上轮排名"]].tolist() == [1, None]  # not observed in Q3
    indicators = block(1).set_index("指标名称")
    assert indicators.loc["动态类栏目更新及时", "已整改"] == 3
    trend = block(2).set_index("轮次")
    q2, q3, q4 = "2025年第二季度", "2025年第三季度", "2025年第四季度"
    assert list(trend.index) == [q2, q3, q4]
    assert trend.loc[q2, "新发现"] == 8 and trend.loc[q3, "未能复核"] == 1
    assert trend.loc[q4, "市直部门平均分"] == pytest.approx((100 + 100 + 68.75) / 3, abs=0.01)
    assert trend["市政府平均分"].tolist() == [93.75] * 3


def test_html_is_self_contained_with_the_summary_and_tables(report):
    html = report["html"].read_text(encoding="utf-8")
    # Nothing to fetch: no external script, stylesheet, image or font.
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)
    assert "<link" not in html and "<script" not in html
    assert html.count('src="data:image/png;base64,') == 3
    assert "本轮扣分问题" in html and "与上一轮（2025年第三季度）相比，已整改" in html
    assert "本季度共发现问题" not in html
    assert "江淮市住房和城乡建设局（江淮市人民防空办公室、江淮市地震局）" in html
    assert "<td>栏目建设</td><td>更新维护</td>" in html  # problems by group table


def test_without_a_patrol_the_time_to_fix_section_says_so_in_one_line(report):
    ws = load_workbook(report["xlsx"])["整改用时"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["评估基准日前没有日巡查记录，无法统计整改用时和预警结果。"]
    ]
    html = report["html"].read_text(encoding="utf-8")
    assert "六、整改用时与预警（日巡查）" in html and 'id="no-patrol"' in html
    assert 'id="fix-times"' not in html


def test_time_to_fix_and_warnings_over_the_patrols_up_to_the_as_of_day(rounds, store_url, tmp_path):
    """The section of a round whose as-of day (here 31 August) follows the hand-made patrols of
    the monthly report's tests: per level and in all, as `reports.fix_tables` counts them."""
    from test_report_month import NIGHTS, patrolled

    from reports.fix_tables import patrol_fixes
    from reports.round_data import round_report_data
    from reports.round_html import render
    from reports.round_xlsx import write_xlsx

    patrols = patrolled(store_url, NIGHTS)
    try:
        fixes = patrol_fixes(patrols, dt.date(2025, 8, 31), patrols.units_frame())
    finally:
        patrols.close()
    with open_store(rounds) as store:
        data = dataclasses.replace(round_report_data(store, "2025Q4"), patrol=fixes)
    xlsx = write_xlsx(data, tmp_path / "r.xlsx")
    ws = load_workbook(xlsx)["整改用时"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == (
        "按2025年7月1日至2025年8月29日共6天的日巡查统计（截至评估基准日），整改期限为20个工作日"
    )
    fix = pd.read_excel(xlsx, sheet_name="整改用时", skiprows=3, nrows=3).set_index("层级")
    assert fix.loc["市直部门"].tolist() == [4, 2, 19.5, 0.5, 1, 2]  # P1 35 days (late), P2 4
    assert fix.loc["乡镇街道"].tolist() == [1, 1, 28, 1.0, 0, 0]
    assert fix.loc["合计"].tolist()[:3] == [5, 3, 28] and fix.loc["合计", "仍未整改"] == 2
    warned = pd.read_excel(xlsx, sheet_name="整改用时", skiprows=9, nrows=3, usecols="A:E")
    warned = warned.set_index("层级")
    assert warned.loc["市直部门"].tolist() == [3, 1, 1, 1]  # W0 heeded, W2 ignored, W3 pending
    assert warned.loc["合计"].tolist() == [4, 2, 1, 1]
    html = render(data, [])
    assert "按2025年7月1日至2025年8月29日共6天的日巡查统计" in html
    assert (
        '<tr><td>市直部门</td><td class="num">4</td><td class="num">2</td><td class="num">19.5</td><td class="num">50%</td>'
        in html
    )
    assert "<th>未处理，已成为问题</th>" in html and 'id="no-patrol"' not in html


def test_command_line_report_of_an_earlier_round_and_of_an_unknown_one(rounds, tmp_path):
    """The report on the first round says there is nothing to compare with, and its trend
    stops at that round."""
    from typer.testing import CliRunner

    from zwgk.cli import app

    url = rounds
    bad = CliRunner().invoke(app, ["report", "round", "--round", "2024Q1", "--out", str(tmp_path), "--db", url])  # fmt: skip
    assert bad.exit_code == 2 and "no round '2024Q1'" in bad.output and "2025Q2" in bad.output
    ok = CliRunner().invoke(app, ["report", "round", "--round", "2025Q2", "-o", str(tmp_path), "--db", url])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert (
        "测评情况报告_2025Q2.xlsx" in ok.output and (tmp_path / "测评情况报告_2025Q2.html").exists()
    )
    cells = pd.DataFrame(load_workbook(tmp_path / "测评情况报告_2025Q2.xlsx")["与上轮对比"].values)
    assert cells.loc[0, 0] == "按单位：本轮（2025年第二季度）为首轮评估，没有上轮可对比"
    labels = {"2025年第二季度", "2025年第三季度", "2025年第四季度"}
    assert set(cells[0].dropna().astype(str)) & labels == {"2025年第二季度"}


def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path):
    from openpyxl import Workbook

    from common.cells import put

    wb = Workbook()
    put(wb.active, 1, 1, '=HYPERLINK("http://x","y")')
    wb.save(tmp_path / "f.xlsx")
    cell = load_workbook(tmp_path / "f.xlsx").active["A1"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'


def test_a_cjk_font_is_found_even_when_matplotlibs_font_cache_predates_it(monkeypatch):
    """.ci/run installs fonts-wqy-microhei; a font list cached before that is rescanned."""
    from matplotlib import font_manager

    from reports import fonts

    fonts.cjk_family.cache_clear()
    try:
        family = fonts.cjk_family()
        assert family is not None, fonts.INSTALL_HINT
        stale = [
            f
            for f in font_manager.fontManager.ttflist
            if not any(hint in Path(f.fname).name.lower() for hint in fonts.FILE_HINTS)
        ]
        assert not {f.name for f in stale} & set(fonts.FAMILIES)
        monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
        fonts.cjk_family.cache_clear()
        assert fonts.cjk_family() is not None
    finally:
        fonts.cjk_family.cache_clear()


NO_CJK_FONT = {"FAMILIES": ("No Such Font",), "FILE_HINTS": ("no-such-file",), "PACKAGED": ()}


def test_charts_fall_back_to_the_default_font_with_one_warning(monkeypatch, caplog):
    """No CJK font anywhere (the finder pointed at nothing): our one warning names the extra,
    and not one of matplotlib's missing-glyph warnings gets out of the chart code."""
    from reports import charts, fonts

    for name, value in NO_CJK_FONT.items():
        monkeypatch.setattr(fonts, name, value)
    fonts.cjk_family.cache_clear()
    groups = pd.DataFrame(
        {"group1": ["栏目建设"], "group2": ["更新维护"], "problems": [3], "share": [1.0]}
    )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            png = charts.problems_by_group(groups)
            charts.problems_by_group(pd.DataFrame(columns=["group1", "group2"]))
            fonts.cjk_family()
        assert png.startswith(b"\x89PNG")
        assert [str(w.message) for w in caught] == []
        warned = [r for r in caplog.records if "no CJK font" in r.getMessage()]
        assert len(warned) == 1 and "pip install 'zwgk[cjk]'" in warned[0].getMessage()
    finally:
        fonts.cjk_family.cache_clear()


def test_report_round_without_a_cjk_font_prints_one_warning_under_w_error(rounds, tmp_path):
    """The README's first command on a plain Python image: `zwgk report round` in a fresh
    process run with ``python -W error``, no CJK font to be found — it completes and the
    whole of its stderr is the one warning."""
    import subprocess
    import sys

    driver = (
        "import sys\n"
        "from reports import fonts\n"
        f"for name, value in {NO_CJK_FONT!r}.items(): setattr(fonts, name, value)\n"
        "from zwgk.cli import app\n"
        "app(sys.argv[1:])\n"
    )
    args = ["report", "round", "--round", "2025Q4", "-o", str(tmp_path), "--db", rounds]  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-W", "error", "-c", driver, *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'zwgk[cjk]'" in lines[0], run.stderr
    assert (tmp_path / "测评情况报告_2025Q4.html").stat().st_size


def test_the_cjk_extra_font_is_found_without_a_system_font(monkeypatch):
    """`pip install 'zwgk[cjk]'` (the package noto-cjk-sans-otc) is enough: with no CJK font in
    matplotlib's list or on the system, fonts.py registers the packaged file."""
    from matplotlib import font_manager

    from reports import fonts

    packaged = fonts.packaged_fonts()
    if not packaged:
        pytest.skip("the extra zwgk[cjk] (noto-cjk-sans-otc) is not installed")
    no_cjk = [
        f for f in font_manager.fontManager.ttflist
        if f.name not in fonts.FAMILIES and Path(f.fname) not in packaged
    ]  # fmt: skip
    monkeypatch.setattr(font_manager.fontManager, "ttflist", no_cjk)
    monkeypatch.setattr(fonts, "FILE_HINTS", ("no-such-file",))  # nothing from the system
    fonts.cjk_family.cache_clear()
    try:
        assert fonts.cjk_family() == "Noto Sans CJK SC"
        assert fonts.rc_params()["font.sans-serif"][0] == "Noto Sans CJK SC"
    finally:
        fonts.cjk_family.cache_clear()


# -- in the browser ------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")

OVERFLOW_JS = """() => {
  const out = [];
  for (const table of document.querySelectorAll('table')) {
    const box = table.parentElement;
    if (box.scrollWidth > box.clientWidth)
      out.push(`table ${table.id || table.className}: ${box.scrollWidth} > ${box.clientWidth}`);
    for (const cell of table.querySelectorAll('th, td'))
      if (cell.scrollWidth > cell.clientWidth + 1)
        out.push(`cell "${cell.textContent}": ${cell.scrollWidth} > ${cell.clientWidth}`);
  }
  return out;
}"""


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")  # fmt: skip
def test_in_headless_chromium_charts_render_and_no_table_overflows(report, tmp_path):
    from io import BytesIO

    from PIL import Image
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            for width in (1280, 800):  # a desktop window and a narrow one
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(report["html"].as_uri())
                page.wait_for_load_state("load")
                images = page.eval_on_selector_all(
                    "img", "els => els.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
                )
                assert len(images) == 3
                assert all(done and w > 0 and h > 0 for done, w, h in images), images
                assert page.evaluate(OVERFLOW_JS) == [], f"overflow at width {width}"
                movement = page.locator("#movement")  # 得分变化原因 (issue 17)
                assert movement.is_visible() and "得分变化原因" in movement.inner_text()
                shown = page.inner_text("body")
                assert "指标体系调整" in shown and "网站自身变化" in shown
                for chart in page.query_selector_all("figure.chart img"):
                    shot = Image.open(BytesIO(chart.screenshot())).convert("RGB")
                    colours = len(shot.getcolors(maxcolors=1 << 24))
                    assert colours > 50, f"chart looks blank ({colours} colours)"
                page.screenshot(path=tmp_path / f"round-{width}.png", full_page=True)
                page.close()
        finally:
            browser.close()


def test_movement_by_level_adds_up_from_the_explanations_the_rounds_stored(rounds):
    """These rounds were evaluated for real, so each stored why its totals changed: per level the
    parts add up to the change, none of it left unsplit, the set being the same (rules 0)."""
    from reports.round_data import round_report_data

    with open_store(rounds) as store:
        data = round_report_data(store, "2025Q4")
    levels = data.movement.levels.set_index("level")
    assert data.movement.note == "" and len(data.movement.sentences) == len(levels)
    moved = data.units.dropna(subset=["total", "previous_total"])
    by_level = (moved["total"] - moved["previous_total"]).groupby(moved["level"]).sum()
    for level, row in levels.iterrows():
        assert row["units"] == (moved["level"] == level).sum()
        assert abs(row["change"] - by_level.get(level, 0.0)) < 1e-3
        parts = row["rules"] + row["site"] + row["decisions"] + row["recomputed"]
        assert abs(parts - row["change"]) < 1e-3 and abs(row["unsplit"]) < 1e-3
        assert row["rules"] == 0
    assert levels["site"].abs().sum() > 0  # the sites did move
