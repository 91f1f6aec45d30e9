"""One audit entry (审计日志) written by the portal's data layer, inside the caller's transaction.

The data layer (lifecycle, decisions, answers) writes its entries through `portal.audit.record`
so that a decision and its entry, or a publication and its entry, commit together or not at
all. What it adds: the values before and after are made JSON-safe first (a deadline is a date,
a score a numpy number), and an entry without its actor is refused. The action codes are
`portal.audit.ACTIONS`'; the ones the data layer writes are named below.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from portal.audit import AUDIT, record
from store import Store
from store.rounds import json_evidence

__all__ = ["ACTIONS", "ANSWER", "AUDIT", "CLOSE", "DECIDE", "PUBLISH", "REVIEW", "UPLOAD", "_audit"]

PUBLISH = "round_publish"
CLOSE = "round_close"
DECIDE = "decision"
ANSWER = "answer"
UPLOAD = "answer_upload"
REVIEW = "review"
ACTIONS = (PUBLISH, CLOSE, DECIDE, ANSWER, UPLOAD, REVIEW)


def _audit(
    conn_or_store: Connection | Store,
    actor: str,
    action: str,
    *,
    round: str | None = None,  # noqa: A002 - the audit_log column's name
    unit_id: str | None = None,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> None:
    """Add one entry to `audit_log`: on ``conn_or_store`` when it is a connection (the caller's
    transaction), else in a transaction of its own. ``before``/``after`` are kept as JSON."""
    if not (actor and actor.strip()):
        raise ValueError("an audit entry needs the actor (who did it)")
    record(
        conn_or_store,
        actor,
        action,
        round=round,
        unit_id=unit_id,
        target=target,
        before=json_evidence(before),
        after=json_evidence(after),
        address=address,
    )
