"""`zwgk db backup` / `zwgk db restore`: a backup taken while another process commits is a
consistent snapshot with what sits in the WAL (a plain copy of the file is not); restore refuses
to overwrite data unless --force; PostgreSQL through pg_dump / pg_restore. The SQLite tests stay
SQLite whatever the suite's backend: they test the SQLite online backup API and the file."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from store import open_store
from store.models import Base
from store.testing import pg_database_url
from zwgk.cli import app

CHECKS_PER_RUN = 40
RUNS = Base.metadata.tables["crawl_runs"]
ARTICLES = Base.metadata.tables["articles"]
T0 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

# Another process crawling: one transaction per run = a run row and its link checks. It keeps
# every commit in the WAL (no checkpoint), which a plain copy of the store's file misses.
WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    stop = time.monotonic() + float(sys.argv[2])
    n = 0
    while time.monotonic() < stop:
        conn.execute("BEGIN IMMEDIATE")
        run = conn.execute(
            "INSERT INTO crawl_runs (started_at, status, mode) "
            "VALUES ('2025-06-02 00:00:00.000000', 'finished', 'full')"
        ).lastrowid
        conn.executemany(
            "INSERT INTO link_checks (run_id, url, checked_at, outcome, attempts) "
            "VALUES (?, ?, '2025-06-02 00:00:00.000000', 'ok', 1)",
            [(run, f"http://x.test/{run}/{i}") for i in range(int(sys.argv[3]))],
        )
        conn.execute("COMMIT")
        n += 1
        if n == 5:
            print("writing", flush=True)
    print(n, flush=True)
    """
)


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_sentence(output: str, *parts: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for part in parts:
        assert part in lines[0], output


def make_store(url: str, pages: int = 150, page_bytes: int = 200_000) -> None:
    """A store of ``pages`` articles with incompressible page bytes (a backup that takes time)."""
    with open_store(url, create=True) as store:
        store.upsert_units(
            [{"id": "u1", "name": "单位", "level": "市直部门", "profile": "lonsun",
              "entry_url": "http://u1.test/"}]
        )  # fmt: skip
        run = store.start_run("full", ["u1"])
        store.upsert_articles(
            run,
            [
                {"url": f"http://u1.test/a/{i}.html", "unit_id": "u1", "title": f"文{i}",
                 "html": os.urandom(page_bytes)}
                for i in range(pages)
            ],
        )  # fmt: skip
        store.finish_run(run)


def counts(path: Path) -> tuple[int, dict[int, int]]:
    """(articles, link checks per run) of a SQLite file, read with the standard library."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        per_run = dict(
            conn.execute(
                "SELECT r.id, count(c.id) FROM crawl_runs r "
                "LEFT JOIN link_checks c ON c.run_id = r.id GROUP BY r.id"
            ).fetchall()
        )
    finally:
        conn.close()
    return articles, per_run


def test_a_backup_while_another_process_commits_is_a_consistent_snapshot_with_the_wal(tmp_path):
    store = tmp_path / "zwgk.sqlite"
    make_store(f"sqlite:///{store}")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store), "5", str(CHECKS_PER_RUN)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        plain = tmp_path / "cp.sqlite"
        shutil.copyfile(store, plain)  # what `cp` of the store's file alone gives
        out = cli("db", "backup", "--db", f"sqlite:///{store}", "--out", str(tmp_path / "b.sqlite"))
        assert out.exit_code == 0, out.output
        assert "backed up to" in out.output and " s)" in out.output
        written = int(writer.communicate(timeout=60)[0].strip())
    finally:
        writer.kill()
    backup = tmp_path / "b.sqlite"
    assert not list(tmp_path.glob("b.sqlite*-wal")), "one self-contained file"
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    articles, per_run = counts(backup)
    assert articles == 150
    writer_runs = {run: n for run, n in per_run.items() if run != 1}
    # A snapshot: each of the writer's transactions is in the backup whole, or not at all.
    assert set(writer_runs.values()) == {CHECKS_PER_RUN}, per_run
    # Taken while the writer was committing: some of its runs, not all.
    assert 5 <= len(writer_runs) < written, (len(writer_runs), written)
    # The writer's commits sat in the WAL: the plain file copy has none of them.
    assert set(counts(plain)[1]) == {1}


def test_restore_into_a_new_store_and_over_data_only_with_force(tmp_path):
    source, other = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    make_store(f"sqlite:///{source}", pages=20, page_bytes=1000)
    make_store(f"sqlite:///{other}", pages=3, page_bytes=1000)
    backup = tmp_path / "backup.sqlite"
    assert cli("db", "backup", "--db", f"sqlite:///{source}", "--out", str(backup)).exit_code == 0
    again = cli("db", "backup", "--db", f"sqlite:///{source}", "--out", str(backup))
    assert again.exit_code == 2
    assert_one_sentence(again.output, "exists already")

    fresh = tmp_path / "new" / "zwgk.sqlite"
    out = cli("db", "restore", str(backup), "--db", f"sqlite:///{fresh}")
    assert out.exit_code == 0, out.output
    assert "restored" in out.output
    assert counts(fresh) == counts(source)

    refused = cli("db", "restore", str(backup), "--db", f"sqlite:///{other}")
    assert refused.exit_code == 2
    assert_one_sentence(refused.output, "holds data", "--force")
    assert counts(other)[0] == 3, "left as it was"

    forced = cli("db", "restore", str(backup), "--db", f"sqlite:///{other}", "--force")
    assert forced.exit_code == 0, forced.output
    assert counts(other) == counts(source)
    with open_store(f"sqlite:///{other}") as store:  # a store at head, usable at once
        assert len(store.articles_frame()) == 20

    notes = tmp_path / "notes.txt"
    notes.write_text("这不是备份\n" * 100, encoding="utf-8")
    bad = cli("db", "restore", str(notes), "--db", f"sqlite:///{tmp_path / 'c.sqlite'}")
    assert bad.exit_code == 2
    assert_one_sentence(bad.output, "not a zwgk SQLite backup")


def _pg_counts(url: str) -> tuple[int, int]:
    with open_store(url) as store, store.engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(ARTICLES)),
            conn.scalar(select(func.count()).select_from(RUNS)),
        )


@pytest.mark.postgres
def test_postgresql_backup_and_restore_go_through_pg_dump_and_pg_restore(tmp_path, monkeypatch):
    with pg_database_url() as source, pg_database_url() as target:
        make_store(source, pages=12, page_bytes=2000)
        dump = tmp_path / "z.pgdump"
        started = time.monotonic()
        out = cli("db", "backup", "--db", source, "--out", str(dump))
        assert out.exit_code == 0, out.output
        assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        out = cli("db", "restore", str(dump), "--db", target)
        assert out.exit_code == 0, out.output
        assert _pg_counts(target) == _pg_counts(source) == (12, 1)
        refused = cli("db", "restore", str(dump), "--db", target)
        assert refused.exit_code == 2
        assert_one_sentence(refused.output, "holds data")
        forced = cli("db", "restore", str(dump), "--db", target, "--force")
        assert forced.exit_code == 0, forced.output
        assert _pg_counts(target) == (12, 1)
        assert time.monotonic() - started < 120

        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        missing = cli("db", "backup", "--db", source, "--out", str(tmp_path / "y.pgdump"))
        assert missing.exit_code == 2
        assert_one_sentence(missing.output, "pg_dump is not on PATH", "postgresql-client")
