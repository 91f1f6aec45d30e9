"""FastAPI dependencies every router uses: the store, who is signed in, roles, the CSRF check
of every form, and rendering a page with what every page needs.

A page asks for `viewer` and gets a signed-in person — or the browser is sent to /login (and
back afterwards), or to /password while a forced password change is pending. `csrf_form` on
every POST form; `create_app` refuses to start when a form route lacks it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError

from portal import sessions
from portal.inbox import unread_count
from portal.tokens import user_for_token
from portal.viewer import Viewer
from store import Store

log = logging.getLogger(__name__)
LOGIN_COOKIE = "zwgk_login"  # the sign-in form's own CSRF value (no session exists yet)
CSRF_REFUSED = "表单已失效或来源不明，请返回上一页刷新后重新提交。"
# Where a pending forced password change still lets one go.
PASSWORD_FREE_PATHS = ("/password", "/logout")
_UNSET = object()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SignInRequired(Exception):
    """No (valid) session: pages redirect to /login?next=…, the API answers 401."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """A first sign-in or a reset password: nothing but /password until it is changed."""


def store(request: Request) -> Store:
    return request.app.state.store


def client_address(request: Request) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    configured = request.app.state.https
    return request.url.scheme == "https" if configured is None else bool(configured)


def current_viewer(request: Request) -> Viewer | None:
    """The session's person, or None; looked up once per request."""
    if getattr(request.state, "viewer", _UNSET) is _UNSET:
        cookie = request.cookies.get(sessions.COOKIE)
        request.state.viewer = sessions.session_user(
            request.app.state.store, cookie, request.app.state.secret
        )
    return request.state.viewer


def viewer(request: Request) -> Viewer:
    found = current_viewer(request)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    if found.must_change_password and request.url.path not in PASSWORD_FREE_PATHS:
        raise PasswordChangeRequired()
    return found


def api_viewer(request: Request) -> Viewer:
    """For the JSON API: an ``Authorization: Bearer zwgk_…`` token's owner, else the session's
    person (401 otherwise) — whose POST must carry the session's CSRF token in an
    ``X-CSRF-Token`` header. A token acts with exactly its user's rights."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        account = user_for_token(request.app.state.store, header[7:].strip())
        if account is None:
            raise HTTPException(401, "API令牌无效或已撤销", {"WWW-Authenticate": "Bearer"})
        return Viewer(account.id, account.login, account.name, account.role, account.unit_id)
    person = viewer(request)
    if request.method not in SAFE_METHODS:  # a browser's session: the page's script proves origin
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, person.csrf_token):
            raise HTTPException(403, CSRF_REFUSED)
    return person


def require_role(*roles: str) -> Callable[..., Viewer]:
    """A dependency: the signed-in person, if their role is one of ``roles`` (403 otherwise).
    The check itself runs on the event loop (it reads nothing): only `viewer`, which reads the
    session, takes a worker thread — not a second hand-over for a comparison."""

    async def check(person: Viewer = Depends(viewer)) -> Viewer:
        if person.role not in roles:
            raise HTTPException(403, "您的账号无权访问此页面。")
        return person

    check.roles = roles  # type: ignore[attr-defined]
    return check


async def csrf_form(request: Request, person: Viewer = Depends(viewer)) -> Viewer:
    """Refuse (403) a POST whose form lacks the session's CSRF token; returns the person."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, person.csrf_token):
        raise HTTPException(403, CSRF_REFUSED)
    return person


def require_role_form(*roles: str) -> Callable[..., Any]:
    """A dependency for a POST form: the CSRF check (`csrf_form`), then the role (403)."""

    async def check(person: Viewer = Depends(csrf_form)) -> Viewer:
        if person.role not in roles:
            raise HTTPException(403, "您的账号无权进行此操作。")
        return person

    check.roles = roles  # type: ignore[attr-defined]
    return check


# -- the sign-in form's CSRF value (before any session) ----------------------------------------
def _login_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.secret, salt="zwgk.portal.login")


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    """The signed copy of the sign-in form's nonce, sent back with the form (double submit)."""
    response.set_cookie(
        LOGIN_COOKIE,
        _login_serializer(request).dumps(nonce),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/login",
    )


async def login_csrf(request: Request) -> None:
    """The sign-in form's check: its hidden value matches the signed cookie set with it."""
    form = await request.form()
    sent = form.get("csrf_token")
    try:
        expected = _login_serializer(request).loads(request.cookies.get(LOGIN_COOKIE, ""))
    except BadSignature:
        expected = None
    if not isinstance(sent, str) or not isinstance(expected, str):
        raise HTTPException(403, CSRF_REFUSED)
    if not hmac.compare_digest(sent, expected):
        raise HTTPException(403, CSRF_REFUSED)


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    """HttpOnly, SameSite=Lax, Secure over HTTPS; no Max-Age: it ends with the browser too
    (an office PC is shared), and the store ends it after `sessions.ABSOLUTE` in any case."""
    response.set_cookie(
        sessions.COOKIE, value, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        sessions.COOKIE, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def sign_in_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(next_url: str | None) -> str:
    """Only a path on this site is followed after sign-in (no open redirect to elsewhere)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith(("//", "/\\")):
        return "/"
    if any(ch in next_url for ch in "\r\n\t"):
        return "/"
    return next_url


# -- pages -------------------------------------------------------------------------------------
NAV = {
    "admin": [
        ("/rounds", "测评轮次"),
        ("/patrol", "日巡查"),
        ("/admin/users", "账号管理"),
        ("/admin/audit", "审计日志"),
    ],
    "evaluator": [("/rounds", "测评轮次"), ("/patrol", "日巡查")],
    "unit": [("/my", "我的测评"), ("/inbox", "今日提醒")],
}
NAV_ALL = [("/tokens", "API令牌"), ("/password", "修改密码")]


def nav_for(person: Viewer | None) -> list[tuple[str, str]]:
    if person is None or person.must_change_password:
        return []
    return NAV.get(person.role, []) + NAV_ALL


def nav_counts(request: Request, person: Viewer | None) -> dict[str, int]:
    """Counts shown beside navigation links: a unit user's unread 今日提醒."""
    if person is None or not person.is_unit or not person.unit_id or person.must_change_password:
        return {}
    try:
        unread = unread_count(store(request), person.user_id, person.unit_id)
    except SQLAlchemyError:  # the store failing: the error page still shows, without the count
        log.warning("unread reminders not counted", exc_info=True)
        return {}
    return {"/inbox": unread} if unread else {}


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page from portal/templates with the signed-in person, their CSRF token and the
    navigation of their role added to ``context`` (autoescaped: store text is shown as text)."""
    person = getattr(request.state, "viewer", None)
    context.setdefault("viewer", person)
    context.setdefault("csrf_token", person.csrf_token if person else "")
    context.setdefault("nav", nav_for(person))
    context.setdefault("nav_counts", nav_counts(request, person))
    context.setdefault("path", request.url.path)
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
