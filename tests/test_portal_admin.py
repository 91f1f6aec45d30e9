"""Administrators' pages: accounts (/admin/users) and the audit log (/admin/audit and its
CSV/XLSX exports) — only for administrators, every change audited, store text shown as text."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from portal_fixtures import (
    SCRIPT_TITLE,
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
    sign_in,
)
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import update

from portal import accounts, audit
from reports.wording import today_in_beijing

ADMIN_GETS = ["/admin/users", "/admin/audit", "/admin/audit.csv", "/admin/audit.xlsx"]


@pytest.mark.parametrize("login", ["eval", "eval_c1", "u_dept1", "u_t1"])
def test_only_administrators_reach_the_admin_pages(portal_store, login):
    client = portal_store.client_for(login)
    for path in ADMIN_GETS:
        assert client.get(path).status_code == 403, path
    for path in ("/admin/users", "/admin/users/u_c2/disable", "/admin/users/u_c2/reset"):
        data = {"csrf_token": client.csrf_token, "login": "x1", "name": "x", "role": "admin"}
        assert client.post(path, data=data).status_code == 403, path
    assert not accounts.get_user(portal_store.store, "u_c2").disabled
    assert accounts.get_user(portal_store.store, "x1") is None


def test_signed_out_the_admin_pages_send_to_sign_in(portal_store):
    client = portal_store.anonymous()
    for path in ADMIN_GETS:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def _secret(html: str) -> str:
    return re.search(r'class="secret">([^<]+)<', html).group(1)


def test_adding_an_account_shows_its_password_once_and_forces_a_change(portal_store):
    client = portal_store.client_for("admin")
    form = {"csrf_token": client.csrf_token, "login": "u_t2", "name": "西城区河口镇",
            "role": "unit", "unit_id": "t2"}  # fmt: skip
    page = client.post("/admin/users", data=form)
    assert page.status_code == 200 and "账号已创建" in page.text
    password = _secret(page.text)
    assert password not in client.get("/admin/users").text
    user = accounts.get_user(portal_store.store, "u_t2")
    assert user.must_change_password and user.unit_id == "t2"
    fresh = portal_store.anonymous()
    assert sign_in(fresh, "u_t2", password).url.path == "/password"
    logged = audit.audit_frame(portal_store.store, action="user_create", actor="admin")
    assert logged["target"].tolist() == ["u_t2"]
    assert logged["after"].iloc[0] == {"login": "u_t2", "name": "西城区河口镇", "role": "unit",
                                       "unit_id": "t2"}  # fmt: skip


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"login": "u_c2", "role": "unit", "unit_id": "c2"}, "已存在"),
        ({"login": "bad login", "role": "unit", "unit_id": "c2"}, "不可用"),
        ({"login": "u_x", "role": "unit", "unit_id": ""}, "必须指定所属单位"),
        ({"login": "u_x", "role": "unit", "unit_id": "nowhere"}, "不在存储库的单位名录中"),
        ({"login": "u_x", "role": "root", "unit_id": ""}, "不存在"),
    ],
)
def test_an_account_that_cannot_be_made_is_refused_with_the_reason(portal_store, form, says):
    client = portal_store.client_for("admin")
    page = client.post("/admin/users", data={"csrf_token": client.csrf_token, "name": "某", **form})
    assert page.status_code == 400 and says in page.text
    assert audit.audit_frame(portal_store.store, action="user_create", actor="admin").empty


def test_disabling_ends_the_accounts_sessions_and_enabling_restores_sign_in(portal_store):
    victim = portal_store.client_for("u_c2")
    client = portal_store.client_for("admin")
    done = client.post("/admin/users/u_c2/disable", data={"csrf_token": client.csrf_token})
    assert done.url.path == "/admin/users" and "已停用账号 u_c2" in done.text
    assert victim.get("/password", follow_redirects=False).status_code == 303
    client.post("/admin/users/u_c2/enable", data={"csrf_token": client.csrf_token})
    assert sign_in(portal_store.anonymous(), "u_c2", portal_store.passwords["u_c2"]).status_code
    actions = audit.audit_frame(portal_store.store, actor="admin")["action"].tolist()
    assert actions == ["user_enable", "user_disable"]


def test_an_administrator_cannot_disable_themself(portal_store):
    client = portal_store.client_for("admin")
    page = client.post("/admin/users/admin/disable", data={"csrf_token": client.csrf_token})
    assert page.status_code == 400 and "不能停用自己的账号" in page.text


def test_an_admin_form_without_the_csrf_token_changes_nothing(portal_store):
    client = portal_store.client_for("admin")
    assert client.post("/admin/users/u_c2/disable", data={}).status_code == 403
    assert client.post("/admin/users/u_c2/reset", data={"csrf_token": "x"}).status_code == 403
    assert not accounts.get_user(portal_store.store, "u_c2").disabled
    assert accounts.authenticate(portal_store.store, "u_c2", portal_store.passwords["u_c2"], "a")


def test_a_reset_password_replaces_the_old_one_and_must_be_changed(portal_store):
    client = portal_store.client_for("admin")
    page = client.post("/admin/users/u_t1/reset", data={"csrf_token": client.csrf_token})
    new = _secret(page.text)
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(portal_store.store, "u_t1", portal_store.passwords["u_t1"], "a")
    assert sign_in(portal_store.anonymous(), "u_t1", new).url.path == "/password"
    logged = audit.audit_frame(portal_store.store, action="password_reset")
    assert logged["target"].tolist() == ["u_t1"] and logged["unit_id"].tolist() == ["t1"]
    assert new not in str(logged.to_dict())  # no password in the log


def _audit_spread(store) -> None:
    """Entries on three Beijing days by three people, one naming a hostile title."""
    audit.record(store, "eval", "decision", round="2025Q2", unit_id="dept1",
                 target=SCRIPT_TITLE, before=None, after={"decision": "dismissed"})  # fmt: skip
    audit.record(store, "u_t1", "answer", round="2025Q2", unit_id="t1", target="=cmd|x",
                 after={"status": "已整改"})  # fmt: skip
    audit.record(store, "eval_c1", "review", round="2025Q2", unit_id="t1", target="+1")
    days = {"eval": 1, "u_t1": 2, "eval_c1": 3}
    with store.engine.begin() as conn:
        for actor, day in days.items():
            at = dt.datetime(2025, 7, day, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
            conn.execute(update(audit.AUDIT).where(audit.AUDIT.c.actor == actor).values(at=at))


def test_the_audit_log_is_filtered_by_actor_action_unit_and_beijing_day(portal_store):
    _audit_spread(portal_store.store)
    client = portal_store.client_for("admin")

    def shown(**query) -> int:
        return client.get("/admin/audit", params=query).text.count("<tr><td")

    assert shown(actor="eval") == 1
    assert shown(action="answer") == 1
    assert shown(unit="t1") == 3  # with the fixture's creation of u_t1
    assert shown(unit="t1", round="2025Q2") == 2
    # 2025-07-02 00:30 Beijing is 2025-07-01 16:30 UTC: a Beijing day, not a UTC one
    assert shown(since="2025-07-02", until="2025-07-02") == 1
    assert shown(since="2025-07-01", until="2025-07-03", round="2025Q2") == 3
    bad = client.get("/admin/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "格式应为" in bad.text


def test_the_audit_page_shows_store_text_as_text(portal_store):
    _audit_spread(portal_store.store)
    html = portal_store.client_for("admin").get("/admin/audit").text
    assert SCRIPT_TITLE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "问题认定" in html and "江淮市教育局（dept1）" in html


def test_the_audit_log_exports_as_csv_with_formulas_defused(portal_store):
    _audit_spread(portal_store.store)
    client = portal_store.client_for("admin")
    response = client.get("/admin/audit.csv", params={"unit": "t1", "round": "2025Q2"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("时间（北京时间）,操作人,操作")
    assert "'=cmd|x" in text and "'+1" in text
    assert len(text.strip().splitlines()) == 3


def test_the_audit_log_exports_as_xlsx_with_text_cells(portal_store):
    _audit_spread(portal_store.store)
    response = portal_store.client_for("admin").get("/admin/audit.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间（北京时间）", "操作人", "操作")
    targets = {row[5] for row in rows[1:]}
    assert {"=cmd|x", "+1", SCRIPT_TITLE} <= targets
    cells = [c for c in sheet["F"] if c.value == "=cmd|x"]
    assert cells[0].data_type == "s" and cells[0].quotePrefix
    assert f"audit_{today_in_beijing():%Y%m%d}.xlsx" in response.headers["content-disposition"]
