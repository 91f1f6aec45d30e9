"""What every evaluator page (评估人员页面: /rounds …) needs: the role check, and the round, the
unit or the problem of a URL looked up within the viewer's scope.

An id outside the viewer's scope answers exactly as an id that does not exist — 404, never a
403 that would confirm the unit or the problem is there. Scope itself is `portal.viewer`'s
(`visible_units`); this module only applies it to what a URL names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException
from sqlalchemy import Table, select

from portal import deps
from portal.lifecycle import RoundState, state_from
from portal.problem_sql import RoundContext, round_context
from portal.unit_results import UnitResult, unit_result
from portal.viewer import Viewer, visible_units
from reports.wording import round_label, today_in_beijing
from store import Store
from store.models import Unit
from store.rounds import RoundIncomplete, RoundInfo, RoundNotFound

UNITS: Table = Unit.__table__  # type: ignore[assignment]
EVALUATOR_ROLES = ("admin", "evaluator")
NOT_FOUND = "您要找的页面不存在，或您无权查看。"

evaluator = deps.require_role(*EVALUATOR_ROLES)


@dataclass(frozen=True)
class RoundPage:
    """The round a page is about, as the viewer may see it."""

    info: RoundInfo
    state: RoundState
    visible: frozenset[str] | None  # the viewer's units; None: every unit
    context: RoundContext  # what the problem list's queries need (read with the round)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def label(self) -> str:
        return round_label(self.info.id)

    def sees(self, unit_id: str) -> bool:
        return self.visible is None or unit_id in self.visible


def not_found() -> HTTPException:
    return HTTPException(404, NOT_FOUND)


def may_run_round(person: Viewer, store: Store) -> bool:
    """Publishing and closing act on every unit of the round: administrators and evaluators
    who see the whole tree (the city office), not a county's evaluator."""
    return person.role in EVALUATOR_ROLES and visible_units(store, person) is None


def round_page(store: Store, person: Viewer, round_id: str) -> RoundPage:
    """The round ``round_id`` and the viewer's scope, or 404."""
    try:
        ctx = round_context(store, round_id)  # the round's one query, its state with it
    except (RoundNotFound, RoundIncomplete):
        raise not_found() from None
    visible = visible_units(store, person)
    return RoundPage(
        ctx.info,
        state_from(round_id, ctx.publication, today_in_beijing()),
        None if visible is None else frozenset(visible),
        ctx,
    )


@dataclass(frozen=True)
class UnitPage:
    """A unit as an evaluator's page shows it in a round."""

    id: str
    name: str
    level: str
    result: UnitResult | None  # None: the round did not evaluate the unit


def unit_row(store: Store, page: RoundPage, unit_id: str) -> UnitPage:
    """The unit ``unit_id`` and its result in the round if the viewer may see it, else 404."""
    if not page.sees(unit_id):
        raise not_found()
    result = unit_result(store, page.id, unit_id)
    if result is not None:
        return UnitPage(unit_id, result.name, result.level, result)
    with store.reader.connect() as conn:
        unit = conn.execute(
            select(UNITS.c.name, UNITS.c.level).where(UNITS.c.id == unit_id)
        ).first()
    if unit is None:
        raise not_found()
    return UnitPage(unit_id, unit.name, unit.level, None)


def unit_names(store: Store, unit_ids: Collection[str] | None = None) -> dict[str, str]:
    """unit id → name, from the registry's table (every unit, or ``unit_ids``)."""
    stmt = select(UNITS.c.id, UNITS.c.name)
    if unit_ids is not None:
        stmt = stmt.where(UNITS.c.id.in_(list(unit_ids)))
    with store.reader.connect() as conn:
        return {unit_id: name for unit_id, name in conn.execute(stmt)}


def query_string(**params: Any) -> str:
    """``?a=1&b=2`` of the non-empty ``params`` (for links that keep a filter)."""
    kept = {k: v for k, v in params.items() if v not in (None, "", [])}
    return "?" + urlencode(kept, doseq=True) if kept else ""
