"""得分变化说明 and 优先整改 on the portal (issue 17 points 1 and 2): a unit's change against the
previous round with its parts, and its fixes in priority order with the plans' sentences — on
the unit's own round page, the evaluators' unit page and the API (portal/score_change.py).

The world is portal_fixtures' units and accounts with two rounds of hand-made findings chosen
so that every part of the block shows (scored by `evaluate_data`, no crawling):

    2025Q1  dept1 one undated article                      → 90, 合格
            dept2 a stale column, an undated article        → 60, 合格
            c2    two undated articles                      → 80
    (the office dismisses dept2's undated article)
    2025Q2  dept1 two stale columns (veto.stale: 2 ≥ 2), two undated articles, one with a
                  crawled `<script>` subject and title      → 20, 不合格（单项否决）
            dept2 the same two; the article dismissed       → 70
            c2    one undated article                       → 90

With hand-made crawls the round cannot read its previous crawl again, so the explanation is
computed here by `scoring.explain.decompose` on the same hand-made data, sets, days and
decisions the two rounds were evaluated with, and inserted into `round_explanations` as
`scoring.round` stores it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from checklist_fixtures import SET_YAML
from portal_fixtures import (
    PASSWORDS,
    SCRIPT_TITLE,
    UNITS,
    USERS,
    PortalWorld,
    _units_frame,
    article_url,
    column_url,
)
from portal_unit_fixtures import mark_published
from round_fixtures import PLANTED, HandMadeCrawl, PlantedFindings, columns, planted
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import delete, insert

from portal import accounts
from portal.score_change import (
    FIRST_ROUND,
    NOT_STORED,
    PREVIOUS_HIDDEN,
    plan_sentence,
    unit_help,
)
from portal.viewer import Viewer
from scoring.explain import Side, decompose
from scoring.fix_first import plan_fixes
from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data, frozen_set
from scoring.scorer import fingerprint
from scoring.workdays import default_calendar
from store import Store, open_store
from store.rounds import (
    EXPLANATIONS,
    get_round,
    problems_frame,
    record_decision,
    round_scores_frame,
    round_totals_frame,
)
from store.testing import StoreUrls

Q1, Q2 = "2025Q1", "2025Q2"
DAYS = {Q1: dt.date(2025, 3, 31), Q2: dt.date(2025, 6, 30)}
SCRIPT_SUBJECT = "http://dept1.example.gov.cn/art/9.html?<script>alert(2)</script>"
DISMISSED = fingerprint("dept2", "undated", article_url("dept2", 1))


def _findings(round_id: str) -> list[tuple]:
    stale = {"column": "工作动态", "days": 130}
    if round_id == Q1:
        return [
            ("undated", "dept1", article_url("dept1", 1), {"title": "关于印发工作要点的通知"}),
            ("fresh", "dept2", column_url("dept2", 1), stale),
            ("undated", "dept2", article_url("dept2", 1), {"title": "财政预算执行情况"}),
            ("undated", "c2", article_url("c2", 1), {"title": "西城区人事任免"}),
            ("undated", "c2", article_url("c2", 2), {"title": "西城区招聘公告"}),
        ]
    return [
        ("fresh", "dept1", column_url("dept1", 1), stale),
        ("fresh", "dept1", column_url("dept1", 2), {"column": "通知公告", "days": 120}),
        ("undated", "dept1", article_url("dept1", 1), {"title": "关于印发工作要点的通知"}),
        ("undated", "dept1", SCRIPT_SUBJECT, {"title": SCRIPT_TITLE}),
        ("fresh", "dept2", column_url("dept2", 1), stale),
        ("undated", "dept2", article_url("dept2", 1), {"title": "财政预算执行情况"}),
        ("undated", "c2", article_url("c2", 1), {"title": "西城区人事任免"}),
    ]


def _crawl(round_id: str, run: int) -> HandMadeCrawl:
    cols = [(n, unit, column_url(unit, 1), True) for n, unit in enumerate(UNITS, 1)]
    cols.append((len(cols) + 1, "dept1", column_url("dept1", 2), True))
    return HandMadeCrawl(
        units=_units_frame(),
        columns=columns(*cols),
        planted=planted(*_findings(round_id)),
        run_id=run,
    )


def build(store: Store, folder: Path) -> None:
    store.upsert_units(
        {"id": u, "name": n, "level": lv, "parent": p, "profile": "generic",
         "entry_url": f"http://{u}.example.gov.cn/"}
        for u, (n, lv, p) in UNITS.items()
    )  # fmt: skip
    path = folder / "t.yaml"
    path.write_text(SET_YAML, encoding="utf-8")
    indicator_set = load_indicator_set(path)
    crawls = {}
    for round_id in (Q1, Q2):
        if round_id == Q2:
            record_decision(store, DISMISSED, "dismissed", by="eval", reason="正文已标注日期")
        run = store.start_run("full")
        store.finish_run(run)
        crawls[round_id] = _crawl(round_id, run)
        evaluate_data(store, round_id, DAYS[round_id], indicator_set, crawls[round_id])
    explained = decompose(
        Side(crawls[Q1], indicator_set, DAYS[Q1], {}),
        Side(crawls[Q2], indicator_set, DAYS[Q2], {DISMISSED: "dismissed"}),
        calendar=default_calendar(),
        stored_before=round_totals_frame(store, Q1),
        stored_after=round_totals_frame(store, Q2),
    )
    with store.engine.begin() as conn:
        conn.execute(delete(EXPLANATIONS).where(EXPLANATIONS.c.round == Q2))
        conn.execute(
            insert(EXPLANATIONS), [{"round": Q2, **r} for r in explained.lines.to_dict("records")]
        )
    for login, (name, role, unit_id) in USERS.items():
        accounts.create_user(store, login, name, role, unit_id, PASSWORDS[login],
                             must_change_password=False, by="fixture")  # fmt: skip


@pytest.fixture(name="template", scope="module")
def template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scoring.checks import base

    folder = tmp_path_factory.mktemp("score_change")
    base._load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(base._REGISTRY, PLANTED, PlantedFindings)
        store = open_store(f"sqlite:///{folder}/portal.sqlite", create=True)
        build(store, folder)
        store.close()
    return folder / "portal.sqlite"


@pytest.fixture(name="world")
def world_fixture(template: Path, store_urls: StoreUrls, planted_check) -> Iterator[PortalWorld]:
    """Both rounds published (a test makes one a draft again)."""
    store = open_store(store_urls.copy_of(template))
    mark_published(store, Q1, state="closed")
    mark_published(store, Q2)
    yield PortalWorld(store)
    store.close()


def viewer(world: PortalWorld, login: str) -> Viewer:
    name, role, unit_id = USERS[login]
    return Viewer(world.user_ids[login], login, name, role, unit_id)


def test_the_change_block_of_a_unit_says_each_part_by_indicator(world):
    """dept1: 90 → 20, all the site's (two stale columns: 6 of 10 points, −60; one more undated
    article, −10), and the veto that failed it; dept2: the dismissal is the evaluators' +10."""
    got = unit_help(world.store, viewer(world, "u_dept1"), Q2, "dept1").change
    assert (got.before, got.after, got.change, got.change_text) == (90, 20, -70, "−70")
    assert [(p.part_zh, p.change) for p in got.parts] == [("网站自身变化", -70)]
    assert [(line.name, line.change_text) for line in got.parts[0].lines] == [
        ("动态要闻类栏目更新及时", "−60"),
        ("信息标注发布日期", "−10"),
    ]
    assert got.verdict == "测评结果由合格变为不合格（单项否决：栏目长期未更新）。"
    dept2 = unit_help(world.store, viewer(world, "u_dept1"), Q2, "dept2")
    assert dept2 is None  # another unit's: not for u_dept1
    dept2 = unit_help(world.store, viewer(world, "eval"), Q2, "dept2").change
    assert [(p.part_zh, p.change) for p in dept2.parts] == [("测评人员核定", 10)]
    assert (dept2.before, dept2.after, dept2.verdict) == (60, 70, None)

    page = world.client_for("u_dept1").get(f"/my/{Q2}")
    assert page.status_code == 200
    html = page.text
    assert (
        "得分变化说明" in html
        and "与上轮（2025年第一季度）相比，总分由90分变为20分，变化−70分。" in html
    )
    assert "测评结果由合格变为不合格（单项否决：栏目长期未更新）。" in html
    assert "网站自身变化" in html and "指标体系调整</strong>" not in html
    for hidden in ("dept1", "undated", "veto.stale"):  # no unit or indicator ids on the page
        assert f">{hidden}<" not in html and f"（{hidden}" not in html


def test_a_first_round_and_a_round_stored_without_explanation_say_why_in_one_sentence(world):
    first = unit_help(world.store, viewer(world, "u_dept1"), Q1, "dept1").change
    assert (first.shown, first.reason) == (False, FIRST_ROUND)
    assert FIRST_ROUND in world.client_for("u_dept1").get(f"/my/{Q1}").text

    with world.store.engine.begin() as conn:
        conn.execute(delete(EXPLANATIONS).where(EXPLANATIONS.c.round == Q2))
    assert unit_help(world.store, viewer(world, "eval"), Q2, "dept1").change.reason == NOT_STORED
    assert NOT_STORED in world.client_for("u_dept1").get(f"/my/{Q2}").text


def test_the_previous_round_a_unit_may_not_see_is_not_compared_with(world):
    """A previous round still a draft for the units: no totals of it shown to them."""
    with world.store.engine.begin() as conn:
        from portal.viewer import PUBLICATIONS

        conn.execute(delete(PUBLICATIONS).where(PUBLICATIONS.c.round == Q1))
    unit = unit_help(world.store, viewer(world, "u_dept1"), Q2, "dept1").change
    assert (unit.reason, unit.before) == (PREVIOUS_HIDDEN, None)
    assert unit_help(world.store, viewer(world, "eval"), Q2, "dept1").change.before == 90


def test_fix_first_is_plan_fixes_on_the_stored_rows_with_its_sentences(world):
    """dept1 is vetoed (two stale columns): fixing one lifts the veto, both reach 80 — the pass
    line and the next rank (dept2's 70, above it in 市直部门); all four, full marks."""
    store = world.store
    info = get_round(store, Q2)
    expected = plan_fixes(
        "dept1",
        round_scores_frame(store, Q2, ["dept1"]),
        problems_frame(store, Q2, ["dept1"], evidence=False),
        frozen_set(info),
        pass_line=info.pass_line,
        next_total=70.0,
    )
    got = unit_help(store, viewer(world, "u_dept1"), Q2, "dept1").fix_first
    assert [i.fingerprint for i in got.items] == list(expected.problems["fingerprint"])
    assert [i.priority for i in got.items] == [1, 2, 3, 4]
    assert [i.alone for i in got.items] == list(expected.problems["alone"])
    assert [i.lifts_veto for i in got.items] == [True, False, False, False]  # one of two
    assert [(p.target, p.fixes, p.total, p.reachable) for p in got.plans] == [
        (p.target, p.fixes, p.total, p.reachable) for p in expected.plans
    ]
    assert [p.sentence for p in got.plans] == [
        "完成以下2项整改即可达到合格线（60分），总分将由20分升至80分：优先级1、2。",
        "完成以下2项整改即可前进一个名次，总分将由20分升至80分：优先级1、2。",
        "完成以下4项整改即可得满分，总分将由20分升至100分：优先级1、2、3、4。",
    ]
    assert [i.indicator_name for i in got.items][:2] == ["动态要闻类栏目更新及时"] * 2

    html = world.client_for("u_dept1").get(f"/my/{Q2}").text
    assert got.sentences == [  # the same two fixes reach the pass line and the next rank
        "完成以下2项整改即可达到合格线（60分）并前进一个名次，总分将由20分升至80分：优先级1、2。",
        "完成以下4项整改即可得满分，总分将由20分升至100分：优先级1、2、3、4。",
    ]
    assert "优先整改" in html and "可消除单项否决" in html
    assert all(sentence in html for sentence in got.sentences)
    for item in got.items:  # each links to the problem as the unit's page shows it
        assert f'href="/my/{Q2}#p-{item.fingerprint}"' in html
        assert f'id="p-{item.fingerprint}"' in html


def test_the_sentence_when_no_fix_reaches_a_target():
    from scoring.fix_first import FULL, PASS, Plan

    assert plan_sentence(Plan(FULL, 100.0, ("a",), 95.0, False), [1], 90.0) == (
        "本轮即使完成全部可整改的问题，也无法得满分，总分最多可达95分。"
    )
    assert plan_sentence(Plan(PASS, 60.0, (), 70.0, False), [], 70.0) == (
        "本轮无法通过整改达到合格线：单项否决涉及的问题已无法整改（一次性问题）。"
    )


def test_evaluators_unit_page_shows_both_blocks_linking_to_the_problem_pages(world):
    client = world.client_for("eval")
    html = client.get(f"/rounds/{Q2}/units/dept2").text
    assert "得分变化说明" in html and "测评人员核定" in html and "优先整改" in html
    fix = unit_help(world.store, viewer(world, "eval"), Q2, "dept2").fix_first
    assert fix.items and all(
        f'href="/rounds/{Q2}/problems/{i.fingerprint}"' in html for i in fix.items
    )
    for item in fix.items:
        assert client.get(f"/rounds/{Q2}/problems/{item.fingerprint}").status_code == 200
    # a county evaluator does not see dept1: 404 as before
    assert world.client_for("eval_c1").get(f"/rounds/{Q2}/units/dept1").status_code == 404


def test_a_unit_sees_only_its_own_block_and_nothing_of_a_draft(world):
    c2 = world.client_for("u_c2")
    html = c2.get(f"/my/{Q2}").text
    assert "总分由80分变为90分，变化+10分" in html
    # c1 (100) ranks above it: the next rank and full marks are the same one fix, said once
    assert "完成以下1项整改即可前进一个名次并得满分，总分将由90分升至100分：优先级1。" in html
    assert "90分变为20分" not in html and "栏目长期未更新" not in html  # nothing of dept1's
    assert c2.get(f"/api/v1/rounds/{Q2}/units/dept1").status_code == 404
    assert c2.get(f"/rounds/{Q2}/units/dept1").status_code == 403

    with world.store.engine.begin() as conn:
        from portal.viewer import PUBLICATIONS

        conn.execute(delete(PUBLICATIONS).where(PUBLICATIONS.c.round == Q2))
    assert unit_help(world.store, viewer(world, "u_c2"), Q2, "c2") is None
    assert c2.get(f"/my/{Q2}").status_code == 404
    assert c2.get(f"/api/v1/rounds/{Q2}/units/c2").status_code == 404
    assert "得分变化说明" in world.client_for("eval").get(f"/rounds/{Q2}/units/c2").text


def test_the_api_gives_the_unit_result_with_score_change_and_fix_first(world):
    got = world.client_for("u_dept1").get(f"/api/v1/rounds/{Q2}/units/dept1")
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["unit_id"], body["total"], body["verdict"]) == ("dept1", 20, "不合格（单项否决）")
    change = body["score_change"]
    assert (change["previous_round"], change["before"], change["after"], change["change"]) == (
        Q1, 90, 20, -70
    )  # fmt: skip
    assert change["reason"] is None
    assert change["parts"] == [
        {"part": "site", "part_zh": "网站自身变化", "change": -70.0, "lines": [
            {"kind": "indicator", "indicator_id": "fresh", "indicator_name": "动态要闻类栏目更新及时",
             "change": -60.0},
            {"kind": "indicator", "indicator_id": "undated", "indicator_name": "信息标注发布日期",
             "change": -10.0},
        ]},
    ]  # fmt: skip
    fix = body["fix_first"]
    expected = unit_help(world.store, viewer(world, "u_dept1"), Q2, "dept1").fix_first
    assert [p["fingerprint"] for p in fix["problems"]] == [i.fingerprint for i in expected.items]
    assert [p["target"] for p in fix["plans"]] == ["pass", "next_rank", "full"]
    assert fix["plans"][0]["sentence"] == expected.plans[0].sentence
    # the next rank's goal is dept2's total: not given to dept1's account, given to the office
    assert [p["goal"] for p in fix["plans"]] == [60, None, 100]
    office = world.client_for("eval").get(f"/api/v1/rounds/{Q2}/units/dept1").json()
    assert [p["goal"] for p in office["fix_first"]["plans"]] == [60, 70, 100]
    first = world.client_for("u_dept1").get(f"/api/v1/rounds/{Q1}/units/dept1").json()
    assert first["score_change"]["reason"] == FIRST_ROUND and first["score_change"]["parts"] == []
    schema = world.client_for("eval").get("/api/openapi.json").json()["components"]["schemas"]
    assert {"ScoreChangeOut", "FixFirstOut"} <= set(schema)


def test_a_crawled_subject_is_shown_as_text(world):
    for client, path in (
        (world.client_for("u_dept1"), f"/my/{Q2}"),
        (world.client_for("eval"), f"/rounds/{Q2}/units/dept1"),
    ):
        html = client.get(path).text
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html  # the title
        assert "art/9.html?&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the subject
