"""Who is looking (`Viewer`) and what they may see: the portal's scoping rules in one place.

- an administrator sees every unit and every round;
- an evaluator sees the subtree of the unit tree under `users.unit_id` (NULL: the whole tree —
  the city office; a county office: the county and its departments and townships);
- a unit user sees their own unit only;
- units see a round only once it is published (or closed); drafts are the evaluators' work.

The unit tree is the store's `units` table (`parent`). Every page, download and API route asks
these functions; none decides scope on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, select

from store import Store
from store.models import Round, Unit
from store.portal_models import RoundPublication

UNITS: Table = Unit.__table__  # type: ignore[assignment]
ROUNDS: Table = Round.__table__  # type: ignore[assignment]
PUBLICATIONS: Table = RoundPublication.__table__  # type: ignore[assignment]

ROLE_ZH = {"admin": "管理员", "evaluator": "测评人员", "unit": "单位用户"}
# What a round in these states shows to unit users.
UNIT_VISIBLE_STATES = ("published", "closed")


@dataclass(frozen=True)
class Viewer:
    """A signed-in person (or an API token's owner) as the pages need them."""

    user_id: int
    login: str
    name: str
    role: str
    unit_id: str | None  # unit users: their unit; evaluators: their subtree's root (None: all)
    csrf_token: str = ""  # empty for API tokens: they post no forms
    must_change_password: bool = False

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_unit(self) -> bool:
        return self.role == "unit"


def subtree(store: Store, root: str) -> set[str]:
    """``root`` and every unit below it in the store's unit tree."""
    with store.reader.connect() as conn:
        pairs = conn.execute(select(UNITS.c.id, UNITS.c.parent)).all()
    children: dict[str, list[str]] = {}
    for unit_id, parent in pairs:
        if parent is not None and parent != unit_id:
            children.setdefault(parent, []).append(unit_id)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:  # a cycle in a hand-edited registry ends here
                found.add(child)
                todo.append(child)
    return found


def visible_units(store: Store, viewer: Viewer) -> set[str] | None:
    """The unit ids ``viewer`` may see; None: every unit."""
    if viewer.role == "admin" or (viewer.role == "evaluator" and viewer.unit_id is None):
        return None
    if viewer.role == "evaluator":
        return subtree(store, viewer.unit_id)  # type: ignore[arg-type]
    if viewer.role == "unit" and viewer.unit_id:
        return {viewer.unit_id}
    return set()


def can_see_unit(store: Store, viewer: Viewer, unit_id: str) -> bool:
    visible = visible_units(store, viewer)
    return visible is None or unit_id in visible


def sees_drafts(viewer: Viewer) -> bool:
    """Only administrators and evaluators see a round before it is published."""
    return viewer.role in ("admin", "evaluator")


def round_visible(store: Store, viewer: Viewer, round_id: str) -> bool:
    """Whether the round exists and ``viewer`` may see it (units: once published)."""
    with store.reader.connect() as conn:
        # A round evaluated by city still missing a part is shown to no one (store.round_parts).
        exists = conn.scalar(select(ROUNDS.c.id).where(ROUNDS.c.id == round_id, ROUNDS.c.complete))
        if exists is None:
            return False
        if sees_drafts(viewer):
            return True
        state = conn.scalar(select(PUBLICATIONS.c.state).where(PUBLICATIONS.c.round == round_id))
    return state in UNIT_VISIBLE_STATES


def visible_rounds(store: Store, viewer: Viewer) -> list[str]:
    """The round ids ``viewer`` may see, in the store's order of rounds (newest last)."""
    stmt = select(ROUNDS.c.id).where(ROUNDS.c.complete).order_by(ROUNDS.c.as_of, ROUNDS.c.id)
    if not sees_drafts(viewer):
        stmt = stmt.join(PUBLICATIONS, PUBLICATIONS.c.round == ROUNDS.c.id).where(
            PUBLICATIONS.c.state.in_(UNIT_VISIBLE_STATES)
        )
    with store.reader.connect() as conn:
        return list(conn.scalars(stmt))
