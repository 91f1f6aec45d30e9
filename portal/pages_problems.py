"""The evaluators' problems (问题) of a round: the list — filtered by unit, level, indicator,
status, decision and text, sorted and paged, the filter kept in the URL so it can be shared —
with a bulk confirm / dismiss of the ticked ones (or of every match); and one problem's page
with its evidence, suggestion, history across rounds and its own confirm / dismiss.

The queries are `portal.problem_query` / `portal.problem_detail`'s; a decision is
`portal.decisions`' (a reason required, a draft round only — the page shows why it refuses).
The stored page is shown as escaped text (`portal.evidence`) and as a picture drawn with
nothing live fetched (`portal.snapshot`, an ``<img>`` of `portal.pages_snapshot`); the live page
is a link that sends no referrer and gets no opener.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from common.vocabulary import STATUS_ZH
from portal import deps, evidence
from portal.decisions import DECISION_ZH, DecisionRefused, decide
from portal.evaluator import RoundPage, evaluator, not_found, round_page, unit_row
from portal.lifecycle import LifecycleError, draft_refusal
from portal.problem_detail import get_problem
from portal.problem_query import (
    Facets,
    FilterError,
    ProblemFilter,
    facets,
    query,
    select_fingerprints,
)
from portal.snapshot import problem_snapshot
from portal.viewer import Viewer

router = APIRouter(prefix="/rounds/{round_id}/problems", include_in_schema=False)

DONE_ZH = {"confirmed": "已确认", "dismissed": "已驳回"}


def decisions_refused(page: RoundPage) -> str | None:
    """Why no decision can be taken on the round now, in `portal.lifecycle`'s words (None:
    they can)."""
    return draft_refusal(page.state, "确认或驳回问题")


def _done(request: Request) -> str | None:
    """The line saying what was just done (after the redirect of a decision)."""
    decision = DONE_ZH.get(request.query_params.get("done", ""))
    count = request.query_params.get("n", "1")
    if decision is None or not count.isdigit():
        return None
    tail = "，本轮发布时不再扣分。" if decision == "已驳回" else "。"
    return f"{decision}{int(count)}个问题{tail}"


def _filter(round_id: str, query_string: str) -> ProblemFilter:
    """The list's filter from a query string the browser sent back; a bad one is the default
    (a hidden field is only ever what the page wrote)."""
    try:
        return ProblemFilter.from_query(round_id, query_string)
    except FilterError:
        return ProblemFilter(round_id)


def unit_options(choices: Facets, chosen: Collection[str]) -> Markup:
    """The unit filter's options with the chosen units selected: the facets keep the options
    of a city's 500 units made once (`Facets.unit_options`), a chosen unit is marked in a copy."""
    markup = choices.unit_options
    for unit_id in chosen:
        value = f'<option value="{escape(unit_id)}">'
        markup = markup.replace(value, f"{value[:-1]} selected>", 1)
    return Markup(markup)


# -- the list ------------------------------------------------------------------------------
def _list_page(
    request: Request,
    page: RoundPage,
    f: ProblemFilter,
    *,
    error: str | None = None,
    reason: str = "",
    checked: frozenset[str] = frozenset(),
    decision: str = "",
    status_code: int = 200,
) -> Response:
    store = deps.store(request)
    listed = query(store, f, page.visible, page.context)
    choices = facets(store, page.id, page.visible, page.context)
    return deps.render(
        request,
        "problems.html",
        status_code=status_code,
        round=page,
        filter=f,
        listed=listed,
        facets=choices,
        unit_options=unit_options(choices, f.unit_ids),
        decision_zh=DECISION_ZH,
        refused=decisions_refused(page),
        error=error,
        reason=reason,
        checked=checked,
        decision=decision,
        message=_done(request),
    )


@router.get("")
def problems(request: Request, round_id: str, person: Viewer = Depends(evaluator)) -> Response:
    page = round_page(deps.store(request), person, round_id)
    try:
        f = ProblemFilter.from_query(round_id, request.query_params)
    except FilterError as bad:
        return _list_page(
            request, page, ProblemFilter(round_id), error=f"筛选条件有误：{bad}", status_code=400
        )
    return _list_page(request, page, f)


@router.post("/decide", dependencies=[Depends(deps.csrf_form)])
def decide_many(
    request: Request,
    round_id: str,
    person: Viewer = Depends(evaluator),
    fp: list[str] = Form([]),
    every: str = Form(""),
    decision: str = Form(""),
    reason: str = Form(""),
    back: str = Form(""),
) -> Response:
    """Confirm or dismiss the ticked problems — or, with ``every``, every problem the list's
    filter (``back``) matches — with one reason."""
    store = deps.store(request)
    page = round_page(store, person, round_id)
    f = _filter(round_id, back)
    try:
        chosen = select_fingerprints(store, f, page.visible) if every else fp
        decide(
            store,
            round_id,
            chosen,
            decision,
            reason,
            person.login,
            visible=page.visible,
            address=deps.client_address(request),
        )
    except (DecisionRefused, LifecycleError, FilterError) as refused:
        return _list_page(
            request,
            round_page(store, person, round_id),
            f,
            error=str(refused),
            reason=reason,
            checked=frozenset(fp),
            decision=decision,
            status_code=409 if isinstance(refused, LifecycleError) else 400,
        )
    done = f.to_query()
    done += ("&" if done else "") + f"done={decision}&n={len(set(chosen))}"
    return RedirectResponse(f"/rounds/{round_id}/problems?{done}", status_code=303)


# -- one problem ---------------------------------------------------------------------------
def _problem_page(
    request: Request,
    page: RoundPage,
    fingerprint: str,
    *,
    error: str | None = None,
    reason: str = "",
    decision: str = "",
    status_code: int = 200,
) -> Response:
    store = deps.store(request)
    detail = get_problem(store, page.id, fingerprint, page.visible)
    if detail is None:
        raise not_found()
    back = _filter(page.id, request.query_params.get("back", "")).to_query()
    return deps.render(
        request,
        "problem.html",
        status_code=status_code,
        round=page,
        detail=detail,
        problem=detail.row,
        unit=unit_row(store, page, detail.row.unit_id),
        decision_zh=DECISION_ZH,
        evidence=evidence.problem_evidence(store, page.id, fingerprint, page.visible),
        snapshot=problem_snapshot(store, page.id, fingerprint, page.visible),
        status_zh=STATUS_ZH,
        refused=decisions_refused(page),
        error=error,
        reason=reason,
        decision=decision,
        message=_done(request),
        back=back,
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
    back: str = Form(""),
) -> Response:
    store = deps.store(request)
    page = round_page(store, person, round_id)
    if get_problem(store, round_id, fingerprint, page.visible) is None:
        raise not_found()
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
        return _problem_page(
            request,
            round_page(store, person, round_id),
            fingerprint,
            error=str(refused),
            reason=reason,
            decision=decision,
            status_code=409 if isinstance(refused, LifecycleError) else 400,
        )
    again = {"done": decision, "back": _filter(round_id, back).to_query()}
    return RedirectResponse(
        f"/rounds/{round_id}/problems/{fingerprint}?{urlencode(again)}", status_code=303
    )
