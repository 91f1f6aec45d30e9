"""Crawl runs as operators meet them: one at a time (the store's crawl lock), resumable after a
kill (Scrapy's JOBDIR), and `scrapy crawl disclosure` from the project root.

Each crawl is a subprocess (a Twisted reactor cannot restart in one process) against a small
sample portal served from this process, so the server's request counts show what was fetched.
Units are picked without hazards (no down host, no anti-bot page), so every article a unit
publishes in a visible column must end up stored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
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

    def gets_since(self, before: dict[str, int]) -> dict[str, int]:
        """GETs of each URL of ``before`` (a `gets` result) since it was taken: the server
        lives for the module, and under xdist the tests that crawled it before this one are
        not always the same ones (the `uninterrupted` group may have run first)."""
        return {url: count - before[url] for url, count in self.gets(set(before)).items()}


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
    # The timeout only stops a hung crawl: a whole-portal crawl takes ≈ 2 minutes alone and
    # longer while another xdist worker crawls too.
    return subprocess.run(
        cmd, env=env_for(db_url), cwd=cwd, capture_output=True, text=True, timeout=600
    )


def stored_count(db_file: Path, new_in_run: int | None = None) -> int:
    """Articles stored so far (with ``new_in_run``: first stored by that run), read without
    migrating or locking anything (the crawl owns the file); 0 while the crawl has not created
    its tables yet."""
    if not db_file.exists():
        return 0
    query = "select count(*) from articles"
    if new_in_run is not None:
        query += f" where first_seen_run = {int(new_in_run)}"
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def stored_so_far(db_url: str, new_in_run: int | None = None) -> int:
    """`stored_count` on whichever backend ``db_url`` names."""
    if db_url.startswith("sqlite:///"):
        return stored_count(Path(db_url.removeprefix("sqlite:///")), new_in_run)
    return pg_count(db_url, new_in_run)


def pg_count(db_url: str, new_in_run: int | None = None) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    query = "select count(*) from articles"
    if new_in_run is not None:
        query += f" where first_seen_run = {int(new_in_run)}"
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(query))
    except ProgrammingError:  # no tables yet
        return 0
    finally:
        engine.dispose()


def test_a_second_crawl_exits_3_naming_the_lock_holder_and_runs_after_release(served, store_url):
    unit = served.quiet_units("lonsun")[0]
    fetched = served.gets(served.expected(unit))
    db_url = store_url
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
    with open_store(db_url, create=True) as store:
        with store.acquire_crawl_lock():
            refused = run(cmd, db_url)
        assert refused.returncode == 3, refused.stderr[-2000:]
        message = " ".join(refused.stderr.split())
        assert "another crawl is running" in message
        assert f"pid {os.getpid()} on host {socket.gethostname()}" in message
        assert store.runs() == []  # the refused crawl started no run and fetched nothing
        assert served.gets_since(fetched) == dict.fromkeys(served.expected(unit), 0)

        done = run(cmd, db_url)
        assert done.returncode == 0, done.stderr[-3000:]
        (only,) = store.runs()
        assert only.status == "finished"
        assert set(store.articles_frame(columns=["url"])["url"]) == served.expected(unit)


def test_a_crawl_killed_with_sigint_resumes_from_its_jobdir(served, tmp_path, store_url):
    unit = served.quiet_units("lonsun")[1]
    expected = served.expected(unit)
    fetched = served.gets(expected)
    db_url = store_url
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
        while stored_so_far(db_url) < 30 and first.poll() is None:
            assert time.monotonic() < deadline, "no articles stored within 60 s"
            time.sleep(0.1)
        assert first.poll() is None, "the crawl finished before it could be interrupted"
        first.send_signal(signal.SIGINT)  # Scrapy's graceful shutdown: the queue stays on disk
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 1, err[-3000:]  # a run that did not finish

    with open_store(db_url, create=True) as store:
        (interrupted,) = store.runs()
        assert interrupted.status == "interrupted"
        assert interrupted.stats["finish_reason"] == "shutdown"
        before = store.articles_frame(columns=["url", "content_hash", "version_run", "column_id"])
    assert 30 <= len(before) < len(expected)
    assert set(before["url"]) <= expected
    assert (jobdir / "job.json").is_file()

    old_copy = tmp_path / "job-copy"
    shutil.copytree(jobdir, old_copy)
    resumed = run(base + FAST, db_url)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resuming crawl run {interrupted.id} from {jobdir}" in " ".join(resumed.stderr.split())
    assert list(jobdir.iterdir()) == []  # the job is over: the same command starts a new one

    with open_store(db_url, create=True) as store:
        (first_run,) = store.runs()  # the resumed part continued the same run
        after = store.articles_frame(columns=["url", "content_hash", "version_run", "column_id"])
        listings = store.listings_frame(unit_ids=[unit])
    assert first_run.status == "finished" and first_run.started_at == interrupted.started_at
    second_run = first_run
    # The two parts store exactly what one uninterrupted crawl stores.
    assert set(after["url"]) == expected
    # Nothing stored before the kill was lost or rewritten.
    kept = after.set_index("url").loc[list(before["url"])]
    assert kept["content_hash"].tolist() == before["content_hash"].tolist()
    assert (kept["version_run"] == first_run.id).all()
    # No article page was fetched twice: the resumed part skipped what the store holds.
    assert served.gets_since(fetched) == dict.fromkeys(expected, 1)
    assert second_run.stats["zwgk/articles_fetched"] == len(expected) - len(before)
    # Every article and listing keeps its column.
    assert after["column_id"].notna().all()
    assert set(listings["url"]) == expected and listings["column_id"].notna().all()

    # An old copy of the job folder cannot make the finished run run again.
    before = snapshot(db_url, old_copy)
    again = run([*base[:-1], str(old_copy), *FAST], db_url)
    assert again.returncode == 2
    message = " ".join(again.stderr.split())
    assert f"--jobdir {old_copy}: crawl run {first_run.id} finished" in message
    assert "nothing to resume" in message and "Traceback" not in again.stderr
    assert snapshot(db_url, old_copy) == before


def test_scrapy_crawl_from_the_project_root_stores_the_unit(served, store_url):
    unit = served.quiet_units("trs")[0]
    db_url = store_url
    cmd = [sys.executable, "-m", "scrapy", "crawl", "disclosure"]
    cmd += ["-a", f"registry={served.registry}", "-a", f"units={unit}", *FAST, *NO_LINKS]
    result = run(cmd, db_url, cwd=ROOT)  # scrapy.cfg names crawler.settings
    assert result.returncode == 0, result.stderr[-3000:]
    with open_store(db_url, create=True) as store:
        (only,) = store.runs()
        assert only.status == "finished" and only.units == [unit]
        assert set(store.articles_frame(columns=["url"])["url"]) == served.expected(unit)
        assert store.units_frame()["id"].tolist() == [unit]
        with store.acquire_crawl_lock():  # the spider's own lock was released
            pass


# -- kill -9 / SIGTERM anywhere, then resume: the same store as an uninterrupted crawl ---------
# Store columns that name a run or a moment: they differ between any two crawls.
VOLATILE = {"id", "run_id", "count", "html_gz"}
VOLATILE_SUFFIXES = ("_run", "_at")


def comparable(frame, ids: dict[str, dict]) -> list[tuple]:
    """Rows as sorted tuples, run ids and timestamps left out, row ids turned into URLs."""
    out = frame.copy()
    for name, urls_ in ids.items():
        if name in out:
            out[name] = out[name].map(lambda i, u=urls_: None if pd.isna(i) else u[int(i)])
    keep = [c for c in out.columns if c not in VOLATILE and not c.endswith(VOLATILE_SUFFIXES)]
    rows = out[sorted(keep)].astype(object).where(out[sorted(keep)].notna(), None)
    return sorted(map(tuple, rows.itertuples(index=False)), key=repr)


def store_content(db_url: str) -> dict[str, list[tuple]]:
    """Everything a crawl stores and `zwgk evaluate` reads: units and columns (observed or not,
    as `load_crawl` decides), articles with their fields, listings, links, the run's link checks
    and crawl issues (their occurrence count aside: a resumed run reads list pages twice)."""
    from scoring.data import load_crawl

    with open_store(db_url, create=True) as store:
        run = store.runs()[-1]
        assert run.status == "finished"
        data = load_crawl(store)
        column_urls = dict(zip(data.columns["id"], data.columns["url"], strict=True))
        articles = store.articles_frame(
            columns=[*store_articles_columns(), "content_hash", "body_text", "extra"]
        )
        article_urls = dict(zip(articles["id"], articles["url"], strict=True))
        # PostgreSQL's jsonb orders keys its own way.
        articles["extra"] = articles["extra"].map(lambda e: json.dumps(e, sort_keys=True))
        ids = {"column_id": column_urls, "parent_id": column_urls, "article_id": article_urls}
        return {
            "units": comparable(data.units, ids),
            "columns": comparable(data.columns, ids),
            "articles": comparable(articles, ids),
            "listings": comparable(store.listings_frame(), ids),
            "links": comparable(store.links_frame(), ids),
            "link checks": comparable(store.link_checks_frame(run.id), ids),
            "crawl issues": comparable(store.crawl_issues_frame(run.id), ids),
        }


def store_articles_columns() -> list[str]:
    from store import ARTICLE_FRAME_COLUMNS

    return list(ARTICLE_FRAME_COLUMNS)


def problems_of(db_url: str) -> list[tuple]:
    """The problems of round 2025Q2 evaluated on the store's crawl."""
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.round import evaluate

    with open_store(db_url, create=True) as store:
        result = evaluate(store, "2025Q2", dt.date(2025, 6, 30), load_indicator_set(newest_set()))
    frame = result.problems[["fingerprint", "unit_id", "indicator_id", "subject", "deduction"]]
    return sorted(map(tuple, frame.astype(object).itertuples(index=False)), key=repr)


def whole_portal(served: Served, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(served.registry), *FAST]
    return [*cmd, "-s", "DOWNLOAD_TIMEOUT=3", *extra]


@pytest.fixture(scope="module")
def uninterrupted(served, module_store_urls):
    db_url = module_store_urls.new("whole")
    done = run(whole_portal(served), db_url)
    assert done.returncode == 0, done.stderr[-3000:]
    return store_content(db_url), problems_of(db_url), pages(db_url)


def pages(db_url: str) -> dict[str, tuple[str, set]]:
    """Each stored article's content hash and links (URL, kind)."""
    with open_store(db_url, create=True) as store:
        articles = store.articles_frame(columns=["url", "content_hash"])
        links = store.links_frame()
    hashes = zip(articles["url"], articles["content_hash"], strict=True)
    found: dict[str, tuple[str, set]] = {url: (h, set()) for url, h in hashes}
    for article, url, kind in zip(links["article_url"], links["url"], links["kind"], strict=True):
        found[article][1].add((url, kind))
    return found


def interrupt(cmd: list[str], db_url: str, how: signal.Signals, after: int, run_id=None) -> str:
    """Start the crawl, send ``how`` once ``after`` articles are stored (new in run
    ``run_id``), return its stderr."""
    first = subprocess.Popen(
        cmd, env=env_for(db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # Only a guard against a hung crawl: on a loaded machine 900 articles take over 90 s.
        deadline = time.monotonic() + 240
        while stored_so_far(db_url, run_id) < after and first.poll() is None:
            assert time.monotonic() < deadline, f"not {after} articles stored within 240 s"
            time.sleep(0.05)
        assert first.poll() is None, "the crawl finished before it could be interrupted"
        first.send_signal(how)
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode != 0, err[-3000:]
    return err


@pytest.mark.xdist_group("crawl_resume_uninterrupted")  # one worker crawls `uninterrupted`
@pytest.mark.parametrize(
    "kills",
    [
        [(signal.SIGKILL, 1300)],
        [(signal.SIGTERM, 700)],
        [(signal.SIGKILL, 900), (signal.SIGKILL, 2600)],  # the resumed part killed in turn
    ],
    ids=["kill-9", "sigterm", "kill-9-twice"],
)
def test_an_interrupted_crawl_resumed_stores_what_an_uninterrupted_one_does(
    served, uninterrupted, tmp_path, store_url, kills
):
    db_url = store_url
    jobdir = tmp_path / "job"
    content, problems, whole_pages = uninterrupted
    # Small batches, so that some rows are written and others are in memory when it dies.
    cmd = whole_portal(served, "--jobdir", str(jobdir), "-s", "ZWGK_BATCH_SIZE=7")
    for how, after in kills:
        interrupt(cmd, db_url, how, after)
        with open_store(db_url, create=True) as store:
            (killed,) = store.runs()
        assert killed.status == ("running" if how == signal.SIGKILL else "interrupted")
        # Nothing half-written: every page stored before the kill is whole, with all its
        # links (an article and its links are written in one transaction).
        stored = pages(db_url)
        assert after <= len(stored) < len(whole_pages)
        assert {url: whole_pages[url] for url in stored} == stored

    resumed = run(cmd, db_url)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    said = " ".join(resumed.stderr.split())
    assert f"resuming crawl run {killed.id} from {jobdir}" in said
    if how == signal.SIGKILL and db_url.startswith("sqlite"):  # the lock did not block this one
        assert "taking over crawl lock 'crawl'" in said and "is gone" in said
    elif how == signal.SIGKILL:  # PostgreSQL ended the killed crawl's advisory lock with it
        assert "ended without releasing it" in said

    with open_store(db_url, create=True) as store:
        assert [r.id for r in store.runs()] == [killed.id]  # one run holds the whole crawl
    got = store_content(db_url)
    for part in content:
        assert got[part] == content[part], part
    assert problems and problems_of(db_url) == problems


def test_a_finished_crawl_clears_its_job_so_the_same_command_runs_again_the_next_night(
    store_url: str, served, tmp_path
):
    unit = served.quiet_units("trs")[1]
    db_url = store_url
    jobdir = tmp_path / "job"
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(served.registry), "-u", unit]
    cmd += [*FAST, *NO_LINKS, "--jobdir", str(jobdir)]
    for night in (1, 2):
        done = run(cmd, db_url)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "resuming" not in done.stderr
        assert jobdir.is_dir() and list(jobdir.iterdir()) == [], night
    with open_store(db_url, create=True) as store:
        assert [(r.id, r.status) for r in store.runs()] == [(1, "finished"), (2, "finished")]


def snapshot(db_url: str, jobdir: Path) -> tuple:
    with open_store(db_url, create=True) as store:
        runs = [(r.id, r.status, r.finished_at) for r in store.runs()]
        articles = len(store.articles_frame(columns=["url"]))
    files = {p.name: p.read_bytes() for p in sorted(jobdir.iterdir())} if jobdir.exists() else {}
    return runs, articles, files


def unresumable_jobdirs(tmp_path: Path, registry: Path) -> dict[str, tuple[Path, list[str]]]:
    """Job folders that cannot be resumed, each with the words its refusal must contain."""

    out = {}
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "job.json").write_text('{"run_id": 1, "regis', encoding="utf-8")
    out["corrupt"] = (corrupt, ["job.json cannot be read", "cannot be resumed"])

    foreign = tmp_path / "scrapy-jobdir"  # what an older zwgk left: Scrapy's own JOBDIR
    (foreign / "requests.queue").mkdir(parents=True)
    (foreign / "requests.seen").write_text("0123456789abcdef\n", encoding="utf-8")
    out["scrapy"] = (foreign, ["not a zwgk job folder", "requests.queue"])

    other = tmp_path / "other-registry"
    other.mkdir()
    job = {"run_id": 1, "started_at": "2026-01-01T00:00:00+00:00", "registry_hash": "f" * 64}
    job |= {"units": ["jh"], "full": False, "format": 1}
    (other / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (other / "seen.json.gz").write_bytes(b"")
    out["other registry"] = (other, ["started with another registry", "ffffffffffff"])

    elsewhere = tmp_path / "other-store"
    elsewhere.mkdir()
    from crawler.registry import load_registry

    reg = load_registry(registry)
    job |= {"registry_hash": reg.hash, "units": [u.id for u in reg.units]}
    (elsewhere / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (elsewhere / "seen.json.gz").write_bytes(b"")
    out["other store"] = (elsewhere, ["has no crawl run 1", "belongs to another store"])
    return out


def test_a_jobdir_that_cannot_be_resumed_is_refused_in_one_sentence(served, tmp_path, store_url):
    db_url = store_url
    for case, (jobdir, words) in unresumable_jobdirs(tmp_path, served.registry).items():
        files = {p.name: p.stat().st_mtime_ns for p in jobdir.iterdir()}
        cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(served.registry)]
        refused = run([*cmd, *FAST, "--jobdir", str(jobdir)], db_url)
        message = " ".join(refused.stderr.split())
        assert refused.returncode == 2, (case, refused.stderr[-2000:])
        assert f"--jobdir {jobdir}" in message, case
        for word in words:
            assert word in message, (case, message)
        assert "Traceback" not in refused.stderr and refused.stdout == "", case
        assert {p.name: p.stat().st_mtime_ns for p in jobdir.iterdir()} == files, case
        if not db_url.startswith("sqlite:///") or Path(db_url[10:]).exists():
            with open_store(db_url, create=True) as store:
                assert store.runs() == [], case  # nothing started, nothing fetched


def test_a_nightly_incremental_crawl_killed_and_resumed_stores_what_an_uninterrupted_one_does(
    tmp_path, store_urls
):
    """The night after a first crawl, the portal having moved on (new, changed and fixed
    pages): killed mid-way and resumed, the incremental run decides new / changed / unchanged
    and where list paging stops as the uninterrupted one does, against the store as it was."""
    from demo.advance import advance_directory

    directory = tmp_path / "portal"
    directory.mkdir()
    write_portal(directory, *make_sample(seed=5, port=free_port(), first_address=131))
    served = Served(directory)
    # 9 units, the down host among them: 1 of 9 unobserved would be degraded at the default 5 %
    cmd = whole_portal(served, "--level", "市直部门", "--max-unobserved", "0.2")
    try:
        first = tmp_path / "first.sqlite"
        done = run(cmd, f"sqlite:///{first}")
        assert done.returncode == 0, done.stderr[-3000:]
    finally:
        served.server.stop()
    advance_directory(directory, 45)
    served = Served(directory)
    try:
        # The first night's store, twice (the suite's backend): one run whole, one killed.
        whole, url = store_urls.copy_of(first, "whole"), store_urls.copy_of(first, "resumed")
        done = run(cmd, whole)
        assert done.returncode == 0, done.stderr[-3000:]

        jobdir = tmp_path / "job"
        again = [*cmd, "--jobdir", str(jobdir), "-s", "ZWGK_BATCH_SIZE=5"]
        again += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]  # slow enough to be caught
        with open_store(whole, create=True) as store:
            new = store.articles_frame(columns=["url", "first_seen_run"])
        new = int((new["first_seen_run"] == 2).sum())
        assert new >= 30
        # Late, so that whole columns' new pages are stored before the kill: the resumed part
        # must still page through those lists as far as the uninterrupted run did.
        interrupt(again, url, signal.SIGKILL, after=new * 3 // 4, run_id=2)
        resumed = run(again, url)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    finally:
        served.server.stop()
    with open_store(url, create=True) as store:
        assert [r.status for r in store.runs()] == ["finished", "finished"]
    expected, got = store_content(whole), store_content(url)
    for part in expected:
        assert got[part] == expected[part], part
    assert problems_of(url) == problems_of(whole)


@pytest.mark.postgres
def test_on_postgresql_a_crawl_killed_with_sigkill_resumes_to_the_same_store(served, tmp_path):
    """The advisory lock of a killed crawl is released by the server; the run's progress is
    read the same way (timestamps, link checks) as on SQLite."""
    from store.testing import backend_url

    unit = served.quiet_units("trs")[2]
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(served.registry), "-u", unit]
    whole = f"sqlite:///{tmp_path / 'whole.sqlite'}"
    done = run([*cmd, *FAST], whole)
    assert done.returncode == 0, done.stderr[-3000:]
    slow = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    slow += ["-s", "DOWNLOAD_DELAY=0.03", "-s", "ZWGK_BATCH_SIZE=10"]
    jobdir = ["--jobdir", str(tmp_path / "job")]
    with backend_url("postgresql", tmp_path) as pg:
        interrupt([*cmd, *slow, *jobdir], pg, signal.SIGKILL, after=30)
        resumed = run([*cmd, *FAST, *jobdir], pg)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "resuming crawl run 1" in " ".join(resumed.stderr.split())
        with open_store(pg, create=True) as store:
            assert [(r.id, r.status) for r in store.runs()] == [(1, "finished")]
        got, expected = store_content(pg), store_content(whole)
    for part in expected:
        assert got[part] == expected[part], part
