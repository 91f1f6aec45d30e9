"""API tokens (portal.tokens and /tokens): shown once, kept as a hash, only the owner's, with
exactly the owner's rights; revoking or disabling the owner stops them; both audited."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from portal_fixtures import portal_store_fixture, portal_template_fixture  # noqa: F401
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import select

from portal import accounts, audit, deps, tokens
from portal.viewer import Viewer


def test_a_token_is_shown_once_and_kept_only_as_its_hash(portal_store):
    client = portal_store.client_for("u_dept1")
    page = client.post("/tokens", data={"csrf_token": client.csrf_token, "name": "本局办公系统"})
    assert page.status_code == 200
    token = next(w for w in page.text.split('"secret">')[1:]).split("<")[0]
    assert token.startswith(tokens.TOKEN_PREFIX)
    listing = client.get("/tokens").text
    assert "本局办公系统" in listing and token not in listing
    with portal_store.store.engine.connect() as conn:
        kept = conn.execute(select(tokens.TOKENS.c.token_hash)).scalars().all()
    assert kept == [hashlib.sha256(token.encode()).hexdigest()]
    owner = tokens.user_for_token(portal_store.store, token)
    assert owner is not None and owner.login == "u_dept1" and owner.unit_id == "dept1"
    logged = audit.audit_frame(portal_store.store, action="token_create")
    assert logged["actor"].tolist() == ["u_dept1"] and logged["unit_id"].tolist() == ["dept1"]


def test_a_revoked_token_or_a_disabled_owner_stops_the_token(portal_store):
    store, uid = portal_store.store, portal_store.user_ids["eval"]
    first = tokens.create_token(store, uid, "省平台", by="eval")
    second = tokens.create_token(store, uid, "备用", by="eval")
    first_id = tokens.list_tokens(store, uid)[1]["id"]
    assert tokens.revoke_token(store, uid, first_id, by="eval")
    assert not tokens.revoke_token(store, uid, first_id, by="eval")  # already revoked
    assert tokens.user_for_token(store, first) is None
    assert tokens.user_for_token(store, second).login == "eval"
    accounts.set_disabled(store, "eval", True, by="admin")
    assert tokens.user_for_token(store, second) is None
    for guess in ("", "zwgk_", second[:-1], "Bearer " + second):
        assert tokens.user_for_token(store, guess) is None


def test_nobody_revokes_or_sees_another_persons_token(portal_store):
    store = portal_store.store
    tokens.create_token(store, portal_store.user_ids["u_c2"], "西城区系统", by="u_c2")
    theirs = tokens.list_tokens(store, portal_store.user_ids["u_c2"])[0]["id"]
    client = portal_store.client_for("u_dept1")
    assert "西城区系统" not in client.get("/tokens").text
    attempt = client.post(f"/tokens/{theirs}/revoke", data={"csrf_token": client.csrf_token})
    assert attempt.status_code == 404
    assert tokens.list_tokens(store, portal_store.user_ids["u_c2"])[0]["revoked_at"] is None


def test_revoking_from_the_page_needs_the_csrf_token(portal_store):
    client = portal_store.client_for("eval")
    tokens.create_token(portal_store.store, portal_store.user_ids["eval"], "x", by="eval")
    token_id = tokens.list_tokens(portal_store.store, portal_store.user_ids["eval"])[0]["id"]
    assert client.post(f"/tokens/{token_id}/revoke", data={}).status_code == 403
    done = client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": client.csrf_token})
    assert done.url.path == "/tokens" and "令牌已撤销" in done.text
    assert audit.audit_frame(portal_store.store, action="token_revoke")["target"].tolist() == [
        "eval"
    ]


def test_a_token_without_a_name_is_refused(portal_store):
    client = portal_store.client_for("eval")
    page = client.post("/tokens", data={"csrf_token": client.csrf_token, "name": "  "})
    assert page.status_code == 400 and "请为令牌起一个名称" in page.text


def test_the_api_dependency_takes_a_bearer_token_with_its_owners_rights(portal_store):
    app = portal_store.app()
    probe = APIRouter()

    @probe.get("/api/whoami")
    def whoami(person: Viewer = Depends(deps.api_viewer)) -> dict:
        return {"login": person.login, "role": person.role, "unit": person.unit_id}

    @probe.post("/api/whoami")
    def post_whoami(person: Viewer = Depends(deps.api_viewer)) -> dict:
        return {"login": person.login}

    app.include_router(probe)
    client = TestClient(app)
    token = tokens.create_token(
        portal_store.store, portal_store.user_ids["eval_c1"], "区平台", by="eval_c1"
    )
    answer = client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"login": "eval_c1", "role": "evaluator", "unit": "c1"}
    wrong = client.get("/api/whoami", headers={"Authorization": "Bearer zwgk_nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/whoami").status_code == 401  # JSON, not a redirect to /login
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/whoami", headers=bearer).json() == {"login": "eval_c1"}


def test_the_api_with_a_session_cookie_needs_the_csrf_header_to_post(portal_store):
    app = portal_store.app()
    probe = APIRouter()

    @probe.post("/api/ping")
    def ping(person: Viewer = Depends(deps.api_viewer)) -> dict:
        return {"login": person.login}

    app.include_router(probe)
    signed_in = portal_store.client_for("u_t1")
    client = TestClient(app, cookies=dict(signed_in.cookies))
    assert client.post("/api/ping").status_code == 403
    assert client.post("/api/ping", headers={"X-CSRF-Token": "nope"}).status_code == 403
    ok = client.post("/api/ping", headers={"X-CSRF-Token": signed_in.csrf_token})
    assert ok.json() == {"login": "u_t1"}
