"""The problem list (portal/problem_filter.py, problem_sql.py, problem_query.py,
problem_detail.py): the filter round-trips through a query string and refuses bad values in
Chinese; the list is filtered, sorted and paged in SQL within the viewer's units, on SQLite and
PostgreSQL; a draft shows the decisions in force now, a published round the frozen ones."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_data_fixtures import (
    ALL_Q2,
    C1_SUBTREE,
    LATE_DOC_NO,
    LATE_TITLE,
    SCRIPT_TITLE,
    art,
    col,
    fp,
    listed,
)
from portal_data_fixtures import any_rounds_fixture as any_rounds_fixture  # noqa: F401
from portal_data_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import select

from portal import problem_sql
from portal.lifecycle import publish
from portal.problem_detail import get_problem
from portal.problem_filter import FilterError, ProblemFilter
from portal.problem_query import facets, query, select_fingerprints
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.rounds import PROBLEMS, RoundNotFound

LATE = fp("dept1", "late", art("dept1", 2))
T1_FRESH = fp("t1", "fresh", col("t1"))


def fingerprints(page):
    return [r.fingerprint for r in page.rows]


# -- the filter in the URL -----------------------------------------------------------------------
def test_a_filter_round_trips_through_its_query_string():
    f = ProblemFilter(
        "2025Q2",
        unit_ids=("t1", "c1d"),
        level="乡镇街道",
        indicator="fresh",
        statuses=("new", "open"),
        decision="none",
        text="防汛 & 50%",
        sort="deduction",
        descending=True,
        page=3,
        per_page=100,
    )
    assert ProblemFilter.from_query("2025Q2", f.to_query()) == f
    assert ProblemFilter("2025Q2").to_query() == ""  # defaults stay out of links
    assert f.to_query(page=1).count("page=") == 1  # per_page stays, page 1 is left out
    assert ProblemFilter.from_query("2025Q2", f.to_query(page=4)).page == 4


def test_the_query_may_come_as_a_mapping_or_a_multi_dict():
    class MultiDict:
        def multi_items(self):
            return [("status", "new"), ("status", "open"), ("q", " 防汛  通知 ")]

    from_multi = ProblemFilter.from_query("r", MultiDict())
    assert from_multi.statuses == ("new", "open") and from_multi.text == "防汛 通知"
    mapping = ProblemFilter.from_query("r", {"unit": ["a", "b"], "sort": "-status", "x": "1"})
    assert mapping.unit_ids == ("a", "b") and (mapping.sort, mapping.descending) == ("status", True)


def test_empty_values_mean_any_and_unknown_keys_are_ignored():
    f = ProblemFilter.from_query("r", "level=&status=&decision=&q=&sort=&page=&utm=x")
    assert f == ProblemFilter("r")


def test_statuses_are_kept_in_the_vocabularys_order():
    assert ProblemFilter.from_query("r", "status=open&status=new").statuses == ("new", "open")


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("status=closed", "问题状态“closed”无效，应为new（新发现）"),
        ("decision=maybe", "决定“maybe”无效，应为none（未决定）"),
        ("sort=title", "排序方式“title”无效"),
        ("page=0", "页码“0”无效，应为1到100000之间的整数"),
        ("page=-2", "页码“-2”无效"),
        ("page=二", "页码“二”无效"),
        ("page=" + "9" * 5000, "页码“9999999999"),
        ("per_page=7", "每页条数“7”无效，应为20、50、100、200之一"),
        ("level=" + "县" * 40, "层级“县县"),
        ("indicator=" + "x" * 200, "指标“xxx"),
        ("q=" + "字" * 101, "搜索内容共101字，最多100字"),
        ("level=a&level=b", "参数 level 只能有一个值，收到2个"),
        ("&".join(f"unit=u{i}" for i in range(501)), "一次最多筛选500个单位，收到501个"),
        ("unit=" + "u" * 129, "单位“uuu"),
    ],
)
def test_bad_values_are_refused_saying_what_to_fix(query_string, message):
    with pytest.raises(FilterError, match=message):
        ProblemFilter.from_query("2025Q2", query_string)


def test_an_overlong_query_string_is_refused():
    with pytest.raises(FilterError, match="查询参数过长"):
        ProblemFilter.from_query("r", "q=" + "a" * 70_000)


def test_the_filter_is_said_in_words():
    f = ProblemFilter.from_query("r", "unit=a&level=乡镇街道&status=new&decision=dismissed&q=防汛")
    assert f.described() == [
        "单位 1 个",
        "层级：乡镇街道",
        "状态：新发现",
        "决定：已驳回",
        "含“防汛”",
    ]


# -- the list -------------------------------------------------------------------------------------
def test_the_list_is_filtered_within_the_viewers_units(any_rounds):
    store = any_rounds.store
    everything = listed(store)
    assert everything.total == ALL_Q2 and everything.pages == 1
    county = listed(store, visible=C1_SUBTREE)
    assert {r.unit_id for r in county.rows} == {"c1", "c1d", "t1"} and county.total == 4
    # A unit named in the filter but outside the viewer's units matches nothing.
    assert listed(store, "unit=dept1", visible=C1_SUBTREE).total == 0
    assert listed(store, "unit=dept1&unit=t1", visible=C1_SUBTREE).total == 2
    assert listed(store, "level=乡镇街道", visible=C1_SUBTREE).total == 2  # t1, not t2
    assert listed(store, "level=乡镇街道").total == 3
    assert listed(store, visible=set()).total == 0


def test_filters_by_indicator_status_and_text(any_rounds):
    store = any_rounds.store
    assert fingerprints(listed(store, "indicator=late")) == [LATE]
    assert listed(store, "status=open").total == 2  # dept1's column, t2's article
    assert listed(store, "status=new&status=fixed").total == 8
    assert listed(store, "status=regressed").total == 0
    assert {r.unit_id for r in listed(store, "q=防汛").rows} == {"t1"}
    # Text found in the evidence only (the date the document was written), in the 文号, in
    # the title with markup, and the fingerprint itself.
    assert fingerprints(listed(store, "q=2025-03-01")) == [LATE]
    assert fingerprints(listed(store, f"q={LATE_DOC_NO}")) == [LATE]
    assert listed(store, "q=<script>").total == 1
    assert listed(store, {"q": "<SCRIPT>"}).total == 1  # letters match in either case
    assert fingerprints(listed(store, f"q={T1_FRESH}")) == [T1_FRESH]


def test_like_wildcards_in_the_text_are_taken_literally(any_rounds):
    # As wildcards these would match 三十铺镇防汛通知; taken literally they match nothing.
    assert listed(any_rounds.store, "q=防汛").total == 1
    for text in ("防_通知", "三十铺%通知", "防汛!通知", "防汛\\通知"):
        assert listed(any_rounds.store, {"q": text}).total == 0, text


def test_regular_expression_characters_in_the_text_are_taken_literally(any_rounds):
    # Text with ASCII letters is matched in either case (on PostgreSQL by a regular
    # expression): as patterns these would all match the title's <script>; literally, nothing.
    assert listed(any_rounds.store, {"q": "<sCrIpT>"}).total == 1
    for text in ("<scr.pt>", "<scr[i]pt>", "<scri?pt>", "<script>|x", "(<script>)", "<scrip*t>",
                 "\\<script\\>", "<s{1}cript>", "^<script>", "<script>$", "<scr\\w+pt>"):  # fmt: skip
        assert listed(any_rounds.store, {"q": text}).total == 0, text


def test_rows_carry_names_from_the_round_and_the_raw_text(any_rounds):
    rows = {r.fingerprint: r for r in listed(any_rounds.store).rows}
    late = rows[LATE]
    assert (late.unit_name, late.level, late.indicator_name) == (
        "江淮市教育局",
        "市直部门",
        "文件公开及时",
    )
    assert (late.title, late.deduction, late.rectifiable, late.status_zh) == (
        LATE_TITLE,
        2.0,
        False,
        "新发现",
    )
    script = rows[fp("dept1", "undated", art("dept1", 1))]
    assert script.title == SCRIPT_TITLE  # as crawled: escaping is the page's job
    assert rows[T1_FRESH].title is None  # a column's finding has no title here


@pytest.mark.parametrize("sort", ["unit", "indicator", "deduction", "status", "first_seen"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_pages_through_every_row_once(any_rounds, sort, descending):
    store = any_rounds.store
    whole = query(store, ProblemFilter("2025Q2", sort=sort, descending=descending), None)
    pages = [
        query(
            store,
            ProblemFilter("2025Q2", sort=sort, descending=descending, page=n, per_page=3),
            None,
        )
        for n in (1, 2, 3, 4)
    ]
    assert [p.total for p in pages] == [ALL_Q2] * 4 and pages[0].pages == 4
    assert sum((fingerprints(p) for p in pages), []) == fingerprints(whole)
    assert len(set(fingerprints(whole))) == ALL_Q2
    key = {
        "unit": lambda r: r.unit_id,
        "indicator": lambda r: r.indicator_id,
        "deduction": lambda r: r.deduction,
        "status": lambda r: [
            "new",
            "open",
            "regressed",
            "fixed",
            "not_comparable",
            "expired",
        ].index(r.status),
        "first_seen": lambda r: r.first_seen_round,
    }[sort]
    keys = [key(r) for r in whole.rows]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize("sort", ["unit", "indicator", "deduction", "status", "first_seen"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_text_filter_pages_through_the_rows_holding_it_in_the_lists_order(
    any_rounds, sort, descending
):
    """The text is matched in SQL (`problem_sql.text_condition`), the order is the index's:
    the pages of a text filter are the whole list's rows holding the text, in its order."""
    store = any_rounds.store
    p = PROBLEMS.c
    with store.engine.connect() as conn:
        holding = set(
            conn.scalars(
                select(p.fingerprint).where(
                    p.round == "2025Q2",
                    problem_sql.text_condition("html", store.engine.dialect.name),
                )
            )
        )
    whole = query(store, ProblemFilter("2025Q2", sort=sort, descending=descending), None)
    f = ProblemFilter("2025Q2", text="html", sort=sort, descending=descending, per_page=2)
    pages = [query(store, f.replace(page=n), None) for n in range(1, 7)]
    assert {page.total for page in pages} == {len(holding)}
    assert 4 < len(holding) < ALL_Q2  # several pages, and not every row
    shown = sum((fingerprints(page) for page in pages), [])
    assert shown == [fp for fp in fingerprints(whole) if fp in holding]


def test_a_page_past_the_end_is_empty(any_rounds):
    page = query(any_rounds.store, ProblemFilter("2025Q2", page=9, per_page=20), None)
    assert page.rows == [] and page.total == ALL_Q2


def test_a_draft_shows_the_decisions_in_force_now(any_rounds):
    store = any_rounds.store
    assert listed(store, "decision=none").total == ALL_Q2
    round_store.record_decision(store, T1_FRESH, "dismissed", by="eval", reason="已说明")
    round_store.record_decision(store, LATE, "confirmed", by="eval")
    assert fingerprints(listed(store, "decision=dismissed")) == [T1_FRESH]
    assert fingerprints(listed(store, "decision=confirmed")) == [LATE]
    assert listed(store, "decision=none").total == ALL_Q2 - 2
    round_store.record_decision(store, T1_FRESH, "confirmed", by="eval", reason="复核后确认")
    assert listed(store, "decision=dismissed").total == 0  # the latest wins, counts follow
    assert {r.fingerprint: r.decision for r in listed(store, "decision=confirmed").rows} == {
        T1_FRESH: "confirmed",
        LATE: "confirmed",
    }


def test_many_decisions_since_the_evaluation_are_joined_instead(any_rounds, monkeypatch):
    monkeypatch.setattr(problem_sql, "MAX_CHANGED", 0)
    store = any_rounds.store
    round_store.record_decision(store, T1_FRESH, "dismissed", by="eval", reason="已说明")
    round_store.record_decision(store, LATE, "confirmed", by="eval")
    round_store.record_decision(store, LATE, "dismissed", by="eval", reason="复核后驳回")
    assert set(fingerprints(listed(store, "decision=dismissed"))) == {T1_FRESH, LATE}
    assert listed(store, "decision=none").total == ALL_Q2 - 2
    shown = {r.fingerprint: r.decision for r in listed(store, "per_page=200").rows}
    assert (shown[T1_FRESH], shown[LATE]) == ("dismissed", "dismissed")  # the latest, per row


def test_a_published_round_shows_the_decisions_it_was_scored_with(publishable):
    store = publishable.store
    round_store.record_decision(store, T1_FRESH, "dismissed", by="eval", reason="已说明")
    today = today_in_beijing()
    publish(store, "2025Q2", by="eval", deadline=today + dt.timedelta(days=9), today=today)
    # A later decision (from the command line, on the same fingerprint) does not move it.
    round_store.record_decision(store, T1_FRESH, "confirmed", by="cli", reason="改判")
    (row,) = listed(store, "decision=dismissed").rows
    assert (row.fingerprint, row.decision, row.deduction) == (T1_FRESH, "dismissed", 0.0)
    assert listed(store, "decision=confirmed").total == 0


def test_select_fingerprints_takes_every_page_up_to_a_limit(any_rounds):
    store = any_rounds.store
    f = ProblemFilter.from_query("2025Q2", "per_page=20&status=new")
    assert len(select_fingerprints(store, f, None)) == 7
    assert set(select_fingerprints(store, f, C1_SUBTREE)) == {
        fp("c1", "fresh", col("c1")),
        fp("c1d", "undated", art("c1d", 1)),
        T1_FRESH,
        fp("t1", "undated", art("t1", 1)),
    }
    with pytest.raises(FilterError, match="符合条件的问题超过5个"):
        select_fingerprints(store, f, None, limit=5)
    assert select_fingerprints(store, f.replace(unit_ids=("dept1",)), C1_SUBTREE) == []


def test_facets_offer_the_viewers_units_in_level_order(any_rounds):
    offered = facets(any_rounds.store, "2025Q2", C1_SUBTREE)
    assert offered.units == [
        ("c1", "金安区人民政府", "县区政府"),
        ("c1d", "金安区教育局", "县直部门"),
        ("t1", "三十铺镇人民政府", "乡镇街道"),
    ]
    assert offered.levels == ["县区政府", "县直部门", "乡镇街道"]
    assert offered.indicators == [
        ("fresh", "动态要闻类栏目更新及时"),
        ("undated", "信息标注发布日期"),
        ("late", "文件公开及时"),
    ]
    assert len(facets(any_rounds.store, "2025Q2", None).units) == 7


def test_an_unknown_round_is_said(any_rounds):
    with pytest.raises(RoundNotFound):
        listed(any_rounds.store, round_id="2030Q1")
    with pytest.raises(RoundNotFound):
        facets(any_rounds.store, "2030Q1", None)


# -- one problem ---------------------------------------------------------------------------------
def test_a_problems_page_has_its_evidence_decisions_and_rounds(any_rounds):
    store = any_rounds.store
    t2 = fp("t2", "undated", art("t2", 1))
    round_store.record_decision(store, t2, "confirmed", by="eval", reason="核实")
    detail = get_problem(store, "2025Q2", t2, None)
    assert detail.row.status == "open" and detail.row.decision == "confirmed"
    assert detail.evidence["title"] == "苏埠镇秋粮收购公告" and detail.nominal == 1.0
    assert [(d.decision, d.by) for d in detail.decisions] == [("confirmed", "eval")]
    assert [(h["round"], h["status"]) for h in detail.history] == [
        ("2025Q1", "new"),
        ("2025Q2", "open"),
    ]


def test_a_problem_out_of_scope_reads_like_one_that_does_not_exist(any_rounds):
    store = any_rounds.store
    assert get_problem(store, "2025Q2", LATE, C1_SUBTREE) is None
    assert get_problem(store, "2025Q2", "0123456789abcdef", None) is None
    assert get_problem(store, "2025Q2", T1_FRESH, C1_SUBTREE).row.unit_id == "t1"
