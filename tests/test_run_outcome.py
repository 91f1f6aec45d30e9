"""A run's outcome is honest (finished / degraded / failed, exit 0 / 4 / 5), `zwgk evaluate`
takes the latest run fit to judge and refuses a failed one, `zwgk status` and `zwgk runs`
report them, and a crawl's output is fit for a log (timestamps, whole URLs, no third-party
deprecation warnings, a summary of the run's own units).

The crawls are real `zwgk crawl` subprocesses of the small sample portal, a few units each."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest_scoring import FAST, _free_port

from demo import model as m
from demo.generate import make_sample, write_portal
from demo.server import PortalServer
from demo.site import Site
from store import open_store
from store.migrate import head_revision
from store.version import zwgk_version

ROOT = Path(__file__).resolve().parents[1]
# jh-x01's host is down in the sample (a planted hazard); the others answer.
UP = ["jh-d01", "jh-d02", "jh-d03"]
DOWN = "jh-x01"


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("outcome")
    write_portal(directory, *make_sample(seed=11, port=_free_port(), first_address=171))
    return directory


def zwgk(*args: str, db: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "ZWGK_DATABASE_URL": db, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "zwgk", *args], env=environ, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def crawl(portal: Path, db: str, units: list[str], *extra: str, served: bool = True, env=None):
    options = [o for u in units for o in ("-u", u)]
    command = ["crawl", "-r", str(portal / "units.yaml"), *options, *FAST, "-s", "RETRY_TIMES=0"]
    if not served:
        return zwgk(*command, *extra, db=db, env=env)
    loaded = m.load_portal(portal)
    server = PortalServer(loaded, Site(loaded))
    server.start()
    try:
        return zwgk(*command, *extra, db=db, env=env)
    finally:
        server.stop()


# The tests that read `nights` run on one xdist worker, which crawls the three nights once.
NIGHTS = pytest.mark.xdist_group("run_outcome_nights")


@pytest.fixture(scope="module")
def nights(portal, module_store_urls) -> dict:
    """One store, three nights: all up (finished), one unit of four down (degraded), every
    server down (failed); then the store as `status`/`runs` see it."""
    db = module_store_urls.new("nights")
    # PYTHONWARNINGS=always: a deprecation warning the crawl did not silence is printed.
    good = crawl(portal, db, UP, env={"PYTHONWARNINGS": "always"})
    partly = crawl(portal, db, [*UP, DOWN])
    dark = crawl(portal, db, [*UP, DOWN], "-q", served=False)
    return {"db": db, "good": good, "partly": partly, "dark": dark}


@NIGHTS
def test_each_night_ends_with_its_outcome_and_exit_code(nights):
    assert nights["good"].returncode == 0, nights["good"].stderr[-3000:]
    assert nights["partly"].returncode == 4, nights["partly"].stderr[-3000:]
    assert nights["dark"].returncode == 5, nights["dark"].stderr[-3000:]
    with open_store(nights["db"]) as store:
        runs = store.runs()
    assert [r.outcome for r in runs] == ["finished", "degraded", "failed"]
    assert [(r.stats["zwgk/units_observed"], r.stats["zwgk/units"]) for r in runs] == [
        (3, 3), (3, 4), (0, 4),
    ]  # fmt: skip
    assert runs[1].stats["zwgk/units_not_observed"] == [DOWN]
    assert {r.zwgk_version for r in runs} == {zwgk_version()}
    assert "degraded: 1 of 4 units not observed (jh-x01)" in nights["partly"].stderr
    assert "failed: 4 of 4 units not observed" in nights["dark"].stderr


def test_a_tolerant_share_makes_a_partly_down_night_finished(store_url, portal):
    db = store_url
    done = crawl(portal, db, ["jh-d01", DOWN], "-q", "--max-unobserved", "0.5")
    assert done.returncode == 0, done.stderr[-3000:]
    with open_store(db) as store:
        assert store.latest_run().outcome == "finished"


@NIGHTS
def test_evaluate_takes_the_latest_fit_run_and_refuses_a_failed_one(nights):
    db = nights["db"]
    out = zwgk("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", db=db)
    assert out.returncode == 0, out.stderr[-3000:]
    assert re.search(
        r"crawl run 2 \(degraded, ended [\d-]+ [\d:]+\), 1 of 4 units not observed "
        r"\(未评分\): the latest crawl run fit to judge; newer: run 3 failed",
        out.stdout,
    )
    with open_store(db) as store:
        from store.rounds import get_round

        info = get_round(store, "2025Q2")
    assert info.crawl_run == 2 and info.zwgk_version == zwgk_version()

    refused = zwgk("evaluate", "--round", "2025Q3", "--as-of", "2025-06-30", "--run", "3", db=db)
    assert refused.returncode == 2
    lines = [x for x in (refused.stdout + refused.stderr).splitlines() if x.strip()]
    assert len(lines) == 1 and "crawl run 3 failed (observed none of its 4 unit(s)" in lines[0]
    assert "Traceback" not in refused.stderr


@NIGHTS
def test_status_reports_the_last_night_and_exits_for_a_monitor(nights):
    db = nights["db"]
    text = zwgk("status", db=db)
    assert text.returncode == 5, text.stderr
    assert "last run 3: failed" in text.stdout
    assert "0 of 4 units observed" in text.stdout
    assert "not observed: jh-d01, jh-d02, jh-d03, jh-x01" in text.stdout
    assert "host_unreachable 4" in text.stdout
    assert "latest run fit for a round: 2 (degraded" in text.stdout
    assert f"schema {head_revision()}" in text.stdout
    out = zwgk("status", "--json", db=db)
    assert out.returncode == 5
    record = json.loads(out.stdout)
    assert record["verdict"] == "failed" and record["exit_code"] == 5
    assert record["last_run"]["crawl_issues"] == {"host_unreachable": 4}
    assert record["fit_run"]["id"] == 2 and record["fit_run"]["outcome"] == "degraded"
    assert record["schema"]["revision"] == record["schema"]["head"] == head_revision()
    if db.startswith("sqlite:///"):  # the file's size; on PostgreSQL the database's
        assert record["size_bytes"] >= Path(db.removeprefix("sqlite:///")).stat().st_size > 0
    else:
        assert record["size_bytes"] > 0
    # Zero hours allowed: the failed run still says failed (5), not merely too old.
    assert zwgk("status", "--max-age", "0", db=db).returncode == 5


@NIGHTS
def test_runs_lists_the_history_with_outcomes(nights):
    out = zwgk("runs", "--json", db=nights["db"])
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert [(r["id"], r["outcome"], r["units_observed"]) for r in records] == [
        (3, "failed", 0), (2, "degraded", 3), (1, "finished", 3),
    ]  # fmt: skip
    assert records[0]["crawl_issues"] == {"host_unreachable": 4}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", records[0]["started_beijing"])
    table = zwgk("runs", "--limit", "2", db=nights["db"])
    assert table.returncode == 0
    assert "degraded" in table.stdout and "failed" in table.stdout
    assert "finished" not in table.stdout  # --limit 2: runs 3 and 2 only
    assert "3/4" in table.stdout


@NIGHTS
def test_a_crawls_output_is_fit_for_a_log(nights):
    good, partly = nights["good"], nights["partly"]
    # No third-party deprecation warning, even with PYTHONWARNINGS=always.
    assert "DeprecationWarning" not in good.stderr, good.stderr[-3000:]
    # Each run's summary lists the units it was asked for.
    assert summary_units(good.stdout) == set(UP)
    assert summary_units(partly.stdout) == {*UP, DOWN}
    # Off a terminal the crawl issue's whole URL stands on one line of the table (rich would
    # fold it at 80 columns).
    from crawler.registry import load_registry

    registry = load_registry(Path(partly.args[partly.args.index("-r") + 1]))
    entry = next(u.entry for u in registry.units if u.id == DOWN)
    rows = [line for line in partly.stdout.splitlines() if "host_unreachable" in line]
    assert len(rows) == 1 and entry in rows[0] and "目录页无法连接" in rows[0], partly.stdout
    assert len(rows[0]) > 120  # one line, well past a terminal's 80 columns


def summary_units(stdout: str) -> set[str]:
    """The unit column of `zwgk crawl`'s summary table (before the crawl issues table)."""
    table = stdout.split("crawl issues (site problems")[0]
    return {line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│ ")}


def test_a_one_unit_runs_summary_lists_that_unit_only(store_url, portal):
    db = store_url
    assert crawl(portal, db, ["jh-d01", "jh-d02"], "-q").returncode == 0
    done = crawl(portal, db, ["jh-d02"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert summary_units(done.stdout) == {"jh-d02"}, done.stdout


def test_log_lines_carry_a_beijing_timestamp(store_url, portal, tmp_path):
    db = store_url
    done = zwgk("-v", "runs", db=f"sqlite:///{tmp_path / 'missing.sqlite'}")
    assert done.returncode == 2  # read-only: no store is created
    assert not (tmp_path / "missing.sqlite").exists()
    done = crawl(portal, db, ["jh-d01"], "-q", env={})
    assert done.returncode == 0
    logged = zwgk("-v", "status", db=db)
    stamped = [x for x in logged.stderr.splitlines() if " DEBUG " in x or " INFO " in x]
    assert stamped and all(
        re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 (DEBUG|INFO) ", x) for x in stamped
    ), logged.stderr[:2000]


def test_a_store_that_cannot_be_reached_is_one_line_and_exit_5(portal):
    port = _free_port()  # bound, then closed: nobody listens there
    db = f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere?connect_timeout=3"
    done = crawl(portal, db, ["jh-d01"], "-q", served=False)
    assert done.returncode == 5, done.stderr
    lines = [x for x in (done.stdout + done.stderr).splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the store"), lines
    assert f"127.0.0.1:{port}" in lines[0]


def test_zwgk_version_is_the_installed_distributions():
    from importlib.metadata import version

    out = subprocess.run([sys.executable, "-m", "zwgk", "--version"], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == f"zwgk {version('zwgk')}"
