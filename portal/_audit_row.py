"""One audit entry (审计日志) written by the portal's data layer, inside the caller's transaction.

The data layer (lifecycle, decisions, answers) writes its audit entries here so that a
decision and its entry, or a publication and its entry, commit together or not at all. The
signature is `portal.audit.record`'s; when that module lands, `_audit` can become a plain
re-export of it without touching the callers.

The action codes the data layer writes are `ACTIONS` below (English codes; the pages show
them in Chinese).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table

from store import Store
from store.portal_models import AuditEntry
from store.rounds import json_evidence
from store.text import inert, inert_json
from store.types import utcnow

AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]

PUBLISH = "round.publish"
CLOSE = "round.close"
DECIDE = "problem.decide"
ANSWER = "answer.online"
UPLOAD = "answer.upload"
REVIEW = "answer.review"
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
    row = {
        "at": utcnow(),
        "actor": inert(actor),
        "action": action,
        "round": round,
        "unit_id": unit_id,
        "target": inert(target),
        "before": inert_json(json_evidence(before)),
        "after": inert_json(json_evidence(after)),
        "address": address,
    }
    if isinstance(conn_or_store, Connection):
        conn_or_store.execute(AUDIT.insert().values(**row))
        return
    with conn_or_store.engine.begin() as conn:
        conn.execute(AUDIT.insert().values(**row))
