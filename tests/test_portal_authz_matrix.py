"""The authorisation matrix: every route of the portal (pages and API, found from the app, not
listed by hand) × every role × own / foreign / out-of-subtree / guessed ids.

A route's path parameters are filled from `VALUES` by name — a new route with a parameter this
test does not know fails here until its values are added, so no route escapes the matrix. For
each person and each filled route:

- nothing of a unit outside what the person may see (its name, its problems' fingerprints,
  subjects and titles) is in any answer — pages, downloads (read as text where they are text;
  XLSX unzipped), API — whatever the ids asked for;
- an id the person may not see is refused (403/404), never served;
- a draft round does not exist for a unit's user;
- a changing request (POST) with another unit's or an unknown id, with a valid CSRF token and
  plausible form fields, changes nothing in the store;
- without a session, pages send to /login and the API answers 401.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from portal_fixtures import (  # noqa: F401 (fixtures)
    EARLIER,
    ROUND,
    UNITS,
    USERS,
    portal_store_fixture,
    portal_template_fixture,
)
from round_fixtures import planted_check  # noqa: F401 (fixture)
from sqlalchemy import func, select

from portal.app import routes_of
from store import models, patrol_models, portal_models
from store.patrols import FINDING_COLUMNS, write_patrol
from store.responses import Answer, record_responses

GUESS = "guess"  # an id that names nothing
CHANGED_TABLES = (
    models.Response.__table__,
    models.Decision.__table__,
    portal_models.ResponseReview.__table__,
    portal_models.RoundPublication.__table__,
    portal_models.User.__table__,
    portal_models.ApiToken.__table__,
    patrol_models.PatrolRead.__table__,
)
PATROL = "1"  # the world's one patrol: a problem of every unit, so an inbox entry for each
# The round units see (published); EARLIER stays a draft.
PUBLISHED = ROUND


def visible(login: str | None) -> set[str]:
    """The units ``login`` may see (the fixture's tree)."""
    if login is None:
        return set()
    _, role, unit = USERS[login]
    if role == "unit":
        return {unit}
    if unit is None:
        return set(UNITS)
    return {u for u, (_, _, parent) in UNITS.items() if u == unit or parent == unit}


@pytest.fixture(name="world")
def world_fixture(portal_store):
    """The fixture's store with ROUND published and an answer from every unit."""
    store = portal_store.store
    with store.engine.begin() as conn:
        conn.execute(
            portal_models.RoundPublication.__table__.insert().values(
                round=PUBLISHED, state="published", deadline=None, published_by="eval"
            )
        )
    problems = _problems(store)
    for unit in UNITS:
        mine = [p for p in problems if p["unit_id"] == unit and p["round"] == PUBLISHED]
        record_responses(
            store,
            PUBLISHED,
            unit,
            [Answer(mine[0]["fingerprint"], "in_progress", f"{unit}正在整改")],
            source="matrix",
        )
    rows = [{"fingerprint": f"patrol{n:010d}", "kind": "problem", "unit_id": unit,
             "indicator_id": "undated", "subject": patrol_marker(unit),
             "target_url": patrol_marker(unit), "evidence": {}, "suggestion": f"{unit}巡查",
             "deduction": 1.0, "due": None} for n, unit in enumerate(UNITS)]  # fmt: skip
    patrol_set = type("Set", (), {"id": "t", "version": "1", "sha256": "0" * 64})
    write_patrol(store, as_of=dt.date(2025, 7, 1), crawl_run=1, indicator_set=patrol_set,
                 within="5 workdays", findings=pd.DataFrame(rows, columns=FINDING_COLUMNS))  # fmt: skip
    return portal_store


def patrol_marker(unit: str) -> str:
    return f"http://{unit}.example.gov.cn/patrolled-{unit}"


def _problems(store) -> list[dict[str, Any]]:
    p = models.Problem.__table__
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(p))]


def _responses(store) -> list[dict[str, Any]]:
    r = models.Response.__table__
    with store.engine.connect() as conn:
        return [dict(x._mapping) for x in conn.execute(select(r))]


def markers(store) -> dict[str, set[str]]:
    """Per unit, strings that only that unit's data would put in an answer."""
    out: dict[str, set[str]] = {u: {name, patrol_marker(u)} for u, (name, _, _) in UNITS.items()}
    for p in _problems(store):
        out[p["unit_id"]] |= {p["fingerprint"], p["subject"]}
    return out


def values(store, name: str, login: str | None) -> list[tuple[str, bool]]:
    """(value, may see) for a path parameter called ``name``, as ``login``."""
    mine = visible(login)
    role = USERS[login][1] if login else None
    if name in ("round", "round_id"):
        rounds = [(PUBLISHED, login is not None), (EARLIER, role in ("admin", "evaluator"))]
        return [*rounds, ("2099Q1", False)]
    if name in ("unit", "unit_id"):
        return [(u, u in mine) for u in UNITS] + [(GUESS, False)]
    if name == "fingerprint":
        seen: dict[str, tuple[str, bool]] = {}
        for p in _problems(store):
            if p["round"] == PUBLISHED:
                seen.setdefault(p["unit_id"], (p["fingerprint"], p["unit_id"] in mine))
        return [*seen.values(), ("0123456789abcdef", False)]
    if name in ("response_id", "answer_id"):
        return [(str(r["id"]), r["unit_id"] in mine and role != "unit") for r in _responses(store)]
    if name == "patrol_id":  # a unit's inbox entry: the unit's users only
        return [(PATROL, role == "unit"), ("999", False)]
    if name == "login":
        return [(other, role == "admin") for other in USERS] + [(GUESS, False)]
    if name in ("user_id", "token_id"):
        return [("1", role == "admin"), ("999999", False)]
    if name == "chart":  # the round overview's charts; the trend is the whole city's
        evaluator = role in ("admin", "evaluator")
        return [("scores", evaluator), ("trend", evaluator and login != "eval_c1"), (GUESS, False)]
    if name == "name":
        return [("levels", role in ("admin", "evaluator")), ("../../etc/passwd", False)]
    if name in ("fmt", "format", "suffix", "ext"):
        return [("xlsx", True), ("csv", True), ("html", True), ("exe", False)]
    raise AssertionError(f"the matrix does not know path parameter {{{name}}}: add its values")


# Whose pages a path prefix holds: any other role is refused there, whatever the ids.
PREFIX_ROLES = {
    "/admin": {"admin"},
    "/rounds": {"admin", "evaluator"},
    "/my": {"unit"},
    "/inbox": {"unit"},
    "/patrol": {"admin", "evaluator"},
    "/api/v1/admin": {"admin"},
    "/api/v1/inbox": {"unit"},
}


def role_may(path: str, login: str | None) -> bool:
    role = USERS[login][1] if login else None
    for prefix, roles in PREFIX_ROLES.items():
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return role in roles
    return True


def filled(store, path: str, login: str | None) -> Iterator[tuple[str, bool]]:
    """``path`` with every combination of its parameters' values, and whether ``login`` may
    see all of them (and the pages of that prefix at all)."""
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if not names:
        yield path, role_may(path, login)
        return
    choices = [values(store, n, login) for n in names]
    for combo in itertools.product(*choices):
        url = path
        for n, (value, _) in zip(names, combo, strict=True):
            url = re.sub(r"{" + n + r"(?::\w+)?}", value, url, count=1)
        yield url, role_may(path, login) and all(ok for _, ok in combo)


def body_text(response) -> str:
    """What an answer shows, XLSX included (its XML, where names and titles sit)."""
    data = response.content
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")


def foreign_markers(store, login: str | None) -> dict[str, set[str]]:
    mine = visible(login)
    return {u: m for u, m in markers(store).items() if u not in mine}


ROUTE_SKIP = ("/static", "/openapi.json", "/docs", "/redoc", "/api/openapi.json", "/api/docs")


def gets(app) -> list[str]:
    return sorted(
        path
        for path, methods, _ in routes_of(app)
        if "GET" in methods and not path.startswith(ROUTE_SKIP)
    )


def posts(app) -> list[str]:
    return sorted(
        path
        for path, methods, _ in routes_of(app)
        if methods & {"POST", "PUT", "PATCH", "DELETE"} and not path.startswith(ROUTE_SKIP)
    )


PEOPLE = ["admin", "eval", "eval_c1", "u_dept1", "u_t1", "u_c2"]


@pytest.mark.parametrize("login", PEOPLE)
def test_no_get_route_shows_a_unit_the_person_may_not_see(world, login):
    store = world.store
    client = world.client_for(login)
    app = client.app
    foreign = foreign_markers(store, login)
    leaks, served = [], []
    for path in gets(app):
        for url, allowed in filled(store, path, login):
            response = client.get(url, follow_redirects=False)
            text_ = body_text(response)
            for unit, strings in foreign.items():
                shown = sorted(s for s in strings if s and s in text_)
                if shown:
                    leaks.append(f"GET {url} ({response.status_code}) shows {unit}: {shown[:3]}")
            if not allowed and not refused(response, url):
                served.append(f"GET {url} → {response.status_code}")
    assert not leaks, "\n".join(leaks[:40])
    assert not served, "ids out of reach were served:\n" + "\n".join(served[:40])


@pytest.mark.parametrize("login", PEOPLE)
def test_no_changing_route_acts_on_what_the_person_may_not_see(world, login):
    store = world.store
    client = world.client_for(login)
    app = client.app
    acted = []
    for path in posts(app):
        for url, allowed in filled(store, path, login):
            if allowed:
                continue
            before = counts(store)
            response = client.post(url, data=form(client), follow_redirects=False,
                                   headers={"X-CSRF-Token": client.csrf_token})  # fmt: skip
            after = counts(store)
            if before != after:
                acted.append(f"POST {url} ({response.status_code}) changed {diff(before, after)}")
            elif not refused(response, url):
                acted.append(f"POST {url} → {response.status_code} (refusal expected)")
    assert not acted, "\n".join(acted[:40])


def refused(response, url: str) -> bool:
    """400 (a guessed id or value refused as such), 401/403/404, or a redirect elsewhere (a
    unit's user sent from /rounds to /my)."""
    if response.status_code in (400, 401, 403, 404):
        return True
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and location.split("?")[0] != url.split("?")[0]


def form(client) -> dict[str, str]:
    """Plausible values for every form field the portal's forms take."""
    return {
        "csrf_token": client.csrf_token,
        "status": "rectified",
        "note": "已整改",
        "reason": "核实无误",
        "comment": "请补充说明",
        "verdict": "sent_back",
        "decision": "dismissed",
        "deadline": "2099-12-31",
        "confirm": "1",
        "fingerprints": "0123456789abcdef",
    }


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in CHANGED_TABLES
        }


def diff(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_a_draft_round_does_not_exist_for_a_units_user(world):
    client = world.client_for("u_dept1")
    app = client.app
    for path in gets(app):
        if "{round" not in path:
            continue
        for url, _ in filled(world.store, path, "u_dept1"):
            if f"/{EARLIER}" in url:
                response = client.get(url, follow_redirects=False)
                assert response.status_code in (403, 404), f"{url}: {response.status_code}"
    for url in ("/my", "/api/v1/rounds"):
        if any(path == url for path in gets(app)):
            assert EARLIER not in client.get(url).text


def test_without_a_session_pages_go_to_sign_in_and_the_api_answers_401(world):
    client = world.anonymous()
    open_paths = {"/login", "/", "/health", "/healthz"}
    for path in gets(client.app):
        if path in open_paths:
            continue
        for url, _ in itertools.islice(filled(world.store, path, "admin"), 3):
            response = client.get(url, follow_redirects=False)
            if url.startswith("/api/"):
                assert response.status_code == 401, f"{url}: {response.status_code}"
            else:
                assert response.status_code == 303, f"{url}: {response.status_code}"
                assert response.headers["location"].startswith("/login"), url


def test_the_matrix_covers_every_route(world):
    """Every route with parameters is filled (values() raises on an unknown parameter) and the
    matrix saw pages of each kind once the portal has them."""
    app = world.anonymous().app
    for path in gets(app) + posts(app):
        list(filled(world.store, path, "admin"))
