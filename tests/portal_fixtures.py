"""A stored round over a small unit tree with portal accounts, for the portal's tests.

The unit tree (江淮市; the city itself is a parent the registry does not crawl):

    city ─┬─ dept1  江淮市教育局      市直部门
          ├─ dept2  江淮市财政局      市直部门
          ├─ c1     江淮市东城区      县区政府 ─┬─ t1   东城区城关镇   乡镇街道
          │                                   └─ c1d  东城区教育局   县直部门
          └─ c2     江淮市西城区      县区政府 ─── t2   西城区河口镇   乡镇街道

Rounds 2025Q1 and 2025Q2 (the one pages are about; both drafts: no publication row), scored
from planted findings (tests/round_fixtures.py) with checklist_fixtures' indicator set — no
crawling. Every unit has a few problems in 2025Q2; one of dept1's articles is titled
`SCRIPT_TITLE` (``<script>alert(1)</script><b>x</b>``), which every page must show as text.

Accounts (`PASSWORDS`, none has to change its password): ``admin`` (administrator), ``eval``
(city evaluator, every unit), ``eval_c1`` (county evaluator: c1, t1, c1d), ``u_dept1``,
``u_t1``, ``u_c2`` (unit users).

Test modules import the fixtures (``from portal_fixtures import portal_store_fixture``, and
``portal_store_any_fixture`` for SQLite and PostgreSQL) and the planted check they need
(``from round_fixtures import planted_check``); they use them as ``portal_store`` /
``portal_store_any``: a `PortalWorld` with ``.store``, ``.passwords``, ``.user_ids``,
``.app()`` and ``.client_for(login)`` — a TestClient signed in as ``login`` (its CSRF token
in ``client.csrf_token``) — and ``.anonymous()``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from checklist_fixtures import SET_YAML
from fastapi import FastAPI
from fastapi.testclient import TestClient
from round_fixtures import PLANTED, HandMadeCrawl, PlantedFindings, columns, planted

from portal import accounts
from portal.app import create_app
from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data
from store import Store, open_store
from store.testing import StoreUrls, backend_url

ROUND = "2025Q2"
EARLIER = "2025Q1"
SCRIPT_TITLE = "<script>alert(1)</script><b>x</b>"
SECRET = "portal-tests-signing-key-0123456789abcdef"

# id: (name, level, parent)
UNITS = {
    "dept1": ("江淮市教育局", "市直部门", "city"),
    "dept2": ("江淮市财政局", "市直部门", "city"),
    "c1": ("江淮市东城区", "县区政府", "city"),
    "t1": ("东城区城关镇", "乡镇街道", "c1"),
    "c1d": ("东城区教育局", "县直部门", "c1"),
    "c2": ("江淮市西城区", "县区政府", "city"),
    "t2": ("西城区河口镇", "乡镇街道", "c2"),
}
C1_SUBTREE = {"c1", "t1", "c1d"}

# login: (name, role, unit_id)
USERS = {
    "admin": ("系统管理员", "admin", None),
    "eval": ("市政务公开办", "evaluator", None),
    "eval_c1": ("东城区政务公开办", "evaluator", "c1"),
    "u_dept1": ("江淮市教育局", "unit", "dept1"),
    "u_t1": ("东城区城关镇", "unit", "t1"),
    "u_c2": ("江淮市西城区", "unit", "c2"),
}
PASSWORDS = {login: f"Kouling-{n}7x!2025" for n, login in enumerate(USERS, 1)}


def column_url(unit: str, n: int) -> str:
    return f"http://{unit}.example.gov.cn/col/{n}/"


def article_url(unit: str, n: int) -> str:
    return f"http://{unit}.example.gov.cn/art/{n}.html"


def _findings(round_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(indicator, unit, subject, evidence): a stale column and undated articles per unit."""
    days = 130 if round_id == ROUND else 40
    found = [
        ("fresh", "dept1", column_url("dept1", 1), {"column": "工作动态", "days": days}),
        ("undated", "dept1", article_url("dept1", 1), {"title": SCRIPT_TITLE}),
        ("undated", "dept1", article_url("dept1", 2), {"title": "关于印发2025年工作要点的通知"}),
        ("fresh", "dept2", column_url("dept2", 1), {"column": "部门动态", "days": days}),
        ("undated", "dept2", article_url("dept2", 1), {"title": "财政预算执行情况"}),
        ("undated", "c1", article_url("c1", 1), {"title": "东城区政府常务会议纪要"}),
        ("fresh", "c1d", column_url("c1d", 1), {"column": "通知公告", "days": days}),
        ("fresh", "t1", column_url("t1", 1), {"column": "乡镇动态", "days": days}),
        ("undated", "t1", article_url("t1", 1), {"title": "城关镇村务公开"}),
        ("undated", "c2", article_url("c2", 1), {"title": "西城区人事任免"}),
        ("fresh", "t2", column_url("t2", 1), {"column": "工作动态", "days": days}),
    ]
    if round_id == EARLIER:  # one problem fixed since: history across rounds
        found.append(("undated", "c2", article_url("c2", 2), {"title": "西城区招聘公告"}))
    return found


def _units_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": list(UNITS),
            "name": [v[0] for v in UNITS.values()],
            "level": [v[1] for v in UNITS.values()],
            "parent": [v[2] for v in UNITS.values()],
            "observed": [True] * len(UNITS),
        }
    )


def build_portal_store(store: Store, folder: Path) -> None:
    """The units, both rounds and the accounts, into an empty store."""
    store.upsert_units(
        {
            "id": unit,
            "name": name,
            "level": level,
            "parent": parent,
            "profile": "generic",
            "entry_url": f"http://{unit}.example.gov.cn/",
        }
        for unit, (name, level, parent) in UNITS.items()
    )
    path = folder / "t.yaml"
    path.write_text(SET_YAML, encoding="utf-8")
    indicator_set = load_indicator_set(path)
    cols = [(n, unit, column_url(unit, 1), True) for n, unit in enumerate(UNITS, 1)]
    for round_id, as_of in ((EARLIER, dt.date(2025, 3, 31)), (ROUND, dt.date(2025, 6, 30))):
        run = store.start_run("full")
        store.finish_run(run)
        data = HandMadeCrawl(
            units=_units_frame(),
            columns=columns(*cols),
            planted=planted(*_findings(round_id)),
            run_id=run,
        )
        evaluate_data(store, round_id, as_of, indicator_set, data)
    for login, (name, role, unit_id) in USERS.items():
        accounts.create_user(
            store,
            login,
            name,
            role,
            unit_id,
            PASSWORDS[login],
            must_change_password=False,
            by="fixture",
        )


@dataclass
class PortalWorld:
    """The store and its accounts, and signed-in test clients of the portal over it."""

    store: Store
    passwords: dict[str, str] = field(default_factory=lambda: dict(PASSWORDS))
    round_id: str = ROUND
    script_title: str = SCRIPT_TITLE

    @property
    def user_ids(self) -> dict[str, int]:
        return {a.login: a.id for a in accounts.list_users(self.store)}

    def app(self, *, https: bool = False) -> FastAPI:
        return create_app(self.store, https=https, secret=SECRET)

    def anonymous(self, *, https: bool = False) -> TestClient:
        base = "https://testserver" if https else "http://testserver"
        return TestClient(self.app(https=https), base_url=base)

    def client_for(self, login: str, *, https: bool = False) -> TestClient:
        """A client signed in as ``login`` (cookies kept); ``client.csrf_token`` for forms."""
        client = self.anonymous(https=https)
        sign_in(client, login, self.passwords[login])
        page = client.get("/password")
        assert page.status_code == 200, page.text
        client.csrf_token = form_token(page.text)  # type: ignore[attr-defined]
        return client


def form_token(html: str) -> str:
    """The first form's hidden csrf_token in a page."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "no csrf_token in the page"
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str, **extra: str) -> Any:
    """Post the sign-in form as a browser would (its CSRF value from the form page)."""
    page = client.get("/login")
    data = {"login": login, "password": password, "csrf_token": form_token(page.text), **extra}
    return client.post("/login", data=data)


@pytest.fixture(name="portal_template", scope="module")
def portal_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store built once per module into a SQLite file that tests copy."""
    from scoring.checks import base

    folder = tmp_path_factory.mktemp("portal_store")
    base._load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(base._REGISTRY, PLANTED, PlantedFindings)
        store = open_store(f"sqlite:///{folder}/portal.sqlite", create=True)
        build_portal_store(store, folder)
        store.close()
    return folder / "portal.sqlite"


@pytest.fixture(name="portal_store")
def portal_store_fixture(
    portal_template: Path, store_urls: StoreUrls, planted_check
) -> Iterator[PortalWorld]:
    """The portal's world on the suite's backend: a fresh copy for each test (it may change
    anything)."""
    store = open_store(store_urls.copy_of(portal_template))
    yield PortalWorld(store)
    store.close()


@pytest.fixture(
    name="portal_store_any",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def portal_store_any_fixture(
    request: pytest.FixtureRequest, tmp_path: Path, planted_check
) -> Iterator[PortalWorld]:
    """The portal's world on SQLite and on PostgreSQL (built for each test)."""
    with backend_url(request.param, tmp_path) as url:
        store = open_store(url, create=True)
        build_portal_store(store, tmp_path)
        yield PortalWorld(store)
        store.close()
