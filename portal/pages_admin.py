"""Administrators' pages: accounts (/admin/users: list, add, disable, enable, reset a password)
and the audit log (/admin/audit: filtered, paged, exported as CSV or XLSX).

A new or reset password is shown once, on the page that answers the form, and never stored in
clear; the person must change it at the next sign-in. Every change is audited by `accounts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from portal import accounts, audit, audit_export, deps
from portal.accounts import AccountError
from portal.viewer import ROLE_ZH, UNITS, Viewer
from reports.wording import today_in_beijing
from store.portal_models import ROLES

router = APIRouter(prefix="/admin")
admin = deps.require_role("admin")
admin_form = deps.require_role_form("admin")

PER_PAGE = 50
EXPORT_MAX = 100_000  # rows in one export; more: narrow the filter
DONE = {"disabled": "已停用账号 {login}，其登录已全部失效。", "enabled": "已启用账号 {login}。"}


def _units(request: Request) -> list[dict[str, Any]]:
    stmt = select(UNITS.c.id, UNITS.c.name, UNITS.c.level).order_by(UNITS.c.level, UNITS.c.id)
    with deps.store(request).engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def _users_page(
    request: Request, *, role: str = "", q: str = "", status_code: int = 200, **extra: Any
) -> Response:
    users = accounts.list_users(deps.store(request), role=role or None)
    if q:
        needle = q.strip().lower()
        users = [u for u in users if needle in u.login.lower() or needle in u.name.lower()]
    units = _units(request)
    return deps.render(
        request,
        "admin_users.html",
        status_code=status_code,
        users=users,
        units=units,
        unit_names={u["id"]: u["name"] for u in units},
        roles=[(r, ROLE_ZH[r]) for r in ROLES],
        role_names=ROLE_ZH,
        role=role,
        q=q,
        **extra,
    )


@router.get("/users")
def users_page(
    request: Request,
    person: Viewer = Depends(admin),
    role: str = "",
    q: str = "",
    done: str = "",
    login: str = "",
) -> Response:
    message = DONE[done].format(login=login) if done in DONE else None
    return _users_page(request, role=role if role in ROLES else "", q=q, message=message)


@router.post("/users")
def add_user(
    request: Request,
    person: Viewer = Depends(admin_form),
    login: str = Form(""),
    name: str = Form(""),
    role: str = Form(""),
    unit_id: str = Form(""),
) -> Response:
    try:
        row, password = accounts.create_user(
            deps.store(request),
            login.strip(),
            name,
            role,
            unit_id.strip() or None,
            by=person.login,
            address=deps.client_address(request),
        )
    except AccountError as refused:
        form = {"login": login, "name": name, "role": role, "unit_id": unit_id}
        return _users_page(request, error=str(refused), form=form, status_code=400)
    return deps.render(request, "admin_password.html", account=row, password=password, new=True)


@router.post("/users/{login}/disable")
def disable_user(request: Request, login: str, person: Viewer = Depends(admin_form)) -> Response:
    return _set_disabled(request, login, True, person)


@router.post("/users/{login}/enable")
def enable_user(request: Request, login: str, person: Viewer = Depends(admin_form)) -> Response:
    return _set_disabled(request, login, False, person)


def _set_disabled(request: Request, login: str, disabled: bool, person: Viewer) -> Response:
    try:
        accounts.set_disabled(
            deps.store(request),
            login,
            disabled,
            by=person.login,
            address=deps.client_address(request),
        )
    except AccountError as refused:
        return _users_page(request, error=str(refused), status_code=400)
    done = urlencode({"done": "disabled" if disabled else "enabled", "login": login})
    return RedirectResponse(f"/admin/users?{done}", status_code=303)


@router.post("/users/{login}/reset")
def reset_password(request: Request, login: str, person: Viewer = Depends(admin_form)) -> Response:
    store = deps.store(request)
    try:
        password = accounts.reset_password(
            store, login, by=person.login, address=deps.client_address(request)
        )
    except AccountError as refused:
        return _users_page(request, error=str(refused), status_code=400)
    account = accounts.get_user(store, login)
    return deps.render(
        request, "admin_password.html", account=account.as_dict(), password=password, new=False
    )


# -- the audit log -----------------------------------------------------------------------------
def _day(text: str, label: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(400, f"{label}的格式应为 2025-07-01。") from None


def _filters(
    actor: str, action: str, unit: str, round_id: str, since: str, until: str
) -> dict[str, Any]:
    return {
        "actor": actor.strip() or None,
        "action": action if action in audit.ACTION_ZH else None,
        "unit_id": unit.strip() or None,
        "round": round_id.strip() or None,
        "since": _day(since, "起始日期"),
        "until": _day(until, "截止日期"),
    }


@router.get("/audit")
def audit_page(
    request: Request,
    person: Viewer = Depends(admin),
    actor: str = "",
    action: str = "",
    unit: str = "",
    round: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    store = deps.store(request)
    filters = _filters(actor, action, unit, round, since, until)
    total = audit.audit_count(store, **filters)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    frame = audit.audit_frame(store, **filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    query = {"actor": actor, "action": action, "unit": unit, "round": round,
             "since": since, "until": until}  # fmt: skip
    query = {k: v for k, v in query.items() if v}
    return deps.render(
        request,
        "admin_audit.html",
        rows=audit_export.shown_rows(frame, audit_export.unit_names(store)),
        headers=audit_export.HEADERS,
        actions=list(audit.ACTION_ZH.items()),
        filters=query,
        total=total,
        page=page,
        pages=pages,
        query=urlencode(query),
    )


def _export(request: Request, suffix: str, filters: dict[str, Any]) -> Response:
    store = deps.store(request)
    total = audit.audit_count(store, **filters)
    if total > EXPORT_MAX:
        raise HTTPException(
            400, f"符合条件的记录有{total}条，超过一次导出的上限{EXPORT_MAX}条，请缩小日期范围。"
        )
    rows = audit_export.shown_rows(
        audit.audit_frame(store, **filters), audit_export.unit_names(store)
    )
    body = audit_export.to_csv(rows) if suffix == "csv" else audit_export.to_xlsx(rows)
    day = today_in_beijing().strftime("%Y%m%d")
    name = f"审计日志_{day}.{suffix}"
    media = (
        "text/csv; charset=utf-8"
        if suffix == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    disposition = f"attachment; filename=\"audit_{day}.{suffix}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/audit.{suffix}")
def audit_download(
    request: Request,
    suffix: Literal["csv", "xlsx"],
    person: Viewer = Depends(admin),
    actor: str = "",
    action: str = "",
    unit: str = "",
    round: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """The filtered log as CSV or XLSX (the same filters as the page)."""
    return _export(request, suffix, _filters(actor, action, unit, round, since, until))
