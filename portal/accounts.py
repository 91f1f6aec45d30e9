"""Accounts (账号): creating people, their passwords, disabling them, signing them in, and their
API tokens. Every change is written to the audit log in the same transaction.

Logins are ASCII (they are typed on any keyboard and appear in URLs and files); names are
whatever the office calls the person or unit. A unit user belongs to one unit; an evaluator's
`unit_id` is the root of the subtree they evaluate (None: all units).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from portal import audit, passwords, signin_limits
from portal.sessions import close_user_sessions
from store import Store
from store.models import Unit
from store.portal_models import ROLES, ApiToken, User
from store.text import inert
from store.types import utcnow

USERS: Table = User.__table__  # type: ignore[assignment]
TOKENS: Table = ApiToken.__table__  # type: ignore[assignment]
UNITS: Table = Unit.__table__  # type: ignore[assignment]

LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
WRONG = "登录名或密码不正确。"
TOKEN_PREFIX = "zwgk_"
# An API token's last use is written again only after this long (not on every request).
TOKEN_TOUCH = dt.timedelta(minutes=5)


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


_ACCOUNT_COLUMNS = [USERS.c[name] for name in Account.__dataclass_fields__]


def _account(row: Any) -> Account:
    values = dict(row._mapping)
    values["must_change_password"] = bool(values["must_change_password"])
    values["disabled"] = bool(values["disabled"])
    return Account(**{k: values[k] for k in Account.__dataclass_fields__})


def get_user(store: Store, login: str) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(*_ACCOUNT_COLUMNS).where(USERS.c.login == login)).first()
    return None if row is None else _account(row)


def user_by_id(store: Store, user_id: int) -> Account | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(*_ACCOUNT_COLUMNS).where(USERS.c.id == user_id)).first()
    return None if row is None else _account(row)


def list_users(
    store: Store, *, role: str | None = None, unit_ids: set[str] | None = None
) -> list[Account]:
    """Accounts by login; ``unit_ids``: only those whose unit (or subtree root) is among them."""
    stmt = select(*_ACCOUNT_COLUMNS).order_by(USERS.c.login)
    if role is not None:
        stmt = stmt.where(USERS.c.role == role)
    if unit_ids is not None:
        stmt = stmt.where(USERS.c.unit_id.in_(sorted(unit_ids)))
    with store.engine.connect() as conn:
        return [_account(r) for r in conn.execute(stmt)]


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
    name = (inert(name) or "").strip() or login
    if password is None:
        password = passwords.random_password()
    elif problem := passwords.password_problem(password, login):
        raise AccountError(problem)
    row = {
        "login": login,
        "name": name,
        "role": role,
        "unit_id": unit_id or None,
        "password_hash": passwords.hash_password(password),
        "must_change_password": must_change_password,
        "disabled": False,
        "created_at": utcnow(),
        "password_changed_at": None,
    }
    with store.engine.begin() as conn:
        _check_new(conn, login, role, unit_id, unit_must_exist)
        user_id = conn.execute(insert(USERS).values(row)).inserted_primary_key[0]
        shown = {"login": login, "name": name, "role": role, "unit_id": row["unit_id"]}
        audit.record(
            conn,
            by,
            "user_create",
            unit_id=row["unit_id"],
            target=login,
            after=shown,
            address=address,
        )
        found = conn.execute(select(*_ACCOUNT_COLUMNS).where(USERS.c.id == user_id)).one()
    return _account(found).as_dict(), password


def _require(conn: Connection, login: str) -> Account:
    row = conn.execute(select(*_ACCOUNT_COLUMNS).where(USERS.c.login == login)).first()
    if row is None:
        raise AccountError(f"账号 {login} 不存在")
    return _account(row)


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
        audit.record(
            conn,
            by,
            "password_change",
            unit_id=account.unit_id,
            target=login,
            before={"must_change_password": account.must_change_password},
            after={"must_change_password": False},
            address=address,
        )


def reset_password(store: Store, login: str, *, by: str, address: str | None = None) -> str:
    """An administrator gives an account a new random password, to be changed at the next
    sign-in; every session of the account ends. Returns the new password."""
    new_password = passwords.random_password()
    with store.engine.begin() as conn:
        account = _require(conn, login)
        _write_password(conn, account, new_password, must_change=True)
        close_user_sessions(conn, account.id)
        audit.record(
            conn,
            by,
            "password_reset",
            unit_id=account.unit_id,
            target=login,
            before={"must_change_password": account.must_change_password},
            after={"must_change_password": True},
            address=address,
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
        audit.record(
            conn,
            by,
            "user_disable" if disabled else "user_enable",
            unit_id=account.unit_id,
            target=login,
            before={"disabled": account.disabled},
            after={"disabled": disabled},
            address=address,
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
    account = _account(row)
    if account.disabled:  # said only to someone who knows the password
        raise SignInRefused("该账号已停用，请联系管理员。")
    return account


# -- API tokens --------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    store: Store, user_id: int, name: str, *, by: str, address: str | None = None
) -> str:
    """A new API token for ``user_id``: returned once in plain text; only its hash is kept."""
    name = (inert(name) or "").strip()
    if not name or len(name) > 100:
        raise AccountError("请为令牌起一个名称（至多100个字符），说明它给哪个系统用")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        account = conn.execute(
            select(USERS.c.login, USERS.c.unit_id).where(USERS.c.id == user_id)
        ).one()
        token_id = conn.execute(
            insert(TOKENS).values(
                user_id=user_id, name=name, token_hash=_token_hash(token), created_at=utcnow()
            )
        ).inserted_primary_key[0]
        audit.record(
            conn,
            by,
            "token_create",
            unit_id=account.unit_id,
            target=account.login,
            after={"token_id": token_id, "name": name},
            address=address,
        )
    return token


def list_tokens(store: Store, user_id: int) -> list[dict[str, Any]]:
    t = TOKENS.c
    stmt = (
        select(t.id, t.name, t.created_at, t.last_used_at, t.revoked_at)
        .where(t.user_id == user_id)
        .order_by(t.created_at.desc(), t.id.desc())
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def revoke_token(
    store: Store, user_id: int, token_id: int, *, by: str, address: str | None = None
) -> bool:
    """Revoke one of ``user_id``'s own tokens; False when it is not theirs or already revoked."""
    t = TOKENS.c
    with store.engine.begin() as conn:
        row = conn.execute(
            select(t.name, USERS.c.login, USERS.c.unit_id)
            .join(USERS, USERS.c.id == t.user_id)
            .where(t.id == token_id, t.user_id == user_id, t.revoked_at.is_(None))
        ).first()
        if row is None:
            return False
        conn.execute(update(TOKENS).where(t.id == token_id).values(revoked_at=utcnow()))
        audit.record(
            conn,
            by,
            "token_revoke",
            unit_id=row.unit_id,
            target=row.login,
            before={"token_id": token_id, "name": row.name},
            address=address,
        )
    return True


def user_for_token(store: Store, token: str, *, now: dt.datetime | None = None) -> Account | None:
    """The account an API token acts for; None for an unknown, revoked or disabled one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or utcnow()
    t = TOKENS.c
    stmt = (
        select(t.id.label("token_id"), t.last_used_at, *_ACCOUNT_COLUMNS)
        .join(USERS, USERS.c.id == t.user_id)
        .where(t.token_hash == _token_hash(token), t.revoked_at.is_(None))
    )
    with store.engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or row.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH:
        with store.engine.begin() as conn:
            conn.execute(update(TOKENS).where(t.id == row.token_id).values(last_used_at=now))
    return _account(row)
