"""Evaluators' decisions in the portal (portal/decisions.py): with a reason, only on a draft
round, only on problems in the evaluator's scope, a selection whole or not at all, one audit
entry per problem with the decision before and after."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_data_fixtures import C1_SUBTREE, art, col, fp
from portal_data_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import select

from portal.audit import AUDIT, DECIDE
from portal.decisions import MAX_SELECTION, DecisionRefused, decide
from portal.lifecycle import LifecycleError, publish
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.rounds import RoundNotFound

T1_FRESH = fp("t1", "fresh", col("t1"))
T1_UNDATED = fp("t1", "undated", art("t1", 1))
DEPT1_UNDATED = fp("dept1", "undated", art("dept1", 1))


def audit_rows(store):
    with store.engine.connect() as conn:
        stmt = select(AUDIT).where(AUDIT.c.action == DECIDE).order_by(AUDIT.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def test_a_selection_is_decided_and_each_problem_audited(rounds):
    store = rounds.store
    round_store.record_decision(store, T1_FRESH, "confirmed", by="张三", reason="核实")

    done = decide(
        store,
        "2025Q2",
        [T1_FRESH, T1_UNDATED, T1_FRESH],  # a repeat is decided once
        "dismissed",
        " 已有规范性说明 ",
        "eval_c1",
        visible=C1_SUBTREE,
        address="10.1.1.1",
    )

    assert [d.fingerprint for d in done] == [T1_FRESH, T1_UNDATED]
    latest = round_store.latest_decisions(store)
    assert {latest[f].decision for f in (T1_FRESH, T1_UNDATED)} == {"dismissed"}
    assert latest[T1_FRESH].reason == "已有规范性说明" and latest[T1_FRESH].by == "eval_c1"
    first, second = audit_rows(store)
    assert (first["target"], first["unit_id"], first["round"]) == (T1_FRESH, "t1", "2025Q2")
    assert first["before"] == {"decision": "confirmed", "reason": "核实", "by": "张三"}
    assert first["after"] == {"decision": "dismissed", "reason": "已有规范性说明", "by": "eval_c1"}
    assert second["before"] is None and second["address"] == "10.1.1.1"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "驳回问题须写明理由"), ("   ", "驳回问题须写明理由"), ("理" * 1001, "超过1000字")],
)
def test_a_decision_needs_a_reason(rounds, reason, message):
    with pytest.raises(DecisionRefused, match=message):
        decide(rounds.store, "2025Q2", [T1_FRESH], "dismissed", reason, "eval")
    assert audit_rows(rounds.store) == [] and round_store.latest_decisions(rounds.store) == {}


def test_confirming_needs_a_reason_too(rounds):
    with pytest.raises(DecisionRefused, match="确认问题须写明理由"):
        decide(rounds.store, "2025Q2", [T1_FRESH], "confirmed", "", "eval")


def test_bad_decisions_and_empty_selections_are_refused(rounds):
    with pytest.raises(DecisionRefused, match="决定只能是确认或驳回"):
        decide(rounds.store, "2025Q2", [T1_FRESH], "deleted", "x", "eval")
    with pytest.raises(DecisionRefused, match="没有选中任何问题"):
        decide(rounds.store, "2025Q2", ["", "  "], "confirmed", "x", "eval")
    with pytest.raises(DecisionRefused, match=f"一次最多处理{MAX_SELECTION}个问题"):
        decide(rounds.store, "2025Q2", [f"{i:016x}" for i in range(MAX_SELECTION + 1)],
               "confirmed", "x", "eval")  # fmt: skip
    with pytest.raises(DecisionRefused, match="须记录评估人员"):
        decide(rounds.store, "2025Q2", [T1_FRESH], "confirmed", "x", " ")
    with pytest.raises(RoundNotFound):
        decide(rounds.store, "2030Q1", [T1_FRESH], "confirmed", "x", "eval")


def test_a_problem_outside_the_scope_refuses_the_whole_selection(rounds):
    # dept1's problem is not in county c1's subtree: nothing is decided, not even t1's.
    with pytest.raises(
        DecisionRefused, match=f"没有可由您处理的问题 {DEPT1_UNDATED}（共1个），全部未处理"
    ):
        decide(rounds.store, "2025Q2", [T1_FRESH, DEPT1_UNDATED], "dismissed", "x", "eval_c1",
               visible=C1_SUBTREE)  # fmt: skip
    assert round_store.latest_decisions(rounds.store) == {}
    assert audit_rows(rounds.store) == []


def test_a_guessed_fingerprint_reads_like_one_out_of_scope(rounds):
    for wrong in ("0123456789abcdef", fp("dept1", "fresh", "http://nowhere")):
        with pytest.raises(DecisionRefused, match="没有可由您处理的问题"):
            decide(rounds.store, "2025Q2", [wrong], "confirmed", "x", "eval")
    # A problem of 2025Q1 fixed since is kept in 2025Q2 as fixed: still one of its problems.
    fixed_since = fp("dept2", "undated", art("dept2", 9))
    assert decide(rounds.store, "2025Q2", [fixed_since], "confirmed", "x", "eval")


def test_decisions_are_frozen_once_the_round_is_published(publishable):
    store = publishable.store
    today = today_in_beijing()
    publish(store, "2025Q2", by="eval", deadline=today + dt.timedelta(days=20), today=today)
    with pytest.raises(LifecycleError, match="已发布，评估决定已冻结，不能再确认或驳回问题"):
        decide(store, "2025Q2", [T1_FRESH], "dismissed", "x", "eval")
    assert round_store.latest_decisions(store) == {}
    # The other round is still a draft: its problems can be decided.
    t2 = fp("t2", "undated", art("t2", 1))
    assert decide(store, "2025Q1", [t2], "confirmed", "核实无误", "eval")[0].fingerprint == t2
