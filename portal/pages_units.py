"""A unit as the evaluators see it in a round (单位页面): its result (total, rank within its
level, verdict), why its total changed since the previous round and what to fix first
(得分变化说明, 优先整改: `portal.score_change`), its problems, its answers (整改情况) with
their review — accept, or send back with a comment —, its history across rounds, and its
整改清单 to download (the files `zwgk report checklist` writes).

A unit outside the viewer's scope is a 404, like a unit that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from common.vocabulary import UNRESOLVED
from portal import deps, downloads, history
from portal.answer_states import answer_states, progress
from portal.answers import VERDICT_ZH, ReviewRefused, review
from portal.decisions import DECISION_ZH
from portal.evaluator import RoundPage, evaluator, not_found, round_page, unit_row
from portal.lifecycle import LifecycleError
from portal.problem_query import ProblemFilter, ProblemRow, query
from portal.score_change import unit_help
from portal.viewer import Viewer
from reports.checklist.rows import ANSWER_ZH

router = APIRouter(prefix="/rounds/{round_id}/units/{unit_id}", include_in_schema=False)

PAGE_ROWS = 200  # problems read at a time
SHOWN_PROBLEMS = 2000  # on the unit's page; the rest through the problem list's unit filter
FORMAT_ZH = {"xlsx": "Excel表格（可填报后上传）", "csv": "CSV", "html": "网页（可打印）"}
DONE_ZH = {"accepted": "已通过该答复。", "sent_back": "已退回该答复，单位可根据审核意见重新答复。"}


def takes_answer(row: ProblemRow) -> bool:
    """Whether the unit's checklist asks an answer to ``row`` (what the page says of a problem
    without one: 未答复 or 无需答复) — `portal.answer_states.answerable`, for one row."""
    return row.status in UNRESOLVED and row.rectifiable and row.decision != "dismissed"


def unit_problems(request: Request, page: RoundPage, unit_id: str) -> tuple[list[ProblemRow], int]:
    """The unit's problems in the list's order (up to `SHOWN_PROBLEMS`) and how many it has."""
    f = ProblemFilter(page.id, unit_ids=(unit_id,), per_page=PAGE_ROWS)
    rows: list[ProblemRow] = []
    while True:
        listed = query(deps.store(request), f, page.visible)
        rows += listed.rows
        if f.page >= listed.pages or len(rows) >= SHOWN_PROBLEMS:
            return rows, listed.total
        f = f.replace(page=f.page + 1)


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
    rows, total = unit_problems(request, page, unit_id)
    answers = answer_states(store, page.id, unit_ids=[unit_id]) if not page.state.is_draft else {}
    done = DONE_ZH.get(request.query_params.get("done", ""))
    # 得分变化说明 and 优先整改 (portal.score_change): a unit the round evaluated
    helped = unit_help(store, request.state.viewer, page.id, unit_id) if unit.result else None
    return deps.render(
        request,
        "unit.html",
        status_code=status_code,
        round=page,
        unit=unit,
        rows=rows,
        total=total,
        all_problems=ProblemFilter(page.id, unit_ids=(unit_id,)).to_query(),
        answers=answers,
        progress=next(iter(progress(store, page.id, [unit_id])), None),
        takes_answer=takes_answer,
        answer_zh=ANSWER_ZH,
        verdict_zh=VERDICT_ZH,
        decision_zh=DECISION_ZH,
        history=history.unit_history(store, unit_id),
        score_help=helped,
        formats=FORMAT_ZH,
        error=error,
        message=done,
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
    if unit.result is None or fmt not in FORMAT_ZH:
        raise not_found()  # the round did not evaluate the unit: no checklist
    return downloads.checklist_download(store, round_id, unit_id, fmt, page.state)


@router.post("/answers/{response_id}/review", dependencies=[Depends(deps.csrf_form)])
def review_answer(
    request: Request,
    round_id: str,
    unit_id: str,
    response_id: int,
    person: Viewer = Depends(evaluator),
    verdict: str = Form(""),
    comment: str = Form(""),
) -> Response:
    """Accept an answer, or send it back with a comment (required)."""
    store = deps.store(request)
    page = round_page(store, person, round_id)
    unit_row(store, page, unit_id)  # 404 outside the viewer's scope
    try:
        review(
            store,
            response_id,
            verdict,
            comment,
            person.login,
            visible=frozenset({unit_id}),  # an answer of this unit only (in scope: above)
            address=deps.client_address(request),
        )
    except (ReviewRefused, LifecycleError) as refused:
        return _unit_page(
            request,
            page,
            unit_id,
            error=str(refused),
            status_code=409 if isinstance(refused, LifecycleError) else 400,
        )
    return RedirectResponse(
        f"/rounds/{round_id}/units/{unit_id}?done={verdict}#answer-{response_id}", status_code=303
    )
