"""The JSON API (portal/api.py): API tokens and sessions, the pages' scoping on every route
(a unit: its own unit of published rounds; a county office: its subtree), out of scope read as
not found, a unit's answer with the import's rules, CSRF for session posts, and the OpenAPI
document."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_fixtures import (
    C1_SUBTREE,
    EARLIER,
    ROUND,
    SCRIPT_TITLE,
    UNITS,
    portal_store_any_fixture,  # noqa: F401
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
)
from portal_unit_fixtures import UNIT_NAMES, mark_published
from portal_unit_fixtures import published_fixture as published_fixture  # noqa: F401
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import select

from portal import accounts
from portal.api import CSRF_HEADER
from portal.audit import ANSWER, AUDIT
from portal.tokens import create_token, list_tokens, revoke_token
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.responses import latest_responses

API = "/api/v1"


def token_for(world, login: str) -> dict[str, str]:
    user = accounts.get_user(world.store, login)
    token = create_token(world.store, user.id, f"{login}的系统", by=login)
    return {"Authorization": f"Bearer {token}"}


def fingerprints_of(store, unit: str, round_id: str = ROUND) -> list[str]:
    return list(round_store.problems_frame(store, round_id, [unit])["fingerprint"])


def assert_nothing_of(body: str, store, units) -> None:
    for unit in units:
        assert UNIT_NAMES[unit] not in body, unit
        assert f'"{unit}"' not in body, unit
        for fp in fingerprints_of(store, unit):
            assert fp not in body, (unit, fp)


@pytest.fixture(name="api")
def api_fixture(published):
    """An anonymous client of the portal (2025Q2 published) and a token maker."""
    client = published.anonymous()
    client.token = lambda login: token_for(published, login)  # type: ignore[attr-defined]
    return client


# -- who may call ------------------------------------------------------------------------------
def test_without_a_token_or_session_the_api_answers_401(api):
    response = api.get(f"{API}/rounds")
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录或提供API令牌"
    bad = api.get(f"{API}/rounds", headers={"Authorization": "Bearer zwgk_not-a-token"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_no_longer_works(api, published):
    headers = api.token("u_dept1")
    assert api.get(f"{API}/rounds", headers=headers).status_code == 200
    user = accounts.get_user(published.store, "u_dept1")
    (token,) = list_tokens(published.store, user.id)
    assert revoke_token(published.store, user.id, token["id"], by="u_dept1")
    assert api.get(f"{API}/rounds", headers=headers).status_code == 401


def test_a_signed_in_browser_reads_the_api_with_its_session(published):
    client = published.client_for("u_dept1")
    response = client.get(f"{API}/rounds")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [ROUND]


# -- rounds ------------------------------------------------------------------------------------
def test_units_see_published_rounds_only_and_evaluators_every_round(api):
    unit = api.get(f"{API}/rounds", headers=api.token("u_dept1")).json()
    assert [(r["id"], r["state"], r["state_zh"]) for r in unit] == [(ROUND, "published", "已发布")]
    assert unit[0]["label"] == "2025年第二季度"
    assert unit[0]["deadline"] == str(today_in_beijing() + dt.timedelta(days=30))
    evaluator = api.get(f"{API}/rounds", headers=api.token("eval_c1")).json()
    assert [(r["id"], r["state"]) for r in evaluator] == [(EARLIER, "draft"), (ROUND, "published")]


def test_a_draft_round_is_404_to_units_on_every_route(api, published):
    headers = api.token("u_dept1")
    fp = fingerprints_of(published.store, "dept1", EARLIER)[0]
    for path in (
        f"/rounds/{EARLIER}",
        f"/rounds/{EARLIER}/totals",
        f"/rounds/{EARLIER}/problems",
        f"/rounds/{EARLIER}/problems/{fp}",
        f"/rounds/{EARLIER}/units/dept1/answers",
    ):
        response = api.get(API + path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["detail"].endswith("不存在，或您无权查看。")
    posted = api.post(
        f"{API}/rounds/{EARLIER}/problems/{fp}/answer",
        json={"status": "rectified"},
        headers=headers,
    )
    assert posted.status_code == 404
    assert api.get(f"{API}/rounds/{EARLIER}", headers=api.token("eval")).status_code == 200


def test_a_rounds_summary_counts_the_viewers_units_only(api, published):
    unit = api.get(f"{API}/rounds/{ROUND}", headers=api.token("u_t1")).json()
    assert unit["id"] == ROUND and unit["state"] == "published"
    own = len(fingerprints_of(published.store, "t1"))
    assert (unit["summary"]["units"], unit["summary"]["problems"]) == (1, own)
    assert sum(unit["summary"]["by_status"].values()) == own
    city = api.get(f"{API}/rounds/{ROUND}", headers=api.token("eval")).json()
    assert city["summary"]["units"] == len(UNITS)
    county = api.get(f"{API}/rounds/{ROUND}", headers=api.token("eval_c1")).json()
    assert county["summary"]["units"] == len(C1_SUBTREE)


def test_a_drafts_summary_counts_the_decisions_in_force(api, published):
    fp = fingerprints_of(published.store, "dept2", EARLIER)[0]
    round_store.record_decision(published.store, fp, "dismissed", by="eval", reason="栏目已撤销")
    draft = api.get(f"{API}/rounds/{EARLIER}", headers=api.token("eval")).json()
    counts = draft["summary"]["by_decision"]
    assert counts["dismissed"] == 1 and counts["confirmed"] == 0
    assert counts["none"] == draft["summary"]["problems"] - 1


# -- totals ------------------------------------------------------------------------------------
def test_a_unit_gets_only_its_own_total_with_its_rank_in_the_level(api, published):
    rows = api.get(f"{API}/rounds/{ROUND}/totals", headers=api.token("u_dept1")).json()
    assert [r["unit_id"] for r in rows] == ["dept1"]
    (row,) = rows
    assert row["level"] == "市直部门" and row["ranked"] == 2 and row["rank"] in (1, 2)
    assert row["verdict"] in ("合格", "不合格")
    stored = round_store.round_totals_frame(published.store, ROUND).set_index("unit_id")
    assert row["total"] == pytest.approx(float(stored.loc["dept1", "total"]))


def test_an_evaluator_gets_the_totals_of_its_subtree(api):
    county = api.get(f"{API}/rounds/{ROUND}/totals", headers=api.token("eval_c1")).json()
    assert {r["unit_id"] for r in county} == C1_SUBTREE
    city = api.get(f"{API}/rounds/{ROUND}/totals", headers=api.token("eval")).json()
    assert {r["unit_id"] for r in city} == set(UNITS)


# -- problems ----------------------------------------------------------------------------------
def test_a_unit_lists_only_its_own_problems_whatever_it_asks_for(api, published):
    headers = api.token("u_dept1")
    page = api.get(f"{API}/rounds/{ROUND}/problems", headers=headers).json()
    own = fingerprints_of(published.store, "dept1")
    assert page["total"] == len(own) and sorted(r["fingerprint"] for r in page["rows"]) == sorted(
        own
    )
    assert {r["unit_id"] for r in page["rows"]} == {"dept1"}
    asked = api.get(f"{API}/rounds/{ROUND}/problems?unit=dept2&unit=t1", headers=headers)
    assert asked.status_code == 200 and asked.json()["total"] == 0
    assert_nothing_of(asked.text, published.store, ["dept2", "t1"])


def test_the_problem_list_takes_the_filter_and_paging_as_the_query_string(api):
    headers = api.token("eval")
    page = api.get(
        f"{API}/rounds/{ROUND}/problems?indicator=fresh&per_page=20&sort=-unit", headers=headers
    ).json()
    assert page["per_page"] == 20 and page["page"] == 1 and page["pages"] == 1
    assert page["rows"] and {r["indicator_id"] for r in page["rows"]} == {"fresh"}
    units = [r["unit_id"] for r in page["rows"]]
    assert units == sorted(units, reverse=True)
    bad = api.get(f"{API}/rounds/{ROUND}/problems?sort=nonsense", headers=headers)
    assert bad.status_code == 400 and "排序方式" in bad.json()["detail"]


def test_a_crawled_title_travels_as_a_json_string(api):
    response = api.get(f"{API}/rounds/{ROUND}/problems?q=alert", headers=api.token("u_dept1"))
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    (row,) = response.json()["rows"]
    assert row["title"] == SCRIPT_TITLE


def test_a_problem_of_another_unit_reads_as_one_that_does_not_exist(api, published):
    headers = api.token("u_t1")
    own = fingerprints_of(published.store, "t1")[0]
    found = api.get(f"{API}/rounds/{ROUND}/problems/{own}", headers=headers)
    assert found.status_code == 200 and found.json()["unit_id"] == "t1"
    assert found.json()["answer"] is None and isinstance(found.json()["evidence"], dict)
    missing = api.get(f"{API}/rounds/{ROUND}/problems/0000000000000000", headers=headers)
    for fp in fingerprints_of(published.store, "dept1"):
        foreign = api.get(f"{API}/rounds/{ROUND}/problems/{fp}", headers=headers)
        assert (foreign.status_code, foreign.json()) == (404, missing.json())
    county = api.get(f"{API}/rounds/{ROUND}/problems/{own}", headers=api.token("eval_c1"))
    assert county.status_code == 200
    outside = fingerprints_of(published.store, "t2")[0]
    assert (
        api.get(
            f"{API}/rounds/{ROUND}/problems/{outside}", headers=api.token("eval_c1")
        ).status_code
        == 404
    )


def test_another_units_answers_are_404(api, published):
    headers = api.token("u_t1")
    assert api.get(f"{API}/rounds/{ROUND}/units/t1/answers", headers=headers).json() == []
    for unit in ("dept1", "c1", "no-such-unit"):
        response = api.get(f"{API}/rounds/{ROUND}/units/{unit}/answers", headers=headers)
        assert response.status_code == 404, unit
    county = api.token("eval_c1")
    assert api.get(f"{API}/rounds/{ROUND}/units/t1/answers", headers=county).status_code == 200
    outside = api.get(f"{API}/rounds/{ROUND}/units/dept1/answers", headers=county)
    assert outside.status_code == 404


# -- answering -------------------------------------------------------------------------------
def post_answer(client, fp: str, body: dict, headers: dict | None = None, round_id: str = ROUND):
    return client.post(f"{API}/rounds/{round_id}/problems/{fp}/answer", json=body, headers=headers)


def test_a_unit_token_answers_a_problem_with_the_imports_rules(api, published):
    headers = api.token("u_dept1")
    fp = fingerprints_of(published.store, "dept1")[0]
    done = post_answer(api, fp, {"status": "in_progress", "note": "正在整改"}, headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["fingerprint"], body["status"], body["status_zh"], body["note"]) == (
        fp,
        "in_progress",
        "整改中",
        "正在整改",
    )
    assert body["review"] is None
    stored = latest_responses(published.store, ROUND, ["dept1"])[fp]
    assert (stored.status, stored.note) == ("in_progress", "正在整改")
    listed = api.get(f"{API}/rounds/{ROUND}/units/dept1/answers", headers=headers).json()
    assert [a["fingerprint"] for a in listed] == [fp]
    detail = api.get(f"{API}/rounds/{ROUND}/problems/{fp}", headers=headers).json()
    assert detail["answer"]["status"] == "in_progress"
    with published.store.engine.connect() as conn:
        (actor,) = conn.scalars(select(AUDIT.c.actor).where(AUDIT.c.action == ANSWER)).all()
    assert actor == "u_dept1"

    refused = post_answer(api, fp, {"status": "cannot_rectify"}, headers)
    assert refused.status_code == 409 and "原因" in refused.json()["detail"]
    too_long = post_answer(api, fp, {"status": "rectified", "note": "长" * 2001}, headers)
    assert too_long.status_code == 409 and "2000" in too_long.json()["detail"]
    unknown = post_answer(api, fp, {"status": "done"}, headers)
    assert unknown.status_code == 400
    assert latest_responses(published.store, ROUND, ["dept1"])[fp].status == "in_progress"


def test_only_unit_users_answer_and_only_their_own_problems(api, published):
    fp = fingerprints_of(published.store, "dept1")[0]
    for login in ("eval", "admin"):
        assert post_answer(api, fp, {"status": "rectified"}, api.token(login)).status_code == 403
    foreign = post_answer(api, fp, {"status": "rectified", "note": "x"}, api.token("u_t1"))
    assert foreign.status_code == 404
    assert_nothing_of(foreign.text, published.store, ["dept1"])
    assert latest_responses(published.store, ROUND) == {}


def test_an_answer_after_the_deadline_is_refused_with_the_reason(api, published):
    mark_published(published.store, deadline=today_in_beijing() - dt.timedelta(days=1))
    fp = fingerprints_of(published.store, "dept1")[0]
    refused = post_answer(api, fp, {"status": "rectified"}, api.token("u_dept1"))
    assert refused.status_code == 409
    assert "整改期限" in refused.json()["detail"] and "已过" in refused.json()["detail"]
    assert latest_responses(published.store, ROUND) == {}


def test_a_session_post_to_the_api_needs_the_csrf_header(published):
    client = published.client_for("u_dept1")
    fp = fingerprints_of(published.store, "dept1")[0]
    missing = post_answer(client, fp, {"status": "rectified"})
    assert missing.status_code == 403
    forged = post_answer(client, fp, {"status": "rectified"}, {CSRF_HEADER: "forged"})
    assert forged.status_code == 403
    assert latest_responses(published.store, ROUND) == {}
    done = post_answer(client, fp, {"status": "rectified"}, {CSRF_HEADER: client.csrf_token})
    assert done.status_code == 200
    assert latest_responses(published.store, ROUND)[fp].status == "rectified"


# -- scope as a whole ------------------------------------------------------------------------
def test_nothing_of_another_unit_reaches_a_units_token(api, published):
    headers = api.token("u_t1")
    bodies = [
        api.get(API + path, headers=headers).text
        for path in (
            "/rounds",
            f"/rounds/{ROUND}",
            f"/rounds/{ROUND}/totals",
            f"/rounds/{ROUND}/problems?per_page=200",
            f"/rounds/{ROUND}/units/t1/answers",
        )
    ]
    others = [u for u in UNITS if u != "t1"]
    assert '"parent":"c1"' in bodies[2]  # its own place in the tree, nothing of c1's
    for body in bodies:
        assert_nothing_of(body.replace('"parent":"c1"', ""), published.store, others)


# -- the document ------------------------------------------------------------------------------
def test_the_openapi_document_describes_the_routes_and_their_shapes(api):
    doc = api.get("/api/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        f"{API}/rounds",
        f"{API}/rounds/{{round_id}}",
        f"{API}/rounds/{{round_id}}/totals",
        f"{API}/rounds/{{round_id}}/problems",
        f"{API}/rounds/{{round_id}}/problems/{{fingerprint}}",
        f"{API}/rounds/{{round_id}}/units/{{unit_id}}/answers",
        f"{API}/rounds/{{round_id}}/problems/{{fingerprint}}/answer",
    } <= paths
    assert not any(p.startswith("/my") for p in paths)  # pages are not API
    schemas = doc["components"]["schemas"]
    for name in ("RoundOut", "RoundDetailOut", "TotalOut", "ProblemPageOut", "ProblemDetailOut"):
        assert name in schemas, name
    assert schemas["AnswerIn"]["properties"]["status"]["enum"] == [
        "rectified",
        "in_progress",
        "cannot_rectify",
    ]
    ok = doc["paths"][f"{API}/rounds/{{round_id}}/totals"]["get"]["responses"]["200"]
    assert "TotalOut" in str(ok)


def test_a_units_round_reads_the_same_on_sqlite_and_postgresql(portal_store_any):
    """The summary's counts and the unit's rows in SQL that both databases run."""
    world = portal_store_any
    mark_published(world.store)
    api = world.anonymous()
    headers = token_for(world, "u_c2")
    summary = api.get(f"{API}/rounds/{ROUND}", headers=headers).json()["summary"]
    own = fingerprints_of(world.store, "c2")
    assert (summary["units"], summary["problems"], summary["answered"]) == (1, len(own), 0)
    assert summary["by_decision"] == {"none": len(own), "confirmed": 0, "dismissed": 0}
    (total,) = api.get(f"{API}/rounds/{ROUND}/totals", headers=headers).json()
    assert total["unit_id"] == "c2" and total["ranked"] == 2  # c1 and c2: 县区政府
    done = post_answer(api, own[0], {"status": "rectified", "note": "已整改"}, headers)
    assert done.status_code == 200, done.text
    assert api.get(f"{API}/rounds/{ROUND}", headers=headers).json()["summary"]["answered"] == 1
