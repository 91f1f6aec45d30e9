"""A unit as the evaluators see it in a round (单位页面): its result (total, rank within its
level, verdict), its problems, its answers (整改情况) with their review — accept, or send back
with a comment —, its history across rounds, and its 整改清单 to download (the files
`zwgk report checklist` writes).

A unit outside the viewer's scope is a 404, like a unit that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal import deps, downloads, history
from portal.decisions import DECISION_ZH
from portal.evaluator import RoundPage, evaluator, not_found, round_page, unit_row
from portal.problem_query import ProblemFilter, query
from portal.viewer import Viewer

router = APIRouter(prefix="/rounds/{round_id}/units/{unit_id}", include_in_schema=False)

SHOWN_PROBLEMS = 200  # on the unit's page; the rest through the problem list's unit filter


def _unit_page(
    request: Request,
    page: RoundPage,
    unit_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    store = deps.store(request)
    unit = unit_row(store, page, unit_id)
    f = ProblemFilter(page.id, unit_ids=(unit_id,), per_page=SHOWN_PROBLEMS)
    return deps.render(
        request,
        "unit.html",
        status_code=status_code,
        round=page,
        unit=unit,
        listed=query(store, f, page.visible),
        all_problems=f.to_query(per_page=50),
        decision_zh=DECISION_ZH,
        history=history.unit_history(store, unit_id),
        formats=downloads.FORMAT_ZH,
        error=error,
    )


@router.get("")
def unit(
    request: Request, round_id: str, unit_id: str, person: Viewer = Depends(evaluator)
) -> Response:
    page = round_page(deps.store(request), person, round_id)
    return _unit_page(request, page, unit_id)


@router.get("/checklist.{fmt}")
def checklist(
    request: Request,
    round_id: str,
    unit_id: str,
    fmt: str,
    person: Viewer = Depends(evaluator),
) -> Response:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    unit = unit_row(store, page, unit_id)
    if not unit["in_round"] or fmt not in downloads.FORMAT_ZH:
        raise not_found()  # the round did not evaluate the unit: no checklist
    return downloads.checklist_response(store, page.state, unit_id, fmt)
