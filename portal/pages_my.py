"""The unit user's pages (我的测评): their rounds and scores, one round's problems with the
answers and their review, why the total changed since the previous round and what to fix
first (得分变化说明, 优先整改: `portal.score_change`), answering online, uploading the filled
整改清单 and downloading it.

Only unit users come here (403 otherwise), and each sees their own unit only: no route takes a
unit from the URL or the form — it is always the signed-in person's. A round a unit may not see
(a draft, or none of that id) and a problem that is not one of the unit's rows of that round are
404, the same answer whether it exists for someone else or not at all.

Answers follow the XLSX import's rules because they are checked by the same code
(`portal.answers`, over `reports.response_sheet` and `reports.responses`); refusals — an invalid answer, a closed round, a sheet's cells — are
shown on the page in Chinese. An upload is refused by its declared size (`MAX_UPLOAD_BYTES`)
before any of it is read.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from portal import answers, deps
from portal.downloads import checklist_download
from portal.lifecycle import LifecycleError, RoundState, state
from portal.my_view import ANSWER_CHOICES, MyRoundPage, my_round, my_rounds
from portal.score_change import unit_help
from portal.viewer import Viewer, round_visible
from reports.checklist import FORMATS, ChecklistError
from reports.untrusted_xlsx import MAX_FILE_BYTES
from store import Store

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# The filled XLSX the import accepts at most, plus the multipart envelope around it.
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + 64 * 1024
UPLOAD_FIELD = "file"
_SAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def unit_user(person: Viewer = Depends(deps.viewer)) -> Viewer:
    """The signed-in unit user (403 for other roles, or a unit account without a unit)."""
    if person.role != "unit" or not person.unit_id:
        raise HTTPException(403, "此页面仅供被测评单位的账号使用。")
    return person


def unit_form(person: Viewer = Depends(deps.csrf_form)) -> Viewer:
    """`unit_user` for a POST form, after its CSRF check."""
    return unit_user(person)


def upload_size(request: Request) -> None:
    """Refuse an upload by its declared length before the body is read (411 without one: the
    server then holds the client to it)."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise HTTPException(411, "上传请求缺少内容长度，请使用浏览器的上传按钮重新上传。")
    if int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(
            413,
            f"上传的文件过大（上限{MAX_FILE_BYTES // (1024 * 1024)} MB），请上传导出的整改清单原表。",
        )


def _round_of(store: Store, person: Viewer, round_id: str) -> RoundState:
    """The round's state if ``person`` may see it, else 404."""
    if not round_visible(store, person, round_id):
        raise HTTPException(404, "测评轮次不存在，或尚未发布。")
    return state(store, round_id)


def _page_of(store: Store, person: Viewer, round_id: str) -> MyRoundPage:
    current = _round_of(store, person, round_id)
    try:
        return my_round(store, round_id, person.unit_id, current)  # type: ignore[arg-type]
    except ChecklistError:  # the round did not evaluate this unit
        raise HTTPException(404, "本轮测评未包含您的单位。") from None


def _show(request: Request, page: MyRoundPage, *, status_code: int = 200, **extra) -> Response:
    cl = page.checklist
    return deps.render(
        request,
        "my_round.html",
        status_code=status_code,
        page=page,
        # 得分变化说明 and 优先整改: the signed-in unit's own, in a round it may see
        score_help=unit_help(deps.store(request), request.state.viewer, cl.round_id, cl.unit_id),
        choices=ANSWER_CHOICES,
        formats=tuple(FORMATS),
        **extra,
    )


@router.get("/my")
def rounds_page(request: Request, person: Viewer = Depends(unit_user)) -> Response:
    return deps.render(request, "my_rounds.html", rounds=my_rounds(deps.store(request), person))


@router.get("/my/{round_id}")
def round_page(
    request: Request,
    round_id: str,
    saved: str | None = None,
    imported: str | None = None,
    person: Viewer = Depends(unit_user),
) -> Response:
    page = _page_of(deps.store(request), person, round_id)
    done = [int(n) for n in imported.split(",")[:3] if n.isdigit()] if imported else []
    shown = page.problem(saved) if saved else None
    return _show(
        request,
        page,
        saved=shown.row.number if shown else None,
        imported=done if len(done) == 3 else None,
    )


@router.get("/my/{round_id}/checklist.{fmt}")
def checklist_file(
    request: Request, round_id: str, fmt: str, person: Viewer = Depends(unit_user)
) -> Response:
    store = deps.store(request)
    current = _round_of(store, person, round_id)
    if fmt not in FORMATS:
        raise HTTPException(404, "没有这种格式的整改清单。")
    try:
        return checklist_download(store, round_id, person.unit_id, fmt, current)  # type: ignore[arg-type]
    except ChecklistError:
        raise HTTPException(404, "本轮测评未包含您的单位。") from None


@router.post("/my/{round_id}/answer")
async def answer(request: Request, round_id: str, person: Viewer = Depends(unit_form)) -> Response:
    store = deps.store(request)
    page = _page_of(store, person, round_id)
    form = await request.form()
    fingerprint, status, note = (str(form.get(k) or "") for k in ("fingerprint", "status", "note"))
    problem = page.problem(fingerprint)
    if problem is None:
        raise HTTPException(404, "您的整改清单中没有这个问题。")
    try:
        answers.answer_online(
            store,
            round_id,
            person.unit_id,
            fingerprint,
            status,
            note,
            person.login,
            address=deps.client_address(request),
        )
    except (answers.AnswerRefused, LifecycleError) as refused:
        return _show(
            request,
            page,
            status_code=400,
            refused={fingerprint: str(refused)},
            kept={fingerprint: (status, note)},
        )
    target = f"/my/{round_id}?saved={fingerprint}#p-{fingerprint}"
    return RedirectResponse(target, status_code=303)


def _upload_name(upload: UploadFile) -> str:
    """The file's own name, recorded as the answers' source (`answers.upload` makes it inert),
    without a path and within bounds."""
    name = _SAFE_NAME.sub("_", Path(upload.filename or "").name).strip(" ._")[:120]
    return name if name.lower().endswith(".xlsx") else (name or "整改清单") + ".xlsx"


@router.post("/my/{round_id}/upload", dependencies=[Depends(upload_size)])
async def upload(request: Request, round_id: str, person: Viewer = Depends(unit_form)) -> Response:
    store = deps.store(request)
    page = _page_of(store, person, round_id)
    sent = (await request.form()).get(UPLOAD_FIELD)
    if not isinstance(sent, UploadFile) or not sent.filename:
        return _show(
            request, page, status_code=400, upload_refused=["请选择要上传的整改清单文件（.xlsx）。"]
        )
    name = _upload_name(sent)
    folder = Path(tempfile.mkdtemp(prefix="zwgk-upload-"))
    try:
        path = folder / "upload.xlsx"
        with path.open("wb") as out:
            shutil.copyfileobj(sent.file, out, 64 * 1024)
        done = answers.upload(
            store,
            round_id,
            person.unit_id,
            path,
            person.login,
            source=name,
            address=deps.client_address(request),
        )
    except LifecycleError as refused:
        return _show(request, page, status_code=400, upload_refused=[str(refused)])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not done.accepted:
        return _show(request, page, status_code=400, upload_refused=done.refusals)
    counts = f"{done.recorded},{done.unchanged},{done.blank}"
    return RedirectResponse(f"/my/{round_id}?imported={counts}", status_code=303)
