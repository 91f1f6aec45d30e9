"""Evaluators' decisions in the portal: confirm (确认) or dismiss (驳回) problems, one by one or
a selection at once, each with its reason.

Decisions live by fingerprint across rounds (`store.rounds.record_decision`: the latest wins,
history kept) and count in a round when it is scored again — which publishing does. So a
decision is taken only while the round is a draft: once published, the score a unit sees is the
one the decisions gave, and it does not move under it. An evaluator decides only on problems of
the units in their scope (``visible``, `portal.viewer.visible_units`), and every problem gets
its own audit entry with the decision before and after. A selection is decided whole or not at
all: one transaction, refused entirely when any problem of it cannot be decided.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select

from portal.audit import DECIDE, record
from portal.lifecycle import PUBLICATIONS, LifecycleError, require_draft
from store import Store, models
from store.rounds import DECISIONS, PROBLEMS, DecisionInfo, get_round, record_decision
from store.text import inert

DECISION_ZH = {"confirmed": "确认", "dismissed": "驳回"}
REASON_MAX_CHARS = 1000
MAX_SELECTION = 5000  # problems decided at once (a page's "select every match" is bounded too)


class DecisionRefused(ValueError):
    """A decision that cannot be taken; the message says why in Chinese."""


def _latest(conn, fingerprints: list[str]) -> dict[str, dict]:
    """fingerprint → its decision in force (decision, reason, by), for the audit's before."""
    d = DECISIONS.c
    out: dict[str, dict] = {}
    for start in range(0, len(fingerprints), 500):
        part = fingerprints[start : start + 500]
        rows = conn.execute(
            select(d.fingerprint, d.decision, d.reason, d.by)
            .where(d.fingerprint.in_(part))
            .order_by(d.at, d.id)
        )
        for row in rows:
            out[row.fingerprint] = {"decision": row.decision, "reason": row.reason, "by": row.by}
    return out


def _units_of(conn, round_id: str, fingerprints: list[str]) -> dict[str, str]:
    """fingerprint → unit, for the round's problems among ``fingerprints``."""
    p = PROBLEMS.c
    out: dict[str, str] = {}
    for start in range(0, len(fingerprints), 500):
        part = fingerprints[start : start + 500]
        stmt = select(p.fingerprint, p.unit_id).where(p.round == round_id, p.fingerprint.in_(part))
        out.update({fp: unit for fp, unit in conn.execute(stmt)})
    return out


def decide(
    store: Store,
    round_id: str,
    fingerprints: Iterable[str],
    decision: str,
    reason: str,
    by: str,
    *,
    visible: Collection[str] | None = None,
    address: str | None = None,
) -> list[DecisionInfo]:
    """Confirm or dismiss the problems ``fingerprints`` of draft round ``round_id``, with
    ``reason`` (required), as ``by``; only problems of units in ``visible`` (None: every unit).
    Returns the decisions recorded; `DecisionRefused` / `LifecycleError` record nothing."""
    get_round(store, round_id)
    wanted = list(dict.fromkeys(str(f).strip() for f in fingerprints if str(f).strip()))
    reason = (inert(reason) or "").strip()
    if decision not in models.DECISIONS:
        raise DecisionRefused(f"决定只能是确认或驳回，收到的是{decision!r}")
    if not wanted:
        raise DecisionRefused("没有选中任何问题")
    if len(wanted) > MAX_SELECTION:
        raise DecisionRefused(f"一次最多处理{MAX_SELECTION}个问题，选中了{len(wanted)}个")
    if not reason:
        raise DecisionRefused(f"{DECISION_ZH[decision]}问题须写明理由")
    if len(reason) > REASON_MAX_CHARS:
        raise DecisionRefused(f"理由共{len(reason)}字，超过{REASON_MAX_CHARS}字的上限")
    if not (by and by.strip()):
        raise DecisionRefused("决定须记录评估人员")
    require_draft(store, round_id, "确认或驳回问题")
    allowed = None if visible is None else set(visible)
    with store.engine.begin() as conn:
        units = _units_of(conn, round_id, wanted)
        unknown = [
            f for f in wanted if f not in units or (allowed is not None and units[f] not in allowed)
        ]
        if unknown:
            # Out of scope and non-existent read the same: a guessed id learns nothing.
            shown = "、".join(unknown[:10]) + ("等" if len(unknown) > 10 else "")
            raise DecisionRefused(
                f"测评轮次{round_id}中没有可由您处理的问题 {shown}（共{len(unknown)}个），"
                "全部未处理"
            )
        before = _latest(conn, wanted)
        recorded = []
        for fingerprint in wanted:
            info = record_decision(store, fingerprint, decision, by=by, reason=reason, conn=conn)
            recorded.append(info)
            record(
                conn,
                by,
                DECIDE,
                round=round_id,
                unit_id=units[fingerprint],
                target=fingerprint,
                before=before.get(fingerprint),
                after={"decision": decision, "reason": reason, "by": by},
                address=address,
            )
        if conn.scalar(select(PUBLICATIONS.c.round).where(PUBLICATIONS.c.round == round_id)):
            raise LifecycleError(f"测评轮次{round_id}刚刚已发布，评估决定已冻结，本次未处理")
    return recorded


__all__ = ["DECISION_ZH", "DecisionRefused", "LifecycleError", "decide"]
