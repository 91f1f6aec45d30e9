"""One PostgreSQL store, everything at once (issue 16): the nightly crawl of the sample portal
(a `zwgk crawl` process), evaluators signing in to the web portal, reading its pages and
deciding problems, and a round evaluated (a `zwgk evaluate` process) — while the crawl writes.

Nothing fails with a lock or serialization error, no portal write is lost, and the round read
while the crawl ran is the round of the last finished crawl — that crawl's whole and only: the
numbers of the round evaluated before the crawl began, and again after it ended (what the crawl
overwrites in place is read as of the round's run: `store.states`). On PostgreSQL and on
SQLite."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest_scoring import FAST, crawled_sample
from portal_fixtures import form_token, sign_in
from sqlalchemy import text
from starlette.testclient import TestClient
from test_db_copy_prune import numbers

from demo import model as m
from demo.advance import advance_directory
from demo.server import PortalServer
from demo.site import Site
from portal import accounts
from portal.app import create_app
from scoring.indicators import load_indicator_set, newest_set
from scoring.round import evaluate, load_result, reevaluate
from store import Store, open_store
from store import rounds as round_store
from store.copy import copy_store
from store.testing import backend_url

# Serves the crawled sample portal at its own addresses and port, as test_rounds_advance does:
# the two run one after the other, on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rounds_advance")]

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 40
EVALUATORS = {"eval1": "测评员一", "eval2": "测评员二"}
PASSWORD = "Zwgk-concurrency-2025"
LOCK_WORDS = ("deadlock", "could not serialize", "database is locked", "lock timeout")


def zwgk(*args: str, db: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    env = {**os.environ, "ZWGK_DATABASE_URL": db, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    command = [sys.executable, "-m", "zwgk", *args]
    if wait:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_two_rows(db: str) -> int:
    """Listings crawl run 2 has read so far (0 before it started)."""
    with open_store(db) as store, store.engine.connect() as conn:
        return conn.scalar(text("select count(*) from listings where last_seen_run = 2")) or 0


def comparable(result) -> tuple:
    """A round's numbers without what differs between two rounds of one crawl: the statuses
    tracked against the previous round and the decisions carried over."""
    scores, totals, problems = numbers(result)
    return scores, totals, problems.drop(columns=["status"])


class PortalTraffic(threading.Thread):
    """An evaluator signing in again and again, reading the round's pages and confirming its
    problems one by one through the portal's forms."""

    def __init__(self, store, login: str, round_id: str, fingerprints: list[str]) -> None:
        super().__init__(name=f"portal-{login}", daemon=True)
        self.store, self.login, self.round_id = store, login, round_id
        self.fingerprints = fingerprints
        self.stop = threading.Event()
        self.signed_in = self.decided = self.pages = 0
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        pending = list(self.fingerprints)
        while not self.stop.is_set() or pending:
            client = TestClient(create_app(self.store, secret=SECRET), follow_redirects=False)
            signed = sign_in(client, self.login, PASSWORD)
            if signed.status_code != 303:
                self.errors.append(f"sign-in {signed.status_code}: {signed.text[:300]}")
                return
            self.signed_in += 1
            for path in (
                "/rounds",
                f"/rounds/{self.round_id}",
                f"/rounds/{self.round_id}/problems",
            ):
                page = client.get(path)
                if page.status_code != 200:
                    self.errors.append(f"GET {path} {page.status_code}: {page.text[:300]}")
                self.pages += 1
            if pending:
                fingerprint = pending.pop()
                form = client.get(f"/rounds/{self.round_id}/problems/{fingerprint}")
                done = client.post(
                    f"/rounds/{self.round_id}/problems/{fingerprint}/decide",
                    data={"decision": "confirmed", "reason": "核实无误",
                          "csrf_token": form_token(form.text)},
                    follow_redirects=False,
                )  # fmt: skip
                if done.status_code != 303:
                    self.errors.append(f"decide {done.status_code}: {done.text[:300]}")
                else:
                    self.decided += 1
            client.close()


@dataclass
class Night:
    """What happened while the crawl, the portal and the evaluation ran at once."""

    store: Store
    as_of: str
    before: tuple  # round R1, evaluated on crawl run 1 before the night
    mid_crawl: tuple  # round R2, evaluated (`zwgk evaluate`) while crawl run 2 wrote
    crawl: subprocess.CompletedProcess
    evaluation: subprocess.CompletedProcess
    traffic: list[PortalTraffic]
    new_sessions: int


@pytest.fixture(
    scope="module", params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]
)
def night(request, tmp_path_factory) -> Iterator[Night]:
    # The crawled sample portal, copied: the night advances it by a month.
    folder = tmp_path_factory.mktemp("concurrency")
    sample = folder / "portal"
    shutil.copytree(crawled_sample(tmp_path_factory), sample)
    as_of = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    with backend_url(request.param, folder) as db:
        copy_store(f"sqlite:///{sample / 'zwgk.sqlite'}", db)  # the first night, crawl run 1
        store = open_store(db)
        try:
            yield _at_once(store, db, sample, as_of)
        finally:
            store.close()


def _at_once(store: Store, db: str, sample: Path, as_of: str) -> Night:
    before = evaluate(store, "R1", dt.date.fromisoformat(as_of), load_indicator_set(newest_set()))
    assert round_store.get_round(store, "R1").crawl_run == 1
    for login, name in EVALUATORS.items():
        accounts.create_user(store, login, name, "evaluator", None, PASSWORD,
                             must_change_password=False, by="test")  # fmt: skip
    sessions_before = _sessions(store)
    problems = round_store.problems_frame(store, "R1", evidence=False)["fingerprint"].tolist()
    assert len(problems) >= 20

    # The next night: the portal moved on a month (new, changed and fixed pages).
    advance_directory(sample, 30)
    portal = m.load_portal(sample)
    server = PortalServer(portal, Site(portal))
    server.start()
    traffic = [
        PortalTraffic(store, login, "R1", problems[i::2][:10]) for i, login in enumerate(EVALUATORS)
    ]
    try:
        crawl = zwgk("crawl", "-r", str(sample / "units.yaml"), "-q", *FAST, db=db, wait=False)
        for thread in traffic:
            thread.start()
        deadline = time.monotonic() + 300
        while run_two_rows(db) < 50:  # the crawl is writing run 2's rows
            assert crawl.poll() is None, "the crawl ended before the round was evaluated"
            assert time.monotonic() < deadline, "crawl run 2 wrote nothing within 5 min"
            time.sleep(0.2)
        evaluation = zwgk("evaluate", "--round", "R2", "--as-of", as_of, db=db)
        assert crawl.poll() is None, "the crawl ended before the evaluation did: no overlap"
        out, err = crawl.communicate(timeout=900)
    finally:
        for thread in traffic:
            thread.stop.set()
        for thread in traffic:
            thread.join(300)
        server.stop()
        if crawl.poll() is None:
            crawl.kill()
    done = subprocess.CompletedProcess(crawl.args, crawl.returncode, out, err)
    mid_crawl = comparable(load_result(store, "R2"))
    return Night(store, as_of, comparable(before), mid_crawl, done, evaluation, traffic,
                 _sessions(store) - sessions_before)  # fmt: skip


def _sessions(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(text("select count(*) from portal_sessions"))


def test_nothing_fails_and_no_portal_write_is_lost(night):
    # No lock or serialization error anywhere; the crawl ended as a night does.
    crawl, evaluation = night.crawl, night.evaluation
    assert crawl.returncode in (0, 4), crawl.stderr[-3000:]
    assert evaluation.returncode == 0, evaluation.stdout[-2000:] + evaluation.stderr[-2000:]
    for output in (crawl.stdout, crawl.stderr, evaluation.stdout, evaluation.stderr):
        assert not any(word in output.lower() for word in LOCK_WORDS), output[-3000:]
    for thread in night.traffic:
        assert thread.errors == [], thread.errors
        assert thread.signed_in >= 10 and thread.decided == 10, vars(thread)
    # Every sign-in a session, every decision recorded.
    assert night.new_sessions == sum(t.signed_in for t in night.traffic)
    decided = round_store.latest_decisions(night.store)
    assert sorted(f for f, d in decided.items() if d.decision == "confirmed") == sorted(
        f for t in night.traffic for f in t.fingerprints
    )
    assert {r.id: r.outcome for r in night.store.runs()}[2] in ("finished", "degraded")


def test_the_round_evaluated_mid_crawl_is_the_last_finished_crawls(night):
    assert round_store.get_round(night.store, "R2").crawl_run == 1
    assert "crawl run 1" in night.evaluation.stdout
    # Run 2 changes what a round sees (or the comparison below would prove nothing).
    as_of = dt.date.fromisoformat(night.as_of)
    after = comparable(evaluate(night.store, "R3", as_of, load_indicator_set(newest_set())))
    assert round_store.get_round(night.store, "R3").crawl_run == 2
    assert not after[2].equals(night.before[2])


def test_the_round_read_mid_crawl_is_run_ones_whole_and_stays_so(night):
    """Before the night, mid-crawl and evaluated again after it: the same numbers."""
    again = comparable(reevaluate(night.store, "R2"))
    for before, mid_crawl, after in zip(night.before, night.mid_crawl, again, strict=True):
        pd_equal(before, mid_crawl)
        pd_equal(mid_crawl, after)


def pd_equal(a, b) -> None:
    """The two frames are equal; else the rows that differ, side by side."""
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    except AssertionError:
        both = a.merge(b, how="outer", indicator=True)
        raise AssertionError(
            "rows in one frame only:\n" + both[both["_merge"] != "both"].to_string()
        ) from None
