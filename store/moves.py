"""Units that moved (网站迁移): a unit's site changed address, and its old URLs map to new ones.

A problem is named across rounds by a fingerprint built from its subject, and most subjects are
URLs (an article, a column, a column's missing month, a broken link). When a unit's site moves,
every such subject changes with it: without a map its open problems would become 未能复核 (the
old pages are no longer read) and come back as new under the new URLs. `zwgk units move`
records the move here; tracking (`scoring/tracking.py`) and the refetch of open problems
(`store/refetch.py`) map earlier URLs through it. Both import this module, never each other.

A move maps a URL by its **rules** (explicit [regex, replacement] pairs, tried in order, each
matched at the start of the URL, the rest kept), else by the **default rule** made from the two
entries: the old entry's host and path prefix become the new entry's (`default_prefixes`; http
and https of the old host both match). A move applies between two crawls that straddle it: rows
read by a run up to ``after_run`` (the last run at the old address) are mapped when compared with
a run after it. Several moves of one unit apply in turn.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Table, func, select

from store import models
from store.core import Store
from store.text import inert, inert_url
from store.types import utcnow

MOVES: Table = models.UnitMove.__table__  # type: ignore[assignment]
WEB = ("http", "https")
_GROUP_REF = re.compile(r"\\g<([^>]*)>|\\(\d+)")


class MoveError(ValueError):
    """A move that cannot be recorded or a rule that cannot be read (one sentence)."""


def parse_rule(text: str) -> tuple[str, str]:
    """``OLD=>NEW`` (or ``OLD=NEW`` when OLD holds no '='): a regex matched at the start of a
    URL and its replacement (``\\1``, ``\\g<name>`` name the regex's groups)."""
    sep = "=>" if "=>" in text else "="
    old, found, new = text.partition(sep)
    if not found or not old:
        raise MoveError(
            f"pattern {text!r} must be OLD=NEW (a regex, '=', its replacement); write OLD=>NEW "
            "when the regex holds '='"
        )
    try:
        pattern = re.compile(old)
    except re.error as exc:
        raise MoveError(f"pattern {old!r} is not a regular expression: {exc}") from None
    for name, number in _GROUP_REF.findall(new):
        ref = name or number
        known = int(ref) <= pattern.groups if ref.isdigit() else ref in pattern.groupindex
        if not known:
            raise MoveError(f"replacement {new!r} names group {ref!r}, which {old!r} does not have")
    return old, new


def default_prefixes(old_entry: str, new_entry: str) -> tuple[str, str]:
    """(old prefix, new prefix) the default rule maps: the entries' scheme, host and the part of
    their paths before the path segments they end with in common (the file name is never part
    of a prefix). ``http://a/xxgk/public/index.html`` → ``https://b/public/index.html`` gives
    ``http://a/xxgk/`` → ``https://b/``."""
    old, new = urlsplit(old_entry), urlsplit(new_entry)
    old_parts, new_parts = (old.path or "/").split("/"), (new.path or "/").split("/")
    common = 0
    while (
        common < min(len(old_parts), len(new_parts)) - 1
        and old_parts[-1 - common] == new_parts[-1 - common]
    ):
        common += 1
    keep = max(common, 1)  # at least the last segment (a file name, or '' after a '/') goes
    old_path = "/".join(old_parts[:-keep]) + "/"
    new_path = "/".join(new_parts[:-keep]) + "/"
    return (
        f"{old.scheme}://{old.netloc.lower()}{old_path}",
        f"{new.scheme}://{new.netloc.lower()}{new_path}",
    )


@dataclass(frozen=True)
class UnitMove:
    """One recorded move of a unit's site."""

    id: int
    unit_id: str
    moved_on: dt.date
    after_run: int
    old_entry: str
    new_entry: str
    rules: tuple[tuple[str, str], ...] = ()
    recorded_at: dt.datetime | None = None

    @functools.cached_property
    def _compiled(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(old), new) for old, new in self.rules]

    @functools.cached_property
    def prefixes(self) -> tuple[str, str]:
        return default_prefixes(self.old_entry, self.new_entry)

    def map_url(self, url: str) -> str:
        """``url`` at the new address (unchanged when no rule and not the default one matches).
        Works on subjects too: ``<url>#duration``, ``<column url>/2025-03``."""
        for pattern, replacement in self._compiled:
            match = pattern.match(url)
            if match:
                return match.expand(replacement) + url[match.end() :]
        old_prefix, new_prefix = self.prefixes
        old_key = old_prefix.partition("://")[2]
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in WEB:
            return url
        host, slash, tail = rest.partition("/")
        key = host.lower() + slash + tail
        if key.startswith(old_key):
            return new_prefix + key[len(old_key) :]
        if key + "/" == old_key:
            return new_prefix.rstrip("/")
        return url


def record_move(
    store: Store,
    unit_id: str,
    old_entry: str,
    new_entry: str,
    *,
    rules: Sequence[tuple[str, str]] = (),
    moved_on: dt.date,
    after_run: int | None = None,
) -> UnitMove:
    """Record that ``unit_id`` moved from ``old_entry`` to ``new_entry``; crawl runs after
    ``after_run`` (default: the latest run stored) read the new address."""
    if old_entry == new_entry:
        raise MoveError(f"unit {unit_id!r}: the new entry {new_entry!r} is its entry already")
    for old, new in rules:
        parse_rule(f"{old}=>{new}")
    latest = max((r.id for r in store.runs()), default=0)
    if after_run is None:
        after_run = latest
    elif not 0 <= after_run <= latest:
        raise MoveError(f"--after-run {after_run}: the store's crawl runs are 1 to {latest}")
    row = {
        "unit_id": unit_id,
        "moved_on": moved_on,
        "after_run": after_run,
        "old_entry": inert_url(old_entry),
        "new_entry": inert_url(new_entry),
        "rules": [[inert(old), inert(new)] for old, new in rules] or None,
        "recorded_at": utcnow(),
    }
    with store.engine.begin() as conn:
        new_id = conn.execute(MOVES.insert().values(**row)).inserted_primary_key[0]
    return _move({**row, "id": new_id})


def _move(row: Mapping) -> UnitMove:
    return UnitMove(
        id=int(row["id"]),
        unit_id=row["unit_id"],
        moved_on=row["moved_on"],
        after_run=int(row["after_run"]),
        old_entry=row["old_entry"],
        new_entry=row["new_entry"],
        rules=tuple((old, new) for old, new in row["rules"] or ()),
        recorded_at=row["recorded_at"],
    )


def list_moves(store: Store, unit_ids: Iterable[str] | None = None) -> list[UnitMove]:
    """Recorded moves in the order they apply (by ``after_run``, then as recorded)."""
    stmt = select(MOVES).order_by(MOVES.c.after_run, MOVES.c.id)
    if unit_ids is not None:
        stmt = stmt.where(MOVES.c.unit_id.in_(list(unit_ids)))
    with store.engine.connect() as conn:
        return [_move(r) for r in conn.execute(stmt).mappings()]


def any_moves(store: Store) -> bool:
    with store.engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(MOVES)).scalar_one())


def between(moves: Iterable[UnitMove], from_run: int, to_run: int) -> dict[str, list[UnitMove]]:
    """unit id → the moves (in order) between a row read by run ``from_run`` and run ``to_run``:
    those whose last old-address run is at or after the first and before the second."""
    out: dict[str, list[UnitMove]] = {}
    for move in moves:
        if from_run <= move.after_run < to_run:
            out.setdefault(move.unit_id, []).append(move)
    return out


def map_url(moves: Sequence[UnitMove], url: str) -> str:
    """``url`` through each of ``moves`` in turn (a site that moved twice)."""
    for move in moves:
        url = move.map_url(url)
    return url


def map_urls(
    by_unit: Mapping[str, Sequence[UnitMove]], unit_ids: Iterable[str], urls: Iterable[object]
) -> list[object]:
    """Each URL (or subject) mapped through its unit's moves; non-text values (None, NaN) and
    URLs of units that did not move are returned as they are."""
    return [
        map_url(by_unit[unit], url) if unit in by_unit and isinstance(url, str) else url
        for unit, url in zip(unit_ids, urls, strict=True)
    ]
