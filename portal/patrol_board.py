"""The evaluators' patrol dashboard (日巡查看板), over the units a viewer may see: the latest
patrol's new problems and warnings per level and per unit, the units that let warnings become
problems (`patrol.history.warning_outcomes`), time to fix per level and per unit
(`patrol.history.fix_times`), and one unit's current findings.

Plain functions over the store; the comparison with the previous patrol is `patrol.run`'s
(`load_result`), the figures `patrol.history`'s — nothing is counted a second way here.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from common.vocabulary import LEVELS
from patrol.history import DEFAULT_DEADLINE, IGNORED, fix_times, spans, warning_outcomes
from patrol.run import PatrolError, dismissed_problems, load_result
from portal._memo import Memo
from portal.inbox import indicator_names, unit_result
from scoring.durations import parse_duration
from store import Store
from store.patrols import PatrolInfo, latest_patrol, patrol_before, unit_findings

CHANGE_ZH = {"new": "新发现", "open": "仍存在", "warning": "新预警", "still_warned": "持续预警"}
_BOARDS: Memo[Board | None] = Memo(size=32, ttl=60)


@dataclass(frozen=True)
class Counts:
    """The latest patrol's figures for a level or a unit."""

    key: str  # the level, or the unit's id
    name: str  # the level, or the unit's name
    level: str
    new: int = 0  # problems found that day, not by the patrol before
    problems: int = 0  # problems found that day (new and still open)
    gone: int = 0  # problems of the patrol before not found that day (unit read)
    warnings: int = 0  # warnings that day
    new_warnings: int = 0  # of which the patrol before had not given


@dataclass(frozen=True)
class Ignoring:
    """What came of the warnings a unit was given (all patrols)."""

    unit_id: str
    name: str
    level: str
    ignored: int  # warnings that became problems
    heeded: int
    pending: int


@dataclass(frozen=True)
class FixTime:
    """Time to fix for a level or a unit (all patrols)."""

    key: str
    name: str
    level: str
    problems: int
    fixed: int
    median_days: float | None
    in_time_share: float | None
    came_back: int
    still_open: int


@dataclass(frozen=True)
class Board:
    patrol: PatrolInfo
    previous: PatrolInfo | None
    total: Counts
    levels: list[Counts]
    units: list[Counts]  # units with anything that day, most new problems and warnings first
    ignoring: list[Ignoring]  # units with a warning ignored, the most first
    fix_levels: list[FixTime]
    fix_units: list[FixTime]
    deadline_zh: str  # the deadline the in-time share is counted against
    within_zh: str  # the patrol's horizon: 5个工作日


@dataclass(frozen=True)
class Finding:
    kind: str  # problem / warning
    change_zh: str
    indicator: str
    subject: str
    target_url: str | None
    suggestion: str
    due: str | None  # warnings: the day it becomes a problem


@dataclass(frozen=True)
class UnitBoard:
    unit_id: str
    name: str
    level: str
    patrol: PatrolInfo | None  # None: no patrol yet
    findings: list[Finding]  # problems (new first), then warnings by due day
    gone: int
    unread: bool  # the patrol's crawl could not read the unit


def board(store: Store, visible: Collection[str] | None) -> Board | None:
    """The dashboard over the units ``visible`` (None: all); None before the first patrol."""
    latest = latest_patrol(store)
    if latest is None:
        return None
    scope = None if visible is None else frozenset(visible)
    key = (store.url, latest.id, latest.created_at, scope)
    return _BOARDS.get(key, lambda: _board(store, scope))


def _board(store: Store, scope: frozenset[str] | None) -> Board | None:
    try:
        result = load_result(store)
    except PatrolError:
        return None
    units = _units(store, scope)
    changes = result.changes[result.changes["unit_id"].isin(units.index)]
    per_unit = [_counts(str(u), units, part) for u, part in changes.groupby("unit_id", sort=True)]
    per_unit = [c for c in per_unit if c.problems or c.gone or c.warnings]
    per_unit.sort(
        key=lambda c: (-(c.new + c.new_warnings), -c.problems, _level_rank(c.level), c.key)
    )
    levels = []
    for level, part in changes.assign(level=changes["unit_id"].map(units["level"])).groupby(
        "level"
    ):
        levels.append(_counts(str(level), units, part, level=str(level)))
    levels.sort(key=lambda c: _level_rank(c.level))
    found = spans(store)
    found = found[found["unit_id"].isin(units.index)]
    return Board(
        patrol=result.patrol,
        previous=result.previous,
        total=_counts("", units, changes, level="合计"),
        levels=levels,
        units=per_unit,
        ignoring=_ignoring(store, units),
        fix_levels=_fix(found, units, "level"),
        fix_units=_fix(found, units, "unit_id"),
        deadline_zh=parse_duration(DEFAULT_DEADLINE).zh,
        within_zh=parse_duration(result.patrol.within).zh,
    )


def _units(store: Store, scope: frozenset[str] | None) -> pd.DataFrame:
    """The units in scope: name and level by id."""
    frame = store.units_frame()
    if scope is not None:
        frame = frame[frame["id"].isin(scope)]
    return frame.set_index("id")[["name", "level"]]


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _counts(key: str, units: pd.DataFrame, part: pd.DataFrame, level: str | None = None) -> Counts:
    """``part`` of a patrol's changes counted; a unit's ``key`` names it, else ``level``."""
    change = part["change"]
    n = {c: int((change == c).sum()) for c in ("new", "open", "gone", "warning", "still_warned")}
    if level is None:
        name, level = str(units.at[key, "name"]), str(units.at[key, "level"])
    else:
        name = level
    return Counts(key, name, level, new=n["new"], problems=n["new"] + n["open"], gone=n["gone"],
                  warnings=n["warning"] + n["still_warned"], new_warnings=n["warning"])  # fmt: skip


def _ignoring(store: Store, units: pd.DataFrame) -> list[Ignoring]:
    given = warning_outcomes(store)
    given = given[given["unit_id"].isin(units.index)]
    rows = []
    for unit_id, part in given.groupby("unit_id", sort=True):
        outcome = part["outcome"].value_counts()
        ignored = int(outcome.get(IGNORED, 0))
        if ignored:
            unit = units.loc[unit_id]
            rows.append(Ignoring(str(unit_id), str(unit["name"]), str(unit["level"]), ignored,
                                 int(outcome.get("heeded", 0)), int(outcome.get("pending", 0))))  # fmt: skip
    # Worst first: the most ignored, then the fewest heeded beside them.
    rows.sort(key=lambda r: (-r.ignored, r.heeded, r.unit_id))
    return rows


def _fix(found: pd.DataFrame, units: pd.DataFrame, by: str) -> list[FixTime]:
    if found.empty:
        return []
    table = fix_times(found, units.reset_index()[["id", "level"]], by=by)
    rows = []
    for r in table.to_dict("records"):
        key = str(r[by])
        level = key if by == "level" else str(units.at[key, "level"])
        name = key if by == "level" else str(units.at[key, "name"])
        rows.append(FixTime(key, name, level, int(r["problems"]), int(r["fixed"]),
                            _number(r["median_days"]), _number(r["in_time_share"]),
                            int(r["came_back"]), int(r["still_open"])))  # fmt: skip
    if by == "level":
        rows.sort(key=lambda r: _level_rank(r.level))
    else:  # the units with the most still open first, then the slowest
        rows.sort(key=lambda r: (-r.still_open, -(r.median_days or 0), r.key))
    return rows


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def unit_board(store: Store, unit_id: str) -> UnitBoard | None:
    """The unit's findings in the latest patrol, with what changed since the one before (none
    before the first patrol); None: no such unit. The caller checks the viewer's scope."""
    unit = _units(store, frozenset([unit_id]))
    if unit.empty:
        return None
    name, level = str(unit.at[unit_id, "name"]), str(unit.at[unit_id, "level"])
    patrol = latest_patrol(store)
    if patrol is None:
        return UnitBoard(unit_id, name, level, None, [], 0, False)
    previous = patrol_before(store, patrol.id)
    ids = [patrol.id] + ([previous.id] if previous else [])
    result = unit_result(
        unit_id, patrol, previous, unit_findings(store, unit_id, ids), dismissed_problems(store)
    )
    names = indicator_names(store, patrol)
    rows = result.findings.set_index("fingerprint")
    shown = result.changes[result.changes["change"].isin(list(CHANGE_ZH))]
    order = {"new": 0, "open": 1, "warning": 2, "still_warned": 2}
    shown = shown.assign(order=shown["change"].map(order), due_text=shown["due"].astype(str))
    findings = []
    for r in shown.sort_values(["order", "due_text", "indicator_id", "subject"]).itertuples():
        row = rows.loc[r.fingerprint]
        findings.append(
            Finding(
                kind=str(row["kind"]),
                change_zh=CHANGE_ZH[r.change],
                indicator=names.get(r.indicator_id, r.indicator_id),
                subject=str(r.subject),
                target_url=row["target_url"] if isinstance(row["target_url"], str) else None,
                suggestion=row["suggestion"] or "",
                due=None if row["due"] is None or pd.isna(row["due"]) else str(row["due"])[:10],
            )
        )
    unread = unit_id in set((patrol.stats or {}).get("units_not_observed", []))
    return UnitBoard(unit_id, name, level, patrol, findings, result.count("gone"), unread)
