"""Units' answers (整改情况) to a round's problems, read back from returned checklists.

Every import adds rows and nothing is ever overwritten or deleted: the answer in force for a
problem is the latest one recorded for its (round, unit, fingerprint); earlier ones stay as
history. `record_responses` writes one file's answers in one transaction after checking that
each fingerprint is a problem of that unit in that round — all of them or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, Table, select

from store import models
from store.core import Store
from store.reads import read_frame
from store.rounds import PROBLEMS, get_round
from store.text import inert
from store.types import utcnow

RESPONSES: Table = models.Response.__table__  # type: ignore[assignment]
RESPONSE_STATUSES = models.RESPONSE_STATUSES
FRAME_COLUMNS = ("round", "unit_id", "fingerprint", "status", "note", "source", "imported_at")


@dataclass(frozen=True)
class Answer:
    """One answer: the problem's fingerprint, 整改情况 (a `RESPONSE_STATUSES` code), 整改说明."""

    fingerprint: str
    status: str
    note: str | None = None


@dataclass(frozen=True)
class Recorded:
    """What `record_responses` did: answers added, and answers equal to the one in force."""

    recorded: int
    unchanged: int


def record_responses(
    store: Store,
    round_id: str,
    unit_id: str,
    answers: Sequence[Answer],
    *,
    source: str,
    at: dt.datetime | None = None,
    conn: Connection | None = None,
) -> Recorded:
    """Record ``answers`` of unit ``unit_id`` to round ``round_id`` in one transaction (the
    caller's ``conn``, when given: the portal audits each answer in the same one).

    An answer equal (status and note) to the one already in force is not added again, so
    importing the same file twice changes nothing. Raises `RoundNotFound`, `ValueError` (bad
    status, a fingerprint twice) or `LookupError` (a fingerprint that is not a problem of that
    unit in that round) before writing anything.
    """
    get_round(store, round_id)
    answers = [dataclasses.replace(a, note=inert(a.note)) for a in answers]  # store.text
    bad = sorted({a.status for a in answers} - set(RESPONSE_STATUSES))
    if bad:
        raise ValueError(f"response status {bad}: choose from {RESPONSE_STATUSES}")
    fingerprints = [a.fingerprint for a in answers]
    twice = sorted({f for f in fingerprints if fingerprints.count(f) > 1})
    if twice:
        raise ValueError(f"answers for the same problem twice: {twice}")
    at = at or utcnow()
    if conn is None:
        with store.engine.begin() as own:
            return record_responses(
                store, round_id, unit_id, answers, source=source, at=at, conn=own
            )
    p = PROBLEMS.c
    known = set(
        conn.scalars(select(p.fingerprint).where(p.round == round_id, p.unit_id == unit_id))
    )
    unknown = sorted(set(fingerprints) - known)
    if unknown:
        raise LookupError(
            f"not problems of unit {unit_id} in round {round_id}: {', '.join(unknown)}"
        )
    current = _latest(conn, round_id, [unit_id])
    rows = []
    for a in answers:
        before = current.get(a.fingerprint)
        if before is not None and (before["status"], before["note"]) == (a.status, a.note):
            continue
        rows.append(
            {
                "round": round_id,
                "unit_id": unit_id,
                "fingerprint": a.fingerprint,
                "status": a.status,
                "note": a.note,
                "source": source,
                "imported_at": at,
            }
        )
    if rows:
        conn.execute(RESPONSES.insert(), rows)
    return Recorded(recorded=len(rows), unchanged=len(answers) - len(rows))


def _stmt(round_id: str, unit_ids: Sequence[str] | None) -> Select[Any]:
    r = RESPONSES.c
    stmt = (
        select(*(r[name] for name in FRAME_COLUMNS))
        .where(r.round == round_id)
        .order_by(r.unit_id, r.fingerprint, r.imported_at, r.id)
    )
    if unit_ids is not None:
        stmt = stmt.where(r.unit_id.in_(list(unit_ids)))
    return stmt


def _latest(
    conn: Connection, round_id: str, unit_ids: Sequence[str] | None
) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(_stmt(round_id, unit_ids)).mappings():
        latest[row["fingerprint"]] = dict(row)  # ordered by time: the last one wins
    return latest


def responses_frame(
    store: Store,
    round_id: str,
    unit_ids: Sequence[str] | None = None,
    *,
    history: bool = False,
) -> pd.DataFrame:
    """Answers to round ``round_id``: the one in force per problem, or (``history=True``)
    every recorded answer in the order it was imported. Columns: `FRAME_COLUMNS`."""
    with store.engine.connect() as conn:
        frame = read_frame(conn, _stmt(round_id, unit_ids))
    if not history and len(frame):
        frame = frame.drop_duplicates(["unit_id", "fingerprint"], keep="last")
    return frame.reset_index(drop=True)


def latest_responses(
    store: Store, round_id: str, unit_ids: Sequence[str] | None = None
) -> dict[str, Answer]:
    """fingerprint → the answer in force (fingerprints name one unit's problem, so they do not
    collide across units)."""
    frame = responses_frame(store, round_id, unit_ids)
    return {
        fp: Answer(fp, status, None if pd.isna(note) else note)
        for fp, status, note in zip(
            frame["fingerprint"], frame["status"], frame["note"], strict=True
        )
    }
