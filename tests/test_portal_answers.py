"""Units' answers on the portal and their review (portal/answers.py, portal/answer_states.py):
online answers follow the returned sheet's rules, an upload goes through the import and refuses
another unit's or round's sheet without reading it, answers are taken only while the round is
published and open, only the answer in force is reviewed, and progress is counted per unit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from portal_data_fixtures import any_rounds_fixture as any_rounds_fixture  # noqa: F401
from portal_data_fixtures import art, col, fp
from portal_data_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import select

from portal.answer_states import answer_history, answer_states, answerable, progress
from portal.answers import (
    ONLINE_SOURCE,
    AnswerRefused,
    ReviewRefused,
    answer_online,
    review,
    upload,
)
from portal.audit import ANSWER, AUDIT, REVIEW, UPLOAD
from portal.lifecycle import LifecycleError, close, publish
from reports.checklist import load_checklists, write_checklists
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.responses import Answer, record_responses, responses_frame
from store.rounds import PROBLEMS

TODAY = today_in_beijing()
DEADLINE = TODAY + dt.timedelta(days=10)
FRESH = fp("dept1", "fresh", col("dept1"))  # open since 2025Q1: to answer
SCRIPT = fp("dept1", "undated", art("dept1", 1))  # dismissed before publication
LATE = fp("dept1", "late", art("dept1", 2))  # a one-time event: 今后注意
FIXED = fp("dept2", "undated", art("dept2", 9))  # fixed since 2025Q1
T1_FRESH = fp("t1", "fresh", col("t1"))


@pytest.fixture(name="published")
def published_fixture(publishable):
    """2025Q2 published with one of dept1's problems dismissed."""
    store = publishable.store
    round_store.record_decision(store, SCRIPT, "dismissed", by="eval", reason="日期已标注")
    publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    return store


def audit(store, action):
    with store.engine.connect() as conn:
        stmt = select(AUDIT).where(AUDIT.c.action == action).order_by(AUDIT.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def answers(store, unit="dept1"):
    frame = responses_frame(store, "2025Q2", [unit], history=True)
    return [(r.fingerprint, r.status, r.note, r.source) for r in frame.itertuples()]


# -- online ---------------------------------------------------------------------------------------
def test_an_online_answer_is_recorded_and_audited(published):
    done = answer_online(published, "2025Q2", "dept1", FRESH, "rectified", " 已发布动态3条 ", "u_dept1",
                         address="10.2.2.2")  # fmt: skip
    assert done.recorded and done.response_id > 0
    assert answers(published) == [(FRESH, "rectified", "已发布动态3条", ONLINE_SOURCE)]
    (entry,) = audit(published, ANSWER)
    assert (entry["actor"], entry["unit_id"], entry["target"], entry["address"]) == (
        "u_dept1",
        "dept1",
        FRESH,
        "10.2.2.2",
    )
    assert entry["before"] is None
    assert entry["after"] == {"status": "rectified", "note": "已发布动态3条"}
    # The same answer again changes nothing; the Chinese word is read like the code.
    again = answer_online(published, "2025Q2", "dept1", FRESH, "已整改", "已发布动态3条", "u_dept1")
    assert (again.recorded, again.response_id) == (False, done.response_id)
    assert len(audit(published, ANSWER)) == 1
    changed = answer_online(published, "2025Q2", "dept1", FRESH, "整改中", None, "u_dept1")
    assert changed.recorded and changed.response_id != done.response_id
    assert audit(published, ANSWER)[-1]["before"] == {
        "status": "rectified",
        "note": "已发布动态3条",
    }


@pytest.mark.parametrize(
    ("fingerprint", "status", "note", "message"),
    [
        (LATE, "rectified", None, "一次性问题（状态“今后注意”），今后注意避免即可，不需答复"),
        (SCRIPT, "rectified", None, "该问题已被驳回，不列入整改清单，无需答复"),
        (T1_FRESH, "rectified", None, "不是本单位在本轮次的问题"),
        ("<b>x</b>", "rectified", None, "不是本单位在本轮次的问题"),
        (FRESH, "done", None, "整改情况“done”无效，应为已整改、整改中、无法整改之一"),
        (FRESH, "cannot_rectify", "  ", "选择“无法整改”须在整改说明中写明原因"),
        (FRESH, "rectified", "字" * 2001, "整改说明共2001字，超过2000字的上限"),
        (FRESH, "", None, "请选择整改情况"),
        (FRESH, "", "只写了说明", "填写了整改说明，但未选择整改情况"),
    ],
)
def test_online_answers_follow_the_sheets_rules(published, fingerprint, status, note, message):
    with pytest.raises(AnswerRefused, match=message):
        answer_online(published, "2025Q2", "dept1", fingerprint, status, note, "u_dept1")
    assert answers(published) == [] and audit(published, ANSWER) == []


def test_a_fixed_problem_takes_no_answer(published):
    with pytest.raises(AnswerRefused, match="该问题状态为已整改，无需答复"):
        answer_online(published, "2025Q2", "dept2", FIXED, "rectified", None, "u_dept2")


def test_a_unit_not_in_the_round_is_refused(published):
    with pytest.raises(AnswerRefused, match="本单位不在测评轮次2025Q2中"):
        answer_online(published, "2025Q2", "nowhere", FRESH, "rectified", None, "x")


def test_answers_wait_for_publication_and_stop_at_closing(publishable):
    store = publishable.store
    with pytest.raises(LifecycleError, match="尚未发布，不能在线答复"):
        answer_online(store, "2025Q2", "dept1", FRESH, "rectified", None, "u_dept1")
    publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    after_deadline = DEADLINE + dt.timedelta(days=1)
    with pytest.raises(LifecycleError, match="整改期限.*已过，整改答复已冻结"):
        answer_online(store, "2025Q2", "dept1", FRESH, "rectified", None, "u", today=after_deadline)
    close(store, "2025Q2", by="eval")
    with pytest.raises(LifecycleError, match="已截止，整改答复已冻结，不能再在线答复"):
        answer_online(store, "2025Q2", "dept1", FRESH, "rectified", None, "u_dept1")
    assert answers(store) == []


# -- upload ---------------------------------------------------------------------------------------
def export(store, out: Path, unit="dept1", round_id="2025Q2") -> Path:
    (path,) = write_checklists(store, round_id, out, [unit], formats=["xlsx"], deadline=DEADLINE)
    return path


def fill(path: Path, answers_by_fp: dict[str, tuple], to: Path) -> Path:
    """Fill 整改情况/整改说明 of the rows of the given fingerprints (hidden column O)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["整改清单"]
    for row in range(7, ws.max_row + 1):
        found = ws[f"O{row}"].value
        if found in answers_by_fp:
            ws[f"M{row}"], ws[f"N{row}"] = answers_by_fp[found]
    wb.save(to)
    return to


def test_an_uploaded_checklist_is_recorded_with_an_audit_entry_per_answer(published, tmp_path):
    filled = fill(export(published, tmp_path), {FRESH: ("整改中", "正在补发")}, tmp_path / "f.xlsx")
    done = upload(published, "2025Q2", "dept1", filled, "u_dept1", source="我的清单.xlsx")
    assert done.accepted and (done.recorded, done.unchanged, done.blank) == (1, 0, 0)
    assert answers(published) == [(FRESH, "in_progress", "正在补发", "我的清单.xlsx")]
    (entry,) = audit(published, UPLOAD)
    assert entry["after"] == {
        "status": "in_progress",
        "note": "正在补发",
        "source": "我的清单.xlsx",
    }
    again = upload(published, "2025Q2", "dept1", filled, "u_dept1")
    assert (again.recorded, again.unchanged) == (0, 1) and len(audit(published, UPLOAD)) == 1


def test_a_refused_upload_returns_its_cell_refusals_and_records_nothing(published, tmp_path):
    filled = fill(export(published, tmp_path), {FRESH: ("好了", None)}, tmp_path / "bad.xlsx")
    done = upload(published, "2025Q2", "dept1", filled, "u_dept1")
    assert not done.accepted and done.source == "bad.xlsx"
    assert len(done.refusals) == 1 and done.refusals[0].startswith("整改清单!M")
    assert "整改情况“好了”无效" in done.refusals[0]
    assert answers(published) == [] and audit(published, UPLOAD) == []


def test_another_units_sheet_is_refused_before_it_is_read(published, tmp_path):
    # dept2's own sheet, with a locked cell changed: were it compared, the refusal would quote
    # what dept2's checklist says. It is refused for naming dept2, and says nothing more.
    other = export(published, tmp_path / "d2", unit="dept2")
    wb = openpyxl.load_workbook(other)
    wb["整改清单"]["I7"] = "改过的失分原因"
    wb.save(other)
    done = upload(published, "2025Q2", "dept1", other, "u_dept1")
    assert done.refusals == [
        "_meta: 此表不是本单位2025年第二季度的整改清单（表中为测评轮次 2025Q2、单位 dept2）；"
        "请下载本单位本轮次的整改清单填写后上传"
    ]
    assert answers(published, "dept2") == []


def test_another_rounds_sheet_is_refused(published, tmp_path):
    old = export(published, tmp_path / "q1", round_id="2025Q1")
    done = upload(published, "2025Q2", "dept1", old, "u_dept1")
    assert len(done.refusals) == 1 and "表中为测评轮次 2025Q1、单位 dept1" in done.refusals[0]


def test_an_upload_needs_an_open_round(publishable, tmp_path):
    path = export(publishable.store, tmp_path)
    with pytest.raises(LifecycleError, match="尚未发布，不能上传整改清单"):
        upload(publishable.store, "2025Q2", "dept1", path, "u_dept1")


# -- review ---------------------------------------------------------------------------------------
def test_answers_are_accepted_or_sent_back_with_a_comment(published):
    first = answer_online(published, "2025Q2", "dept1", FRESH, "rectified", "已更新", "u_dept1")
    with pytest.raises(ReviewRefused, match="退回答复须写明审核意见"):
        review(published, first.response_id, "sent_back", "  ", "eval")
    back = review(
        published, first.response_id, "sent_back", "请附上链接", "eval", address="10.9.9.9"
    )
    assert (back.verdict, back.comment, back.by) == ("sent_back", "请附上链接", "eval")
    state = answer_states(published, "2025Q2", unit_ids=["dept1"])[FRESH]
    assert (state.status, state.verdict, state.comment, state.reviewed_by) == (
        "rectified",
        "sent_back",
        "请附上链接",
        "eval",
    )
    # The same words again are refused; changed words are a new answer to review.
    with pytest.raises(AnswerRefused, match="答复与被退回的答复相同"):
        answer_online(published, "2025Q2", "dept1", FRESH, "rectified", "已更新", "u_dept1")
    second = answer_online(
        published, "2025Q2", "dept1", FRESH, "rectified", "已更新，链接：http://x", "u_dept1"
    )
    with pytest.raises(ReviewRefused, match="单位已重新答复，这条答复已不是最新的"):
        review(published, first.response_id, "accepted", None, "eval")
    review(published, second.response_id, "accepted", None, "eval")
    entries = audit(published, REVIEW)
    assert [e["after"]["verdict"] for e in entries] == ["sent_back", "accepted"]
    assert entries[0]["before"] is None and entries[0]["address"] == "10.9.9.9"
    history = answer_history(published, "2025Q2", "dept1", FRESH)
    assert [(a["note"], [r["verdict"] for r in a["reviews"]]) for a in history] == [
        ("已更新", ["sent_back"]),
        ("已更新，链接：http://x", ["accepted"]),
    ]


def test_a_review_changed_later_keeps_the_earlier_one_as_before(published):
    done = answer_online(published, "2025Q2", "dept1", FRESH, "rectified", "已更新", "u_dept1")
    review(published, done.response_id, "accepted", "好", "eval")
    review(published, done.response_id, "sent_back", "复核发现未更新", "eval2")
    last = audit(published, REVIEW)[-1]
    assert last["before"] == {"verdict": "accepted", "comment": "好", "by": "eval"}
    assert answer_states(published, "2025Q2", fingerprints=[FRESH])[FRESH].verdict == "sent_back"


def test_reviews_are_refused_out_of_scope_unknown_or_on_a_draft(published, publishable):
    done = answer_online(published, "2025Q2", "dept1", FRESH, "rectified", "已更新", "u_dept1")
    for response_id, visible in ((done.response_id, {"t1"}), (10_000, None)):
        with pytest.raises(ReviewRefused, match="没有这条可由您审核的答复"):
            review(published, response_id, "accepted", None, "eval_c1", visible=visible)
    with pytest.raises(ReviewRefused, match="审核结论只能是通过或退回"):
        review(published, done.response_id, "maybe", None, "eval")
    with pytest.raises(ReviewRefused, match="超过1000字"):
        review(published, done.response_id, "sent_back", "意" * 1001, "eval")
    # An answer imported into the draft 2025Q1 from the command line cannot be reviewed yet.
    t2 = fp("t2", "undated", art("t2", 1))
    record_responses(published, "2025Q1", "t2", [Answer(t2, "rectified", None)], source="cli.xlsx")
    draft_answer = answer_states(published, "2025Q1", unit_ids=["t2"])[t2]
    with pytest.raises(LifecycleError, match="2025Q1尚未发布，不能审核答复"):
        review(published, draft_answer.response_id, "accepted", None, "eval")
    assert audit(published, REVIEW) == []


# -- progress -------------------------------------------------------------------------------------
def test_progress_counts_each_units_answers_and_overdue_after_the_deadline(published):
    a = answer_online(published, "2025Q2", "t1", T1_FRESH, "rectified", "已更新", "u_t1")
    review(published, a.response_id, "accepted", None, "eval")
    b = answer_online(published, "2025Q2", "dept1", FRESH, "in_progress", None, "u_dept1")
    review(published, b.response_id, "sent_back", "请写明进度", "eval")
    now = {p.unit_id: p for p in progress(published, "2025Q2", today=TODAY)}
    assert list(now) == ["c1", "c1d", "c2", "dept1", "dept2", "t1", "t2"]
    t1, dept1, c2 = now["t1"], now["dept1"], now["c2"]
    assert (t1.to_answer, t1.answered, t1.accepted, t1.not_answered, t1.overdue) == (2, 1, 1, 1, 0)
    assert (dept1.to_answer, dept1.answered, dept1.sent_back, dept1.awaiting_review) == (1, 1, 1, 0)
    assert (c2.to_answer, c2.answered, c2.overdue) == (0, 0, 0)
    late = {
        p.unit_id: p for p in progress(published, "2025Q2", today=DEADLINE + dt.timedelta(days=1))
    }
    assert (late["t1"].overdue, late["dept1"].overdue, late["t2"].overdue) == (1, 0, 1)
    assert [p.unit_id for p in progress(published, "2025Q2", ["t1", "t2"], today=TODAY)] == [
        "t1",
        "t2",
    ]


def test_a_draft_has_no_overdue(rounds):
    assert all(p.overdue == 0 for p in progress(rounds.store, "2025Q2"))


def test_the_sql_rule_of_what_to_answer_is_the_checklists(published):
    with published.engine.connect() as conn:
        stmt = select(PROBLEMS.c.fingerprint).where(PROBLEMS.c.round == "2025Q2", answerable())
        in_sql = set(conn.scalars(stmt))
    in_checklists = {
        row.fingerprint
        for cl in load_checklists(published, "2025Q2", with_answers=False)
        for row in cl.rows
        if row.answerable and row.fingerprint not in cl.dismissed
    }
    assert in_sql == in_checklists and FRESH in in_sql
    assert not {SCRIPT, LATE, FIXED} & in_sql


def test_answers_reviews_and_progress_on_both_databases(any_rounds, monkeypatch):
    import portal.lifecycle
    from portal.round_views import overview

    store = any_rounds.store
    monkeypatch.setattr(portal.lifecycle, "reevaluate", any_rounds.rescore)
    round_store.record_decision(store, SCRIPT, "dismissed", by="eval", reason="日期已标注")
    publish(store, "2025Q2", by="eval", deadline=DEADLINE, today=TODAY)
    first = answer_online(store, "2025Q2", "dept1", FRESH, "rectified", "已更新", "u_dept1")
    review(store, first.response_id, "sent_back", "请附链接", "eval")
    second = answer_online(
        store, "2025Q2", "dept1", FRESH, "rectified", "已更新：http://x", "u_dept1"
    )
    review(store, second.response_id, "accepted", None, "eval")
    answer_online(store, "2025Q2", "t1", T1_FRESH, "in_progress", None, "u_t1")
    states = answer_states(store, "2025Q2")
    assert {fp: (s.response_id, s.verdict) for fp, s in states.items()} == {
        FRESH: (second.response_id, "accepted"),
        T1_FRESH: (states[T1_FRESH].response_id, None),
    }
    counts = {
        p.unit_id: (p.to_answer, p.answered, p.accepted, p.sent_back)
        for p in progress(store, "2025Q2", today=TODAY)
    }
    assert counts["dept1"] == (1, 1, 1, 0) and counts["t1"] == (2, 1, 0, 0)
    view = overview(store, "2025Q2", None, today=TODAY)
    assert view.by_decision == {"none": 9, "dismissed": 1}
