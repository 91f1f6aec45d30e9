"""Units' answers on the portal (整改情况): one problem at a time online, or the filled checklist
uploaded; and the evaluators' review of them — accepted (通过) or sent back (退回) with a comment.

An answer given online follows the returned sheet's rules exactly, because it is checked by the
same code: which problems take an answer is the checklist's (`reports.checklist` rows:
`ChecklistRow.answerable` — a one-time event, 今后注意, takes none; nor do fixed, expired or
dismissed problems), and what an answer may say is `reports.response_sheet.read_answer`.
An upload goes through the import itself (`reports.responses`), which refuses a sheet of
another unit or round before reading anything of that checklist; its cell-by-cell refusals come
back as data for the page.

Units answer only while the round is published and before it closes; every answer recorded
gets an audit entry in the same transaction. Only the answer in force (the latest for its
problem) can be reviewed: a review of an answer the unit has replaced since would judge words
nobody stands by any more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from portal.audit import ANSWER, REVIEW, UPLOAD, record
from portal.lifecycle import LifecycleError, require_answers_open, state
from reports.checklist.data import ANSWER_ZH, FUTURE_ZH, ChecklistError, load_checklists
from reports.response_sheet import AnswerRefusal, read_answer
from reports.responses import ResponseError, read_responses
from store import Store
from store.portal_models import REVIEW_VERDICTS, ResponseReview
from store.responses import RESPONSES, latest_responses, record_responses
from store.text import inert
from store.types import utcnow

REVIEWS = ResponseReview.__table__
ONLINE_SOURCE = "在线填报"  # `responses.source` of an answer given on the portal
VERDICT_ZH = {"accepted": "通过", "sent_back": "退回"}
COMMENT_MAX_CHARS = 1000

__all__ = [
    "ONLINE_SOURCE", "VERDICT_ZH", "AnswerRefused", "LifecycleError", "Online", "ReviewRefused",
    "Reviewed", "Uploaded", "answer_online", "review", "upload",
]  # fmt: skip


class AnswerRefused(ValueError):
    """An answer that cannot be recorded; the message says why in Chinese."""


class ReviewRefused(ValueError):
    """A review that cannot be recorded; the message says why in Chinese."""


@dataclass(frozen=True)
class Online:
    """An answer given online: recorded (False: equal to the one in force), its row's id."""

    recorded: bool
    response_id: int


@dataclass(frozen=True)
class Uploaded:
    """An uploaded checklist: accepted (no refusals) with what it recorded, or refused with
    every refusal, each naming sheet, row and column (整改清单!M7: …)."""

    source: str
    refusals: list[str] = field(default_factory=list)
    recorded: int = 0
    unchanged: int = 0
    blank: int = 0

    @property
    def accepted(self) -> bool:
        return not self.refusals


@dataclass(frozen=True)
class Reviewed:
    response_id: int
    verdict: str
    comment: str | None
    by: str
    at: dt.datetime


def _in_force(conn, round_id: str, unit_id: str, fingerprint: str):
    """The answer in force for one problem (id, status, note) and its latest review's verdict,
    or None."""
    r, v = RESPONSES.c, REVIEWS.c
    latest = conn.execute(
        select(r.id, r.status, r.note)
        .where(r.round == round_id, r.unit_id == unit_id, r.fingerprint == fingerprint)
        .order_by(r.imported_at.desc(), r.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    verdict = conn.scalar(
        select(v.verdict).where(v.response_id == latest.id).order_by(v.at.desc(), v.id.desc())
    )
    return latest, verdict


def answer_online(
    store: Store,
    round_id: str,
    unit_id: str,
    fingerprint: str,
    status: str,
    note: str | None,
    by: str,
    *,
    address: str | None = None,
    today: dt.date | None = None,
) -> Online:
    """Record unit ``unit_id``'s answer to problem ``fingerprint``: ``status`` a code
    (rectified / in_progress / cannot_rectify) or its Chinese (已整改 …), ``note`` 整改说明.
    `AnswerRefused` / `LifecycleError` say why nothing was recorded."""
    require_answers_open(store, round_id, "在线答复", today=today)
    try:
        (cl,) = load_checklists(store, round_id, [unit_id], with_answers=False)
    except ChecklistError:
        raise AnswerRefused(f"本单位不在测评轮次{round_id}中") from None
    row = {r.fingerprint: r for r in cl.rows}.get(fingerprint)
    if fingerprint in cl.dismissed:
        raise AnswerRefused("该问题已被驳回，不列入整改清单，无需答复")
    if row is None:
        raise AnswerRefused(f"问题 {inert(fingerprint)[:40]} 不是本单位在本轮次的问题")
    if row.for_the_future:
        raise AnswerRefused(
            f"该问题是已经发生、无法整改的一次性问题（状态“{FUTURE_ZH}”），今后注意避免即可，不需答复"
        )
    if not row.answerable:
        raise AnswerRefused(f"该问题状态为{row.status_zh}，无需答复")
    found = read_answer(fingerprint, ANSWER_ZH.get(status, status), note)
    if found is None:
        raise AnswerRefused("请选择整改情况")
    if isinstance(found, AnswerRefusal):
        raise AnswerRefused(found.message)
    with store.engine.begin() as conn:
        before = _in_force(conn, round_id, unit_id, fingerprint)
        same = before is not None and (before[0].status, before[0].note) == (
            found.status,
            found.note,
        )
        if same and before[1] == "sent_back":
            raise AnswerRefused("答复与被退回的答复相同，请根据审核意见修改后再提交")
        done = record_responses(store, round_id, unit_id, [found], source=ONLINE_SOURCE, conn=conn)
        if done.recorded:
            record(
                conn,
                by,
                ANSWER,
                round=round_id,
                unit_id=unit_id,
                target=fingerprint,
                before=None if before is None else _said(before[0]),
                after=_said(found),
                address=address,
            )
        now = _in_force(conn, round_id, unit_id, fingerprint)
    return Online(bool(done.recorded), int(now[0].id))


def _said(answer) -> dict[str, str | None]:
    return {"status": answer.status, "note": answer.note}


def upload(
    store: Store,
    round_id: str,
    unit_id: str,
    path: Path | str,
    by: str,
    *,
    source: str | None = None,
    address: str | None = None,
    today: dt.date | None = None,
) -> Uploaded:
    """Record the answers of a filled checklist uploaded by unit ``unit_id`` for round
    ``round_id`` (``source``: the file's name as uploaded). A refused file records nothing and
    comes back with its refusals; `LifecycleError` when the round takes no answers."""
    require_answers_open(store, round_id, "上传整改清单", today=today)
    name = inert(source if source is not None else Path(path).name) or ""
    try:
        _, answers, blank = read_responses(store, path, expect=(round_id, unit_id), source=name)
    except ResponseError as exc:
        return Uploaded(name, refusals=list(exc.problems))
    before = latest_responses(store, round_id, [unit_id])
    with store.engine.begin() as conn:
        done = record_responses(store, round_id, unit_id, answers, source=name, conn=conn)
        for answer in answers:
            old = before.get(answer.fingerprint)
            if old is not None and (old.status, old.note) == (answer.status, answer.note):
                continue
            record(
                conn,
                by,
                UPLOAD,
                round=round_id,
                unit_id=unit_id,
                target=answer.fingerprint,
                before=None if old is None else _said(old),
                after=_said(answer) | {"source": name},
                address=address,
            )
    return Uploaded(name, [], done.recorded, done.unchanged, blank)


def review(
    store: Store,
    response_id: int,
    verdict: str,
    comment: str | None,
    by: str,
    *,
    visible: set[str] | frozenset[str] | None = None,
    address: str | None = None,
) -> Reviewed:
    """Accept or send back answer ``response_id`` (sending back needs a ``comment``), as
    ``by``, when its unit is in ``visible`` (None: every unit) and it is the answer in force.
    `ReviewRefused` / `LifecycleError` say why nothing was recorded."""
    comment = (inert(comment) or "").strip() or None
    if verdict not in REVIEW_VERDICTS:
        raise ReviewRefused(f"审核结论只能是通过或退回，收到的是{verdict!r}")
    if verdict == "sent_back" and comment is None:
        raise ReviewRefused("退回答复须写明审核意见，告诉单位需要补充或修改什么")
    if comment is not None and len(comment) > COMMENT_MAX_CHARS:
        raise ReviewRefused(f"审核意见共{len(comment)}字，超过{COMMENT_MAX_CHARS}字的上限")
    if not (by and by.strip()):
        raise ReviewRefused("审核须记录审核人")
    r, v = RESPONSES.c, REVIEWS.c
    with store.engine.connect() as conn:
        answer = conn.execute(select(RESPONSES).where(r.id == response_id)).first()
    if answer is None or (visible is not None and answer.unit_id not in visible):
        raise ReviewRefused("没有这条可由您审核的答复")
    if state(store, answer.round).is_draft:
        raise LifecycleError(f"测评轮次{answer.round}尚未发布，不能审核答复")
    at = utcnow()
    with store.engine.begin() as conn:
        now = _in_force(conn, answer.round, answer.unit_id, answer.fingerprint)
        if now is None or now[0].id != response_id:
            raise ReviewRefused("单位已重新答复，这条答复已不是最新的；请审核最新的答复")
        previous = conn.execute(
            select(v.verdict, v.comment, v.by)
            .where(v.response_id == response_id)
            .order_by(v.at.desc(), v.id.desc())
            .limit(1)
        ).first()
        conn.execute(
            REVIEWS.insert().values(
                response_id=response_id, verdict=verdict, comment=comment, by=by, at=at
            )
        )
        record(
            conn,
            by,
            REVIEW,
            round=answer.round,
            unit_id=answer.unit_id,
            target=answer.fingerprint,
            before=None if previous is None else dict(previous._mapping),
            after={"verdict": verdict, "comment": comment, "response_id": response_id},
            address=address,
        )
    return Reviewed(response_id, verdict, comment, by, at)
