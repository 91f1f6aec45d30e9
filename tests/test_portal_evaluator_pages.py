"""The evaluator pages (/rounds …): who may see them, scope (a county evaluator sees its
subtree; an id outside it is a 404 like one that does not exist), the problem list's filter in
the URL, decisions one by one and in bulk (a reason required, a draft round only), publishing
and closing a round with a confirmation page. (Answers' review, downloads, the overview and
evidence: tests/test_portal_evaluator_views.py.)"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from portal_eval_fixtures import (
    C2_UNDATED,
    ESCAPED,
    EVALUATORS,
    LATER,
    SCRIPT,
    T1_FRESH,
    UNIT_USERS,
    assert_safe,
    audit,
    pages,
    publish,
)
from portal_eval_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_fixtures import C1_SUBTREE, ROUND, article_url, column_url
from portal_fixtures import portal_store_any_fixture as portal_store_any_fixture  # noqa: F401
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

from portal import lifecycle
from portal.audit import DECIDE, PUBLISH
from portal.viewer import Viewer, round_visible
from reports.wording import today_in_beijing
from scoring.scorer import fingerprint
from store.rounds import latest_decisions


# -- who sees what -------------------------------------------------------------------------------
@pytest.mark.parametrize("login", EVALUATORS)
def test_every_page_renders_for_evaluators_and_administrators(portal_store, login):
    client = portal_store.client_for(login)
    for path in pages("t1", T1_FRESH):
        response = client.get(path)
        assert response.status_code == 200, (login, path, response.text[-500:])
        assert_safe(response.text)


@pytest.mark.parametrize("login", UNIT_USERS)
def test_unit_users_are_refused_every_evaluator_page(portal_store, login):
    client = portal_store.client_for(login)
    unit = {"u_dept1": "dept1", "u_t1": "t1", "u_c2": "c2"}[login]
    for path in [*pages(unit, T1_FRESH), f"/rounds/{ROUND}/units/{unit}/checklist.xlsx"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403, (login, path)
    refused = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": client.csrf_token, "fp": T1_FRESH, "decision": "dismissed"}
        | {"reason": "自己驳回"},
    )
    assert refused.status_code == 403
    assert T1_FRESH not in latest_decisions(portal_store.store)


def test_anonymous_visitors_are_sent_to_sign_in(portal_store):
    client = portal_store.anonymous()
    for path in pages("t1", T1_FRESH):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_a_county_evaluator_sees_only_its_subtree(portal_store):
    client = portal_store.client_for("eval_c1")
    listed = client.get(f"/rounds/{ROUND}/problems").text
    units = set(re.findall(rf'href="/rounds/{ROUND}/units/([^"]+)"', listed))
    assert units == {"c1", "t1", "c1d"} and units <= C1_SUBTREE
    assert "江淮市教育局" not in listed and ESCAPED not in listed
    options = set(re.findall(r'<option value="([^"]+)"', listed.split('name="level"')[0]))
    assert options == C1_SUBTREE


@pytest.mark.parametrize(
    "path",
    [
        f"/rounds/{ROUND}/units/dept1",
        f"/rounds/{ROUND}/units/dept1/checklist.xlsx",
        f"/rounds/{ROUND}/problems/{SCRIPT}",
        f"/rounds/{ROUND}/units/nosuchunit",
        f"/rounds/{ROUND}/problems/0123456789abcdef",
        "/rounds/2031Q4",
        "/rounds/2031Q4/problems",
    ],
)
def test_an_id_outside_the_scope_reads_like_one_that_does_not_exist(portal_store, path):
    response = portal_store.client_for("eval_c1").get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.text
    assert "江淮市教育局" not in response.text


def test_posts_about_an_out_of_scope_problem_or_unit_are_404(portal_store):
    client = portal_store.client_for("eval_c1")
    token = client.csrf_token
    one = client.post(
        f"/rounds/{ROUND}/problems/{SCRIPT}/decide",
        data={"csrf_token": token, "decision": "dismissed", "reason": "越权"},
    )
    assert one.status_code == 404
    bulk = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": token, "fp": [SCRIPT, T1_FRESH], "decision": "dismissed"}
        | {"reason": "越权"},
    )
    assert bulk.status_code == 400  # the whole selection refused, saying nothing of dept1
    assert "江淮市教育局" not in bulk.text
    assert latest_decisions(portal_store.store) == {}


# -- the problem list ----------------------------------------------------------------------------
def test_the_filter_lives_in_the_url_and_comes_back_in_the_form_and_links(portal_store):
    client = portal_store.client_for("eval")
    query = "unit=dept1&indicator=undated&status=open&decision=none&q=script&sort=-deduction"
    page = client.get(f"/rounds/{ROUND}/problems?{query}")
    assert page.status_code == 200
    html = page.text
    assert '<option value="dept1" selected>' in html
    assert '<option value="undated" selected>' in html
    assert 'name="status" value="open" checked' in html
    assert '<option value="none" selected>' in html
    assert 'name="q" value="script"' in html
    assert 'name="sort" value="-deduction"' in html
    rows = re.findall(r'name="fp" value="([0-9a-f]{16})"', html)
    assert rows == [SCRIPT]  # the title holds "script"
    # The problem's link carries the filter back; the page's list link returns to it.
    back = re.search(rf'href="/rounds/{ROUND}/problems/{SCRIPT}\?back=([^"]+)"', html).group(1)
    problem = client.get(f"/rounds/{ROUND}/problems/{SCRIPT}?back={back}")
    crumb = re.search(rf'href="/rounds/{ROUND}/problems\?([^"]+)"', problem.text).group(1)
    assert parse_qs(unescape(crumb)) == parse_qs(query)
    # The sort links keep the filter and flip the order of the sorted column.
    sort_link = re.search(r'href="\?([^"]*sort=deduction[^"]*)"', html).group(1)
    assert parse_qs(unescape(sort_link))["unit"] == ["dept1"]


def test_sorting_and_paging_follow_the_url(portal_store):
    client = portal_store.client_for("eval")
    ascending = client.get(f"/rounds/{ROUND}/problems?sort=deduction").text
    descending = client.get(f"/rounds/{ROUND}/problems?sort=-deduction").text
    up = re.findall(r'<td class="num">([0-9.]+)</td>', ascending)
    down = re.findall(r'<td class="num">([0-9.]+)</td>', descending)
    assert [float(v) for v in up] == sorted(float(v) for v in up)
    assert [float(v) for v in down] == sorted((float(v) for v in down), reverse=True)
    past = client.get(f"/rounds/{ROUND}/problems?page=9&per_page=20").text
    assert "没有符合条件的问题" in past and "第 9/1 页" in past


def test_a_bad_filter_is_said_not_a_server_error(portal_store):
    response = portal_store.client_for("eval").get(f"/rounds/{ROUND}/problems?status=bogus")
    assert response.status_code == 400
    assert "筛选条件有误" in response.text and "bogus" in response.text


def test_bulk_dismissal_with_a_reason_decides_the_ticked_problems(portal_store):
    client = portal_store.client_for("eval")
    response = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={
            "csrf_token": client.csrf_token,
            "fp": [T1_FRESH, C2_UNDATED],
            "decision": "dismissed",
            "reason": "栏目已合并，<i>不再考核</i>",
            "back": "unit=t1&unit=c2",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert parse_qs(target.query) == {
        "unit": ["t1", "c2"],
        "done": ["dismissed"],
        "n": ["2"],
    }
    decided = latest_decisions(portal_store.store)
    assert {fp: d.decision for fp, d in decided.items()} == {
        T1_FRESH: "dismissed",
        C2_UNDATED: "dismissed",
    }
    assert (
        decided[T1_FRESH].by == "eval" and decided[T1_FRESH].reason == "栏目已合并，<i>不再考核</i>"
    )
    assert len(audit(portal_store.store, DECIDE)) == 2
    shown = client.get(response.headers["location"]).text
    assert "已驳回2个问题" in shown
    assert "&lt;i&gt;" not in shown or "<i>不再考核" not in shown
    # Each row's decision badge: the two dismissed, the rest of t1 and c2 not yet decided.
    assert shown.count('<span class="badge decision-dismissed">驳回</span>') == 2
    assert '<span class="muted">未认定</span>' in shown
    assert re.search(r'<span class="badge status-(new|open)">(新发现|未整改)</span>', shown)


def test_bulk_dismissal_of_every_match_takes_the_filter(portal_store):
    client = portal_store.client_for("eval_c1")
    response = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": client.csrf_token, "every": "1", "decision": "confirmed"}
        | {"reason": "复核属实", "back": "indicator=fresh"},
    )
    assert response.status_code == 200
    decided = latest_decisions(portal_store.store)
    assert set(decided) == {
        fingerprint("t1", "fresh", column_url("t1", 1)),
        fingerprint("c1d", "fresh", column_url("c1d", 1)),
    }  # the county's fresh problems only: the filter within the viewer's units


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_without_a_reason_is_refused_and_nothing_recorded(portal_store, reason):
    client = portal_store.client_for("eval")
    bulk = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": client.csrf_token, "fp": [T1_FRESH], "decision": "dismissed"}
        | {"reason": reason},
    )
    assert bulk.status_code == 400
    assert "须写明理由" in bulk.text
    assert f'name="fp" value="{T1_FRESH}" checked' in bulk.text  # the selection kept
    one = client.post(
        f"/rounds/{ROUND}/problems/{T1_FRESH}/decide",
        data={"csrf_token": client.csrf_token, "decision": "dismissed", "reason": reason},
    )
    assert one.status_code == 400 and "须写明理由" in one.text
    assert latest_decisions(portal_store.store) == {}
    assert audit(portal_store.store, DECIDE) == []


def test_a_form_without_the_csrf_token_is_refused(portal_store):
    client = portal_store.client_for("eval")
    response = client.post(
        f"/rounds/{ROUND}/problems/{T1_FRESH}/decide",
        data={"decision": "dismissed", "reason": "无令牌"},
    )
    assert response.status_code == 403
    assert latest_decisions(portal_store.store) == {}


def test_one_problem_is_confirmed_on_its_page_and_shows_in_its_history(portal_store):
    client = portal_store.client_for("eval_c1")
    response = client.post(
        f"/rounds/{ROUND}/problems/{T1_FRESH}/decide",
        data={"csrf_token": client.csrf_token, "decision": "confirmed", "reason": "属实"}
        | {"back": "unit=t1"},
    )
    assert response.status_code == 200
    assert response.url.path == f"/rounds/{ROUND}/problems/{T1_FRESH}"
    assert "已确认1个问题" in response.text
    assert "属实" in response.text and "eval_c1" in response.text
    assert f'href="/rounds/{ROUND}/problems?unit=t1"' in response.text
    assert "2025年第一季度" in response.text  # its history across rounds


# -- a published round ---------------------------------------------------------------------------
def test_decisions_are_refused_on_a_published_round_with_the_reason(publishable):
    publish(publishable)
    client = publishable.client_for("eval")
    listed = client.get(f"/rounds/{ROUND}/problems").text
    assert "评估决定已冻结" in listed and 'name="fp"' not in listed
    page = client.get(f"/rounds/{ROUND}/problems/{T1_FRESH}").text
    assert "评估决定已冻结" in page and "/decide" not in page
    for path, data in (
        (f"/rounds/{ROUND}/problems/decide", {"fp": [T1_FRESH]}),
        (f"/rounds/{ROUND}/problems/{T1_FRESH}/decide", {}),
    ):
        response = client.post(
            path,
            data={"csrf_token": client.csrf_token, "decision": "dismissed", "reason": "晚了"}
            | data,
        )
        assert response.status_code == 409
        assert "已发布，评估决定已冻结" in response.text
    assert latest_decisions(publishable.store) == {}


def test_publishing_takes_a_confirmation_page_then_the_unit_sees_the_round(publishable):
    store = publishable.store
    unit_viewer = Viewer(0, "u_dept1", "教育局", "unit", "dept1")
    assert not round_visible(store, unit_viewer, ROUND)
    client = publishable.client_for("eval")
    form = client.get(f"/rounds/{ROUND}/publish")
    assert form.status_code == 200
    assert "确认发布" in form.text and "重新计分" in form.text
    default = re.search(r'name="deadline" type="date" value="([0-9-]+)"', form.text).group(1)
    assert dt.date.fromisoformat(default) > today_in_beijing()
    response = client.post(
        f"/rounds/{ROUND}/publish", data={"csrf_token": client.csrf_token, "deadline": default}
    )
    assert response.status_code == 200 and response.url.path == f"/rounds/{ROUND}"
    assert "测评轮次已发布" in response.text
    now = lifecycle.state(store, ROUND)
    assert now.state == "published" and now.deadline.isoformat() == default
    assert round_visible(store, unit_viewer, ROUND)
    assert [a["actor"] for a in audit(store, PUBLISH)] == ["eval"]
    assert "已发布" in client.get("/rounds").text


def test_publishing_is_refused_with_its_reason(publishable):
    client = publishable.client_for("eval")
    token = client.csrf_token
    no_date = client.post(f"/rounds/{ROUND}/publish", data={"csrf_token": token})
    assert no_date.status_code == 400 and "请选择整改期限" in no_date.text
    past = client.post(
        f"/rounds/{ROUND}/publish", data={"csrf_token": token, "deadline": "2020-01-01"}
    )
    assert past.status_code == 409 and "早于今天" in past.text
    without_token = client.post(f"/rounds/{ROUND}/publish", data={"deadline": LATER.isoformat()})
    assert without_token.status_code == 403
    assert lifecycle.state(publishable.store, ROUND).is_draft


def test_a_county_evaluator_cannot_publish_or_close(publishable):
    client = publishable.client_for("eval_c1")
    assert "发布…" not in client.get("/rounds").text
    assert client.get(f"/rounds/{ROUND}/publish").status_code == 403
    refused = client.post(
        f"/rounds/{ROUND}/publish",
        data={"csrf_token": client.csrf_token, "deadline": LATER.isoformat()},
    )
    assert refused.status_code == 403
    assert lifecycle.state(publishable.store, ROUND).is_draft
    publish(publishable)
    assert client.get(f"/rounds/{ROUND}/close").status_code == 403
    assert (
        client.post(f"/rounds/{ROUND}/close", data={"csrf_token": client.csrf_token}).status_code
        == 403
    )
    assert lifecycle.state(publishable.store, ROUND).state == "published"


def test_closing_a_published_round_freezes_answers(publishable):
    client = publishable.client_for("admin")
    early = client.post(f"/rounds/{ROUND}/close", data={"csrf_token": client.csrf_token})
    assert early.status_code == 409 and "尚未发布" in early.text
    publish(publishable)
    form = client.get(f"/rounds/{ROUND}/close")
    assert "确认截止" in form.text and "尚未到" in form.text
    done = client.post(f"/rounds/{ROUND}/close", data={"csrf_token": client.csrf_token})
    assert done.status_code == 200 and "测评轮次已截止" in done.text
    assert lifecycle.state(publishable.store, ROUND).state == "closed"


# -- on PostgreSQL too ---------------------------------------------------------------------------
def test_the_pages_and_a_bulk_decision_work_on_either_store(portal_store_any):
    client = portal_store_any.client_for("eval_c1")
    for path in pages("t1", T1_FRESH):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[-300:])
        assert_safe(response.text)
    listed = client.get(f"/rounds/{ROUND}/problems?q=%E5%9F%8E%E5%85%B3&sort=-deduction").text
    assert re.findall(r'name="fp" value="([0-9a-f]{16})"', listed) == [
        fingerprint("t1", "undated", article_url("t1", 1))
    ]  # "城关" in the title of t1's article
    done = client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": client.csrf_token, "fp": [T1_FRESH], "decision": "dismissed"}
        | {"reason": "栏目已撤并"},
    )
    assert done.status_code == 200 and "已驳回1个问题" in done.text
    assert latest_decisions(portal_store_any.store)[T1_FRESH].decision == "dismissed"
