"""Accounts (账号): creating people, their passwords, disabling them, signing them in (API
tokens: `portal.tokens`). Every change is written to the audit log in the same transaction.

Logins are ASCII (they are typed on any keyboard and appear in URLs and files); names are
whatever the office calls the person or unit. A unit user belongs to one unit; an evaluator's
`unit_id` is the root of the subtree they evaluate (None: all units).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from portal import audit, passwords, signin_limits
from portal.sessions import close_user_sessions
from store import Store
from store.models import Unit
from store.portal_models import ROLES, User
from store.text import inert
from store.types import utcnow

USERS: Table = User.__table__  # type: ignore[assignment]
UNITS: Table = Unit.__table__  # type: ignore[assignment]

LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
WRONG = "登录名或密码不正确。"


class AccountError(ValueError):
    """A change that cannot be made; the message is Chinese, for pages and the CLI alike."""


class SignInRefused(Exception):
    """A sign-in refused; ``reason_zh`` says why (never whether the login exists)."""

    def __init__(self, reason_zh: str, *, rate_limited: bool = False) -> None:
        super().__init__(reason_zh)
        self.reason_zh = reason_zh
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class Account:
    """A user row without its password hash."""

    id: int
    login: str
    name: str
    role: str
    unit_id: str | None
    must_change_password: bool
    disabled: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


ACCOUNT_COLUMNS = [USERS.c[name] for name in Account.__dataclass_fields__]


def account_from_row(row: Any) -> Account:
    values = dict(row._mapping)
    values["must_change_password"] = bool(values["must_change_password"])
    values["disabled"] = bool(values["disabled"])
    return Account(**{k: values[k] for k in Account.__dataclass_fields__})


def audit_change(
    conn: Connection,
    by: str,
    action: str,
    target: str,
    unit_id: str | None,
    address: str | None,
    before: Any = None,
    after: Any = None,
) -> None:
    audit.record(
        conn,
        by,
        action,
        unit_id=unit_id,
        target=target,
        before=before,
        after=after,
        address=address,
    )


def get_user(store: Store, login: str) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(*ACCOUNT_COLUMNS).where(USERS.c.login == login)).first()
    return None if row is None else account_from_row(row)


def user_by_id(store: Store, user_id: int) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(*ACCOUNT_COLUMNS).where(USERS.c.id == user_id)).first()
    return None if row is None else account_from_row(row)


def list_users(
    store: Store, *, role: str | None = None, unit_ids: set[str] | None = None
) -> list[Account]:
    """Accounts by login; ``unit_ids``: only those whose unit (or subtree root) is among them."""
    stmt = select(*ACCOUNT_COLUMNS).order_by(USERS.c.login)
    if role is not None:
        stmt = stmt.where(USERS.c.role == role)
    if unit_ids is not None:
        stmt = stmt.where(USERS.c.unit_id.in_(sorted(unit_ids)))
    with store.engine.connect() as conn:
        return [account_from_row(r) for r in conn.execute(stmt)]


def _check_new(conn: Connection, login: str, role: str, unit_id: str | None, known: bool) -> None:
    if not LOGIN.fullmatch(login):
        raise AccountError(
            f"登录名 {login!r} 不可用：只能用字母、数字和 _ . @ -，以字母或数字开头，至多64个字符"
        )
    if role not in ROLES:
        raise AccountError(f"角色 {role!r} 不存在；可用：{', '.join(ROLES)}")
    if role == "unit" and not unit_id:
        raise AccountError("单位用户必须指定所属单位")
    if role == "admin" and unit_id:
        raise AccountError("管理员不属于某个单位")
    if unit_id and known and conn.scalar(select(UNITS.c.id).where(UNITS.c.id == unit_id)) is None:
        raise AccountError(f"单位 {unit_id!r} 不在存储库的单位名录中")
    if conn.scalar(select(USERS.c.id).where(USERS.c.login == login)) is not None:
        raise AccountError(f"登录名 {login} 已存在")


def new_user_row(
    login: str,
    name: str,
    role: str,
    unit_id: str | None,
    password: str,
    *,
    must_change_password: bool = True,
) -> dict[str, Any]:
    """A `users` row to insert (the password hashed: slow, so done outside any transaction)."""
    return {
        "login": login,
        "name": (inert(name) or "").strip() or login,
        "role": role,
        "unit_id": unit_id or None,
        "password_hash": passwords.hash_password(password),
        "must_change_password": must_change_password,
        "disabled": False,
        "created_at": utcnow(),
        "password_changed_at": None,
    }


def insert_user(
    conn: Connection,
    row: dict[str, Any],
    *,
    by: str,
    address: str | None = None,
    unit_must_exist: bool = True,
) -> Account:
    """Check and insert a `new_user_row`, audited, in the caller's transaction."""
    _check_new(conn, row["login"], row["role"], row["unit_id"], unit_must_exist)
    user_id = conn.execute(insert(USERS).values(row)).inserted_primary_key[0]
    shown = {k: row[k] for k in ("login", "name", "role", "unit_id")}
    audit_change(conn, by, "user_create", row["login"], row["unit_id"], address, after=shown)
    return account_from_row(
        conn.execute(select(*ACCOUNT_COLUMNS).where(USERS.c.id == user_id)).one()
    )


def create_user(
    store: Store,
    login: str,
    name: str,
    role: str,
    unit_id: str | None = None,
    password: str | None = None,
    *,
    must_change_password: bool = True,
    by: str = "system",
    address: str | None = None,
    unit_must_exist: bool = True,
) -> tuple[dict[str, Any], str]:
    """Create an account; returns its row (no hash) and its password — a random one when none
    is given. ``unit_must_exist``: the unit is in the store's `units` (False for accounts made
    from the registry before the first crawl)."""
    if password is None:
        password = passwords.random_password()
    elif problem := passwords.password_problem(password, login):
        raise AccountError(problem)
    row = new_user_row(
        login, name, role, unit_id, password, must_change_password=must_change_password
    )
    with store.engine.begin() as conn:
        account = insert_user(conn, row, by=by, address=address, unit_must_exist=unit_must_exist)
    return account.as_dict(), password


def _require(conn: Connection, login: str) -> Account:
    row = conn.execute(select(*ACCOUNT_COLUMNS).where(USERS.c.login == login)).first()
    if row is None:
        raise AccountError(f"账号 {login} 不存在")
    return account_from_row(row)


def set_password(
    store: Store,
    login: str,
    new_password: str,
    *,
    by: str,
    address: str | None = None,
    keep_session: str | None = None,
) -> None:
    """A person sets their own new password (forced at first sign-in, or by choice). Their
    other sessions end; ``keep_session``: the hash of the one that made the change."""
    if problem := passwords.password_problem(new_password, login):
        raise AccountError(problem)
    with store.engine.begin() as conn:
        account = _require(conn, login)
        _write_password(conn, account, new_password, must_change=False)
        close_user_sessions(conn, account.id, keep=keep_session)
        audit_change(
            conn,
            by,
            "password_change",
            login,
            account.unit_id,
            address,
            before={"must_change_password": account.must_change_password},
            after={"must_change_password": False},
        )


def reset_password(store: Store, login: str, *, by: str, address: str | None = None) -> str:
    """An administrator gives an account a new random password, to be changed at the next
    sign-in; every session of the account ends. Returns the new password."""
    new_password = passwords.random_password()
    with store.engine.begin() as conn:
        account = _require(conn, login)
        _write_password(conn, account, new_password, must_change=True)
        close_user_sessions(conn, account.id)
        audit_change(
            conn,
            by,
            "password_reset",
            login,
            account.unit_id,
            address,
            before={"must_change_password": account.must_change_password},
            after={"must_change_password": True},
        )
    return new_password


def _write_password(
    conn: Connection, account: Account, password: str, *, must_change: bool
) -> None:
    conn.execute(
        update(USERS)
        .where(USERS.c.id == account.id)
        .values(
            password_hash=passwords.hash_password(password),
            must_change_password=must_change,
            password_changed_at=utcnow(),
        )
    )


def set_disabled(
    store: Store, login: str, disabled: bool, *, by: str, address: str | None = None
) -> bool:
    """Disable (every session ends, API tokens stop working) or enable an account; returns
    whether anything changed."""
    with store.engine.begin() as conn:
        account = _require(conn, login)
        if account.disabled == disabled:
            return False
        if disabled and account.login == by:
            raise AccountError("不能停用自己的账号")
        conn.execute(update(USERS).where(USERS.c.id == account.id).values(disabled=disabled))
        if disabled:
            close_user_sessions(conn, account.id)
        audit_change(
            conn,
            by,
            "user_disable" if disabled else "user_enable",
            login,
            account.unit_id,
            address,
            before={"disabled": account.disabled},
            after={"disabled": disabled},
        )
    return True


# -- signing in --------------------------------------------------------------------------------
def authenticate(
    store: Store, login: str, password: str, address: str, *, now: dt.datetime | None = None
) -> Account:
    """The account whose login and password these are, or `SignInRefused`. Attempts count
    towards the limits per account and per address (`portal.signin_limits`); an account or
    address over its limit is refused before the password is looked at."""
    now = now or utcnow()
    login = login.strip()[:64]
    with store.engine.begin() as conn:
        if reason := signin_limits.refusal(conn, login, address, now):
            raise SignInRefused(reason, rate_limited=True)
        row = conn.execute(select(USERS).where(USERS.c.login == login)).first()
        if row is None:
            passwords.burn_time(password)
            ok = False
        else:
            ok = passwords.verify_password(row.password_hash, password)
        signin_limits.note(conn, login, address, ok, now)
        if ok and passwords.needs_rehash(row.password_hash):
            new_hash = passwords.hash_password(password)
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(password_hash=new_hash))
    if not ok:
        raise SignInRefused(WRONG)
    account = account_from_row(row)
    if account.disabled:  # said only to someone who knows the password
        raise SignInRefused("该账号已停用，请联系管理员。")
    return account
