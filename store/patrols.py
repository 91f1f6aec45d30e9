"""The daily patrol's store (`store.patrol_models`): a patrol written in one transaction with its
findings, the patrol before a given one, a patrol's findings as a frame, the deliveries of
its digests (one row per unit and recipient: sent once), and which of a unit's digests each
portal account has read (the 今日提醒 inbox)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Table, insert, select, true, update

from store.core import Store
from store.frame_insert import insert_frame
from store.patrol_models import Patrol, PatrolDelivery, PatrolFinding, PatrolRead
from store.types import json_evidence, utcnow
from store.version import zwgk_version
from store.writes import insert_for

PATROLS: Table = Patrol.__table__  # type: ignore[assignment]
FINDINGS: Table = PatrolFinding.__table__  # type: ignore[assignment]
DELIVERIES: Table = PatrolDelivery.__table__  # type: ignore[assignment]
READS: Table = PatrolRead.__table__  # type: ignore[assignment]
FINDING_COLUMNS = [c.name for c in FINDINGS.columns if c.name != "patrol"]


@dataclass(frozen=True)
class PatrolInfo:
    id: int
    as_of: dt.date
    crawl_run: int
    indicator_set_id: str
    indicator_set_version: str
    within: str
    created_at: dt.datetime
    stats: dict[str, Any] | None


def write_patrol(
    store: Store,
    *,
    as_of: dt.date,
    crawl_run: int,
    indicator_set: Any,
    within: str,
    findings: pd.DataFrame,
    stats: dict[str, Any] | None = None,
) -> int:
    """Store a patrol and its findings (``findings``: `FINDING_COLUMNS`, one row per
    fingerprint) in one transaction; returns the patrol's id."""
    rows = findings[FINDING_COLUMNS].copy()
    rows["evidence"] = [json_evidence(e) for e in rows["evidence"]]
    with store.engine.begin() as conn:
        patrol_id = conn.execute(
            insert(PATROLS)
            .values(
                as_of=as_of,
                crawl_run=crawl_run,
                indicator_set_id=indicator_set.id,
                indicator_set_version=indicator_set.version,
                indicator_set_sha256=indicator_set.sha256,
                within=within,
                stats=stats,
                created_at=utcnow(),
                zwgk_version=zwgk_version(),
            )
            .returning(PATROLS.c.id)
        ).scalar_one()
        rows.insert(0, "patrol", patrol_id)
        insert_frame(conn, FINDINGS, rows)
    return int(patrol_id)


def get_patrol(store: Store, patrol_id: int) -> PatrolInfo | None:
    return _patrol(store, PATROLS.c.id == patrol_id)


def patrol_before(store: Store, patrol_id: int) -> PatrolInfo | None:
    """The latest patrol stored before ``patrol_id`` (None: it is the first)."""
    return _patrol(store, PATROLS.c.id < patrol_id)


def latest_patrol(store: Store) -> PatrolInfo | None:
    return _patrol(store, true())


def recent_patrols(store: Store, limit: int) -> list[PatrolInfo]:
    """The latest ``limit`` patrols, newest first (each one's previous is the next in the list,
    as `patrol_before` has it)."""
    stmt = select(*_INFO).order_by(PATROLS.c.id.desc()).limit(limit)
    with store.reader.connect() as conn:
        return [PatrolInfo(*row) for row in conn.execute(stmt)]


def _patrol(store: Store, condition: Any) -> PatrolInfo | None:
    """The latest patrol meeting ``condition`` (None: none does)."""
    stmt = select(*_INFO).where(condition).order_by(PATROLS.c.id.desc()).limit(1)
    with store.reader.connect() as conn:
        row = conn.execute(stmt).first()
    return PatrolInfo(*row) if row else None


def patrol_findings(store: Store, patrol_id: int) -> pd.DataFrame:
    """A patrol's findings (`FINDING_COLUMNS`), by unit, indicator and subject."""
    cols = [FINDINGS.c[name] for name in FINDING_COLUMNS]
    stmt = (
        select(*cols)
        .where(FINDINGS.c.patrol == patrol_id)
        .order_by(FINDINGS.c.unit_id, FINDINGS.c.indicator_id, FINDINGS.c.subject)
    )
    with store.reader.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=FINDING_COLUMNS)


def unit_findings(store: Store, unit_id: str, patrol_ids: list[int]) -> pd.DataFrame:
    """One unit's findings in the patrols ``patrol_ids``: `FINDING_COLUMNS` and ``patrol``."""
    cols = [FINDINGS.c.patrol, *(FINDINGS.c[name] for name in FINDING_COLUMNS)]
    stmt = (
        select(*cols)
        .where(FINDINGS.c.patrol.in_(patrol_ids), FINDINGS.c.unit_id == unit_id)
        .order_by(FINDINGS.c.patrol, FINDINGS.c.indicator_id, FINDINGS.c.subject)
    )
    with store.reader.connect() as conn:
        rows = conn.execute(stmt).all() if patrol_ids else []
    return pd.DataFrame(rows, columns=["patrol", *FINDING_COLUMNS])


_INFO = (
    PATROLS.c.id,
    PATROLS.c.as_of,
    PATROLS.c.crawl_run,
    PATROLS.c.indicator_set_id,
    PATROLS.c.indicator_set_version,
    PATROLS.c.within,
    PATROLS.c.created_at,
    PATROLS.c.stats,
)


@dataclass(frozen=True)
class Delivery:
    patrol: int
    unit_id: str
    channel: str
    target: str
    state: str
    attempts: int
    last_error: str | None
    digest_sha256: str
    sent_at: dt.datetime | None


def claim_delivery(
    store: Store, patrol: int, unit_id: str, channel: str, target: str, digest_sha256: str
) -> Delivery | None:
    """The delivery row of a digest to a recipient, made pending the first time; None when it
    was sent already (a digest goes to a recipient once)."""
    key = _delivery_key(patrol, unit_id, channel, target)
    with store.engine.begin() as conn:
        row = conn.execute(select(*DELIVERIES.c).where(key)).first()
        if row is None:
            values = dict(patrol=patrol, unit_id=unit_id, channel=channel, target=target,
                          state="pending", attempts=0, digest_sha256=digest_sha256,
                          created_at=utcnow())  # fmt: skip
            conn.execute(insert(DELIVERIES).values(**values))
            row = conn.execute(select(*DELIVERIES.c).where(key)).first()
    found = Delivery(**{k: row._mapping[k] for k in Delivery.__dataclass_fields__})
    return None if found.state == "sent" else found


def record_attempt(store: Store, delivery: Delivery, error: str | None) -> None:
    """One attempt's outcome: sent (``error`` None) or failed, with the error; a row still
    pending was claimed and never tried to the end (the process stopped): tried next time."""
    state = "sent" if error is None else "failed"
    with store.engine.begin() as conn:
        conn.execute(
            update(DELIVERIES)
            .where(
                _delivery_key(delivery.patrol, delivery.unit_id, delivery.channel, delivery.target)
                & (DELIVERIES.c.state != "sent")
            )
            .values(
                state=state,
                attempts=DELIVERIES.c.attempts + 1,
                last_error=error,
                sent_at=utcnow() if error is None else None,
            )
        )


def _delivery_key(patrol: int, unit_id: str, channel: str, target: str) -> Any:
    """The row of one digest to one recipient (the table's key)."""
    return (
        (DELIVERIES.c.patrol == patrol)
        & (DELIVERIES.c.unit_id == unit_id)
        & (DELIVERIES.c.channel == channel)
        & (DELIVERIES.c.target == target)
    )


def deliveries(store: Store, patrol: int) -> pd.DataFrame:
    """A patrol's deliveries, by unit, channel and recipient."""
    stmt = (
        select(*DELIVERIES.c)
        .where(DELIVERIES.c.patrol == patrol)
        .order_by(DELIVERIES.c.unit_id, DELIVERIES.c.channel, DELIVERIES.c.target)
    )
    with store.reader.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=[c.name for c in DELIVERIES.c])


def read_patrols(store: Store, user_id: int, unit_id: str) -> set[int]:
    """The patrols whose digest for ``unit_id`` the account ``user_id`` has read."""
    stmt = select(READS.c.patrol).where(READS.c.user_id == user_id, READS.c.unit_id == unit_id)
    with store.reader.connect() as conn:
        return set(conn.scalars(stmt))


def mark_read(store: Store, user_id: int, unit_id: str, patrol_ids: list[int]) -> None:
    """Mark the digests of ``patrol_ids`` for ``unit_id`` read by ``user_id``; those read
    already keep their first time (also when two requests mark them at once)."""
    if not patrol_ids:
        return
    now = utcnow()
    rows = [dict(user_id=user_id, patrol=p, unit_id=unit_id, read_at=now) for p in set(patrol_ids)]
    with store.engine.begin() as conn:
        conn.execute(insert_for(conn, READS).on_conflict_do_nothing(), rows)
