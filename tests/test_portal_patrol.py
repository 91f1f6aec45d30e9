"""The daily patrol in the portal (issue 14; portal/pages_patrol.py, portal/inbox.py,
portal/patrol_board.py): a unit's 今日提醒 inbox — its own unit's digests only, unread per
account until opened, marked read by POST with the CSRF token — and the evaluators' dashboard
over their own units, counted exactly; migration 0018."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from portal_fixtures import (
    SCRIPT_TITLE,
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
)
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import inspect

from portal import accounts
from store import downgrade, make_engine, migrate
from store.migrate import current_revision, head_revision
from store.patrols import FINDING_COLUMNS, write_patrol

SET = type("Set", (), {"id": "t", "version": "1", "sha256": "0" * 64})  # the rounds' set
N1, N2 = dt.date(2025, 7, 1), dt.date(2025, 7, 3)


def finding(fp: str, unit: str, indicator: str = "undated", *, due: dt.date | None = None,
            subject: str | None = None, suggestion: str | None = None) -> dict:  # fmt: skip
    return {"fingerprint": fp, "kind": "warning" if due else "problem", "unit_id": unit,
            "indicator_id": indicator, "subject": subject or f"http://{unit}.example.gov.cn/{fp}",
            "target_url": f"http://{unit}.example.gov.cn/{fp}", "evidence": {},
            "suggestion": suggestion or f"请整改{fp}。", "deduction": 1.0, "due": due}  # fmt: skip


def write(store, day: dt.date, rows: list[dict], unread: tuple[str, ...] = ()) -> int:
    return write_patrol(store, as_of=day, crawl_run=1, indicator_set=SET, within="5 workdays",
                        findings=pd.DataFrame(rows, columns=FINDING_COLUMNS),
                        stats={"units_not_observed": list(unread)})  # fmt: skip


@pytest.fixture
def patrolled(portal_store):
    """Two nights. 1 July: problems d1a (dept1), t1a (t1); warnings wd1 (dept1) and wc1d (c1d),
    both due 3 July. 3 July: d1a still open, d1b new (a crawled title with a script), t1a gone,
    wc1d became a problem (ignored), wd1 not found (heeded), c2a new, a new warning wt2 (t2)."""
    store = portal_store.store
    due = dt.date(2025, 7, 3)
    first = write(store, N1, [
        finding("d1a", "dept1", "fresh"), finding("t1a", "t1"),
        finding("wd1", "dept1", "fresh", due=due), finding("wc1d", "c1d", "fresh", due=due),
    ])  # fmt: skip
    second = write(store, N2, [
        finding("d1a", "dept1", "fresh"),
        finding("d1b", "dept1", subject=SCRIPT_TITLE, suggestion=f"{SCRIPT_TITLE}未标注发布日期。"),
        finding("wc1d", "c1d", "fresh"), finding("c2a", "c2"),
        finding("wt2", "t2", "fresh", due=dt.date(2025, 7, 8)),
    ])  # fmt: skip
    portal_store.patrols = (first, second)
    return portal_store


def unread_badge(html: str) -> int:
    found = re.search(r'<span class="badge count" title="未读">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``, each cell's text."""
    found = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S)
    assert found, f"no table {table_id}"
    body = found.group(1).split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


# -- the unit's inbox ------------------------------------------------------------------------
def test_a_unit_sees_its_own_digests_newest_first_and_no_other_units(patrolled):
    first, second = patrolled.patrols
    client = patrolled.client_for("u_c2")
    page = client.get("/inbox")
    assert page.status_code == 200
    assert f"/inbox/{second}/read" in page.text and f"/inbox/{first}" not in page.text
    assert "江淮市教育局" not in page.text and "d1a" not in page.text
    assert client.get(f"/inbox/{second}").status_code == 200
    # 1 July had dept1's digest but nothing for c2: the same 404 as a patrol that does not exist.
    assert client.get(f"/inbox/{first}").status_code == 404
    assert client.get("/inbox/999").status_code == 404
    refused = client.post(f"/inbox/{first}/read", data={"csrf_token": client.csrf_token})
    assert refused.status_code == 404

    dept1 = patrolled.client_for("u_dept1").get("/inbox").text
    # day, new problems, warnings, gone, state, 查看: newest first
    assert table(dept1, "inbox") == [
        ["2025年7月3日", "1", "0", "0", "未读", "查看"],
        ["2025年7月1日", "1", "1", "0", "未读", "查看"],
    ]
    assert dept1.index(f"/inbox/{second}/read") < dept1.index(f"/inbox/{first}/read")


def test_an_entry_is_the_patrols_digest_with_crawled_text_escaped(patrolled):
    _, second = patrolled.patrols
    client = patrolled.client_for("u_dept1")
    page = client.get(f"/inbox/{second}")
    assert page.status_code == 200
    assert "一、新发现问题（1个）" in page.text
    assert "信息标注发布日期：" in page.text  # the indicator's name from the set, not its id
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;未标注发布日期。" in page.text
    t1 = patrolled.client_for("u_t1").get(f"/inbox/{second}").text
    assert "一、较上次巡查已整改问题1个。" in t1


def test_unread_count_goes_down_as_entries_are_read_per_account(patrolled):
    first, second = patrolled.patrols
    accounts.create_user(patrolled.store, "u_dept1b", "教育局办公室", "unit", "dept1",
                         "Kouling-99x!2025", must_change_password=False, by="test")  # fmt: skip
    patrolled.passwords["u_dept1b"] = "Kouling-99x!2025"
    client = patrolled.client_for("u_dept1")
    assert unread_badge(client.get("/my").text) == 2
    # Showing an entry changes nothing; the list's 查看 (a form) marks it read.
    assert unread_badge(client.get(f"/inbox/{second}").text) == 2
    opened = client.post(f"/inbox/{second}/read", data={"csrf_token": client.csrf_token})
    assert opened.status_code == 200 and f"/inbox/{second}" in str(opened.url)
    assert unread_badge(opened.text) == 1
    client.post("/inbox/read-all", data={"csrf_token": client.csrf_token})
    assert unread_badge(client.get("/inbox").text) == 0
    assert "未读</span>" not in client.get("/inbox").text
    # The unit's other account has read nothing.
    assert unread_badge(patrolled.client_for("u_dept1b").get("/inbox").text) == 2


def test_marking_read_needs_the_csrf_token(patrolled):
    _, second = patrolled.patrols
    client = patrolled.client_for("u_dept1")
    assert client.post("/inbox/read-all", data={}).status_code == 403
    assert client.post(f"/inbox/{second}/read", data={"csrf_token": "x" * 20}).status_code == 403
    assert unread_badge(client.get("/inbox").text) == 2


def test_inbox_is_for_unit_users_and_the_dashboard_for_evaluators(patrolled):
    assert patrolled.client_for("eval").get("/inbox").status_code == 403
    assert patrolled.client_for("u_dept1").get("/patrol").status_code == 403
    assert patrolled.client_for("u_dept1").get("/patrol/units/dept1").status_code == 403
    anonymous = patrolled.anonymous().get("/inbox", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_the_api_gives_the_units_own_inbox(patrolled):
    first, second = patrolled.patrols
    client = patrolled.client_for("u_dept1")
    client.post(f"/inbox/{first}/read", data={"csrf_token": client.csrf_token})
    got = client.get("/api/v1/inbox").json()
    assert [(e["patrol"], e["read"]) for e in got] == [(second, False), (first, True)]
    assert got[1]["warnings"] == [{"indicator": "动态要闻类栏目更新及时", "suggestion": "请整改wd1。",
                                   "target_url": "http://dept1.example.gov.cn/wd1", "due": "2025-07-03"}]  # fmt: skip
    assert [e["patrol"] for e in patrolled.client_for("u_c2").get("/api/v1/inbox").json()] == [
        second
    ]
    assert patrolled.client_for("eval").get("/api/v1/inbox").status_code == 403


# -- the evaluators' dashboard ---------------------------------------------------------------
def test_dashboard_counts_per_level_and_unit(patrolled):
    client = patrolled.client_for("eval")
    page = client.get("/patrol")
    assert page.status_code == 200 and "预警期（5个工作日）" in page.text
    # level, new, problems now, gone, warnings, of which new
    assert table(page.text, "levels") == [
        ["市直部门", "1", "2", "0", "0", "0"],
        ["县区政府", "1", "1", "0", "0", "0"],
        ["县直部门", "1", "1", "0", "0", "0"],
        ["乡镇街道", "0", "0", "1", "1", "1"],
        ["合计", "3", "4", "1", "1", "1"],
    ]
    assert table(page.text, "units") == [
        ["江淮市教育局", "市直部门", "1", "2", "0", "0", "0"],
        ["江淮市西城区", "县区政府", "1", "1", "0", "0", "0"],
        ["东城区教育局", "县直部门", "1", "1", "0", "0", "0"],
        ["西城区河口镇", "乡镇街道", "0", "0", "0", "1", "1"],
        ["东城区城关镇", "乡镇街道", "0", "0", "1", "0", "0"],
    ]
    assert 'href="/patrol/units/dept1"' in page.text
    # wc1d became a problem on its due day; wd1 was heeded; wt2 is not due yet.
    assert table(page.text, "ignoring") == [["东城区教育局", "县直部门", "1", "0", "0"]]
    fixes = {row[0]: row[1:] for row in table(page.text, "fix-levels")}
    assert fixes["乡镇街道"] == ["1", "1", "2", "100%", "0", "0"]  # t1a fixed in 2 days
    assert fixes["市直部门"] == ["2", "0", "—", "—", "0", "2"]


def test_a_county_evaluator_sees_only_the_county(patrolled):
    client = patrolled.client_for("eval_c1")
    page = client.get("/patrol")
    assert [row[0] for row in table(page.text, "units")] == ["东城区教育局", "东城区城关镇"]
    assert table(page.text, "levels")[-1] == ["合计", "1", "1", "1", "0", "0"]
    for other in ("江淮市教育局", "江淮市西城区", "西城区河口镇"):
        assert other not in page.text
    assert client.get("/patrol/units/c2").status_code == 404
    assert client.get("/patrol/units/dept1").status_code == 404
    assert client.get("/patrol/units/t1").status_code == 200
    assert patrolled.client_for("eval").get("/patrol/units/nowhere").status_code == 404


def test_a_units_page_lists_its_findings_escaped(patrolled):
    page = patrolled.client_for("eval").get("/patrol/units/dept1")
    assert page.status_code == 200
    rows = table(page.text, "findings")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("问题", "新发现", "信息标注发布日期"),
        ("问题", "仍存在", "动态要闻类栏目更新及时"),
    ]
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page.text
    t2 = table(patrolled.client_for("eval").get("/patrol/units/t2").text, "findings")
    assert t2[0][:2] == ["预警", "新预警"] and t2[0][4] == "2025年7月8日"


def test_the_empty_state_says_there_is_no_patrol_yet(portal_store):
    page = portal_store.client_for("eval").get("/patrol")
    assert page.status_code == 200 and "还没有日巡查记录" in page.text
    assert '<a href="/patrol"' in page.text  # in the evaluators' navigation
    inbox = portal_store.client_for("u_dept1").get("/inbox")
    assert "目前没有提醒" in inbox.text and unread_badge(inbox.text) == 0
    assert '<a href="/inbox"' in inbox.text


# -- migration 0018 --------------------------------------------------------------------------
def test_migration_0018_adds_the_read_state_and_goes_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite")
    try:
        migrate(engine)
        assert current_revision(engine) == head_revision() >= "0018"
        assert "patrol_reads" in inspect(engine).get_table_names()
        downgrade(engine, "0017")
        assert current_revision(engine) == "0017"
        tables = set(inspect(engine).get_table_names())
        assert "patrol_reads" not in tables and "patrols" in tables
        migrate(engine)
        assert "patrol_reads" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
