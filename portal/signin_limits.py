"""Sign-in rate limiting (登录频率限制), per account and per address, counted in
`signin_attempts`. Kept in the store rather than in memory so several portal processes on one
store share the count, and a restart does not reset it.

An account is held after `ACCOUNT_FAILURES` wrong passwords within `WINDOW` since its last
successful sign-in (guessing one person's password); an address after `ADDRESS_FAILURES`
failures within `WINDOW` whatever the logins (trying many accounts from one machine — an
office behind one NAT address signs in far less often than that). The refusal says when to
try again, in Beijing time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Table, delete, func, insert, select

from store.portal_models import SignInAttempt
from store.types import BEIJING

ATTEMPTS: Table = SignInAttempt.__table__  # type: ignore[assignment]

WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 30
# Attempts older than this are of no use to any limit and are dropped now and then.
KEEP = dt.timedelta(days=30)
PRUNE_EVERY = 500  # attempts between two clean-ups


def refusal(conn: Connection, login: str, address: str, now: dt.datetime) -> str | None:
    """Why a sign-in may not be tried now (Chinese, with when to retry), or None."""
    a = ATTEMPTS.c
    since = now - WINDOW
    last_ok = conn.scalar(select(func.max(a.at)).where(a.login == login, a.ok.is_(True)))
    account_since = max(since, last_ok) if last_ok is not None else since
    account = _failures(conn, a.login == login, account_since)
    if len(account) >= ACCOUNT_FAILURES:
        retry = account[len(account) - ACCOUNT_FAILURES] + WINDOW
        return f"该账号连续{ACCOUNT_FAILURES}次密码错误，已暂时锁定。{_retry_at(retry, now)}"
    by_address = _failures(conn, a.address == address, since)
    if len(by_address) >= ADDRESS_FAILURES:
        retry = by_address[len(by_address) - ADDRESS_FAILURES] + WINDOW
        return f"本机登录失败次数过多，已暂时限制登录。{_retry_at(retry, now)}"
    return None


def _failures(conn: Connection, where: object, since: dt.datetime) -> list[dt.datetime]:
    """Times of the failures matching ``where`` after ``since``, oldest first."""
    a = ATTEMPTS.c
    stmt = select(a.at).where(where, a.ok.is_(False), a.at > since).order_by(a.at)
    return list(conn.scalars(stmt))


def _retry_at(at: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, -(-int((at - now).total_seconds()) // 60))
    shown = at.astimezone(BEIJING).strftime("%H:%M")
    return f"请在{minutes}分钟后（北京时间 {shown} 以后）再试，或联系管理员。"


def note(conn: Connection, login: str, address: str, ok: bool, now: dt.datetime) -> None:
    """Record one attempt (and drop attempts no limit looks at any more)."""
    row = {"login": login[:64], "address": address[:64], "ok": ok, "at": now}
    new_id = conn.execute(insert(ATTEMPTS).values(row)).inserted_primary_key[0]
    if new_id % PRUNE_EVERY == 0:
        conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.at < now - KEEP))
