"""A round's life in the portal: draft → published → closed (草稿 → 已发布 → 已截止).

- **draft** (no `round_publications` row): evaluators review — confirm or dismiss problems —
  and units see nothing of the round;
- **published**: units see their results, checklist and 整改期限 and answer; the evaluators'
  decisions are frozen, because the score a unit sees must be the one the decisions gave;
- **closed**: after the deadline (a published round whose deadline has passed, Beijing time,
  reads as closed without anyone acting) or closed explicitly; answers are frozen. Reopening is
  not offered: a unit's answers and the office's acceptance refer to what it saw.

Publishing re-scores the round first (`scoring.round.reevaluate`: the same frozen indicator
set and crawl run, so the decisions are the only change) and only then marks it published: if
re-scoring fails nothing is published. The mark and its audit entry are one transaction, which
also checks that no other publication and no new decision on the round's problems slipped in
while it was re-scored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, case, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit import CLOSE, PUBLISH, record
from reports.wording import cn_date, today_in_beijing
from scoring.round import RoundError, reevaluate
from store import Store, models
from store.portal_models import RoundPublication
from store.rounds import DECISIONS, PROBLEMS, TOTALS, get_round
from store.types import utcnow

log = logging.getLogger(__name__)

PUBLICATIONS: Table = RoundPublication.__table__  # type: ignore[assignment]
RUNS: Table = models.CrawlRun.__table__  # type: ignore[assignment]
STATE_ZH = {"draft": "未发布", "published": "已发布", "closed": "已截止"}


class LifecycleError(ValueError):
    """A step the round's state does not allow, or a publication that could not be made; the
    message says why in Chinese (it is shown on the page)."""


@dataclass(frozen=True)
class RoundState:
    """Where a round is in its life; ``closed_by`` is None when the deadline closed it."""

    round_id: str
    state: str  # draft / published / closed
    deadline: dt.date | None = None  # 整改期限, the last day (Beijing) answers are taken
    published_at: dt.datetime | None = None
    published_by: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None

    @property
    def state_zh(self) -> str:
        return STATE_ZH[self.state]

    @property
    def is_draft(self) -> bool:
        return self.state == "draft"

    @property
    def answers_open(self) -> bool:
        """Units may answer: published and not closed."""
        return self.state == "published"

    @property
    def closed_by_deadline(self) -> bool:
        return self.state == "closed" and self.closed_at is None


def state_from(round_id: str, row: Any, today: dt.date) -> RoundState:
    """The round's state as of ``today`` from its `round_publications` row (None: a draft)."""
    if row is None:
        return RoundState(round_id, "draft")
    current = row.state
    if current == "published" and row.deadline is not None and today > row.deadline:
        current = "closed"
    return RoundState(
        round_id,
        current,
        row.deadline,
        row.published_at,
        row.published_by,
        row.closed_at,
        row.closed_by,
    )


def state(store: Store, round_id: str, *, today: dt.date | None = None) -> RoundState:
    """The round's state as of ``today`` (default: today in Beijing); `RoundNotFound` when
    there is no such round."""
    rounds = models.Round.__table__
    stmt = (
        select(rounds.c.id, PUBLICATIONS)
        .outerjoin(PUBLICATIONS, PUBLICATIONS.c.round == rounds.c.id)
        .where(rounds.c.id == round_id)
    )
    with store.engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        get_round(store, round_id)  # raises RoundNotFound naming the stored rounds
    return state_from(round_id, row if row.state is not None else None, today or today_in_beijing())


def states(store: Store, *, today: dt.date | None = None) -> dict[str, RoundState]:
    """Every stored round's state (rounds without a publication row are drafts)."""
    today = today or today_in_beijing()
    rounds = models.Round.__table__
    stmt = (
        select(rounds.c.id, PUBLICATIONS)
        .outerjoin(PUBLICATIONS, PUBLICATIONS.c.round == rounds.c.id)
        .where(rounds.c.complete)  # a round still missing a city's part is no round yet
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt.order_by(rounds.c.as_of, rounds.c.id)).all()
    return {r.id: state_from(r.id, r if r.state is not None else None, today) for r in rows}


def require_draft(
    store: Store, round_id: str, doing: str, *, today: dt.date | None = None
) -> RoundState:
    """The round's state if it is a draft, else `LifecycleError` (``doing``: what was tried,
    in Chinese, e.g. 确认或驳回问题)."""
    now = state(store, round_id, today=today)
    refused = draft_refusal(now, doing)
    if refused:
        raise LifecycleError(refused)
    return now


def draft_refusal(now: RoundState, doing: str) -> str | None:
    """Why ``doing`` cannot be done on a round in state ``now`` (None: it is a draft)."""
    if now.is_draft:
        return None
    return (
        f"测评轮次{now.round_id}{now.state_zh}，评估决定已冻结，不能再{doing}"
        "（发布时已按当时的决定重新计分）"
    )


def require_answers_open(
    store: Store, round_id: str, doing: str, *, today: dt.date | None = None
) -> RoundState:
    """The round's state if units may answer (published, deadline not passed), else
    `LifecycleError` saying why."""
    now = state(store, round_id, today=today)
    if now.is_draft:
        raise LifecycleError(f"测评轮次{round_id}尚未发布，不能{doing}")
    if now.state == "closed":
        when = f"整改期限{cn_date(now.deadline)}已过" if now.closed_by_deadline else "已截止"
        raise LifecycleError(f"测评轮次{round_id}{when}，整改答复已冻结，不能再{doing}")
    return now


def totals_summary(conn: Connection, round_id: str) -> dict[str, Any]:
    """What publishing can change, in a few numbers for the audit entry: units, units scored,
    passed, the average total and the problems counted and dismissed."""
    t, p = TOTALS.c, PROBLEMS.c
    units, scored, passed, average, counted = conn.execute(
        select(
            func.count(),
            func.count(t.total),
            func.sum(case((t.passed.is_(True), 1), else_=0)),
            func.avg(t.total),
            func.sum(t.problems),
        ).where(t.round == round_id)
    ).one()
    dismissed = conn.scalar(
        select(func.count()).where(p.round == round_id, p.decision == "dismissed")
    )
    return {
        "units": int(units),
        "scored": int(scored),
        "passed": int(passed or 0),
        "average": None if average is None else round(float(average), 2),
        "problems_counted": int(counted or 0),
        "dismissed": int(dismissed or 0),
    }


def _decision_mark(conn: Connection, round_id: str) -> tuple[int, int]:
    """(count, newest id) of the decisions on the round's problems: changes when anyone
    decides on one of them."""
    d, p = DECISIONS.c, PROBLEMS.c
    mine = select(p.fingerprint).where(p.round == round_id)
    count, newest = conn.execute(
        select(func.count(), func.max(d.id)).where(d.fingerprint.in_(mine))
    ).one()
    return int(count), int(newest or 0)


def publish(
    store: Store,
    round_id: str,
    *,
    by: str,
    deadline: dt.date,
    address: str | None = None,
    today: dt.date | None = None,
) -> RoundState:
    """Re-score round ``round_id`` with the decisions made on it, then mark it published with
    整改期限 ``deadline`` — audited with the totals before and after. `LifecycleError` (nothing
    published) when it is not a draft, the deadline has passed, its crawl run is no longer
    stored, re-scoring fails, or someone published or decided meanwhile."""
    info = get_round(store, round_id)
    today = today or today_in_beijing()
    require_draft(store, round_id, "发布", today=today)
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        raise LifecycleError(f"整改期限应为日期，收到的是{deadline!r}")
    if deadline < today:
        raise LifecycleError(
            f"整改期限{cn_date(deadline)}早于今天（{cn_date(today)}），请选择今天或以后的日期"
        )
    with store.engine.connect() as conn:
        if conn.scalar(select(RUNS.c.id).where(RUNS.c.id == info.crawl_run)) is None:
            raise LifecycleError(
                f"测评轮次{round_id}读取的采集批次{info.crawl_run}已不在库中（可能已被清理），"
                "无法用冻结的指标体系重新计分，因此不能发布"
            )
        before = totals_summary(conn, round_id)
        mark = _decision_mark(conn, round_id)
    try:
        reevaluate(store, round_id)
    except (RoundError, LookupError, ValueError) as exc:
        raise LifecycleError(f"测评轮次{round_id}重新计分失败，未发布：{exc}") from exc
    except Exception as exc:  # a fault in scoring: still nothing published, said on the page
        log.exception("round %s: re-scoring for publication failed", round_id)
        raise LifecycleError(
            f"测评轮次{round_id}重新计分时出错，未发布（{type(exc).__name__}）；请联系管理员查看日志"
        ) from exc
    now = utcnow()
    try:
        with store.engine.begin() as conn:
            if _decision_mark(conn, round_id) != mark:
                raise LifecycleError(
                    f"重新计分期间有人对测评轮次{round_id}的问题作出了新的决定，未发布；"
                    "请再次发布，以便按最新的决定计分"
                )
            conn.execute(
                PUBLICATIONS.insert().values(
                    round=round_id,
                    state="published",
                    deadline=deadline,
                    published_at=now,
                    published_by=by,
                )
            )
            record(
                conn,
                by,
                PUBLISH,
                round=round_id,
                target=round_id,
                before={"state": "draft", **before},
                after={
                    "state": "published",
                    "deadline": deadline,
                    **totals_summary(conn, round_id),
                },
                address=address,
            )
    except IntegrityError as exc:  # another publication of the same round won the race
        raise LifecycleError(f"测评轮次{round_id}已由他人发布") from exc
    return state(store, round_id, today=today)


def close(
    store: Store,
    round_id: str,
    *,
    by: str,
    address: str | None = None,
    today: dt.date | None = None,
) -> RoundState:
    """Close a published round now (答复冻结), before or after its deadline; audited.
    `LifecycleError` for a draft or a round already closed explicitly."""
    today = today or today_in_beijing()
    now = state(store, round_id, today=today)
    if now.is_draft:
        raise LifecycleError(f"测评轮次{round_id}尚未发布，不能截止")
    if now.closed_at is not None:
        raise LifecycleError(f"测评轮次{round_id}已于{_beijing(now.closed_at)}截止")
    with store.engine.begin() as conn:
        done = conn.execute(
            update(PUBLICATIONS)
            .where(PUBLICATIONS.c.round == round_id, PUBLICATIONS.c.state == "published")
            .values(state="closed", closed_at=utcnow(), closed_by=by)
        )
        if done.rowcount != 1:
            raise LifecycleError(f"测评轮次{round_id}已由他人截止")
        record(
            conn,
            by,
            CLOSE,
            round=round_id,
            target=round_id,
            before={"state": now.state, "deadline": now.deadline},
            after={"state": "closed", "deadline": now.deadline},
            address=address,
        )
    return state(store, round_id, today=today)


def _beijing(at: dt.datetime) -> str:
    from reports.wording import BEIJING

    local = at.astimezone(BEIJING)
    return f"{cn_date(local.date())}{local:%H:%M}"
