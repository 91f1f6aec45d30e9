"""A round evaluated city by city (scoring/by_city.py): its header first, then each city's part.

`begin` writes the round's header marked incomplete (``rounds.complete`` false), drops the rows
an earlier evaluation of the round left, and records one pending part per city with its units.
Each city's job then writes its scores, totals and problems with `store_part`, in one
transaction of its own; the part that finds every other part stored marks the round complete
and sums the parts' stats into its header — in that same transaction, so a reader sees the
round whole or not at all (`store.rounds` shows only complete rounds). A job that fails is
recorded by `fail_part` with its error: the round stays incomplete, and says which city failed
(`store.rounds.RoundIncomplete`), until it is evaluated again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, select, update

from store.core import Store
from store.frame_insert import insert_frame
from store.rounds import (
    EXPLANATIONS,
    PARTS,
    PROBLEMS,
    ROUNDS,
    SCORES,
    TOTALS,
    RoundInfo,
    write_header,
)
from store.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartInfo:
    """One city's part of a round: its units and state (pending / stored / failed)."""

    part: str
    units: list[str]
    state: str
    error: str | None = None
    stats: dict[str, Any] | None = None


def begin(store: Store, info: RoundInfo, parts: Mapping[str, Sequence[str]]) -> RoundInfo:
    """Write round ``info``'s header, incomplete, with a pending part per city (``parts``: part
    name → its unit ids); an earlier evaluation's rows of the round are dropped. Returns the
    stored header."""
    with store.engine.begin() as conn:
        stored = write_header(conn, info, complete=False, stats=None)
        conn.execute(
            PARTS.insert(),
            [
                {"round": info.id, "part": name, "units": list(units), "state": "pending"}
                for name, units in parts.items()
            ],
        )
    return stored


def list_parts(store: Store, round_id: str) -> list[PartInfo]:
    """The parts of round ``round_id`` (none: it was evaluated whole), by name."""
    p = PARTS.c
    stmt = select(p.part, p.units, p.state, p.error, p.stats).where(p.round == round_id)
    with store.engine.connect() as conn:
        return [PartInfo(*row) for row in conn.execute(stmt.order_by(p.part))]


def store_part(
    store: Store,
    round_id: str,
    part: str,
    unit_ids: Sequence[str],
    scores: pd.DataFrame,
    totals: pd.DataFrame,
    problems: pd.DataFrame,
    stats: Mapping[str, Any],
) -> bool:
    """Write city ``part``'s rows (its units ``unit_ids``) of round ``round_id`` in one
    transaction, replacing any a earlier try of the same part stored; True when this completed
    the round."""
    units = list(unit_ids)
    with store.engine.begin() as conn:
        # A write first: SQLite then takes its write lock here, waiting its busy timeout,
        # rather than failing on a read snapshot gone stale while other cities wrote.
        for table in (PROBLEMS, TOTALS, SCORES, EXPLANATIONS):
            conn.execute(delete(table).where(table.c.round == round_id, table.c.unit_id.in_(units)))
        for table, frame in ((SCORES, scores), (TOTALS, totals), (PROBLEMS, problems)):
            insert_frame(conn, table, frame.assign(round=round_id))
        # The header's row is locked before the parts are counted (PostgreSQL): two cities
        # finishing at once cannot both see the other pending and leave the round incomplete.
        locked = conn.execute(
            update(ROUNDS).where(ROUNDS.c.id == round_id).values(complete=False)
        ).rowcount
        if not locked:
            raise LookupError(f"round {round_id}: no header (begun?) to store part {part!r} in")
        p = PARTS.c
        conn.execute(
            update(PARTS)
            .where(p.round == round_id, p.part == part)
            .values(state="stored", error=None, stats=dict(stats), stored_at=utcnow())
        )
        rows = conn.execute(select(p.state, p.stats).where(p.round == round_id)).all()
        if any(state != "stored" for state, _ in rows):
            return False
        conn.execute(
            update(ROUNDS)
            .where(ROUNDS.c.id == round_id)
            .values(complete=True, stats=summed([s or {} for _, s in rows]))
        )
    log.info("round %s: part %r stored, the round is complete", round_id, part)
    return True


def fail_part(store: Store, round_id: str, part: str, error: str) -> None:
    """Record that city ``part``'s job failed (unless it was stored): the round stays
    incomplete and names it."""
    p = PARTS.c
    with store.engine.begin() as conn:
        conn.execute(
            update(PARTS)
            .where(p.round == round_id, p.part == part, p.state != "stored")
            .values(state="failed", error=error[:2000])
        )


def summed(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The round's stats from its parts': counts added, problems by status added."""
    out: dict[str, Any] = {"units": 0, "units_observed": 0, "problems": 0, "by_status": {}}
    for stats in parts:
        for key in ("units", "units_observed", "problems"):
            out[key] += int(stats.get(key, 0))
        for status, count in (stats.get("by_status") or {}).items():
            out["by_status"][status] = out["by_status"].get(status, 0) + int(count)
    out["by_status"] = dict(sorted(out["by_status"].items(), key=lambda kv: -kv[1]))
    return out
