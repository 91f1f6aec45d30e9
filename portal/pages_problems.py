"""The evaluators' problems (问题) of a round: the list — filtered by unit, level, indicator,
status, decision and text, sorted and paged, the filter kept in the URL so it can be shared —
with a bulk confirm / dismiss of the ticked ones; and one problem's page with its evidence,
suggestion, history across rounds and its own confirm / dismiss.

A decision needs a reason and is taken only while the round is a draft (`portal.decisions`
says why it refuses, and the page shows it). The stored page is shown only as escaped text
(`portal.evidence`); the live page is a link that sends no referrer and gets no opener.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from common.vocabulary import STATUS_ZH
from portal import deps, evidence, history
from portal.decisions import DECISION_ZH, DecisionRefused, decide
from portal.evaluator import (
    RoundPage,
    evaluator,
    indicators,
    problem_row,
    round_page,
    unit_row,
)
from portal.lifecycle import LifecycleError, require_draft
from portal.viewer import Viewer

router = APIRouter(prefix="/rounds/{round_id}/problems", include_in_schema=False)

DONE_ZH = {
    "confirmed": "已确认该问题。",
    "dismissed": "已驳回该问题，本轮发布时不再扣分。",
}


def decisions_refused(request: Request, page: RoundPage) -> str | None:
    """Why no decision can be taken on the round now, in `portal.lifecycle`'s words (None:
    they can)."""
    try:
        require_draft(deps.store(request), page.id, "确认或驳回问题")
    except LifecycleError as refused:
        return str(refused)
    return None


# -- one problem ---------------------------------------------------------------------------
def _problem_page(
    request: Request,
    page: RoundPage,
    fingerprint: str,
    *,
    error: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    store = deps.store(request)
    problem = problem_row(store, page, fingerprint)
    unit = unit_row(store, page, problem["unit_id"])
    indicator = indicators(page.info).get(problem["indicator_id"])
    done = DONE_ZH.get(request.query_params.get("done", ""))
    return deps.render(
        request,
        "problem.html",
        status_code=status_code,
        round=page,
        problem=problem,
        unit=unit,
        indicator=indicator,
        status_zh=STATUS_ZH,
        decision_zh=DECISION_ZH,
        evidence=evidence.problem_evidence(store, page.id, problem),
        history=history.problem_history(store, fingerprint),
        refused=decisions_refused(request, page),
        error=error,
        reason=reason,
        message=done,
        back=request.query_params.get("back", ""),
    )


@router.get("/{fingerprint}")
def problem(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(evaluator)
) -> Response:
    page = round_page(deps.store(request), person, round_id)
    return _problem_page(request, page, fingerprint)


@router.post("/{fingerprint}/decide", dependencies=[Depends(deps.csrf_form)])
def decide_one(
    request: Request,
    round_id: str,
    fingerprint: str,
    person: Viewer = Depends(evaluator),
    decision: str = Form(""),
    reason: str = Form(""),
) -> Response:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    problem_row(store, page, fingerprint)  # 404 outside the viewer's scope
    try:
        decide(
            store,
            round_id,
            [fingerprint],
            decision,
            reason,
            person.login,
            visible=page.visible,
            address=deps.client_address(request),
        )
    except (DecisionRefused, LifecycleError) as refused:
        status = 409 if isinstance(refused, LifecycleError) else 400
        page = round_page(store, person, round_id)
        return _problem_page(
            request, page, fingerprint, error=str(refused), reason=reason, status_code=status
        )
    return RedirectResponse(
        f"/rounds/{round_id}/problems/{fingerprint}?done={decision}", status_code=303
    )


def evidence_facts(problem: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted((problem.get("evidence") or {}).items())
