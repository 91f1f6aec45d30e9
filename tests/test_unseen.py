"""Never score the unseen (issue 12, point 2): a column the crawl could not read makes the
indicators that needed it 未评 for that unit, with the total rescaled and the reason stated; an
indicator with nothing to judge is not applicable (or full marks where the set says so); a
veto_count neither fires nor passes on unread columns; every unit's result lists what was not
scored, in the store and in `zwgk evaluate` / `zwgk problems`. Hand-built crawls
(tests/conftest_scoring.py) through a real indicator set and stored rounds."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit
from rich.console import Console
from typer.testing import CliRunner

from scoring.cli import print_round
from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data, load_result
from scoring.scorer import score_crawl
from store import Store, open_store
from store import rounds as round_store
from zwgk.cli import app

AS_OF = dt.date(2025, 6, 30)
HEAD = 'id: u\nversion: "1"\nname: 未评测试\npass_line: 60\nindicators:\n'
# Names units read are plain Chinese (scoring/unit_text.py), never the indicator's id.
NAMES = {
    "freshness.news": "动态类栏目更新及时",
    "freshness.notice": "通知公告类栏目更新及时",
    "interpretation.coverage": "规范性文件均有解读",
    "columns.blank": "无空白栏目",
}


def entry(iid: str, check: str, points: float, per: float, extra: str = "", **keys: str) -> str:
    lines = [
        f"  - id: {iid}",
        f"    name: {NAMES.get(iid, '测试指标')}",
        "    group: [栏目建设]",
        f"    check: {check}",
    ]
    lines += [f"    {k}: {v}" for k, v in {"window": "as_of", **keys}.items()]
    lines += [f"    {line}" for line in extra.splitlines()]
    lines += [f"    points: {points}", f"    deduct: {{per_problem: {per}}}",
              '    suggestion: "请整改"', "    description: 测试", "    source: 测试"]  # fmt: skip
    return "\n".join(lines) + "\n"


NEWS = entry("freshness.news", "column_freshness", 6, 3,
             "applies_to: {categories: [news]}\nparams: {max_age: 2 weeks}")  # fmt: skip
NOTICE = entry("freshness.notice", "column_freshness", 8, 4,
               "applies_to: {categories: [notice]}\nparams: {max_age: 6 months}")  # fmt: skip
COVERAGE = entry("interpretation.coverage", "interpretation_coverage", 8, 2)
BLANK = entry("columns.blank", "blank_column", 6, 2)
VETO = """\
  - id: veto.blank
    name: 空白栏目达2个
    group: [单项否决]
    check: veto_count
    window: as_of
    params: {indicators: [columns.blank], at_least: 2}
    veto: {reason: 空白栏目2个及以上}
    description: 测试
    source: 测试
"""


def indicator_set(tmp_path: Path, *entries: str):
    path = tmp_path / "u.yaml"
    path.write_text(HEAD + "".join(entries), encoding="utf-8")
    return load_indicator_set(path)


def blocked(url_of: int, unit_id: str = "u", kind: str = "anti_bot") -> dict:
    return {"kind": kind, "unit_id": unit_id, "url": f"http://gov.test/{unit_id}/col/{url_of}/"}


FRESH, STALE = "2025-06-25", "2024-10-08"


def rows(scored, unit_id: str = "u") -> pd.DataFrame:
    return scored.scores[scored.scores["unit_id"] == unit_id].set_index("indicator_id")


# -- a column the crawl could not read ------------------------------------------------------------
def test_a_blocked_column_makes_its_indicator_not_evaluated_and_the_total_is_rescaled(tmp_path):
    """u: its news column is behind an anti-bot page, its notice column is stale (−4 of 8).
    Freshness of news is 未评, not 6/6: the total is 4/8 = 50, not (6 + 4)/14 = 71.43."""
    data = crawl_data(
        [unit("u"), unit("w")],
        [column(10, "u", "news", name="工作动态"), column(11, "u", "notice"),
         column(20, "w", "news"), column(21, "w", "notice")],
        [article(1, "u", 11, publish_date=STALE),
         article(2, "w", 20, publish_date=FRESH), article(3, "w", 21, publish_date=FRESH)],
        issues=[blocked(10)],
    )  # fmt: skip
    scored = score_crawl(data, indicator_set(tmp_path, NEWS, NOTICE), AS_OF)
    mine = rows(scored)
    assert mine.loc["freshness.news", "state"] == "not_evaluated"
    assert (
        mine.loc["freshness.news", "reason"]
        == "「工作动态」栏目本轮未能读取（反爬虫页面），本项未评"
    )
    assert bool(mine.loc["freshness.news", "not_applicable"])  # old readers leave it out too
    assert mine.loc["freshness.notice", "state"] == "scored"
    totals = scored.totals.set_index("unit_id")
    assert totals.loc["u", "points"] == 8 and totals.loc["u", "score"] == 4
    assert totals.loc["u", "total"] == 50.0
    assert totals.loc["w", "total"] == 100.0 and totals.loc["w", "points"] == 14
    assert scored.problems["unit_id"].tolist() == ["u"]  # the notice column, nothing on news


@pytest.mark.parametrize(
    ("kind", "why"),
    [("timeout", "访问超时"), ("extraction_anomaly", "页面内容无法识别"),
     ("http_error", "服务器返回错误"), ("robots_blocked", "网站禁止采集")],
)  # fmt: skip
def test_every_kind_of_unread_column_is_named_in_the_reason(tmp_path, kind, why):
    data = crawl_data([unit("u")], [column(10, "u", "news", name="本地要闻"),
                                    column(11, "u", "notice")],
                      [article(1, "u", 11, publish_date=FRESH)], issues=[blocked(10, kind=kind)])  # fmt: skip
    mine = rows(score_crawl(data, indicator_set(tmp_path, NEWS, NOTICE), AS_OF))
    assert (
        mine.loc["freshness.news", "reason"] == f"「本地要闻」栏目本轮未能读取（{why}），本项未评"
    )


def test_a_column_that_went_from_rows_to_none_is_not_read_either(tmp_path):
    data = crawl_data(
        [unit("u")], [column(10, "u", "news", name="工作动态", last_row_count=0),
                      column(11, "u", "notice", last_row_count=1)],
        [article(1, "u", 11, publish_date=FRESH)],
        listings=[{"column_id": 10, "unit_id": "u", "url": "http://gov.test/u/old.html",
                   "title": "旧", "listed_date": "2025-01-02"}],
    )  # fmt: skip
    mine = rows(score_crawl(data, indicator_set(tmp_path, NEWS, NOTICE), AS_OF))
    assert mine.loc["freshness.news", "state"] == "not_evaluated"
    assert mine.loc["freshness.news", "reason"] == "「工作动态」栏目本轮未能读取，本项未评"


def test_partly_read_gives_no_full_marks_but_deducts_what_was_seen(tmp_path):
    """Two news columns, one blocked: the other fresh → 未评 (no 6/6 for the unseen one);
    the other stale → −3, scored, the reason saying what was not read."""
    cols = [column(10, "u", "news", name="工作动态"), column(12, "u", "news", name="部门动态")]
    fresh = crawl_data([unit("u")], cols, [article(1, "u", 12, publish_date=FRESH)],
                       issues=[blocked(10)])  # fmt: skip
    stale = crawl_data([unit("u")], cols, [article(1, "u", 12, publish_date=STALE)],
                       issues=[blocked(10)])  # fmt: skip
    news = indicator_set(tmp_path, NEWS)
    seen_fresh = rows(score_crawl(fresh, news, AS_OF)).loc["freshness.news"]
    assert seen_fresh["state"] == "not_evaluated" and seen_fresh["score"] == 6
    seen_stale = score_crawl(stale, news, AS_OF)
    row = rows(seen_stale).loc["freshness.news"]
    assert (row["state"], row["deduction"]) == ("scored", 3.0)
    assert row["reason"] == "「工作动态」栏目本轮未能读取（反爬虫页面），本项按已读取的内容评分"
    assert seen_stale.totals.set_index("unit_id").loc["u", "total"] == 50.0


def test_a_page_listed_but_not_read_leaves_its_indicator_unjudged(tmp_path):
    """A 规范性文件 listed in a read column whose page timed out: coverage cannot say every
    document has an interpretation."""
    listing = {"column_id": 11, "unit_id": "u", "url": "http://gov.test/u/art/9.html",
               "title": "关于印发某办法的通知", "listed_date": "2025-05-06"}  # fmt: skip
    data = crawl_data(
        [unit("u")], [column(11, "u", "normative")], [], listings=[listing],
        issues=[{"kind": "timeout", "unit_id": "u", "url": listing["url"]}],
    )  # fmt: skip
    mine = rows(score_crawl(data, indicator_set(tmp_path, COVERAGE), AS_OF))
    assert mine.loc["interpretation.coverage", "state"] == "not_evaluated"
    assert mine.loc["interpretation.coverage", "reason"] == (
        "《关于印发某办法的通知》页面本轮未能读取（访问超时），本项未评"
    )


def test_freshness_never_gives_full_marks_to_a_column_it_could_not_read():
    data = crawl_data([unit("u")], [column(10, "u", "news"), column(11, "u", "notice")],
                      [article(1, "u", 11, publish_date=FRESH)], issues=[blocked(10)])  # fmt: skip
    assert run_check("column_freshness", data, {"max_age": "2 weeks"}, ["news"]).empty
    from conftest_scoring import context

    from scoring.checks.base import get_check

    check = get_check("column_freshness")
    cover = check.coverage(data, check.Params(max_age="2 weeks"), context(data, ["news"]))
    assert cover[["unit_id", "state", "unseen"]].values.tolist() == [["u", "not_evaluated", 1]]


# -- nothing to judge ------------------------------------------------------------------------------
def township_set(tmp_path: Path, when_nothing: str):
    return indicator_set(tmp_path, NOTICE, COVERAGE.replace(
        "window: as_of", f"window: as_of\n    when_nothing: {when_nothing}"))  # fmt: skip


def township() -> object:
    """A township without 规范性文件 (its notice column stale: −4 of 8), a county whose 规范性文件
    has no interpretation (−2 of 8)."""
    return crawl_data(
        [unit("t", "乡镇街道"), unit("c", "县区政府")],
        [column(10, "t", "notice"), column(20, "c", "notice"), column(21, "c", "normative")],
        [article(1, "t", 10, publish_date=STALE), article(2, "c", 20, publish_date=FRESH),
         article(3, "c", 21, title="关于印发某办法的通知", publish_date="2025-05-06")],
    )  # fmt: skip


def test_a_township_with_nothing_to_judge_is_rescaled(tmp_path):
    scored = score_crawl(township(), township_set(tmp_path, "not_applicable"), AS_OF)
    row = rows(scored, "t").loc["interpretation.coverage"]
    assert row["state"] == "not_applicable" and bool(row["not_applicable"])
    assert row["reason"] == "截至评估日没有行政规范性文件类信息，本项不适用"
    totals = scored.totals.set_index("unit_id")
    assert (totals.loc["t", "points"], totals.loc["t", "total"]) == (8, 50.0)  # 4 / 8
    assert (totals.loc["c", "points"], totals.loc["c", "total"]) == (16, 87.5)  # 14 / 16


def test_full_marks_where_the_set_says_so(tmp_path):
    scored = score_crawl(township(), township_set(tmp_path, "full_marks"), AS_OF)
    row = rows(scored, "t").loc["interpretation.coverage"]
    assert (row["state"], row["score"], bool(row["not_applicable"])) == ("full_marks", 8, False)
    assert row["reason"] == "截至评估日没有行政规范性文件类信息，本项按满分计"
    totals = scored.totals.set_index("unit_id")
    assert (totals.loc["t", "points"], totals.loc["t", "total"]) == (16, 75.0)  # (4 + 8) / 16


def test_a_listed_unit_and_an_unread_unit_are_said_too(tmp_path):
    data = crawl_data(
        [unit("t", "乡镇街道"), unit("c", "县区政府"), unit("x", "县区政府")],
        [column(10, "t", "notice"), column(20, "c", "notice"), column(30, "x", "notice")],
        [article(1, "t", 10, publish_date=FRESH), article(2, "c", 20, publish_date=FRESH)],
        issues=[blocked(30, "x", "host_unreachable")],
    )  # fmt: skip
    notice = NOTICE.replace("window: as_of", "window: as_of\n    not_applicable: [c]")
    scored = score_crawl(data, indicator_set(tmp_path, notice), AS_OF)
    state = scored.scores.set_index("unit_id")[["state", "reason"]].to_dict("index")
    assert state["t"] == {"state": "scored", "reason": None}
    assert state["c"]["state"] == "not_applicable" and "规范性说明" in state["c"]["reason"]
    assert state["x"] == {"state": "not_evaluated", "reason": "本单位网站本轮未能读取，未评分"}
    assert scored.totals.set_index("unit_id")["total"].isna().to_dict() == {
        "t": False, "c": True, "x": True}  # fmt: skip


# -- vetoes ------------------------------------------------------------------------------------------
def test_a_veto_count_neither_fires_nor_passes_on_unread_columns(tmp_path):
    """At least 2 blank columns: a has 2 (fires), b has 1 and 1 unread (could reach it: 未评),
    c has none and 1 unread (cannot reach 2: judged, passes), d has 1 blank and 5 read."""

    def cols(uid: str, blank: int, unread: int, full: int) -> list[dict]:
        ids = iter(range(100 * ord(uid[0]), 100 * ord(uid[0]) + 50))
        return ([column(next(ids), uid, "notice", last_row_count=0) for _ in range(blank)]
                + [column(i := next(ids), uid, "notice", last_row_count=0, _blocked=i)
                   for _ in range(unread)]
                + [column(next(ids), uid, "news", last_row_count=1) for _ in range(full)])  # fmt: skip

    columns = cols("a", 2, 0, 1) + cols("b", 1, 1, 1) + cols("c", 0, 1, 1) + cols("d", 1, 0, 5)
    issues = [blocked(c.pop("_blocked"), c["unit_id"]) for c in columns if "_blocked" in c]
    arts = [article(i, c["unit_id"], c["id"], publish_date=FRESH)
            for i, c in enumerate(c for c in columns if c["category"] == "news")]  # fmt: skip
    data = crawl_data([unit(u) for u in "abcd"], columns, arts, issues=issues)
    scored = score_crawl(data, indicator_set(tmp_path, BLANK, VETO), AS_OF)
    veto = scored.scores[scored.scores["indicator_id"] == "veto.blank"].set_index("unit_id")
    assert veto["veto"].to_dict() == {"a": True, "b": False, "c": False, "d": False}
    assert veto["state"].to_dict() == {
        "a": "scored", "b": "not_evaluated", "c": "scored", "d": "scored"}  # fmt: skip
    assert veto.loc["b", "reason"].startswith(
        "相关栏目中有1个本轮未能读取，无法判断是否达到单项否决标准"
    )
    totals = scored.totals.set_index("unit_id")
    assert totals.loc["a", "vetoed"] and not totals.loc["b", "vetoed"]


# -- what the store and the commands say -----------------------------------------------------------
@pytest.fixture
def store(store_url) -> Store:
    s = open_store(store_url, create=True)
    run = s.start_run("full")
    s.finish_run(run)
    yield s
    s.close()


def test_states_and_reasons_are_stored_and_listed_by_the_commands(store, tmp_path):
    data = crawl_data(
        [unit("u"), unit("t", "乡镇街道")],
        [column(10, "u", "news", name="工作动态"), column(11, "u", "notice"),
         column(12, "t", "notice")],
        [article(1, "u", 11, publish_date=STALE), article(2, "t", 12, publish_date=FRESH)],
        issues=[blocked(10)],
    )  # fmt: skip
    sets = indicator_set(tmp_path, NEWS, NOTICE, COVERAGE)
    evaluate_data(store, "2025Q2", AS_OF, sets, data)
    stored = round_store.round_scores_frame(store, "2025Q2").set_index(["unit_id", "indicator_id"])
    assert stored.loc[("u", "freshness.news"), "state"] == "not_evaluated"
    assert stored.loc[("u", "freshness.notice"), "state"] == "scored"
    unscored = round_store.unscored_frame(store, "2025Q2", ["u"])
    assert unscored[["indicator_id", "state"]].values.tolist() == [
        ["freshness.news", "not_evaluated"], ["interpretation.coverage", "not_applicable"]]  # fmt: skip
    url = str(store.engine.url)
    runner = CliRunner()
    detail = runner.invoke(app, ["problems", "--round", "2025Q2", "--unit", "u", "--db", url],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert detail.exit_code == 0, detail.output
    assert "u：未评1项、不适用1项" in detail.output
    assert (
        "未评 动态类栏目更新及时：「工作动态」栏目本轮未能读取（反爬虫页面），本项未评"
        in detail.output
    )
    both = runner.invoke(
        app, ["problems", "--round", "2025Q2", "--db", url], env={"COLUMNS": "200"}
    )
    assert "2家单位有未评、不适用或按满分计的指标" in both.output
    printed = io.StringIO()
    print_round(load_result(store, "2025Q2"), Console(file=printed, width=200))
    lines = printed.getvalue().splitlines()
    start = lines.index("本轮未评的指标：")
    assert lines[start + 1 : start + 5] == [
        "u（u）：未评1项、不适用1项",
        "  动态类栏目更新及时：「工作动态」栏目本轮未能读取（反爬虫页面），本项未评",
        "不适用或按满分计的指标共3项（2家单位）。",
        "各项原因：zwgk problems --round 2025Q2 --unit 单位ID",
    ]


def test_rounds_stored_before_states_read_as_scored_or_not_applicable(store, tmp_path):
    data = crawl_data([unit("u")], [column(11, "u", "notice")],
                      [article(1, "u", 11, publish_date=STALE)])  # fmt: skip
    evaluate_data(store, "2025Q2", AS_OF, indicator_set(tmp_path, NOTICE, COVERAGE), data)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE round_scores SET state = NULL, reason = NULL")
        conn.exec_driver_sql("UPDATE problems SET rectifiable = NULL")
    stored = round_store.round_scores_frame(store, "2025Q2").set_index("indicator_id")
    assert stored["state"].to_dict() == {
        "freshness.notice": "scored", "interpretation.coverage": "not_applicable"}  # fmt: skip
    assert round_store.problems_frame(store, "2025Q2")["rectifiable"].tolist() == [True]


def test_an_unread_report_column_leaves_the_annual_report_unjudged_unless_found_elsewhere(tmp_path):
    report = entry("annual_report.deadline", "annual_report", 6, 6, window="quarter").replace(
        '    suggestion: "请整改"', '    suggestion:\n      missing: "未发布"\n      late: "迟发"'
    )
    cols = [column(10, "a", "annual_report", name="政府信息公开年报"), column(11, "a", "notice"),
            column(20, "b", "annual_report"), column(21, "b", "notice")]  # fmt: skip
    arts = [article(1, "a", 11, title="通知", publish_date=FRESH),
            article(2, "b", 21, title="2024年政府信息公开工作年度报告", publish_date="2025-01-20")]  # fmt: skip
    data = crawl_data(
        [unit("a"), unit("b")], cols, arts, issues=[blocked(10, "a"), blocked(20, "b")]
    )
    scored = score_crawl(data, indicator_set(tmp_path, report), AS_OF)
    state = scored.scores.set_index("unit_id")[["state", "reason"]].to_dict("index")
    assert state["a"] == {"state": "not_evaluated",
                          "reason": "「政府信息公开年报」栏目本轮未能读取（反爬虫页面），本项未评"}  # fmt: skip
    assert state["b"]["state"] == "scored"  # its report, in time, found under 通知公告
    assert scored.problems.empty
