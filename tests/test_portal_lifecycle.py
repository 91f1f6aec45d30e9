"""A round's life in the portal (portal/lifecycle.py): draft → published → closed, publishing
re-scores with the decisions and marks the round in one step, nothing is published when that
fails, and a deadline passed closes the round. Hand-made rounds (tests/portal_data_fixtures.py);
publishing a real crawl is tests/test_portal_publish_sample.py."""

from __future__ import annotations

import datetime as dt

import pytest
from portal_data_fixtures import art, fp
from portal_data_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import select, text

from portal import lifecycle
from portal.audit import AUDIT, CLOSE, PUBLISH
from portal.lifecycle import LifecycleError, close, publish, state, states
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.rounds import RoundNotFound

TODAY = dt.date(2025, 7, 10)
DEADLINE = dt.date(2025, 7, 31)


def audit_rows(store, action=None):
    stmt = select(AUDIT).order_by(AUDIT.c.id)
    if action:
        stmt = stmt.where(AUDIT.c.action == action)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def total_of(store, round_id, unit):
    totals = round_store.round_totals_frame(store, round_id).set_index("unit_id")
    return float(totals.loc[unit, "total"])


def test_a_round_without_publication_is_a_draft(rounds):
    now = state(rounds.store, "2025Q2", today=TODAY)
    assert (now.state, now.state_zh, now.deadline) == ("draft", "未发布", None)
    assert now.is_draft and not now.answers_open
    assert {r: s.state for r, s in states(rounds.store, today=TODAY).items()} == {
        "2025Q1": "draft",
        "2025Q2": "draft",
    }


def test_state_of_an_unknown_round_names_the_stored_ones(rounds):
    with pytest.raises(RoundNotFound, match="2025Q1, 2025Q2"):
        state(rounds.store, "2024Q4")


def test_publishing_rescores_with_the_decisions_then_marks_and_audits(publishable):
    store = publishable.store
    dismissed = fp("dept1", "undated", art("dept1", 1))
    round_store.record_decision(store, dismissed, "dismissed", by="eval", reason="日期在正文中")
    before = total_of(store, "2025Q2", "dept1")

    done = publish(store, "2025Q2", by="eval", deadline=DEADLINE, address="10.0.0.9", today=TODAY)

    assert (done.state, done.deadline, done.published_by) == ("published", DEADLINE, "eval")
    assert done.answers_open and done.published_at is not None
    assert total_of(store, "2025Q2", "dept1") > before  # the dismissal now counts
    problems = round_store.problems_frame(store, "2025Q2").set_index("fingerprint")
    assert problems.loc[dismissed, "decision"] == "dismissed"
    assert problems.loc[dismissed, "deduction"] == 0
    (entry,) = audit_rows(store, PUBLISH)
    assert (entry["actor"], entry["round"], entry["target"], entry["address"]) == (
        "eval",
        "2025Q2",
        "2025Q2",
        "10.0.0.9",
    )
    assert entry["before"]["state"] == "draft" and entry["after"]["state"] == "published"
    assert entry["before"]["dismissed"] == 0 and entry["after"]["dismissed"] == 1
    assert entry["after"]["average"] > entry["before"]["average"]
    assert entry["after"]["deadline"] == DEADLINE.isoformat()
    # The other round is still a draft.
    assert state(store, "2025Q1", today=TODAY).is_draft


def test_a_published_round_is_not_published_again(publishable):
    publish(publishable.store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    with pytest.raises(LifecycleError, match="已发布，评估决定已冻结，不能再发布"):
        publish(publishable.store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    assert len(audit_rows(publishable.store, PUBLISH)) == 1


def test_a_deadline_before_today_is_refused(publishable):
    with pytest.raises(LifecycleError, match="整改期限2025年7月9日早于今天"):
        publish(publishable.store, "2025Q2", by="eval", deadline=dt.date(2025, 7, 9), today=TODAY)
    with pytest.raises(LifecycleError, match="应为日期"):
        publish(publishable.store, "2025Q2", by="eval", deadline="2025-07-31", today=TODAY)
    assert state(publishable.store, "2025Q2", today=TODAY).is_draft


def test_nothing_is_published_when_rescoring_fails(rounds):
    # Without the stand-in, reevaluate loads the round's crawl run, which holds no observed
    # unit (the round was hand-made): scoring refuses, so the round stays a draft.
    with pytest.raises(LifecycleError, match="重新计分失败，未发布：.*observed none"):
        publish(rounds.store, "2025Q1", by="eval", deadline=DEADLINE, today=TODAY)
    assert state(rounds.store, "2025Q1", today=TODAY).is_draft
    assert audit_rows(rounds.store) == []


def test_nothing_is_published_when_scoring_breaks(rounds, monkeypatch):
    def broken(store, round_id, **kw):
        raise TypeError("a fault in a check")

    monkeypatch.setattr(lifecycle, "reevaluate", broken)
    with pytest.raises(LifecycleError, match="重新计分时出错，未发布（TypeError）"):
        publish(rounds.store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    assert state(rounds.store, "2025Q2", today=TODAY).is_draft


def test_a_round_whose_crawl_run_is_gone_is_not_published(publishable):
    store = publishable.store
    run = round_store.get_round(store, "2025Q2").crawl_run
    with store.engine.begin() as conn:  # a pruned run, as an old store might hold
        if conn.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = OFF"))
        else:  # PostgreSQL: foreign keys are triggers, off for this transaction
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM article_pages"))
        conn.execute(text("DELETE FROM articles"))
        conn.execute(text(f"DELETE FROM crawl_runs WHERE id = {run}"))
    with pytest.raises(LifecycleError, match=f"采集批次{run}已不在库中"):
        publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    assert state(store, "2025Q2", today=TODAY).is_draft


def test_a_decision_made_while_rescoring_stops_the_publication(publishable, monkeypatch):
    store = publishable.store

    def rescore_while_someone_decides(store, round_id, **kw):
        result = publishable.rescore(store, round_id)
        round_store.record_decision(
            store, fp("t1", "fresh", "http://t1.gov.test/col/dongtai"), "confirmed", by="other"
        )
        return result

    monkeypatch.setattr(lifecycle, "reevaluate", rescore_while_someone_decides)
    with pytest.raises(LifecycleError, match="重新计分期间有人.*作出了新的决定，未发布"):
        publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    assert state(store, "2025Q2", today=TODAY).is_draft
    assert audit_rows(store) == []


def test_a_published_round_closes_when_its_deadline_has_passed(publishable):
    publish(publishable.store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    on_the_day = state(publishable.store, "2025Q2", today=DEADLINE)
    after = state(publishable.store, "2025Q2", today=DEADLINE + dt.timedelta(days=1))
    assert on_the_day.answers_open
    assert (after.state, after.state_zh, after.closed_by_deadline) == ("closed", "已截止", True)
    assert not after.answers_open


def test_closing_explicitly_is_audited_and_done_once(publishable):
    store = publishable.store
    with pytest.raises(LifecycleError, match="尚未发布，不能截止"):
        close(store, "2025Q2", by="eval", today=TODAY)
    publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)

    closed = close(store, "2025Q2", by="admin", address="10.0.0.1", today=TODAY)

    assert (closed.state, closed.closed_by, closed.closed_by_deadline) == ("closed", "admin", False)
    assert closed.deadline == DEADLINE  # closing early keeps the deadline it was given
    (entry,) = audit_rows(store, CLOSE)
    assert (entry["before"]["state"], entry["after"]["state"]) == ("published", "closed")
    with pytest.raises(LifecycleError, match="已于.*截止"):
        close(store, "2025Q2", by="eval", today=TODAY)


def test_a_round_closed_by_its_deadline_can_still_be_closed_explicitly(publishable):
    store = publishable.store
    publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    later = DEADLINE + dt.timedelta(days=3)
    closed = close(store, "2025Q2", by="eval", today=later)
    assert (closed.state, closed.closed_by) == ("closed", "eval")
    assert audit_rows(store, CLOSE)[0]["before"]["state"] == "closed"


def test_the_guards_say_why_in_chinese(publishable):
    store = publishable.store
    with pytest.raises(LifecycleError, match="尚未发布，不能在线答复"):
        lifecycle.require_answers_open(store, "2025Q2", "在线答复")
    assert lifecycle.require_draft(store, "2025Q2", "驳回问题").is_draft
    today = today_in_beijing()
    publish(store, "2025Q2", by="eval", deadline=today, today=today)
    assert lifecycle.require_answers_open(store, "2025Q2", "在线答复").answers_open
    with pytest.raises(LifecycleError, match="已发布，评估决定已冻结，不能再驳回问题"):
        lifecycle.require_draft(store, "2025Q2", "驳回问题")
    close(store, "2025Q2", by="eval")
    with pytest.raises(LifecycleError, match="已截止，整改答复已冻结，不能再在线答复"):
        lifecycle.require_answers_open(store, "2025Q2", "在线答复")
