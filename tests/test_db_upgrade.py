"""`zwgk db upgrade` from every earlier schema revision (read from Alembic's script directory, so
a migration added later is covered without touching this file), and the refusals that make it
the only way a schema changes: an old store, a newer one, a misspelt URL — nothing created."""

from __future__ import annotations

import datetime as dt
import gzip
import uuid

import pytest
from sqlalchemy import MetaData, create_engine, inspect, make_url, text
from typer.testing import CliRunner

from store import downgrade, make_engine, migrate, open_store
from store.backup import backup_revision
from store.copy import move_sequences
from store.migrate import current_revision, head_revision, revisions
from store.models import Base
from store.testing import backend_url, find_pg_url
from zwgk.cli import app

EARLIER = [r.id for r in revisions()[:-1]]
T0 = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)
# Rows written at an old revision, each into the columns that revision has.
ROWS = {
    "crawl_runs": [{"id": 1, "started_at": T0, "finished_at": T0, "status": "finished",
                    "mode": "full", "units": ["u1"], "stats": {"pages": 2}},
                   {"id": 2, "started_at": T0, "finished_at": T0, "status": "finished",
                    "mode": "full", "units": ["u1"], "stats": {"pages": 2}}],
    "units": [{"id": "u1", "name": "江淮市教育局", "level": "市直部门", "profile": "lonsun",
               "entry_url": "http://u1.test/", "updated_at": T0}],
    "columns": [{"id": 1, "unit_id": "u1", "url": "http://u1.test/c/1", "name": "工作动态",
                 "category": "news", "first_seen_run": 1, "last_seen_run": 1,
                 "last_row_count": 1, "last_listed_run": 1, "last_nonempty_run": 1}],
    "articles": [{"id": 1, "unit_id": "u1", "column_id": 1, "url": "http://u1.test/a/1.html",
                  "title": "动态一", "publish_date": dt.date(2025, 5, 30), "content_hash": "h1",
                  "first_seen_run": 1, "last_seen_run": 2, "version_run": 2}],
    "article_history": [{"id": 1, "article_id": 1, "valid_from_run": 1, "valid_to_run": 2,
                         "title": "动态", "content_hash": "h0"}],
    "link_checks": [{"id": 1, "run_id": 1, "url": "http://u1.test/f.pdf", "checked_at": T0,
                     "status_code": 404, "outcome": "confirmed_broken", "attempts": 1}],
    "decisions": [{"id": 1, "fingerprint": "0123456789abcdef", "decision": "confirmed",
                   "by": "张三", "at": T0}],
}  # fmt: skip
# Page bytes, in the rows themselves before revision 0009 (then in `article_pages`).
PAGE_NOW, PAGE_THEN = gzip.compress("<p>动态一</p>".encode()), gzip.compress(b"<p>old</p>")


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_sentence(output: str, *parts: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for part in parts:
        assert part in lines[0], output


def seed(url: str, revision: str) -> None:
    """A store at ``revision`` holding `ROWS` in the tables and columns it has then."""
    engine = make_engine(url)
    try:
        migrate(engine, revision)
        present = MetaData()
        present.reflect(engine)
        with engine.begin() as conn:
            for name, rows in ROWS.items():
                if name not in present.tables:
                    continue
                have = set(present.tables[name].columns.keys())
                conn.execute(
                    Base.metadata.tables[name].insert(),
                    [{k: v for k, v in row.items() if k in have} for row in rows],
                )
            if "html_gz" in present.tables["articles"].columns:
                conn.execute(text("UPDATE articles SET html_gz = :b"), {"b": PAGE_NOW})
                conn.execute(text("UPDATE article_history SET html_gz = :b"), {"b": PAGE_THEN})
            else:
                pages = Base.metadata.tables["article_pages"]
                conn.execute(pages.insert(), [
                    {"article_id": 1, "version_run": 2, "html_gz": PAGE_NOW},
                    {"article_id": 1, "version_run": 1, "html_gz": PAGE_THEN},
                ])  # fmt: skip
            if conn.dialect.name == "postgresql":  # as if the rows had come through the ids
                move_sequences(conn, [Base.metadata.tables[n] for n in ROWS if n in present.tables])
    finally:
        engine.dispose()


def history_page(engine) -> bytes:
    """The page of the superseded version of article 1, from `article_pages`."""
    with engine.connect() as conn:
        blob = conn.scalar(
            text(
                "SELECT p.html_gz FROM article_pages p JOIN article_history h "
                "ON p.article_id = h.article_id AND p.version_run = h.valid_from_run"
            )
        )
    return gzip.decompress(blob)


def test_page_bytes_move_out_of_the_article_rows_and_back_on_downgrade(url):
    seed(url, "0008")
    engine = make_engine(url)
    try:
        migrate(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("articles")}
        assert "html_gz" not in columns
        assert "html_gz" not in {c["name"] for c in inspect(engine).get_columns("article_history")}
        assert history_page(engine) == b"<p>old</p>"
        downgrade(engine, "0008")
        assert "article_pages" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            now = conn.scalar(text("SELECT html_gz FROM articles"))
            then = conn.scalar(text("SELECT html_gz FROM article_history"))
        assert (bytes(now), bytes(then)) == (PAGE_NOW, PAGE_THEN)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_every_earlier_revision_backs_up_says_each_step_and_keeps_the_data(
    url, revision, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a PostgreSQL dump lands in the working directory
    seed(url, revision)
    refused = cli("problems", "--round", "2025Q2", "--db", url)
    assert refused.exit_code == 2
    assert_one_sentence(refused.output, f"revision {revision}", "zwgk db upgrade")

    done = cli("db", "upgrade", "--db", url)
    assert done.exit_code == 0, done.output
    assert f"from schema revision {revision} to {head_revision()}" in done.output
    later = [r for r in revisions() if r.id > revision]
    for step in later:
        assert f"{step.id}  {step.message[:30]}" in done.output
        assert f"{step.id} done" in done.output
    backups = sorted(tmp_path.glob(f"*.before-{head_revision()}.*"))
    assert len(backups) == 1, done.output
    assert str(backups[0]) in done.output
    if url.startswith("sqlite"):
        assert backup_revision(backups[0]) == revision  # the store as it was before
    else:
        assert backups[0].stat().st_size > 0

    with open_store(url) as store:  # at head: opens without a word
        assert current_revision(store.engine) == head_revision()
        assert [r.id for r in store.runs()] == [1, 2]
        assert store.runs()[0].stats == {"pages": 2}
        assert store.units_frame()["name"].tolist() == ["江淮市教育局"]
        articles = store.articles_frame()
        assert articles["title"].tolist() == ["动态一"]
        assert str(articles["publish_date"].iloc[0].date()) == "2025-05-30"
        assert store.articles_frame(as_of_run=1)["title"].tolist() == ["动态"]
        assert store.article_html("http://u1.test/a/1.html") == "<p>动态一</p>".encode()
        assert history_page(store.engine) == b"<p>old</p>"
        assert store.link_checks_frame()["outcome"].tolist() == ["confirmed_broken"]
        new_run = store.start_run("full", ["u1"])  # ids go on after the old rows
        assert new_run == 3

    again = cli("db", "upgrade", "--db", url)
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_a_store_newer_than_this_zwgk_is_refused_by_every_command_and_upgrade(store_url):
    url = store_url
    seed(url, head_revision())
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    engine.dispose()
    for args in (["db", "upgrade"], ["db", "prune"], ["evaluate", "--round", "2025Q2"]):
        out = cli(*args, "--db", url)
        assert out.exit_code == 2, out.output
        assert_one_sentence(out.output, "zz99", "newer zwgk")


READ_ONLY = [
    ["problems", "--round", "2025Q2"],
    ["evaluate", "--round", "2025Q2"],
    ["report", "round", "--round", "2025Q2"],
    ["report", "checklist", "--round", "2025Q2"],
    ["responses", "list", "--round", "2025Q2"],
    ["db", "backup"],
    ["db", "upgrade"],
    ["db", "prune"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: "_".join(a[:2]))
def test_a_misspelt_sqlite_store_is_refused_in_one_sentence_and_nothing_is_created(
    args, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "typo" / "zwgk.sqlit"
    monkeypatch.setenv("ZWGK_DATABASE_URL", f"sqlite:///{typo}")
    out = cli(*args)
    assert out.exit_code == 2, out.output
    assert_one_sentence(out.output, str(typo), "only `zwgk crawl` creates a store")
    assert list(tmp_path.iterdir()) == [], "nothing created: no folder, no file, no backup"


@pytest.mark.postgres
@pytest.mark.parametrize("args", READ_ONLY[:3] + READ_ONLY[-2:], ids=lambda a: "_".join(a[:2]))
def test_a_misspelt_or_empty_postgresql_database_is_refused_and_left_as_it_was(args):
    base, reason = find_pg_url()
    if base is None:
        pytest.skip(reason)
    missing = make_url(base).set(database=f"zwgk_dbtest_{uuid.uuid4().hex[:10]}")
    out = cli(*args, "--db", missing.render_as_string(hide_password=False))
    assert out.exit_code == 2, out.output
    assert_one_sentence(out.output, "does not exist")

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"zwgk_dbtest_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        empty = make_url(base).set(database=name).render_as_string(hide_password=False)
        out = cli(*args, "--db", empty)
        assert out.exit_code == 2, out.output
        assert_one_sentence(out.output, "holds no zwgk store")
        probe = create_engine(empty)
        with probe.connect() as conn:
            tables = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            ).scalar()
        probe.dispose()
        assert tables == 0, "nothing created in an empty database"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    with admin.connect() as conn:
        assert not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": missing.database}
        ).first()
    admin.dispose()
