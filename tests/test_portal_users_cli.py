"""`zwgk users …` and `zwgk portal`: accounts from the terminal, audited as cli:<user>; one
account per registry unit with its initial password in an XLSX only the owner can read."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from portal_fixtures import UNITS, portal_store_fixture, portal_template_fixture  # noqa: F401
from round_fixtures import planted_check  # noqa: F401
from typer.testing import CliRunner

from portal import accounts, audit
from zwgk.cli import app

runner = CliRunner()

REGISTRY = """\
version: 1
name: 测试
units:
  - id: xh
    name: 西河县人民政府
    level: 县区政府
    profile: trs
    entry: http://127.0.0.13:18600/zf/xxgk/index.html
  - id: xh-jy
    name: 西河县教育局
    level: 县直部门
    parent: xh
    profile: trs
    entry: http://127.0.0.13:18600/jy/xxgk/index.html
  - id: dept1
    name: 江淮市教育局
    level: 市直部门
    profile: trs
    entry: http://127.0.0.13:18600/sj/xxgk/index.html
"""


def zwgk(world, *args: str):
    return runner.invoke(app, [*args, "--db", world.store.url])


def test_add_prints_the_initial_password_once_and_the_account_must_change_it(portal_store):
    result = zwgk(portal_store, "users", "add", "eval_c2", "--name", "西城区政务公开办",
                  "--role", "evaluator", "--unit", "c2")  # fmt: skip
    assert result.exit_code == 0, result.output
    password = result.output.split("initial password: ")[1].split()[0]
    account = accounts.authenticate(portal_store.store, "eval_c2", password, "cli-test")
    assert account.must_change_password and account.unit_id == "c2"
    logged = audit.audit_frame(portal_store.store, action="user_create", target="eval_c2")
    assert logged["actor"].iloc[0].startswith("cli")


def test_add_refuses_what_the_page_refuses(portal_store):
    result = zwgk(portal_store, "users", "add", "u_x", "--name", "x", "--role", "unit")
    assert result.exit_code == 2 and "必须指定所属单位" in result.output


def test_list_shows_every_account_as_json_lines(portal_store):
    result = zwgk(portal_store, "users", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["login"] for r in rows] == sorted(portal_store.passwords)
    assert "password_hash" not in rows[0]
    table = zwgk(portal_store, "users", "list", "--role", "unit")
    assert "u_t1" in table.output and "eval_c1" not in table.output


def test_disable_enable_and_reset_password(portal_store):
    store = portal_store.store
    assert zwgk(portal_store, "users", "disable", "u_t1").exit_code == 0
    assert accounts.get_user(store, "u_t1").disabled
    again = zwgk(portal_store, "users", "disable", "u_t1")
    assert "already disabled" in again.output
    assert zwgk(portal_store, "users", "enable", "u_t1").exit_code == 0
    reset = zwgk(portal_store, "users", "reset-password", "u_t1")
    new = reset.output.split("new password ")[1].split()[0]
    assert accounts.authenticate(store, "u_t1", new, "cli-test").must_change_password
    missing = zwgk(portal_store, "users", "reset-password", "nobody")
    assert missing.exit_code == 2 and "不存在" in missing.output
    actions = audit.audit_frame(store, target="u_t1")["action"].tolist()
    assert actions[:3] == ["password_reset", "user_enable", "user_disable"]


def test_import_units_makes_one_account_per_registry_unit_and_an_xlsx(portal_store, tmp_path):
    registry = tmp_path / "units.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    out = tmp_path / "单位账号.xlsx"
    result = zwgk(portal_store, "users", "import-units", "-r", str(registry), "--out", str(out),
                  "--url", "https://zwgk.example.gov.cn/")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "kept: dept1 江淮市教育局 already has u_dept1" in result.output
    assert "created 2 unit accounts" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "门户地址：https://zwgk.example.gov.cn/"
    assert rows[2][:4] == ("单位", "层级", "登录名", "初始密码")
    made = {row[2]: row[3] for row in rows[3:]}
    assert set(made) == {"xh", "xh-jy"}
    for login, password in made.items():
        account = accounts.authenticate(portal_store.store, login, password, "cli-test")
        assert account.role == "unit" and account.unit_id == login
        assert account.must_change_password
    assert accounts.get_user(portal_store.store, "xh-jy").name == "西河县教育局"
    # run again: nothing to make, nothing written, the earlier file is never overwritten
    again = zwgk(portal_store, "users", "import-units", "-r", str(registry),
                 "--out", str(tmp_path / "again.xlsx"))  # fmt: skip
    assert "no account created" in again.output and not (tmp_path / "again.xlsx").exists()
    over = zwgk(portal_store, "users", "import-units", "-r", str(registry), "--out", str(out))
    assert over.exit_code == 2 and "exists" in over.output


def test_import_units_from_the_store(portal_store, tmp_path):
    out = tmp_path / "accounts.xlsx"
    result = zwgk(portal_store, "users", "import-units", "--from-store", "--out", str(out))
    assert result.exit_code == 0, result.output
    have_accounts = {"dept1", "t1", "c2"}
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert {row[2] for row in rows[1:]} == set(UNITS) - have_accounts


def test_import_units_names_a_bad_registry(portal_store, tmp_path):
    registry = tmp_path / "units.yaml"
    registry.write_text("version: 1\nunits: [", encoding="utf-8")
    result = zwgk(portal_store, "users", "import-units", "-r", str(registry), "--out",
                  str(tmp_path / "x.xlsx"))  # fmt: skip
    assert result.exit_code == 2 and "units.yaml" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_a_failed_xlsx_leaves_no_account_behind(portal_store, tmp_path, monkeypatch):
    from portal import unit_accounts

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(unit_accounts, "_write_sheet", broken)
    units = unit_accounts.units_from_store(portal_store.store)
    with pytest.raises(OSError):
        unit_accounts.import_unit_accounts(
            portal_store.store, units, tmp_path / "a.xlsx", by="cli:test"
        )
    assert accounts.get_user(portal_store.store, "t2") is None


def test_zwgk_portal_serves_the_store_behind_a_trusted_proxy(portal_store, monkeypatch):
    import uvicorn

    seen = {}

    def fake_run(app, **kwargs):
        seen.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = zwgk(portal_store, "portal", "--port", "8123", "--https")
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1"
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "127.0.0.1"
    assert seen["app"].state.https is True
    assert Path(seen["app"].state.store.engine.url.database) == Path(
        portal_store.store.engine.url.database
    )
