"""`create_app(store)`: the portal as a FastAPI application.

Pages are rendered on the server from portal/templates with autoescaping on (whatever a crawled
title says is shown as text); the only static files are CSS (and JS files, never inline
script). Every response carries the security headers (`SECURITY_HEADERS`: a CSP that allows
no inline script or style, no framing, nosniff, a strict referrer policy). Errors are pages in
Chinese; under /api they are JSON. Routers are found, not listed: every `portal/pages_*.py`
and `portal/api.py` with a `router` is included, so a new page module needs no edit here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import pkgutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import portal
from portal import deps
from portal.sessions import portal_secret
from reports.wording import cn_date, round_label
from store import Store
from store.types import beijing_time

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_ZH = {
    400: ("请求有误", "提交的内容不完整或格式不正确，请返回检查后重试。"),
    401: ("请先登录", "请登录后再访问。"),
    403: ("无权访问", "您的账号无权访问此页面。"),
    404: ("页面不存在", "您要找的页面不存在，或您无权查看。"),
    405: ("不支持的请求", "此页面不支持这种请求方式。"),
    413: ("内容过大", "提交的内容或上传的文件过大。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("服务器内部错误", "服务器处理请求时出错，已记录。请稍后重试或联系管理员。"),
}


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response (pages, static files, errors, redirects),
    ``Cache-Control: no-store`` to all but static files (pages show one person's data), and
    HSTS when served over HTTPS. An unexpected exception gets the Chinese 500 page here, with
    the same headers, and goes on up to the server's log (Starlette's own 500 would bypass
    this middleware)."""

    def __init__(self, app: ASGIApp, https: bool | None) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")
        https = scope.get("scheme") == "https" if self.https is None else self.https

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await error_page(Request(scope), 500)(scope, receive, send_with_headers)
            raise


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its file name
        # Templates change with zwgk itself, i.e. with a restart: no look at their files' times
        # on every page (three stat calls a list page, 2.5% of a busy worker's time).
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["beijing"] = beijing_time
    env.filters["cn_date"] = cn_date
    env.filters["cn_day"] = cn_day
    env.filters["round_label"] = round_label
    return Jinja2Templates(env=env)


def cn_day(day: str | dt.date) -> str:
    """A day, also one written as ISO text (a digest's days), as 2025年7月10日."""
    return cn_date(day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10]))


def create_app(store: Store, *, https: bool | None = None, secret: str | None = None) -> FastAPI:
    """The portal over ``store``. ``https``: True/False to say whether browsers reach it over
    HTTPS (cookies Secure, HSTS); None: as each request arrived (behind a proxy, uvicorn's
    ``--proxy-headers`` reads X-Forwarded-Proto from the trusted proxy)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="zwgk 政务公开测评门户",
        docs_url=None,  # Swagger UI needs inline script; the schema is at /api/openapi.json
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.state.https = https
    app.state.secret = secret or portal_secret(store)
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in _routers():
        app.include_router(router)
    _add_error_pages(app)
    app.add_middleware(SecurityHeaders, https=https)
    if missing := form_posts_without_csrf(app):
        raise RuntimeError(f"form routes without deps.csrf_form: {', '.join(missing)}")
    return app


# Requests a process serves at once (its sync routes run in threads): beyond a few, threads
# only fight over the GIL. Measured (benchmarks/portal.py, 2 workers, 20 clients, SQLite): 40
# threads (anyio's default) 66 lists/s, p95 620 ms, 21 ms CPU a request; 4 threads 105/s,
# p95 232 ms, 10 ms; 2 or 1 thread the same rate with a longer tail (one worker's queue).
THREADS_PER_PROCESS = 4


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS_PER_PROCESS
    yield


def _routers() -> Iterator[Any]:
    """`router` of portal/pages_*.py and portal/api.py, in name order."""
    for info in sorted(pkgutil.iter_modules(portal.__path__), key=lambda m: m.name):
        if info.name.startswith("pages_") or info.name == "api":
            module = importlib.import_module(f"portal.{info.name}")
            if hasattr(module, "router"):
                yield module.router


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def routes_of(app: FastAPI) -> list[tuple[str, set[str], Dependant]]:
    """Every endpoint route as (path, methods, dependant), included routers flattened (newer
    FastAPI keeps an included router as one entry of `app.routes`). For checks over all routes:
    CSRF here, the authorisation matrix in the tests."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers became contexts
        views: list[Any] = list(app.routes)
    else:
        views = list(iter_route_contexts(app.routes))
    out = []
    for view in views:
        dependant = getattr(view, "dependant", None)
        path = getattr(view, "path", None)
        if dependant is not None and path is not None:
            out.append((path, set(getattr(view, "methods", None) or ()), dependant))
    return out


def form_posts_without_csrf(app: FastAPI) -> list[str]:
    """Page routes taking POST (or another changing method) without a CSRF check."""
    missing = []
    for path, methods, dependant in routes_of(app):
        if not methods & UNSAFE_METHODS or path.startswith("/api/"):
            continue  # the API: a bearer token, or the session with its X-CSRF-Token header
        calls = set(_calls(dependant))
        if deps.csrf_form not in calls and deps.login_csrf not in calls:
            missing.append(f"{sorted(methods)} {path}")
    return missing


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    title, default = ERROR_ZH.get(status, ERROR_ZH[500 if status >= 500 else 400])
    message = detail if detail and _is_chinese(detail) else default
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    try:
        deps.current_viewer(request)  # the navigation of a signed-in person on the error page
    except Exception:  # the store itself failing: the error page still shows
        request.state.viewer = None
    return deps.render(
        request, "error.html", status_code=status, title=title, message=message, status=status
    )


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = error_page(request, exc.status_code, str(exc.detail) if exc.detail else None)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            # Where and what, not the input itself: it may be bytes (a form posted to a JSON
            # route) that JSON cannot carry, and it need not be echoed back.
            errors = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in exc.errors()]
            return JSONResponse({"detail": ERROR_ZH[400][1], "errors": errors}, status_code=400)
        return error_page(request, 400)

    @app.exception_handler(deps.SignInRequired)
    async def sign_in(request: Request, exc: deps.SignInRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "请先登录或提供API令牌"}, status_code=401)
        return RedirectResponse(deps.sign_in_url(exc.next_url), status_code=303)

    @app.exception_handler(deps.PasswordChangeRequired)
    async def password_first(request: Request, exc: deps.PasswordChangeRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "请先登录网页修改初始密码"}, status_code=403)
        return RedirectResponse("/password", status_code=303)
