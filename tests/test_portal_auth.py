"""Signing in and out of the portal: refusals, the session cookie's flags, expiry, CSRF on
every form, the security headers on every response, and the forced password change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi import APIRouter, Form
from portal_fixtures import (
    SCRIPT_TITLE,
    SECRET,
    form_token,
    portal_store_any_fixture,  # noqa: F401
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
    sign_in,
)
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import select, update

from portal import accounts, audit, sessions
from portal.app import SECURITY_HEADERS, create_app, form_posts_without_csrf
from store.types import utcnow


def _set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def _session_cookie(response) -> str:
    found = [c for c in _set_cookies(response) if c.startswith(f"{sessions.COOKIE}=")]
    assert found, _set_cookies(response)
    return found[0]


# -- signing in --------------------------------------------------------------------------------
def test_sign_in_opens_a_session_and_sends_each_role_to_its_start_page(portal_store):
    client = portal_store.anonymous()
    response = sign_in(client, "admin", portal_store.passwords["admin"])
    assert response.history[0].status_code == 303
    assert response.history[0].headers["location"] == "/"
    assert response.history[1].headers["location"] == "/rounds"
    unit = portal_store.anonymous()
    sign_in(unit, "u_t1", portal_store.passwords["u_t1"])
    assert unit.get("/", follow_redirects=False).headers["location"] == "/my"


def test_signing_in_limits_and_out_work_on_sqlite_and_postgresql(portal_store_any):
    world = portal_store_any
    for _ in range(5):
        assert sign_in(world.anonymous(), "u_c2", "wrong-password-2").status_code == 401
    assert sign_in(world.anonymous(), "u_c2", world.passwords["u_c2"]).status_code == 429
    client = world.client_for("eval_c1")
    assert client.get("/", follow_redirects=False).headers["location"] == "/rounds"
    client.post("/logout", data={"csrf_token": client.csrf_token})
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_page_without_a_session_sends_to_sign_in_and_back_afterwards(portal_store):
    client = portal_store.anonymous()
    response = client.get("/password?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/password%3Fx%3D1"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/password?x=1"' in page.text
    data = {
        "login": "eval",
        "password": portal_store.passwords["eval"],
        "csrf_token": form_token(page.text),
        "next": "/password?x=1",
    }
    after = client.post("/login", data=data, follow_redirects=False)
    assert after.headers["location"] == "/password?x=1"


@pytest.mark.parametrize("target", ["//evil.example/", "http://evil.example/", "/\\evil", ""])
def test_sign_in_never_redirects_off_the_site(portal_store, target):
    client = portal_store.anonymous()
    page = client.get("/login")
    data = {
        "login": "eval",
        "password": portal_store.passwords["eval"],
        "csrf_token": form_token(page.text),
        "next": target,
    }
    assert client.post("/login", data=data, follow_redirects=False).headers["location"] == "/"


def test_a_wrong_password_and_an_unknown_login_are_refused_alike(portal_store):
    client = portal_store.anonymous()
    wrong = sign_in(client, "admin", "not-the-password")
    unknown = sign_in(client, "nobody", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "登录名或密码不正确" in response.text
        assert not any(c.startswith(sessions.COOKIE) for c in _set_cookies(response))
    assert client.get("/password", follow_redirects=False).status_code == 303


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(portal_store):
    client = portal_store.client_for("u_dept1")
    accounts.set_disabled(portal_store.store, "u_dept1", True, by="admin")
    assert client.get("/password", follow_redirects=False).status_code == 303
    again = sign_in(portal_store.anonymous(), "u_dept1", portal_store.passwords["u_dept1"])
    assert again.status_code == 401
    assert "已停用" in again.text


def test_sign_in_attempts_are_counted_per_account_with_when_to_retry(portal_store):
    client = portal_store.anonymous()
    for _ in range(5):
        assert sign_in(client, "eval", "wrong-password-1").status_code == 401
    held = sign_in(client, "eval", portal_store.passwords["eval"])
    assert held.status_code == 429
    assert "分钟后" in held.text and "北京时间" in held.text


# -- the cookie --------------------------------------------------------------------------------
def test_the_session_cookie_is_http_only_and_same_site_and_not_secure_over_http(portal_store):
    response = sign_in(portal_store.anonymous(), "eval", portal_store.passwords["eval"])
    cookie = _session_cookie(response.history[0]).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")
    assert "max-age" not in cookie and "expires" not in cookie  # ends with the browser too


def test_the_session_cookie_is_secure_when_served_over_https(portal_store):
    response = sign_in(portal_store.anonymous(https=True), "eval", portal_store.passwords["eval"])
    cookie = _session_cookie(response.history[0]).lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_behind_a_proxy_https_is_read_from_each_request(portal_store):
    """https=None: the scheme uvicorn reports (X-Forwarded-Proto from a trusted proxy)."""
    from fastapi.testclient import TestClient

    app = create_app(portal_store.store, https=None, secret=SECRET)
    over_https = TestClient(app, base_url="https://portal.example")
    cookie = _session_cookie(sign_in(over_https, "eval", portal_store.passwords["eval"]).history[0])
    assert "; secure" in cookie.lower()
    over_http = TestClient(app, base_url="http://portal.example")
    cookie = _session_cookie(sign_in(over_http, "eval", portal_store.passwords["eval"]).history[0])
    assert "; secure" not in cookie.lower()


def test_a_forged_or_other_key_cookie_signs_nobody_in(portal_store):
    store = portal_store.store
    user_id = portal_store.user_ids["admin"]
    other_key = sessions.open_session(store, user_id, "another-key-another-key-another-key")
    client = portal_store.anonymous()
    for value in (other_key, "admin", other_key[:-2] + "xx"):
        client.cookies.set(sessions.COOKIE, value)
        assert client.get("/password", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_in_the_store(portal_store):
    client = portal_store.client_for("eval")
    cookie = client.cookies.get(sessions.COOKIE)
    out = client.post("/logout", data={"csrf_token": client.csrf_token}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    replay = portal_store.anonymous()
    replay.cookies.set(sessions.COOKIE, cookie)
    assert replay.get("/password", follow_redirects=False).status_code == 303


# -- expiry ------------------------------------------------------------------------------------
def test_a_session_ends_after_two_idle_hours_and_eight_hours_in_all(portal_store):
    store, t0 = portal_store.store, utcnow()
    user_id = portal_store.user_ids["eval"]
    cookie = sessions.open_session(store, user_id, SECRET, now=t0)
    seen = sessions.session_user
    assert seen(store, cookie, SECRET, now=t0 + dt.timedelta(hours=1, minutes=59)) is not None
    # used at 1:59, so it lives until 3:59 — but not a minute after
    assert seen(store, cookie, SECRET, now=t0 + dt.timedelta(hours=3, minutes=58)) is not None
    assert seen(store, cookie, SECRET, now=t0 + dt.timedelta(hours=6, minutes=0)) is None
    busy = sessions.open_session(store, user_id, SECRET, now=t0)
    for minutes in range(60, 8 * 60, 60):  # used every hour all day
        assert seen(store, busy, SECRET, now=t0 + dt.timedelta(minutes=minutes)) is not None
    assert seen(store, busy, SECRET, now=t0 + dt.timedelta(hours=8, minutes=1)) is None


def test_an_expired_session_sends_the_browser_to_sign_in(portal_store):
    client = portal_store.client_for("eval")
    with portal_store.store.engine.begin() as conn:
        conn.execute(
            update(sessions.SESSIONS).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    response = client.get("/password", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_signing_key_is_kept_beside_a_sqlite_store_and_shared(portal_store, monkeypatch):
    if portal_store.store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: the key file sits beside the store's file (run on SQLite)")
    monkeypatch.delenv("ZWGK_PORTAL_SECRET", raising=False)
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    path = sessions.secret_file(portal_store.store)
    assert path is not None and not path.exists()
    first = sessions.portal_secret(portal_store.store)
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    assert sessions.portal_secret(portal_store.store) == first  # a second process: the same
    monkeypatch.setenv("ZWGK_PORTAL_SECRET", "k" * 40)
    assert sessions.portal_secret(portal_store.store) == "k" * 40


def test_a_configured_signing_key_is_checked_and_never_shown(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from common.config_file import ConfigError, configured_value
    from zwgk.cli import app

    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")
    monkeypatch.setenv("ZWGK_PORTAL_SECRET", "short")
    with pytest.raises(ConfigError, match="ZWGK_PORTAL_SECRET"):
        configured_value("portal.secret_key")
    monkeypatch.setenv("ZWGK_PORTAL_SECRET", "s" * 40)
    shown = CliRunner().invoke(app, ["config", "show", "--json"])
    assert json.loads(shown.output)["keys"]["portal.secret_key"] == {
        "value": "***",
        "from": "$ZWGK_PORTAL_SECRET",
    }
    toml = tmp_path / "zwgk.toml"
    toml.write_text('[portal]\nsecret_key = "' + "t" * 40 + '"\n', encoding="utf-8")
    monkeypatch.delenv("ZWGK_PORTAL_SECRET")
    monkeypatch.setenv("ZWGK_CONFIG", str(toml))
    assert configured_value("portal.secret_key") == "t" * 40


# -- CSRF --------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_form_without_the_session_csrf_token_is_refused(portal_store, token):
    client = portal_store.client_for("eval")
    data = {} if token is None else {"csrf_token": token}
    refused = client.post("/logout", data=data, follow_redirects=False)
    assert refused.status_code == 403
    assert "表单已失效" in refused.text
    assert client.get("/password").status_code == 200  # still signed in
    changed = client.post(
        "/password",
        data={
            **data,
            "current": portal_store.passwords["eval"],
            "new": "Another-pw-99",
            "repeat": "Another-pw-99",
        },
    )
    assert changed.status_code == 403
    assert accounts.authenticate(portal_store.store, "eval", portal_store.passwords["eval"], "x")


def test_another_sessions_csrf_token_is_refused(portal_store):
    mine, theirs = portal_store.client_for("eval"), portal_store.client_for("admin")
    refused = mine.post("/logout", data={"csrf_token": theirs.csrf_token})
    assert refused.status_code == 403


def test_the_sign_in_form_needs_its_own_csrf_value(portal_store):
    client = portal_store.anonymous()
    client.get("/login")
    data = {"login": "eval", "password": portal_store.passwords["eval"]}
    assert client.post("/login", data=data).status_code == 403
    fresh = portal_store.anonymous()  # a value from the page, but not the cookie sent with it
    page = client.get("/login")
    refused = fresh.post("/login", data={**data, "csrf_token": form_token(page.text)})
    assert refused.status_code == 403


def test_the_app_refuses_to_start_with_a_form_route_lacking_the_csrf_check(portal_store):
    app = create_app(portal_store.store, secret=SECRET)
    assert form_posts_without_csrf(app) == []
    careless = APIRouter()

    @careless.post("/careless")
    def handler(value: str = Form("")) -> str:
        return value

    app.include_router(careless)
    assert form_posts_without_csrf(app) == ["['POST'] /careless"]


# -- headers and error pages -------------------------------------------------------------------
def test_every_response_carries_the_security_headers(portal_store):
    app = portal_store.app()
    broken = APIRouter()

    @broken.get("/broken")
    def fail() -> None:
        raise RuntimeError("boom")

    app.include_router(broken)
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)
    signed_in = portal_store.client_for("u_c2")
    responses = {
        "login": client.get("/login"),
        "redirect": client.get("/", follow_redirects=False),
        "static": client.get("/static/portal.css"),
        "404": client.get("/no-such-page"),
        "405": client.put("/login"),
        "403": signed_in.post("/logout", data={}),
        "500": client.get("/broken"),
    }
    for what, response in responses.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (what, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert responses["404"].status_code == 404 and "页面不存在" in responses["404"].text
    assert responses["500"].status_code == 500 and "服务器内部错误" in responses["500"].text
    assert "boom" not in responses["500"].text
    assert responses["static"].headers["content-type"].startswith("text/css")
    assert responses["login"].headers["cache-control"] == "no-store"


def test_pages_hold_no_inline_script_or_style(portal_store):
    client = portal_store.client_for("admin")
    for page in ("/login", "/password", "/no-such-page"):
        html = client.get(page).text.lower()
        assert "<script" not in html and "style=" not in html and "<style" not in html


def test_names_from_the_store_are_shown_as_text(portal_store):
    accounts.create_user(
        portal_store.store,
        "hostile",
        SCRIPT_TITLE,
        "evaluator",
        None,
        "Feindlich-pw-42!",
        must_change_password=False,
    )
    portal_store.passwords["hostile"] = "Feindlich-pw-42!"
    html = portal_store.client_for("hostile").get("/password").text
    assert SCRIPT_TITLE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;script&gt;" in portal_store.app().state.templates.env.from_string("{{ t }}").render(
        t=SCRIPT_TITLE
    )


# -- the forced password change ----------------------------------------------------------------
def test_a_new_account_must_change_its_password_before_anything_else(portal_store):
    store = portal_store.store
    _, initial = accounts.create_user(store, "u_new", "新单位", "unit", "t2", by="admin")
    client = portal_store.anonymous()
    first = sign_in(client, "u_new", initial)
    assert first.url.path == "/password" and "首次登录" in first.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/password"
    assert client.get("/tokens", follow_redirects=False).headers["location"] == "/password"
    token = form_token(first.text)

    def change(current: str, new: str, repeat: str | None = None):
        data = {"csrf_token": token, "current": current, "new": new, "repeat": repeat or new}
        return client.post("/password", data=data, follow_redirects=False)

    assert "不一致" in change(initial, "Mein-neues-pw-1", "Mein-neues-pw-2").text
    assert "至少10个字符" in change(initial, "short1").text
    assert "当前密码不正确" in change("wrong-current", "Mein-neues-pw-1").text
    done = change(initial, "Mein-neues-pw-1")
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"] == "/my"
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(store, "u_new", initial, "127.0.0.9")
    assert accounts.authenticate(store, "u_new", "Mein-neues-pw-1", "127.0.0.9").login == "u_new"
    logged = audit.audit_frame(store, action="password_change")
    assert logged["target"].tolist() == ["u_new"]
    assert logged["after"].iloc[0] == {"must_change_password": False}


def test_changing_the_password_ends_the_accounts_other_sessions(portal_store):
    here, elsewhere = portal_store.client_for("eval"), portal_store.client_for("eval")
    data = {
        "csrf_token": here.csrf_token,
        "current": portal_store.passwords["eval"],
        "new": "Brand-new-pw-77",
        "repeat": "Brand-new-pw-77",
    }
    assert here.post("/password", data=data, follow_redirects=False).status_code == 303
    assert here.get("/password", follow_redirects=False).status_code == 200
    assert elsewhere.get("/password", follow_redirects=False).status_code == 303
    with portal_store.store.engine.connect() as conn:
        left = conn.execute(select(sessions.SESSIONS.c.user_id)).scalars().all()
    assert left.count(portal_store.user_ids["eval"]) == 1
