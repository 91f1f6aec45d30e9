"""The evaluators' rounds (测评轮次): the list with each round's state and 整改期限, a round's
overview, and the two steps of its life an evaluator takes — publish (发布) and close (截止).

Publishing and closing act on every unit of the round, so only administrators and evaluators
who see the whole unit tree may take them (`evaluator.may_run_round`); a county's evaluator
sees the state. Each is a plain-HTML confirmation page (GET) whose form does it (POST with the
CSRF token) — no script asks "are you sure".
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from common.vocabulary import STATUS_ZH
from portal import deps, lifecycle
from portal.checklist_files import prepare_published
from portal.evaluator import RoundPage, evaluator, may_run_round, not_found, round_page
from portal.lifecycle import LifecycleError
from portal.problem_filter import DECISION_FILTERS
from portal.round_views import chart_png, overview
from portal.viewer import Viewer
from reports.checklist.data import default_deadline
from reports.checklist.office import OfficeError, configured_office
from reports.wording import round_label, today_in_beijing
from store.rounds import list_rounds

router = APIRouter(prefix="/rounds", include_in_schema=False)

RUN_ROUND_REFUSED = "只有管理员和市级测评人员可以发布或截止测评轮次。"
DONE_ZH = {
    "published": "测评轮次已发布：各单位现在可以看到本轮结果、整改清单和整改期限。",
    "closed": "测评轮次已截止：各单位的整改答复已冻结。",
}


@router.get("")
def rounds(request: Request, person: Viewer = Depends(evaluator)) -> Response:
    store = deps.store(request)
    known = lifecycle.states(store)
    rows = [
        {"info": info, "state": known[info.id], "label": round_label(info.id)}
        for info in reversed(list_rounds(store))  # newest first
    ]
    return deps.render(request, "rounds.html", rows=rows, may_run=may_run_round(person, store))


# -- a round's overview --------------------------------------------------------------------
@router.get("/{round_id}")
def round_overview(
    request: Request, round_id: str, person: Viewer = Depends(evaluator)
) -> Response:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    return deps.render(
        request,
        "round.html",
        round=page,
        overview=overview(store, round_id, page.visible),
        status_zh=STATUS_ZH,
        decision_zh=DECISION_FILTERS,
        may_run=may_run_round(person, store),
        message=DONE_ZH.get(request.query_params.get("done", "")),
    )


@router.get("/{round_id}/charts/{chart}.png")
def round_chart(
    request: Request, round_id: str, chart: str, person: Viewer = Depends(evaluator)
) -> Response:
    """A chart of the overview, drawn over the viewer's units (the round report's charts)."""
    store = deps.store(request)
    page = round_page(store, person, round_id)
    try:
        png = chart_png(store, round_id, chart, page.visible)
    except KeyError:
        raise not_found() from None
    return Response(png, media_type="image/png")


# -- publishing ----------------------------------------------------------------------------
def suggested_deadline(today: dt.date) -> tuple[dt.date, int]:
    """The office's 整改期限: its ``deadline_workdays``-th working day after today (20 unless
    the office file says otherwise), and that number."""
    try:
        office, _ = configured_office()
    except OfficeError:
        office = None  # a bad office file is `zwgk report checklist`'s to explain
    workdays = office.deadline_workdays if office is not None else 20
    return default_deadline(today, workdays), workdays


def _runnable(request: Request, person: Viewer, round_id: str) -> RoundPage:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    if not may_run_round(person, store):
        raise HTTPException(403, RUN_ROUND_REFUSED)
    return page


def _publish_page(
    request: Request,
    page: RoundPage,
    *,
    deadline: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    today = today_in_beijing()
    suggested, workdays = suggested_deadline(today)
    return deps.render(
        request,
        "round_publish.html",
        status_code=status_code,
        round=page,
        deadline=deadline or suggested.isoformat(),
        suggested=suggested,
        workdays=workdays,
        today=today,
        error=error,
    )


@router.get("/{round_id}/publish")
def publish_form(request: Request, round_id: str, person: Viewer = Depends(evaluator)) -> Response:
    return _publish_page(request, _runnable(request, person, round_id))


@router.post("/{round_id}/publish", dependencies=[Depends(deps.csrf_form)])
def publish(
    request: Request,
    round_id: str,
    tasks: BackgroundTasks,
    person: Viewer = Depends(evaluator),
    deadline: str = Form(""),
) -> Response:
    """Publish the round; then, after the answer has gone, make every unit's checklist ready
    for the downloads that follow (`portal.checklist_files`)."""
    page = _runnable(request, person, round_id)
    try:
        day = dt.date.fromisoformat(deadline.strip())
    except ValueError:
        return _publish_page(
            request, page, deadline=deadline, error="请选择整改期限（日期）。", status_code=400
        )
    try:
        lifecycle.publish(
            deps.store(request),
            round_id,
            by=person.login,
            deadline=day,
            address=deps.client_address(request),
        )
    except LifecycleError as refused:
        return _publish_page(request, page, deadline=deadline, error=str(refused), status_code=409)
    tasks.add_task(prepare_published, deps.store(request), round_id)
    return RedirectResponse(f"/rounds/{round_id}?done=published", status_code=303)


# -- closing -------------------------------------------------------------------------------
def _close_page(
    request: Request, page: RoundPage, *, error: str | None = None, status_code: int = 200
) -> Response:
    return deps.render(
        request,
        "round_close.html",
        status_code=status_code,
        round=page,
        today=today_in_beijing(),
        error=error,
    )


@router.get("/{round_id}/close")
def close_form(request: Request, round_id: str, person: Viewer = Depends(evaluator)) -> Response:
    return _close_page(request, _runnable(request, person, round_id))


@router.post("/{round_id}/close", dependencies=[Depends(deps.csrf_form)])
def close(request: Request, round_id: str, person: Viewer = Depends(evaluator)) -> Response:
    page = _runnable(request, person, round_id)
    try:
        lifecycle.close(
            deps.store(request), round_id, by=person.login, address=deps.client_address(request)
        )
    except LifecycleError as refused:
        return _close_page(request, page, error=str(refused), status_code=409)
    return RedirectResponse(f"/rounds/{round_id}?done=closed", status_code=303)
