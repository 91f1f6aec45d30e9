"""The unit user's pages (portal/pages_my.py): their own unit's published rounds only, their
problems with the answers and reviews, answering online and uploading the filled 整改清单 with
the import's rules and refusals, downloads — and nothing of another unit reachable."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from portal_data_fixtures import LATE_TITLE, art
from portal_data_fixtures import fp as data_fp
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from portal_fixtures import (
    EARLIER,
    ROUND,
    SCRIPT_TITLE,
    PortalWorld,
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
)
from portal_unit_fixtures import (
    UNIT_NAMES,
    download,
    fill,
    mark_published,
    problem_fingerprints,
    published_fixture,  # noqa: F401
)
from round_fixtures import planted_check  # noqa: F401

from portal import accounts, answers
from portal.answer_states import answer_states
from portal.pages_my import MAX_UPLOAD_BYTES
from reports.wording import today_in_beijing
from store import rounds as round_store
from store.responses import latest_responses, responses_frame


def fingerprints_of(store, unit: str) -> list[str]:
    return list(round_store.problems_frame(store, ROUND, [unit])["fingerprint"])


def others(unit: str) -> list[str]:
    """Names of every unit but ``unit`` (that do not contain its own name)."""
    own = UNIT_NAMES[unit]
    return [name for u, name in UNIT_NAMES.items() if u != unit and name not in own]


def assert_nothing_of(body: str, store, units: list[str]) -> None:
    for unit in units:
        assert UNIT_NAMES[unit] not in body, unit
        for fp in fingerprints_of(store, unit):
            assert fp not in body, (unit, fp)


def answer(client, fingerprint: str, status: str, note: str = "", round_id: str = ROUND):
    data = {"csrf_token": client.csrf_token, "fingerprint": fingerprint, "status": status}
    data["note"] = note
    return client.post(f"/my/{round_id}/answer", data=data, follow_redirects=False)


# -- what a unit sees ----------------------------------------------------------------------------
def test_a_unit_sees_its_published_round_with_score_rank_and_deadline(published):
    client = published.client_for("u_dept1")
    page = client.get("/my")
    assert page.status_code == 200
    assert "2025年第二季度" in page.text
    assert "第" in page.text and "共2家（市直部门）" in page.text  # dept1 and dept2
    assert "已发布" in page.text
    deadline = today_in_beijing() + dt.timedelta(days=30)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in page.text
    assert "2025年第一季度" not in page.text  # a draft
    assert_nothing_of(page.text, published.store, ["dept2", "t1", "c2"])


def test_the_round_page_lists_the_units_own_problems_with_status_and_suggestion(published):
    client = published.client_for("u_dept1")
    page = client.get(f"/my/{ROUND}")
    assert page.status_code == 200
    for fp in fingerprints_of(published.store, "dept1"):
        assert f'id="p-{fp}"' in page.text
    assert "工作动态" in page.text and "请及时发布本单位工作动态" in page.text
    assert "新发现" in page.text or "未整改" in page.text  # common.vocabulary.STATUS_ZH
    assert page.text.count('name="status"') == len(fingerprints_of(published.store, "dept1"))
    assert_nothing_of(page.text, published.store, ["dept2", "c1", "t1", "c2", "t2"])


def test_a_crawled_title_is_shown_as_text(published):
    page = published.client_for("u_dept1").get(f"/my/{ROUND}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page.text
    assert SCRIPT_TITLE not in page.text
    assert "<script" not in page.text


def test_a_draft_round_is_invisible_to_units(published):
    client = published.client_for("u_dept1")
    for path in (f"/my/{EARLIER}", f"/my/{EARLIER}/checklist.xlsx", "/my/no-such-round"):
        assert client.get(path).status_code == 404, path
    fp = fingerprints_of(published.store, "dept1")[0]  # in the draft as well
    assert answer(client, fp, "rectified", round_id=EARLIER).status_code == 404
    assert latest_responses(published.store, EARLIER) == {}


def test_before_publication_a_unit_has_no_round_at_all(portal_store):
    client = portal_store.client_for("u_dept1")
    assert "目前还没有已发布的测评结果" in client.get("/my").text
    assert client.get(f"/my/{ROUND}").status_code == 404
    assert client.get(f"/my/{ROUND}/checklist.csv").status_code == 404


@pytest.mark.parametrize("login", ["admin", "eval", "eval_c1"])
def test_the_unit_pages_are_for_unit_users_only(published, login):
    client = published.client_for(login)
    assert client.get("/my").status_code == 403
    assert client.get(f"/my/{ROUND}").status_code == 403
    assert client.get(f"/my/{ROUND}/checklist.xlsx").status_code == 403


def test_signed_out_the_unit_pages_ask_to_sign_in(published):
    response = published.anonymous().get(f"/my/{ROUND}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# -- answering online ----------------------------------------------------------------------------
def test_an_answer_online_is_stored_and_shown(published):
    client = published.client_for("u_dept1")
    fp = fingerprints_of(published.store, "dept1")[0]
    response = answer(client, fp, "cannot_rectify", "栏目已撤并，<b>无法</b>恢复")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/my/{ROUND}?saved={fp}")
    stored = latest_responses(published.store, ROUND, ["dept1"])[fp]
    assert (stored.status, stored.note) == ("cannot_rectify", "栏目已撤并，<b>无法</b>恢复")
    page = client.get(response.headers["location"])
    assert "已保存序号" in page.text
    assert "无法整改" in page.text and "栏目已撤并，&lt;b&gt;无法&lt;/b&gt;恢复" in page.text
    assert "待审核" in page.text


def test_an_answer_is_held_to_the_imports_rules(published):
    client = published.client_for("u_dept1")
    fp = fingerprints_of(published.store, "dept1")[0]
    refused = answer(client, fp, "cannot_rectify", "")
    assert refused.status_code == 400
    assert "无法整改" in refused.text and "原因" in refused.text
    too_long = answer(client, fp, "rectified", "长" * 2001)
    assert too_long.status_code == 400 and "2000" in too_long.text
    bad = answer(client, fp, "done", "")
    assert bad.status_code == 400
    assert latest_responses(published.store, ROUND, ["dept1"]) == {}


def test_an_answer_without_the_forms_csrf_token_is_refused(published):
    client = published.client_for("u_dept1")
    fp = fingerprints_of(published.store, "dept1")[0]
    data = {"fingerprint": fp, "status": "rectified", "note": ""}
    assert client.post(f"/my/{ROUND}/answer", data=data).status_code == 403
    data["csrf_token"] = "forged"
    assert client.post(f"/my/{ROUND}/answer", data=data).status_code == 403
    assert latest_responses(published.store, ROUND) == {}


def test_an_answer_after_the_deadline_is_refused_with_the_reason(published):
    mark_published(published.store, deadline=today_in_beijing() - dt.timedelta(days=1))
    client = published.client_for("u_dept1")
    page = client.get(f"/my/{ROUND}")
    assert "已过" in page.text and "答复已冻结" in page.text
    assert 'name="status"' not in page.text and 'type="file"' not in page.text
    refused = answer(client, fingerprints_of(published.store, "dept1")[0], "rectified")
    assert refused.status_code == 400
    assert "整改期限" in refused.text and "已过" in refused.text
    assert latest_responses(published.store, ROUND) == {}


def test_an_answer_to_a_closed_round_is_refused(published):
    mark_published(published.store, state="closed")
    client = published.client_for("u_dept1")
    refused = answer(client, fingerprints_of(published.store, "dept1")[0], "rectified")
    assert refused.status_code == 400 and "已截止" in refused.text
    assert latest_responses(published.store, ROUND) == {}


def test_a_unit_cannot_answer_another_units_problem(published):
    client = published.client_for("u_t1")
    for fp in fingerprints_of(published.store, "dept1"):
        response = answer(client, fp, "rectified", "x")
        assert response.status_code == 404
        assert_nothing_of(response.text, published.store, ["dept1"])
    assert latest_responses(published.store, ROUND) == {}


# -- downloads -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "media"),
    [("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("html", "text/html")],
)
def test_the_checklist_downloads_with_its_chinese_file_name(published, fmt, media):
    response = published.client_for("u_dept1").get(f"/my/{ROUND}/checklist.{fmt}")
    assert response.status_code == 200
    assert media in response.headers["content-type"]
    name = f"整改清单_{ROUND}_dept1_江淮市教育局.{fmt}"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert f'filename="{ROUND}_dept1_.{fmt}"' not in disposition  # the fallback is readable
    assert re.search(r'filename="[A-Za-z0-9._-]+"', disposition)
    if fmt != "xlsx":
        text = response.content.decode("utf-8-sig")
        assert "工作动态" in text
        assert_nothing_of(text, published.store, ["dept2", "t1", "c2"])


def test_a_checklist_format_that_does_not_exist_is_404(published):
    client = published.client_for("u_dept1")
    assert client.get(f"/my/{ROUND}/checklist.pdf").status_code == 404


def test_each_unit_downloads_only_its_own_checklist(published, tmp_path):
    path = download(published.client_for("u_t1"), ROUND, tmp_path / "t1.xlsx")
    assert sorted(problem_fingerprints(path)) == sorted(fingerprints_of(published.store, "t1"))


# -- uploading the filled checklist --------------------------------------------------------------
def upload(client, path, round_id: str = ROUND, name: str | None = None):
    with path.open("rb") as handle:
        return client.post(
            f"/my/{round_id}/upload",
            data={"csrf_token": client.csrf_token},
            files={"file": (name or path.name, handle, "application/octet-stream")},
            follow_redirects=False,
        )


def test_an_uploaded_filled_checklist_is_recorded_and_shown(published, tmp_path):
    client = published.client_for("u_dept1")
    path = download(client, ROUND, tmp_path / "dept1.xlsx")
    rows = problem_fingerprints(path)
    filled = fill(
        path, {0: ("已整改", "已补充发布日期"), 1: ("整改中", None)}, tmp_path / "填好的.xlsx"
    )
    response = upload(client, filled)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/my/{ROUND}?imported=2,0,{len(rows) - 2}"
    stored = latest_responses(published.store, ROUND, ["dept1"])
    assert (stored[rows[0]].status, stored[rows[0]].note) == ("rectified", "已补充发布日期")
    assert stored[rows[1]].status == "in_progress"
    assert set(responses_frame(published.store, ROUND)["source"]) == {"填好的.xlsx"}
    page = client.get(response.headers["location"])
    assert "新记录2项答复" in page.text and "已补充发布日期" in page.text


def test_a_bad_upload_lists_the_imports_refusals_cell_by_cell(published, tmp_path):
    client = published.client_for("u_dept1")
    path = download(client, ROUND, tmp_path / "dept1.xlsx")
    filled = fill(path, {0: ("做完了", None), 1: ("无法整改", None)}, tmp_path / "bad.xlsx")
    response = upload(client, filled)
    assert response.status_code == 400
    assert "未导入" in response.text
    assert "整改清单!M7" in response.text and "做完了" in response.text
    assert "整改清单!N8" in response.text and "无法整改" in response.text
    assert latest_responses(published.store, ROUND) == {}


def test_a_file_that_is_no_workbook_is_refused(published, tmp_path):
    client = published.client_for("u_dept1")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip at all")
    response = upload(client, junk)
    assert response.status_code == 400 and "未导入" in response.text
    assert latest_responses(published.store, ROUND) == {}


def test_another_units_checklist_uploaded_is_refused(published, tmp_path):
    dept1 = download(published.client_for("u_dept1"), ROUND, tmp_path / "dept1.xlsx")
    filled = fill(dept1, {0: ("已整改", "x")}, tmp_path / "dept1-filled.xlsx")
    response = upload(published.client_for("u_t1"), filled)
    assert response.status_code == 400
    assert latest_responses(published.store, ROUND) == {}
    assert_nothing_of(response.text, published.store, ["dept1"])


def test_an_upload_is_refused_by_its_declared_size_before_reading(published):
    client = published.client_for("u_dept1")
    response = client.post(
        f"/my/{ROUND}/upload",
        content=b"x" * 16,
        headers={
            "content-type": "multipart/form-data; boundary=zz",
            "content-length": str(MAX_UPLOAD_BYTES + 1),
        },
    )
    assert response.status_code == 413 and "上限32 MB" in response.text


def test_an_upload_after_the_deadline_is_refused(published, tmp_path):
    client = published.client_for("u_dept1")
    path = download(client, ROUND, tmp_path / "dept1.xlsx")
    filled = fill(path, {0: ("已整改", "x")}, tmp_path / "late.xlsx")
    mark_published(published.store, deadline=today_in_beijing() - dt.timedelta(days=1))
    response = upload(client, filled)
    assert response.status_code == 400 and "已过" in response.text
    assert latest_responses(published.store, ROUND) == {}


def test_an_upload_without_the_csrf_token_is_refused(published, tmp_path):
    client = published.client_for("u_dept1")
    path = download(client, ROUND, tmp_path / "dept1.xlsx")
    with path.open("rb") as handle:
        response = client.post(f"/my/{ROUND}/upload", files={"file": ("a.xlsx", handle)})
    assert response.status_code == 403


# -- reviews and one-time items ------------------------------------------------------------------
def test_the_unit_sees_which_answers_were_accepted_or_sent_back_and_why(published):
    client = published.client_for("u_dept1")
    first, second = fingerprints_of(published.store, "dept1")[:2]
    answer(client, first, "rectified", "已更新栏目")
    answer(client, second, "in_progress", "正在补充")
    ids = {a.fingerprint: a.response_id for a in answer_states(published.store, ROUND).values()}
    answers.review(published.store, ids[first], "accepted", None, "eval")
    answers.review(
        published.store, ids[second], "sent_back", "请附上<b>整改后</b>的网页链接", "eval"
    )
    page = client.get(f"/my/{ROUND}").text
    accepted = page[page.index(f'id="p-{first}"') :]
    assert "已通过" in accepted[: accepted.index("</article>")]
    returned = page[page.index(f'id="p-{second}"') :]
    returned = returned[: returned.index("</article>")]
    assert "退回" in returned and "请附上&lt;b&gt;整改后&lt;/b&gt;的网页链接" in returned
    assert "请根据审核意见修改后重新答复" in returned


@pytest.fixture(name="one_time")
def one_time_fixture(rounds):
    """H2's hand-made rounds (dept1 has a document published late: a one-time event), 2025Q2
    published, with a unit account for dept1."""
    accounts.create_user(
        rounds.store, "u_dept1", "教育局", "unit", "dept1", "Kouling-dept1-2025!",
        must_change_password=False, by="test",
    )  # fmt: skip
    mark_published(rounds.store, "2025Q2")
    return PortalWorld(rounds.store, passwords={"u_dept1": "Kouling-dept1-2025!"})


def test_one_time_items_are_shown_apart_and_cannot_be_answered(one_time):
    client = one_time.client_for("u_dept1")
    page = client.get("/my/2025Q2").text
    future = page[page.index("今后注意（1）") :]
    late = data_fp("dept1", "late", art("dept1", 2))
    assert f'id="p-{late}"' in future and LATE_TITLE in future
    assert "无需答复" in future and 'name="status"' not in future
    answerable = page[: page.index("今后注意（1）")]
    assert f'id="p-{late}"' not in answerable
    refused = answer(client, late, "rectified", "x", round_id="2025Q2")
    assert refused.status_code == 400 and "一次性问题" in refused.text
    assert latest_responses(one_time.store, "2025Q2") == {}
