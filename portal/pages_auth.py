"""Signing in and out, changing one's password (forced at the first sign-in and after a
reset), and the root page that sends each role to its own start page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from portal import accounts, deps, sessions
from portal.accounts import AccountError, SignInRefused
from portal.viewer import Viewer

router = APIRouter()

START_PAGE = {"admin": "/rounds", "evaluator": "/rounds", "unit": "/my"}


@router.get("/", include_in_schema=False)
def root(person: Viewer = Depends(deps.viewer)) -> Response:
    return RedirectResponse(START_PAGE.get(person.role, "/password"), status_code=303)


def _login_page(
    request: Request, *, next_url: str, error: str | None = None, status_code: int = 200
) -> Response:
    nonce = deps.new_login_nonce()
    response = deps.render(
        request,
        "login.html",
        status_code=status_code,
        next_url=deps.safe_next(next_url),
        error=error,
        login_nonce=nonce,
    )
    deps.set_login_cookie(request, response, nonce)
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    if deps.current_viewer(request) is not None:
        return RedirectResponse(deps.safe_next(next), status_code=303)
    return _login_page(request, next_url=next)


@router.post("/login", include_in_schema=False, dependencies=[Depends(deps.login_csrf)])
def login(
    request: Request,
    login: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    store = deps.store(request)
    if not login.strip() or not password:
        return _login_page(request, next_url=next, error="请输入登录名和密码。", status_code=400)
    try:
        account = accounts.authenticate(store, login, password, deps.client_address(request))
    except SignInRefused as refused:
        status = 429 if refused.rate_limited else 401
        return _login_page(request, next_url=next, error=refused.reason_zh, status_code=status)
    cookie = sessions.open_session(
        store, account.id, request.app.state.secret, address=deps.client_address(request)
    )
    target = "/password" if account.must_change_password else deps.safe_next(next)
    response = RedirectResponse(target, status_code=303)
    deps.set_session_cookie(request, response, cookie)
    response.delete_cookie(deps.LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, person: Viewer = Depends(deps.csrf_form)) -> Response:
    sessions.close_session(
        deps.store(request), request.cookies.get(sessions.COOKIE), request.app.state.secret
    )
    response = RedirectResponse("/login", status_code=303)
    deps.clear_session_cookie(request, response)
    return response


@router.get("/password", include_in_schema=False)
def password_form(request: Request, person: Viewer = Depends(deps.viewer)) -> Response:
    return deps.render(request, "password.html", forced=person.must_change_password)


@router.post("/password", include_in_schema=False)
def change_password(
    request: Request,
    person: Viewer = Depends(deps.csrf_form),
    current: str = Form(""),
    new: str = Form(""),
    repeat: str = Form(""),
) -> Response:
    store = deps.store(request)
    address = deps.client_address(request)

    def again(error: str, status_code: int) -> Response:
        return deps.render(
            request,
            "password.html",
            status_code=status_code,
            forced=person.must_change_password,
            error=error,
        )

    if new != repeat:
        return again("两次输入的新密码不一致。", 400)
    if new == current:
        return again("新密码不能与当前密码相同。", 400)
    try:
        accounts.authenticate(store, person.login, current, address)
    except SignInRefused as refused:
        wrong = "当前密码不正确。" if not refused.rate_limited else refused.reason_zh
        return again(wrong, 429 if refused.rate_limited else 400)
    keep = sessions.cookie_token_hash(
        request.cookies.get(sessions.COOKIE), request.app.state.secret
    )
    try:
        accounts.set_password(
            store, person.login, new, by=person.login, address=address, keep_session=keep
        )
    except AccountError as refused:
        return again(str(refused), 400)
    return RedirectResponse("/?changed=1", status_code=303)
