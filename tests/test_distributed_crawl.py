"""`zwgk crawl --distributed` end to end: real Redis (database 13, flushed by these tests only),
two `zwgk worker` processes, the small sample portal served from this process.

The server answers every page 20 ms late, so a host's requests overlap and the server can
count how many it had in flight at once (`PortalServer.max_in_flight`). Crawls are polite but
fast: 2 requests per host at most, 10 ms apart (a delay of 0 would not do: Scrapy's downloader
then hands a slot all its queued requests at once, whatever its concurrency).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import redis
from test_crawl_resume import Served, free_port
from typer.testing import CliRunner

from demo.generate import DEFAULT_AS_OF, make_sample, write_portal
from store import open_store
from store.rounds import problems_frame
from store.testing import backend_url
from zwgk.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("distributed_crawl")]

BROKER = "redis://127.0.0.1:6379/13"  # this file's own database
LIMIT = 2
POLITE = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={LIMIT}"]
POLITE += ["-s", "DOWNLOAD_DELAY=0.01", "-s", "DOWNLOAD_TIMEOUT=5"]
# Fast retries and take-overs: a dead worker's job is given out again after 10 s, its host
# lock lapses after 6 s.
QUICK = ["--backoff", "1", "--host-lock-ttl", "6", "--down-retries", "1"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    directory = tmp_path_factory.mktemp("portal")
    write_portal(directory, *make_sample(seed=5, port=free_port(), first_address=141))
    served = Served(directory)
    served.server.stop()  # served again, answering late
    from demo.server import PortalServer
    from demo.site import Site

    served.server = PortalServer(served.portal, Site(served.portal), latency=0.02)
    served.server.start()
    yield served
    served.server.stop()


@pytest.fixture
def broker():
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def env_for(db_url: str) -> dict[str, str]:
    return {**os.environ, "ZWGK_DATABASE_URL": db_url, "COLUMNS": "250"}


class Worker:
    """`zwgk worker` in a session of its own, so that it and its crawl processes can be killed
    together, as a machine dies."""

    def __init__(self, name: str, tmp_path: Path, db_url: str, visibility: int = 10) -> None:
        self.log = tmp_path / f"worker-{name}.log"
        cmd = [sys.executable, "-m", "zwgk", "worker", "-c", "1", "--broker", BROKER]
        cmd += ["--jobs", str(tmp_path / f"jobs-{name}"), "--visibility-timeout", str(visibility)]
        cmd += ["--name", name]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, env=env_for(db_url), stdout=out, stderr=out, start_new_session=True
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError):  # crawl processes left behind, if any
            os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(db_url: str, *names: str, visibility: int = 10) -> list[Worker]:
        new = [Worker(name, tmp_path, db_url, visibility) for name in names]
        started.extend(new)
        return new

    yield start
    for worker in started:
        worker.stop()


def crawl_cmd(registry: Path, units: list[str], *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(registry), *POLITE]
    for unit in units:
        cmd += ["-u", unit]
    return cmd + list(extra)


def comparable(store, run_id: int) -> dict[str, pd.DataFrame]:
    """What a run stored, without ids, run numbers and times."""
    articles = store.articles_frame()
    drop = [c for c in articles if c == "id" or "run" in c or c.endswith("_at") or c == "column_id"]
    issues = store.crawl_issues_frame(run_id)[["kind", "unit_id", "url"]]
    checks = store.link_checks_frame(run_id)
    checks = checks[[c for c in ("url", "outcome", "status") if c in checks]]
    return {
        "articles": articles.drop(columns=drop).sort_values("url").reset_index(drop=True),
        "issues": issues.sort_values(["kind", "url"]).reset_index(drop=True),
        "link checks": checks.sort_values("url").reset_index(drop=True),
    }


def test_two_workers_crawl_each_article_once_as_one_local_crawl_does(
    served, broker, workers, tmp_path
):
    lonsun = served.quiet_units("lonsun")
    hosts = {served.portal.index.unit[u].host for u in lonsun[:2]}
    units = lonsun[:2] + served.quiet_units("trs")[:1] + served.quiet_units("hanweb")[:1]
    expected = set().union(*(served.expected(u) for u in units))
    db_url = f"sqlite:///{tmp_path / 'distributed.sqlite'}"
    workers(db_url, "a", "b")
    before = served.gets(expected)
    served.server.max_in_flight.clear()
    asked = served.server.request_count()

    cmd = crawl_cmd(served.registry, units, "--distributed", "--broker", BROKER, *QUICK)
    done = subprocess.run(cmd, env=env_for(db_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    # Per host, never more requests in flight than the limit, though two workers crawled.
    in_flight = dict(served.server.max_in_flight)
    assert in_flight and max(in_flight.values()) <= LIMIT, in_flight
    # Every article fetched once and stored, in one run of the units asked for.
    assert served.gets_since(before) == dict.fromkeys(expected, 1)
    with open_store(db_url) as store:
        (run,) = store.runs()
        assert (run.status, run.outcome) == ("finished", "finished")
        assert sorted(run.units) == sorted(units)
        assert run.stats["zwgk/distributed/hosts"] == len(hosts) + 2
        # The run's figures are its parts' added up: every request the server answered.
        assert run.stats["downloader/request_count"] == served.server.request_count() - asked
        assert set(store.articles_frame(columns=["url"])["url"]) == expected
        distributed = comparable(store, run.id)

    local_url = f"sqlite:///{tmp_path / 'local.sqlite'}"
    local = subprocess.run(
        crawl_cmd(served.registry, units), env=env_for(local_url), capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr[-3000:]
    with open_store(local_url) as store:
        (run,) = store.runs()
        alone = comparable(store, run.id)
    for what, frame in alone.items():
        pd.testing.assert_frame_equal(distributed[what], frame, obj=what)
    # The same round from both: the same problems.
    assert problems(db_url) == problems(local_url)


def problems(db_url: str) -> list[tuple]:
    as_of = DEFAULT_AS_OF.isoformat()
    done = CliRunner().invoke(app, ["evaluate", "--round", "R1", "--as-of", as_of, "--db", db_url])
    assert done.exit_code == 0, done.output
    with open_store(db_url) as store:
        found = problems_frame(store, "R1", evidence=False)
    assert len(found), "the round found no problem to compare"
    keep = ["unit_id", "indicator_id", "fingerprint", "subject", "status", "deduction"]
    return sorted(map(tuple, found[keep].astype(str).itertuples(index=False)))


def stored(db_url: str, units: list[str]) -> int:
    """Articles of ``units`` stored so far; 0 before the tables exist."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            query = text("select count(*) from articles where unit_id = any(:units)")
            return conn.scalar(query, {"units": units})
    except ProgrammingError:
        return 0
    finally:
        engine.dispose()


def running_worker(broker: redis.Redis, host: str, pool: list[Worker]) -> Worker | None:
    """The worker whose process runs the job of ``host`` (by the pid the board shows)."""
    import json

    for key in broker.scan_iter("zwgk:crawl:*:jobs"):
        raw = broker.hget(key, host)
        state = json.loads(raw) if raw else {}
        if state.get("state") == "running":
            try:
                group = os.getpgid(state["pid"])
            except ProcessLookupError:
                return None
            return next((w for w in pool if w.proc.pid == group), None)
    return None


@pytest.mark.postgres
def test_a_worker_killed_mid_job_its_job_is_finished_by_the_other(
    served, broker, workers, tmp_path
):
    """On PostgreSQL, the store several machines share."""
    index = served.portal.index
    first = served.quiet_units("lonsun")[2]
    host = index.unit[first].host
    units = [u for u in served.quiet_units("lonsun") if index.unit[u].host == host][1:3]
    expected = set().union(*(served.expected(u) for u in units))
    with backend_url("postgresql", tmp_path) as db_url:
        killed_mid_job(served, broker, workers, db_url, units, expected)


def killed_mid_job(served, broker, workers, db_url, units, expected) -> None:
    host = served.portal.index.unit[units[0]].host
    pool = workers(db_url, "a", "b")
    before = served.gets(expected)
    # One request at a time, 30 ms apart, small batches: caught mid-way with rows stored.
    slow = ["-s", "DOWNLOAD_DELAY=0.03", "-s", "ZWGK_BATCH_SIZE=10", "-s", "ZWGK_CHECK_LINKS=0"]
    cmd = crawl_cmd(served.registry, units, "--distributed", "--broker", BROKER, *QUICK, *slow)
    cmd[cmd.index(f"CONCURRENT_REQUESTS_PER_DOMAIN={LIMIT}")] = "CONCURRENT_REQUESTS_PER_DOMAIN=1"
    coordinator = subprocess.Popen(
        cmd, env=env_for(db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        address = served.portal.index.host[host].base_url.split("//")[1].split(":")[0]
        deadline = time.monotonic() + 90
        victim = None
        while victim is None or stored(db_url, units) < 40:
            assert time.monotonic() < deadline, "the job did not get going within 90 s"
            assert coordinator.poll() is None, coordinator.communicate()[1][-3000:]
            victim = victim or running_worker(broker, address, pool)
            time.sleep(0.1)
        assert stored(db_url, units) < len(expected), "the job ended before the kill"
        victim.kill()
        out, err = coordinator.communicate(timeout=300)
    finally:
        if coordinator.poll() is None:
            coordinator.kill()
    assert coordinator.returncode == 0, err[-3000:]
    with open_store(db_url) as store:
        (run,) = store.runs()
        assert run.outcome == "finished"
        assert run.stats["zwgk/distributed/jobs_resumed"] == 1
        articles = store.articles_frame(columns=["url", "first_seen_run"])
    # Nothing lost, nothing stored twice: every article once, all in the one run.
    assert sorted(articles["url"]) == sorted(expected)
    assert set(articles["first_seen_run"]) == {run.id}
    # The resumed part fetched again only what the kill lost (a batch and the page in flight).
    again = {url: n for url, n in served.gets_since(before).items() if n != 1}
    assert all(n == 2 for n in again.values()), again
    assert len(again) <= 10 + 2, again


def test_a_job_given_out_again_while_it_runs_does_not_crawl_its_host_twice(
    served, broker, workers, tmp_path
):
    """Redis gives a job still unacknowledged after the visibility timeout (5 s here) to the
    other worker while the first still crawls (≈ 12 s): the host lock makes the copy wait, and
    it ends when it finds the job done."""
    unit = served.quiet_units("trs")[1]
    expected = served.expected(unit)
    host = served.portal.index.unit[unit].host
    db_url = f"sqlite:///{tmp_path / 'twice.sqlite'}"
    workers(db_url, "a", "b", visibility=5)
    before = served.gets(expected)
    served.server.max_in_flight.clear()
    slow = ["-s", "DOWNLOAD_DELAY=0.08", "-s", "ZWGK_CHECK_LINKS=0"]
    cmd = crawl_cmd(served.registry, [unit], "--distributed", "--broker", BROKER, *QUICK, *slow)
    done = subprocess.run(cmd, env=env_for(db_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert served.server.max_in_flight[host] <= LIMIT
    assert served.gets_since(before) == dict.fromkeys(expected, 1)
    logs = "".join((tmp_path / f"worker-{n}.log").read_text() for n in "ab")
    assert "is being crawled by another job" in logs  # the copy was there, and waited
