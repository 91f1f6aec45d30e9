"""The JSON API under /api/v1: the portal's data for other systems (a province's platform, a
unit's own system), with the pages' scoping.

Who: ``Authorization: Bearer zwgk_…`` (an API token from /tokens, acting with exactly its
owner's rights) or the browser's session (`deps.api_viewer`); 401 otherwise.

What: the same rules as the pages (`portal.viewer`) — an administrator and the city office see
every unit, a county office its subtree, a unit user its own unit; units see a round only once
it is published. Anything out of scope is 404, exactly as if it did not exist: a round, a
unit, a problem. Lists hold only what the viewer may see (a unit's totals: its own row; its
problem list: its own problems — those the office dismissed too, marked ``decision:
dismissed`` and without deduction, where the checklist simply leaves them out).

Writing (a unit's answer): a token needs nothing more; a session must send its CSRF token in
the ``X-CSRF-Token`` header (403 otherwise; `deps.api_viewer` checks it on every changing
request), because a browser would send the cookie with a request another site forged. Refusals (an invalid answer, a closed round) are 409 with the
reason in Chinese under ``detail``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from portal import answers, deps
from portal.answer_states import answer_states
from portal.api_models import (
    AnswerIn,
    AnswerOut,
    InboxEntryOut,
    ProblemDetailOut,
    ProblemPageOut,
    RoundDetailOut,
    RoundOut,
    TotalOut,
    UnitRoundOut,
)
from portal.api_views import answer_out, problem_out, round_out, round_summary, unit_round_out
from portal.inbox import entries
from portal.lifecycle import LifecycleError, RoundState, state, states
from portal.problem_detail import get_problem
from portal.problem_query import FilterError, ProblemFilter, query
from portal.score_change import unit_help
from portal.unit_results import round_results, unit_result
from portal.viewer import Viewer, can_see_unit, round_visible, visible_rounds, visible_units
from store import Store
from store.rounds import get_round

CSRF_HEADER = "X-CSRF-Token"
NOT_FOUND = "不存在，或您无权查看。"

router = APIRouter(prefix="/api/v1", tags=["zwgk"])


def _store(request: Request) -> Store:
    return deps.store(request)


def _round(store: Store, person: Viewer, round_id: str) -> RoundState:
    """The round's state if ``person`` may see it, else 404."""
    if not round_visible(store, person, round_id):
        raise HTTPException(404, f"测评轮次{NOT_FOUND}")
    return state(store, round_id)


def _visible(store: Store, person: Viewer) -> set[str] | None:
    return visible_units(store, person)


@router.get("/rounds", response_model=list[RoundOut], summary="可查看的测评轮次")
def rounds(request: Request, person: Viewer = Depends(deps.api_viewer)) -> list[RoundOut]:
    store = _store(request)
    every = states(store)
    return [round_out(get_round(store, r), every[r]) for r in visible_rounds(store, person)]


@router.get("/rounds/{round_id}", response_model=RoundDetailOut, summary="测评轮次概况")
def round_detail(
    request: Request, round_id: str, person: Viewer = Depends(deps.api_viewer)
) -> RoundDetailOut:
    store = _store(request)
    current = _round(store, person, round_id)
    head = round_out(get_round(store, round_id), current)
    summary = round_summary(store, round_id, _visible(store, person))
    return RoundDetailOut(**head.model_dump(), summary=summary)


@router.get("/rounds/{round_id}/totals", response_model=list[TotalOut], summary="得分与排名")
def totals(request: Request, round_id: str, person: Viewer = Depends(deps.api_viewer)) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    found = round_results(store, round_id, _visible(store, person))
    return [TotalOut.model_validate(r, from_attributes=True) for r in found]


@router.get(
    "/rounds/{round_id}/problems",
    response_model=ProblemPageOut,
    summary="问题清单（筛选、排序、分页）",
    description=(
        "查询参数：unit（可重复）、level、indicator、status（可重复）、decision（none / "
        "confirmed / dismissed）、q（文字）、sort（unit / indicator / deduction / status / "
        "first_seen，前加“-”为降序）、page、per_page（20 / 50 / 100 / 200）。"
    ),
)
def problems(request: Request, round_id: str, person: Viewer = Depends(deps.api_viewer)) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    try:
        wanted = ProblemFilter.from_query(round_id, request.query_params)
    except FilterError as bad:
        raise HTTPException(400, str(bad)) from None
    page = query(store, wanted, _visible(store, person))
    return ProblemPageOut(
        round=round_id,
        total=page.total,
        page=wanted.page,
        per_page=wanted.per_page,
        pages=page.pages,
        rows=[problem_out(r) for r in page.rows],
    )


@router.get(
    "/rounds/{round_id}/problems/{fingerprint}",
    response_model=ProblemDetailOut,
    summary="一个问题：证据、建议与整改答复",
)
def problem(
    request: Request, round_id: str, fingerprint: str, person: Viewer = Depends(deps.api_viewer)
) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    found = get_problem(store, round_id, fingerprint, _visible(store, person))
    if found is None:
        raise HTTPException(404, f"问题{NOT_FOUND}")
    answered = answer_states(store, round_id, fingerprints=[fingerprint]).get(fingerprint)
    return ProblemDetailOut(
        **problem_out(found.row).model_dump(),
        evidence=found.evidence,
        answer=answer_out(answered) if answered else None,
    )


@router.get(
    "/rounds/{round_id}/units/{unit_id}",
    response_model=UnitRoundOut,
    summary="一个单位的测评结果：得分变化说明与优先整改",
    description=(
        "score_change：与上一轮相比的总分变化，分为指标体系调整、网站自身变化、测评人员核定"
        "（及重新计算差异）各部分，各部分按指标列出，之和等于总分变化；首轮或无说明时 reason "
        "给出原因。fix_first：可整改的问题按优先级排列，及达到合格线、前进一个名次、得满分"
        "各需完成哪些整改。"
    ),
)
def unit_round(
    request: Request, round_id: str, unit_id: str, person: Viewer = Depends(deps.api_viewer)
) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    result = unit_result(store, round_id, unit_id) if can_see_unit(store, person, unit_id) else None
    helped = unit_help(store, person, round_id, unit_id) if result is not None else None
    if result is None or helped is None:
        raise HTTPException(404, f"单位{NOT_FOUND}")
    return unit_round_out(result, helped)


@router.get(
    "/rounds/{round_id}/units/{unit_id}/answers",
    response_model=list[AnswerOut],
    summary="一个单位的整改答复及审核结果",
)
def unit_answers(
    request: Request, round_id: str, unit_id: str, person: Viewer = Depends(deps.api_viewer)
) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    if not can_see_unit(store, person, unit_id) or unit_result(store, round_id, unit_id) is None:
        raise HTTPException(404, f"单位{NOT_FOUND}")
    found = answer_states(store, round_id, unit_ids=[unit_id])
    return [answer_out(a) for _, a in sorted(found.items())]


@router.post(
    "/rounds/{round_id}/problems/{fingerprint}/answer",
    response_model=AnswerOut,
    summary="单位在线答复一个问题（整改情况 + 整改说明）",
    description=(
        "仅限单位账号，只能答复本单位在已发布、未截止轮次中需整改的问题，规则与上传整改清单相同。"
        f"使用API令牌（Authorization: Bearer）时无需其他凭据；使用浏览器会话时，须在请求头 "
        f"{CSRF_HEADER} 中携带会话的CSRF令牌，否则返回403。"
    ),
    responses={
        403: {"description": "不是单位账号，或会话提交缺少CSRF令牌"},
        409: {"description": "答复被拒绝（原因见 detail）"},
    },
)
def answer(
    request: Request,
    round_id: str,
    fingerprint: str,
    body: AnswerIn,
    person: Viewer = Depends(deps.api_viewer),  # a session's POST: X-CSRF-Token
) -> Any:
    store = _store(request)
    _round(store, person, round_id)
    if person.role != "unit" or not person.unit_id:
        raise HTTPException(403, "只有被测评单位的账号可以答复问题。")
    found = get_problem(store, round_id, fingerprint, {person.unit_id})
    if found is None:
        raise HTTPException(404, f"问题{NOT_FOUND}")
    try:
        answers.answer_online(
            store,
            round_id,
            person.unit_id,
            fingerprint,
            body.status,
            body.note,
            person.login,
            address=deps.client_address(request),
        )
    except (answers.AnswerRefused, LifecycleError) as refused:
        raise HTTPException(409, str(refused)) from None
    return answer_out(answer_states(store, round_id, fingerprints=[fingerprint])[fingerprint])


@router.get(
    "/inbox",
    response_model=list[InboxEntryOut],
    summary="本单位的今日提醒（日巡查每日提醒），最新的在前",
    description="仅限单位账号。读取不会把提醒标为已读（在门户中打开才算已读）。",
    responses={403: {"description": "不是单位账号"}},
)
def inbox(request: Request, person: Viewer = Depends(deps.api_viewer)) -> Any:
    if person.role != "unit" or not person.unit_id:
        raise HTTPException(403, "今日提醒仅供被测评单位的账号查看。")
    found = entries(_store(request), person.user_id, person.unit_id)
    return [InboxEntryOut(**e.digest.payload(), read=e.read) for e in found]
