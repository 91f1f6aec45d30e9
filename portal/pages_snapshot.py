"""The picture of a problem's stored page (网页快照, `portal.snapshot`) on the portal: a plain
``<img>`` on the evaluators' problem page and on a unit's page of one problem, its PNG drawn on
the first request and kept; and the address the HTML checklist links to
(``/snapshot/{round}/{fingerprint}``), which sends each person to their own view of it.

Scope is each view's own: an evaluator's problem page's (`portal.evaluator.round_page`: the
viewer's units, drafts too), a unit's round page's (`portal.pages_my`: its own unit, published
rounds, its checklist's rows — a dismissed problem is not the unit's). Anything outside it is
404, as a problem that does not exist. No inline script or style: the CSP holds.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from portal import deps
from portal.evaluator import EVALUATOR_ROLES, evaluator, not_found, round_page
from portal.my_view import MyProblem, MyRoundPage
from portal.pages_my import _page_of, unit_user
from portal.snapshot import SnapshotError, problem_snapshot, snapshot_png
from portal.viewer import Viewer
from store import Store

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

CACHE = "private, max-age=86400"  # a picture of given bytes never changes; each person's own


def _png(store: Store, round_id: str, fingerprint: str, visible: frozenset[str] | None) -> Response:
    try:
        png = snapshot_png(store, round_id, fingerprint, visible)
    except SnapshotError as failed:
        log.warning("snapshot of %s in %s not drawn: %s", fingerprint, round_id, failed)
        raise HTTPException(503, f"网页快照暂时无法生成：{failed}") from None
    if png is None:
        raise not_found()
    return Response(png, media_type="image/png", headers={"Cache-Control": CACHE})


@router.get("/rounds/{round_id}/problems/{fingerprint}/snapshot.png")
def evaluator_png(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(evaluator)
) -> Response:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    return _png(store, round_id, fingerprint, page.visible)


def _units_problem(
    request: Request, person: Viewer, round_id: str, fingerprint: str
) -> tuple[Store, MyRoundPage, MyProblem]:
    """404 unless ``fingerprint`` is a row of the unit's checklist of a round it may see."""
    store = deps.store(request)
    page = _page_of(store, person, round_id)
    problem = page.problem(fingerprint)
    if problem is None:
        raise HTTPException(404, "您的整改清单中没有这个问题。")
    return store, page, problem


@router.get("/my/{round_id}/problems/{fingerprint}/snapshot")
def unit_page(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(unit_user)
) -> Response:
    store, page, problem = _units_problem(request, person, round_id, fingerprint)
    shot = problem_snapshot(store, round_id, fingerprint, {person.unit_id or ""})
    if shot is None:  # pragma: no cover - the checklist has it, so the store has it
        raise not_found()
    return deps.render(request, "my_snapshot.html", page=page, problem=problem, shot=shot)


@router.get("/my/{round_id}/problems/{fingerprint}/snapshot.png")
def unit_png(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(unit_user)
) -> Response:
    store, _, _ = _units_problem(request, person, round_id, fingerprint)
    return _png(store, round_id, fingerprint, frozenset({person.unit_id or ""}))


@router.get("/snapshot/{round_id}/{fingerprint}")
def from_checklist(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(deps.viewer)
) -> Response:
    """The HTML checklist's link: a unit to its page of the problem, an evaluator to the
    problem's page at its picture — each after that page's own scope check (404 otherwise)."""
    r, fp = quote(round_id, safe=""), quote(fingerprint, safe="")
    if person.is_unit:
        _units_problem(request, person, round_id, fingerprint)
        return RedirectResponse(f"/my/{r}/problems/{fp}/snapshot", status_code=303)
    store = deps.store(request)
    if (
        person.role not in EVALUATOR_ROLES
        or problem_snapshot(
            store, round_id, fingerprint, round_page(store, person, round_id).visible
        )
        is None
    ):
        raise not_found()
    return RedirectResponse(f"/rounds/{r}/problems/{fp}#snapshot", status_code=303)
