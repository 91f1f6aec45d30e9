"""The daily patrol in the portal (日巡查): a unit's 今日提醒 inbox and the evaluators' dashboard.

- /inbox — the unit user's own unit only (no route takes a unit from the URL or a form): each
  patrol's digest for the unit, newest first, unread until opened. Opening an entry from the
  list is a form (POST with the CSRF token) that marks it read and shows it; "全部标为已读"
  marks every entry. Showing an entry (GET) changes nothing. A patrol that had nothing for the
  unit, or none of that id, is 404 — the same answer.
- /patrol — administrators and evaluators, over their own units (`viewer.visible_units`): the
  latest patrol's counts per level and unit, the units that ignore warnings, time to fix; a
  unit's current findings at /patrol/units/{unit_id} (outside the viewer's units: 404).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from portal import deps
from portal.evaluator import evaluator, not_found
from portal.inbox import entries, entry, mark_entries_read
from portal.pages_my import unit_form, unit_user
from portal.patrol_board import board, unit_board
from portal.viewer import Viewer, can_see_unit, visible_units

router = APIRouter(include_in_schema=False)

NO_ENTRY = "没有这条提醒。"


# -- a unit's inbox ----------------------------------------------------------------------
@router.get("/inbox")
def inbox_page(request: Request, person: Viewer = Depends(unit_user)) -> Response:
    found = entries(deps.store(request), person.user_id, person.unit_id)  # type: ignore[arg-type]
    return deps.render(
        request,
        "inbox.html",
        entries=found,
        unread=sum(not e.read for e in found),
        message="已全部标为已读。" if request.query_params.get("done") == "all" else None,
    )


@router.get("/inbox/{patrol_id}")
def inbox_entry(request: Request, patrol_id: int, person: Viewer = Depends(unit_user)) -> Response:
    shown = entry(deps.store(request), person.user_id, person.unit_id, patrol_id)  # type: ignore[arg-type]
    if shown is None:
        raise HTTPException(404, NO_ENTRY)
    return deps.render(request, "inbox_entry.html", entry=shown, digest=shown.digest)


@router.post("/inbox/read-all")
def read_all(request: Request, person: Viewer = Depends(unit_form)) -> Response:
    mark_entries_read(deps.store(request), person.user_id, person.unit_id)  # type: ignore[arg-type]
    return RedirectResponse("/inbox?done=all", status_code=303)


@router.post("/inbox/{patrol_id}/read")
def read_one(request: Request, patrol_id: int, person: Viewer = Depends(unit_form)) -> Response:
    """Mark the entry read and show it (the list's 查看 button)."""
    if not mark_entries_read(deps.store(request), person.user_id, person.unit_id, patrol_id):  # type: ignore[arg-type]
        raise HTTPException(404, NO_ENTRY)
    return RedirectResponse(f"/inbox/{patrol_id}", status_code=303)


# -- the evaluators' dashboard ---------------------------------------------------------------
@router.get("/patrol")
def dashboard(request: Request, person: Viewer = Depends(evaluator)) -> Response:
    store = deps.store(request)
    return deps.render(request, "patrol.html", board=board(store, visible_units(store, person)))


@router.get("/patrol/units/{unit_id}")
def dashboard_unit(request: Request, unit_id: str, person: Viewer = Depends(evaluator)) -> Response:
    store = deps.store(request)
    if not can_see_unit(store, person, unit_id):
        raise not_found()
    page = unit_board(store, unit_id)
    if page is None:
        raise not_found()
    return deps.render(request, "patrol_unit.html", page=page)
