"""Migration 0007 on a store holding runs (both backends), the outcome rule, and `zwgk status`'s
exit codes for a monitor — on stores built by hand, without crawling."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from store import downgrade, make_engine, migrate, open_store
from store.migrate import current_revision
from store.observed import UnitObservation
from store.runs import judge
from store.testing import backend_url
from zwgk.cli import app

UNIT = {"id": "u1", "name": "U1", "level": "市直部门", "profile": "generic",
        "entry_url": "http://u1.test/"}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


def observed_run(store, observed: bool = True) -> int:
    """A run of u1 that read its one column (or, not observed, whose host was down)."""
    store.upsert_units([UNIT])
    run = store.start_run("full", ["u1"])
    if observed:
        ids = store.upsert_columns(run, [{"unit_id": "u1", "url": "http://u1.test/c/",
                                          "name": "通知公告", "category": "notice"}])  # fmt: skip
        store.set_column_counts(run, {ids["http://u1.test/c/"]: 0})
    else:
        store.record_crawl_issues(
            run, [{"kind": "host_unreachable", "unit_id": "u1", "url": "http://u1.test/"}]
        )
    store.finish_run(run)
    return run


def test_migration_0007_up_and_down_with_runs_stored(url):
    engine = make_engine(url)
    try:
        migrate(engine, "0006")
        with engine.begin() as conn:
            for status in ("finished", "failed", "interrupted", "running"):
                conn.execute(
                    text("INSERT INTO crawl_runs (started_at, status, mode) "
                         "VALUES (:at, :status, 'full')"),
                    {"at": dt.datetime(2025, 6, 1, tzinfo=dt.UTC), "status": status},
                )  # fmt: skip
        migrate(engine, "0007")
        assert current_revision(engine) == "0007"
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, outcome FROM crawl_runs ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("finished", "unknown"), ("failed", "failed"),
            ("interrupted", "interrupted"), ("running", None),
        ]  # fmt: skip
        with pytest.raises(Exception, match="(?i)check"), engine.begin() as conn:
            conn.execute(text("UPDATE crawl_runs SET outcome = 'fine' WHERE id = 1"))
        downgrade(engine, "0006")
        assert current_revision(engine) == "0006"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM crawl_runs")).scalar() == 4
            names = set(conn.execute(text("SELECT * FROM crawl_runs")).keys())
        assert "outcome" not in names and "zwgk_version" not in names
        migrate(engine, "0007")
        assert current_revision(engine) == "0007"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("status", "asked", "missing", "share", "outcome"),
    [
        ("finished", 20, 0, 0.05, "finished"),
        ("finished", 20, 1, 0.05, "finished"),  # 5 %: not over the share
        ("finished", 20, 2, 0.05, "degraded"),
        ("finished", 20, 20, 0.05, "failed"),
        ("finished", 2, 1, 0.5, "finished"),
        ("finished", 2, 1, 0.0, "degraded"),
        ("interrupted", 20, 0, 0.05, "interrupted"),
        ("failed", 20, 0, 0.05, "failed"),
    ],
)
def test_the_outcome_rule(status, asked, missing, share, outcome):
    units = [f"u{i}" for i in range(asked)]
    seen = UnitObservation(units, units[:missing]) if status == "finished" else None
    assert judge(status, seen, share) == outcome


def status(url: str, *extra: str):
    return CliRunner().invoke(app, ["status", "--db", url, *extra])


def test_status_exit_codes_follow_the_last_run(url):
    with open_store(url, create=True) as store:
        pass
    assert status(url).exit_code == 7  # no run yet
    with open_store(url) as store:
        observed_run(store)
    out = status(url, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["last_run"]["units_observed"] == 1
    assert status(url, "--max-age", "0").exit_code == 6  # too old for a zero-hour monitor
    with open_store(url) as store:
        observed_run(store, observed=False)
    out = status(url)
    assert out.exit_code == 5 and "last run 2: failed" in out.output
    assert "latest run fit for a round: 1 (finished" in out.output
    with open_store(url) as store:
        store.start_run("full", ["u1"])  # killed: the next start marks it interrupted
        store.start_run("full", ["u1"])  # still running: reported, not judged
    out = status(url)
    assert out.exit_code == 1 and "running now: crawl run 4" in out.output


def test_status_and_runs_never_create_a_store(tmp_path):
    missing = tmp_path / "typo.sqlite"  # SQLite only: a file is what a misspelt URL would create
    for command in ("status", "runs"):
        out = CliRunner().invoke(app, [command, "--db", f"sqlite:///{missing}"])
        assert out.exit_code == 2 and "no store at" in out.output
    assert not missing.exists()
