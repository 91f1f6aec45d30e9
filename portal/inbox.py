"""A unit's 今日提醒 inbox: one entry per patrol whose daily digest for the unit held something —
problems found that day, new warnings, problems gone — newest first, each unread until the
person signed in opens it or marks all read (read state per account: `store.patrol_models`
`PatrolRead` says why).

An entry *is* the digest the patrol dispatched (`patrol.digest.digests`), made again from the
stored findings the way `patrol.run.load_result` compares a patrol with the one before, over
the unit's own findings only: no second wording of what a unit is told. The latest
`INBOX_PATROLS` patrols are looked at (about a season of nights).

Marking read is not audited: it changes no account, round or answer, only what the page shows
as new to that person; the row keeps when it was read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Table, select

from patrol.digest import Digest, digests
from patrol.run import PatrolResult, compare, dismissed_problems
from portal._memo import Memo
from portal.problem_query import indicator_names as round_indicator_names
from scoring.indicator_files import find_by_id, set_folders
from scoring.indicators import IndicatorError, load_indicator_set
from store import Store
from store.models import Unit
from store.patrols import (
    FINDING_COLUMNS,
    PatrolInfo,
    latest_patrol,
    mark_read,
    read_patrols,
    recent_patrols,
    unit_findings,
)
from store.rounds import list_rounds

UNITS: Table = Unit.__table__  # type: ignore[assignment]
INBOX_PATROLS = 120
# A unit's digests change only with a new patrol (the key) or a dismissal (the time bound).
_DIGESTS: Memo[list[Digest]] = Memo(size=512, ttl=60)
_NAMES: Memo[dict[str, str]] = Memo(size=32, ttl=600)


@dataclass(frozen=True)
class Entry:
    """One patrol's digest for the unit, and whether the person has read it."""

    digest: Digest
    read: bool

    @property
    def patrol(self) -> int:
        return self.digest.patrol


def entries(store: Store, user_id: int, unit_id: str) -> list[Entry]:
    """The unit's inbox as account ``user_id`` sees it, newest first."""
    read = read_patrols(store, user_id, unit_id)
    return [Entry(d, d.patrol in read) for d in unit_digests(store, unit_id)]


def entry(store: Store, user_id: int, unit_id: str, patrol_id: int) -> Entry | None:
    """The unit's entry of patrol ``patrol_id`` (None: that patrol had nothing for the unit,
    or there is no such patrol — the same answer)."""
    return next((e for e in entries(store, user_id, unit_id) if e.patrol == patrol_id), None)


def unread_count(store: Store, user_id: int, unit_id: str) -> int:
    return sum(not e.read for e in entries(store, user_id, unit_id))


def mark_entries_read(
    store: Store, user_id: int, unit_id: str, patrol_id: int | None = None
) -> bool:
    """Mark the unit's entry of ``patrol_id`` read (None: every entry); False when the unit
    has no such entry (nothing is marked)."""
    held = [d.patrol for d in unit_digests(store, unit_id)]
    wanted = held if patrol_id is None else [p for p in held if p == patrol_id]
    if patrol_id is not None and not wanted:
        return False
    mark_read(store, user_id, unit_id, wanted)
    return True


def unit_digests(store: Store, unit_id: str) -> list[Digest]:
    """The unit's digest of each of the latest `INBOX_PATROLS` patrols that had something for
    it, newest first."""
    latest = latest_patrol(store)
    if latest is None:
        return []
    key = (store.url, unit_id, latest.id, latest.created_at)
    return _DIGESTS.get(key, lambda: _unit_digests(store, unit_id))


def _unit_digests(store: Store, unit_id: str) -> list[Digest]:
    patrols = recent_patrols(store, INBOX_PATROLS + 1)  # the oldest shown needs its previous
    found = unit_findings(store, unit_id, [p.id for p in patrols])
    dismissed = dismissed_problems(store)
    names = {unit_id: _unit_name(store, unit_id)}
    out = []
    for n, patrol in enumerate(patrols[:INBOX_PATROLS]):
        previous = patrols[n + 1] if n + 1 < len(patrols) else None
        result = unit_result(unit_id, patrol, previous, found, dismissed)
        out += digests(result, names, indicator_names(store, patrol))
    return out


def unit_result(
    unit_id: str,
    patrol: PatrolInfo,
    previous: PatrolInfo | None,
    found: pd.DataFrame,
    dismissed: set[str],
) -> PatrolResult:
    """``patrol`` compared with ``previous`` as `patrol.run.load_result` does, for one unit:
    ``found`` holds the unit's findings of both (`store.patrols.unit_findings`)."""
    now = found.loc[found["patrol"] == patrol.id, FINDING_COLUMNS].reset_index(drop=True)
    before = (
        found.loc[found["patrol"] == previous.id, FINDING_COLUMNS]
        if previous
        else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    before = before[~before["fingerprint"].isin(dismissed)]
    unread = set((patrol.stats or {}).get("units_not_observed", []))
    observed = set() if unit_id in unread else {unit_id}
    return PatrolResult(patrol, previous, now, compare(before, now, observed))


def _unit_name(store: Store, unit_id: str) -> str:
    with store.reader.connect() as conn:
        name = conn.scalar(select(UNITS.c.name).where(UNITS.c.id == unit_id))
    return name or unit_id


def indicator_names(store: Store, patrol: PatrolInfo) -> dict[str, str]:
    """indicator id → name in the set the patrol judged by: a round's frozen copy of the same
    set and version, else the set file of that id (the office's folder, then the shipped
    sets), else the newest round's set (ids rarely change between sets); {} without any."""
    set_id, version = patrol.indicator_set_id, patrol.indicator_set_version
    return _NAMES.get(
        (store.url, set_id, version), lambda: _indicator_names(store, set_id, version)
    )


def _indicator_names(store: Store, set_id: str, version: str) -> dict[str, str]:
    rounds = list_rounds(store)
    for info in reversed(rounds):
        if (info.indicator_set_id, info.indicator_set_version) == (set_id, version):
            return round_indicator_names(info)
    try:
        path = find_by_id(set_id, set_folders())
        if path is not None and not isinstance(path, list):
            return {i.id: i.name for i in load_indicator_set(path).indicators}
    except IndicatorError:
        pass  # an unreadable office folder or set: the rounds' names below
    return round_indicator_names(rounds[-1]) if rounds else {}
