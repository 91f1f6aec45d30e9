"""Crawl runs as operators meet them: one at a time (the store's crawl lock), resumable after a
kill (Scrapy's JOBDIR), and `scrapy crawl disclosure` from the project root.

Each crawl is a subprocess (a Twisted reactor cannot restart in one process) against a small
sample portal served from this process, so the server's request counts show what was fetched.
Units are picked without hazards (no down host, no anti-bot page), so every article a unit
publishes in a visible column must end up stored.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo import model as m
from demo import urls
from demo.generate import make_sample, write_portal
from demo.manifest import load_manifest
from demo.server import PortalServer
from demo.site import Site
from store import open_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=5"]
NO_LINKS = ["-s", "ZWGK_CHECK_LINKS=0"]  # link checking is tested end to end elsewhere


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """The small sample portal, served in this process for the duration of the module."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.registry = directory / "units.yaml"
        self.portal = m.load_portal(directory)
        self.manifest = load_manifest(directory)
        self.server = PortalServer(self.portal, Site(self.portal))
        self.server.start()

    def quiet_units(self, platform: str) -> list[str]:
        """Units of `platform` on an up host that no hazard touches, fewest articles first."""
        index = self.portal.index
        touched = {h.get("unit_id") for h in self.manifest["hazards"]}
        units = [
            u
            for u in self.portal.units
            if u.id not in touched
            and not index.host[u.host].down
            and index.host[u.host].platform == platform
        ]
        size = {u.id: len(self.expected(u.id)) for u in units}
        return sorted(size, key=lambda unit_id: (size[unit_id], unit_id))

    def expected(self, unit_id: str) -> set[str]:
        """URLs of the articles a correct crawl of the unit stores (hidden columns are not
        in the directory, so their articles cannot be reached)."""
        index = self.portal.index
        return {
            urls.article_url(self.portal, a)
            for a in self.portal.articles
            if a.unit_id == unit_id and not index.column[a.column_id].hidden
        }

    def gets(self, urls_: set[str]) -> dict[str, int]:
        return {url: self.server.request_count(url, method="GET") for url in urls_}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    directory = tmp_path_factory.mktemp("portal")
    write_portal(directory, *make_sample(seed=5, port=free_port(), first_address=101))
    served = Served(directory)
    yield served
    served.server.stop()


def env_for(db_url: str) -> dict[str, str]:
    # A wide console, so rich does not wrap the messages the tests read.
    return {**os.environ, "ZWGK_DATABASE_URL": db_url, "COLUMNS": "250"}


def run(cmd: list[str], db_url: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, env=env_for(db_url), cwd=cwd, capture_output=True, text=True, timeout=180
    )


def stored_count(db_file: Path) -> int:
    """Articles stored so far, read without migrating or locking anything (the crawl owns the
    file); 0 while the crawl has not created its tables yet."""
    if not db_file.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_second_crawl_exits_3_naming_the_lock_holder_and_runs_after_release(served, tmp_path):
    unit = served.quiet_units("lonsun")[0]
    db_url = f"sqlite:///{tmp_path / 'lock.sqlite'}"
    cmd = [
        sys.executable,
        "-m",
        "zwgk",
        "crawl",
        "-q",
        "-r",
        str(served.registry),
        "-u",
        unit,
        *FAST,
        *NO_LINKS,
    ]
    with open_store(db_url) as store:
        with store.acquire_crawl_lock():
            refused = run(cmd, db_url)
        assert refused.returncode == 3, refused.stderr[-2000:]
        message = " ".join(refused.stderr.split())
        assert "another crawl is running" in message
        assert f"pid {os.getpid()} on host {socket.gethostname()}" in message
        assert store.runs() == []  # the refused crawl started no run and fetched nothing
        assert served.gets(served.expected(unit)) == dict.fromkeys(served.expected(unit), 0)

        done = run(cmd, db_url)
        assert done.returncode == 0, done.stderr[-3000:]
        (only,) = store.runs()
        assert only.status == "finished"
        assert set(store.articles_frame(columns=["url"])["url"]) == served.expected(unit)


def test_a_crawl_killed_with_sigint_resumes_from_its_jobdir(served, tmp_path):
    unit = served.quiet_units("lonsun")[1]
    expected = served.expected(unit)
    db_file = tmp_path / "resume.sqlite"
    db_url = f"sqlite:///{db_file}"
    jobdir = tmp_path / "job"
    base = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(served.registry), "-u", unit]
    base += ["--jobdir", str(jobdir)]
    # Slow enough to be caught mid-way (one request at a time, 30 ms apart); small batches, so
    # articles reach the store while the crawl runs.
    slow = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    slow += ["-s", "DOWNLOAD_DELAY=0.03", "-s", "ZWGK_BATCH_SIZE=10"]
    first = subprocess.Popen(
        base + slow, env=env_for(db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while stored_count(db_file) < 30 and first.poll() is None:
            assert time.monotonic() < deadline, "no articles stored within 60 s"
            time.sleep(0.1)
        assert first.poll() is None, "the crawl finished before it could be interrupted"
        first.send_signal(signal.SIGINT)  # Scrapy's graceful shutdown: the queue stays on disk
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 1, err[-3000:]  # a run that did not finish

    with open_store(db_url) as store:
        (interrupted,) = store.runs()
        assert interrupted.status == "interrupted"
        assert interrupted.stats["finish_reason"] == "shutdown"
        before = store.articles_frame(columns=["url", "content_hash", "version_run", "column_id"])
    assert 30 <= len(before) < len(expected)
    assert set(before["url"]) <= expected
    assert (jobdir / "requests.queue").is_dir()

    resumed = run(base + FAST, db_url)
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    with open_store(db_url) as store:
        first_run, second_run = store.runs()
        after = store.articles_frame(columns=["url", "content_hash", "version_run", "column_id"])
        listings = store.listings_frame(unit_ids=[unit])
    assert second_run.status == "finished"
    # Together the two parts store exactly what one uninterrupted crawl stores.
    assert set(after["url"]) == expected
    # Nothing stored before the kill was lost or rewritten.
    kept = after.set_index("url").loc[list(before["url"])]
    assert kept["content_hash"].tolist() == before["content_hash"].tolist()
    assert (kept["version_run"] == first_run.id).all()
    # No article page was fetched twice: the resumed part took up the saved queue.
    assert served.gets(expected) == dict.fromkeys(expected, 1)
    assert second_run.stats["zwgk/articles_fetched"] == len(expected) - len(before)
    # Directory pages are not re-read on resume, yet every article and listing keeps its column.
    assert after["column_id"].notna().all()
    assert set(listings["url"]) == expected and listings["column_id"].notna().all()


def test_scrapy_crawl_from_the_project_root_stores_the_unit(served, tmp_path):
    unit = served.quiet_units("trs")[0]
    db_url = f"sqlite:///{tmp_path / 'scrapy.sqlite'}"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "disclosure"]
    cmd += ["-a", f"registry={served.registry}", "-a", f"units={unit}", *FAST, *NO_LINKS]
    result = run(cmd, db_url, cwd=ROOT)  # scrapy.cfg names crawler.settings
    assert result.returncode == 0, result.stderr[-3000:]
    with open_store(db_url) as store:
        (only,) = store.runs()
        assert only.status == "finished" and only.units == [unit]
        assert set(store.articles_frame(columns=["url"])["url"]) == served.expected(unit)
        assert store.units_frame()["id"].tolist() == [unit]
        with store.acquire_crawl_lock():  # the spider's own lock was released
            pass
