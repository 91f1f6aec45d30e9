"""API tokens (API令牌) for the JSON API: a person makes one for a system that pulls results
(a province's platform, a unit's own system). The token acts with exactly its owner's rights
and scope; it is shown once, only its sha256 is kept, and it stops working when revoked or
when its owner's account is disabled. Creating and revoking are audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Table, insert, select, update

from portal.accounts import (
    ACCOUNT_COLUMNS,
    USERS,
    Account,
    AccountError,
    account_from_row,
    audit_change,
)
from store import Store
from store.portal_models import ApiToken
from store.text import inert
from store.types import utcnow

TOKENS: Table = ApiToken.__table__  # type: ignore[assignment]
TOKEN_PREFIX = "zwgk_"
# A token's last use is written again only after this long (not on every request).
TOKEN_TOUCH = dt.timedelta(minutes=5)


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
        audit_change(
            conn,
            by,
            "token_create",
            account.login,
            account.unit_id,
            address,
            after={"token_id": token_id, "name": name},
        )
    return token


def list_tokens(store: Store, user_id: int) -> list[dict[str, Any]]:
    t = TOKENS.c
    stmt = (
        select(t.id, t.name, t.created_at, t.last_used_at, t.revoked_at)
        .where(t.user_id == user_id)
        .order_by(t.created_at.desc(), t.id.desc())
    )
    with store.reader.connect() as conn:
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
        audit_change(
            conn,
            by,
            "token_revoke",
            row.login,
            row.unit_id,
            address,
            before={"token_id": token_id, "name": row.name},
        )
    return True


def user_for_token(store: Store, token: str, *, now: dt.datetime | None = None) -> Account | None:
    """The account an API token acts for; None for an unknown, revoked or disabled one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or utcnow()
    t = TOKENS.c
    stmt = (
        select(t.id.label("token_id"), t.last_used_at, *ACCOUNT_COLUMNS)
        .join(USERS, USERS.c.id == t.user_id)
        .where(t.token_hash == _token_hash(token), t.revoked_at.is_(None))
    )
    with store.reader.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or row.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH:
        with store.engine.begin() as conn:
            conn.execute(update(TOKENS).where(t.id == row.token_id).values(last_used_at=now))
    return account_from_row(row)
