"""The audit log (审计日志): who did what, when, to what, with the value before and after.

Every decision, answer, acceptance, publication and account change is recorded here, in the
same transaction as the change when the caller passes its connection — a change and its audit
line are whole or absent together. Administrators read it at /admin/audit and export it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, func, insert, select

from store import Store
from store.portal_models import AuditEntry
from store.rounds import json_evidence
from store.text import inert, inert_json
from store.types import BEIJING, utcnow

AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]

# English codes in the store, Chinese on pages and in exports.
ACTION_ZH = {
    # accounts
    "user_create": "新建账号",
    "user_disable": "停用账号",
    "user_enable": "启用账号",
    "password_reset": "重置密码",
    "password_change": "修改密码",
    "token_create": "创建API令牌",
    "token_revoke": "撤销API令牌",
    # the round's work
    "decision": "问题认定",
    "answer": "填报整改情况",
    "answer_upload": "上传整改清单",
    "review": "审核整改情况",
    "round_publish": "发布测评结果",
    "round_close": "关闭整改填报",
}
ACTIONS = tuple(ACTION_ZH)
# The codes the data layer (lifecycle, decisions, answers) writes.
PUBLISH, CLOSE, DECIDE = "round_publish", "round_close", "decision"
ANSWER, UPLOAD, REVIEW = "answer", "answer_upload", "review"
FRAME_COLUMNS = [
    "id",
    "at",
    "actor",
    "action",
    "action_zh",
    "round",
    "unit_id",
    "target",
    "before",
    "after",
    "address",
]


@contextmanager
def _connection(conn_or_store: Connection | Store) -> Iterator[Connection]:
    if isinstance(conn_or_store, Store):
        with conn_or_store.engine.begin() as conn:
            yield conn
    else:
        yield conn_or_store


def record(
    conn_or_store: Connection | Store,
    actor: str,
    action: str,
    *,
    round: str | None = None,
    unit_id: str | None = None,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> None:
    """Add one line: on ``conn_or_store`` when it is a connection (pass the change's
    transaction where there is one), else in a transaction of its own. ``before``/``after``
    are kept as JSON (made JSON-safe first: a deadline is a date, a score a numpy number); a
    line without its actor is refused."""
    if action not in ACTION_ZH:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if not (actor and actor.strip()):
        raise ValueError("an audit entry needs the actor (who did it)")
    before, after = json_evidence(before), json_evidence(after)
    row = {
        "at": utcnow(),
        "actor": inert(actor)[:64],
        "action": action,
        "round": round,
        "unit_id": unit_id,
        "target": None if target is None else inert(target),
        "before": inert_json(before) if before is not None else None,
        "after": inert_json(after) if after is not None else None,
        "address": None if address is None else address[:64],
    }
    with _connection(conn_or_store) as conn:
        conn.execute(insert(AUDIT), [row])


def _day_start(day: dt.date) -> dt.datetime:
    """The first instant of a Beijing day (the office reads dates in Beijing time)."""
    return dt.datetime.combine(day, dt.time(), BEIJING)


@dataclass(frozen=True)
class AuditFilter:
    """Which lines of the log: each field set narrows it (``since``/``until`` are Beijing
    days, both included); an unknown field is a TypeError, not an unfiltered log."""

    actor: str | None = None
    action: str | None = None
    unit_id: str | None = None
    round: str | None = None
    target: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def apply(self, stmt: Any) -> Any:
        c = AUDIT.c
        for column, value in (
            (c.actor, self.actor),
            (c.action, self.action),
            (c.unit_id, self.unit_id),
            (c.round, self.round),
            (c.target, self.target),
        ):
            if value:
                stmt = stmt.where(column == value)
        if self.since is not None:
            stmt = stmt.where(c.at >= _day_start(self.since))
        if self.until is not None:
            stmt = stmt.where(c.at < _day_start(self.until + dt.timedelta(days=1)))
        return stmt


def audit_frame(
    store: Store, *, limit: int | None = None, offset: int = 0, **filters: Any
) -> pd.DataFrame:
    """The log, newest first, narrowed by `AuditFilter` ``filters``."""
    stmt = select(AUDIT).order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc())
    stmt = AuditFilter(**filters).apply(stmt)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    frame = pd.DataFrame(rows, columns=[c for c in FRAME_COLUMNS if c != "action_zh"])
    frame.insert(4, "action_zh", frame["action"].map(ACTION_ZH).fillna(frame["action"]))
    return frame


def audit_count(store: Store, **filters: Any) -> int:
    """How many lines `AuditFilter` ``filters`` leaves."""
    stmt = AuditFilter(**filters).apply(select(func.count()).select_from(AUDIT))
    with store.engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)
