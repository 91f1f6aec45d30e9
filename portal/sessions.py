"""Signed-in browsers (会话): the cookie, its expiry, and each session's CSRF token.

The cookie carries a random token signed with itsdangerous; the store keeps only the token's
sha256 (`portal_sessions.token_hash`), so a copy of the store signs nobody in, and signing out
or disabling an account ends a session at once. A session ends `ABSOLUTE` after sign-in, or
`IDLE` after the last request, whichever is first: `expires_at` slides with use up to the
absolute end. Each session has its own CSRF token, put in every form (`portal.deps`).

The signing key: zwgk.toml ``[portal] secret_key`` / ``$ZWGK_PORTAL_SECRET``; otherwise one is
generated once and kept in a file `portal-secret` beside a SQLite store (for another database,
in the working directory's ``.zwgk/``), so every portal process on one store signs alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from common.config_file import configured_value
from portal.viewer import Viewer
from store import Store
from store.portal_models import PortalSession, User
from store.types import utcnow

log = logging.getLogger(__name__)

SESSIONS: Table = PortalSession.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]

COOKIE = "zwgk_session"
ABSOLUTE = dt.timedelta(hours=8)  # a working day
IDLE = dt.timedelta(hours=2)
# expires_at is written again only when it would move by more than this (not on every click).
SLIDE_STEP = dt.timedelta(minutes=1)
SECRET_FILE = "portal-secret"
_SALT = "zwgk.portal.session"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- the signing key ---------------------------------------------------------------------------
def secret_file(store: Store) -> Path | None:
    """Where a generated key is kept for ``store`` (None: an in-memory SQLite store)."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database).absolute().parent / SECRET_FILE
    return Path.cwd() / ".zwgk" / SECRET_FILE


def portal_secret(store: Store) -> str:
    """The configured key, else the one kept for this store (made on first use)."""
    configured = configured_value("portal.secret_key")
    if configured:
        return str(configured)
    path = secret_file(store)
    if path is None:
        return secrets.token_urlsafe(32)
    if not path.is_file():
        _create_secret(path)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ValueError(f"{path}: the portal's key is damaged (delete it to make a new one)")
    return secret


def _create_secret(path: Path) -> None:
    """Write a new key readable by its owner only; a key another process wrote first wins
    (the file appears whole through a hard link, or not at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)
            log.info("made the portal's session key %s", path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


# -- sessions ----------------------------------------------------------------------------------
def open_session(
    store: Store,
    user_id: int,
    secret: str,
    *,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Start a session for ``user_id``; returns the cookie's value (a fresh token every time,
    so a token planted before sign-in is worth nothing)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = {
        "token_hash": token_hash(token),
        "user_id": user_id,
        "csrf_token": secrets.token_urlsafe(32),
        "created_at": now,
        "expires_at": min(now + IDLE, now + ABSOLUTE),
        "address": None if address is None else address[:64],
    }
    with store.engine.begin() as conn:
        conn.execute(delete(SESSIONS).where(SESSIONS.c.expires_at <= now))
        conn.execute(insert(SESSIONS), [row])
    return _serializer(secret).dumps(token)


def _token(cookie: str | None, secret: str) -> str | None:
    if not cookie:
        return None
    try:
        token = _serializer(secret).loads(cookie)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


# A session and its person, by the token's hash: built once (every request runs it).
_SESSION_USER = (
    select(
        SESSIONS.c.token_hash,
        SESSIONS.c.csrf_token,
        SESSIONS.c.created_at,
        SESSIONS.c.expires_at,
        USERS.c.id.label("user_id"),
        USERS.c.login,
        USERS.c.name,
        USERS.c.role,
        USERS.c.unit_id,
        USERS.c.disabled,
        USERS.c.must_change_password,
    )
    .join(USERS, USERS.c.id == SESSIONS.c.user_id)
    .where(SESSIONS.c.token_hash == bindparam("hash"))
)


def session_user(
    store: Store, cookie: str | None, secret: str, *, now: dt.datetime | None = None
) -> Viewer | None:
    """The signed-in person of a cookie, or None (no cookie, forged, expired, account
    disabled). Each use moves the idle expiry on."""
    token = _token(cookie, secret)
    if token is None:
        return None
    now = now or utcnow()
    s = SESSIONS.c
    with store.reader.connect() as conn:
        row = conn.execute(_SESSION_USER, {"hash": token_hash(token)}).mappings().first()
    if row is None or row["disabled"] or row["expires_at"] <= now:
        return None
    slid = min(now + IDLE, row["created_at"] + ABSOLUTE)
    if slid - row["expires_at"] > SLIDE_STEP:
        with store.engine.begin() as conn:
            conn.execute(
                update(SESSIONS).where(s.token_hash == row["token_hash"]).values(expires_at=slid)
            )
    return Viewer(
        user_id=row["user_id"],
        login=row["login"],
        name=row["name"],
        role=row["role"],
        unit_id=row["unit_id"],
        csrf_token=row["csrf_token"],
        must_change_password=bool(row["must_change_password"]),
    )


def close_session(store: Store, cookie: str | None, secret: str) -> None:
    token = _token(cookie, secret)
    if token is not None:
        with store.engine.begin() as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == token_hash(token)))


def close_user_sessions(conn: Connection, user_id: int, *, keep: str | None = None) -> None:
    """End every session of a user (a password changed or reset, an account disabled); ``keep``:
    the cookie-token hash of the session that made the change, which stays signed in."""
    stmt = delete(SESSIONS).where(SESSIONS.c.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(SESSIONS.c.token_hash != keep)
    conn.execute(stmt)


def cookie_token_hash(cookie: str | None, secret: str) -> str | None:
    """The stored hash of a cookie's token (to keep the current session in `close_user_sessions`)."""
    token = _token(cookie, secret)
    return None if token is None else token_hash(token)
