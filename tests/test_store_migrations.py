"""Migrations: upgrade from empty and back down, on both backends; models and migrations agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store import downgrade, make_engine, migrate, open_store
from store.migrate import current_revision, head_revision
from store.models import Base
from store.testing import backend_url

TABLES = {
    "crawl_runs",
    "units",
    "columns",
    "articles",
    "article_history",
    "listings",
    "links",
    "link_checks",
    "crawl_issues",
    "crawl_locks",
}
INI = Path(__file__).resolve().parents[1] / "store" / "migrations" / "alembic.ini"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    with backend_url(request.param, tmp_path) as u:
        yield u


def test_upgrade_from_empty_then_downgrade_to_base_and_up_again(url: str):
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES

        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())

        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_and_migrations_agree(url: str):
    store = open_store(url, create=True)
    try:
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], f"models differ from migrations; write a revision for: {diff}"
    finally:
        store.close()


def test_open_store_twice_is_a_no_op(url: str):
    open_store(url, create=True).close()
    store = open_store(url, create=True)  # already at head: nothing to do, nothing lost
    try:
        store.upsert_units(
            [{"id": "u", "name": "U", "level": "市政府", "profile": "generic", "entry_url": "h"}]
        )
        store.close()
        store = open_store(url, create=True)
        assert store.units_frame().id.tolist() == ["u"]
    finally:
        store.close()


def test_alembic_command_line_uses_the_packaged_ini(store_url):
    url = store_url
    run = [sys.executable, "-m", "alembic", "-c", str(INI), "-x", f"url={url}"]
    up = subprocess.run([*run, "upgrade", "head"], capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    current = subprocess.run([*run, "current"], capture_output=True, text=True, timeout=60)
    assert current.returncode == 0, current.stderr
    assert f"{head_revision()} (head)" in current.stdout
