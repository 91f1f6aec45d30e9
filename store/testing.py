"""Helpers for tests that need a store on PostgreSQL as well as on SQLite.

Each PostgreSQL test gets a schema of its own (``zwgk_test_<random>``), chosen through the
connection's ``search_path``, and dropped afterwards, so tests never see each other's tables.
Where the server is unreachable the tests skip with the reason — except in CI (``CI=true``),
where a missing server is a failure, not a skip.

The suite's backend (`StoreUrls`): `python3 -m pytest` with ``ZWGK_DATABASE_URL`` set to a
PostgreSQL URL runs every test that makes its store through `StoreUrls` (the ``store_urls`` /
``store_url`` fixtures of tests/conftest.py) on that server, each store in a database of its
own; otherwise on SQLite files in the test's folder. tests/conftest.py moves the variable to
``ZWGK_TEST_BACKEND_URL`` at start, so no test or subprocess reaches that database by default.
"""

from __future__ import annotations

import atexit
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

PG_URL_ENV = "ZWGK_TEST_PG_URL"
# Where tests/conftest.py keeps the suite's ``ZWGK_DATABASE_URL`` (read by `suite_backend`).
SUITE_URL_ENV = "ZWGK_TEST_BACKEND_URL"
PG_CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def find_pg_url() -> tuple[str | None, str]:
    """A reachable PostgreSQL URL for tests (``$ZWGK_TEST_PG_URL`` first), or the reason none is."""
    named = os.environ.get(PG_URL_ENV) or (
        os.environ.get(SUITE_URL_ENV) if suite_backend() == "postgresql" else None
    )
    candidates = [named] if named else list(PG_CANDIDATES)
    errors = []
    for url in candidates:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            return url, ""
        except OperationalError as exc:
            errors.append(f"{make_url(url).render_as_string()}: {str(exc.orig).strip()[:200]}")
        finally:
            engine.dispose()
    return None, "PostgreSQL unreachable — " + "; ".join(errors)


@contextmanager
def pg_schema_url(base_url: str) -> Iterator[str]:
    """Create a fresh schema, yield a URL whose connections use it, then drop it."""
    schema = f"zwgk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


_PG: tuple[str | None, str] | None = None


def reachable_pg_url() -> str:
    """The test server's URL (`find_pg_url`, looked for once); skips the test where there is
    none — fails it in CI."""
    import pytest

    global _PG
    if _PG is None:
        _PG = find_pg_url()
    url, reason = _PG
    if url is None:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run, not skip)")
        pytest.skip(reason)
    return url


@contextmanager
def backend_url(kind: str, tmp_dir: os.PathLike[str] | str) -> Iterator[str]:
    """A fresh database URL of ``kind`` ("sqlite" or "postgresql") for one test."""
    if kind == "sqlite":
        yield f"sqlite:///{os.fspath(tmp_dir)}/store.sqlite"
        return
    url = reachable_pg_url()
    with pg_schema_url(url) as schema_url:
        yield schema_url


@contextmanager
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database (``zwgk_dbtest_<random>``) for one test, dropped afterwards
    (for what a schema cannot stand in for: `zwgk db copy` and restore into a whole database)."""
    base = reachable_pg_url()
    name = f"zwgk_dbtest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def suite_backend() -> str:
    """ "postgresql" when the suite was started with ``ZWGK_DATABASE_URL`` naming a PostgreSQL
    server (see the module's docstring), else "sqlite"."""
    url = os.environ.get(SUITE_URL_ENV, "")
    return "postgresql" if url and make_url(url).get_backend_name() == "postgresql" else "sqlite"


class StoreUrls:
    """Fresh store URLs for one test (or one module) on the suite's backend: a SQLite file in
    ``folder``, or a PostgreSQL database of its own (``zwgk_t_<random>``), dropped at `close`.

    A PostgreSQL database is cloned from a template (``CREATE DATABASE … TEMPLATE``, tens of
    milliseconds) that each process builds once: a store at the newest schema for `new`, and
    for `copy_of` that store with the SQLite template's rows copied in (`zwgk db copy`).
    Migrating or copying for every test instead costs about a second each."""

    def __init__(self, folder: os.PathLike[str] | str, backend: str | None = None) -> None:
        self.folder = Path(folder)
        self.backend = backend or suite_backend()
        self._cleanup = ExitStack()

    def new(self, name: str = "zwgk") -> str:
        """The URL of a store with no rows (SQLite: ``name.sqlite``, not created yet;
        PostgreSQL: a database at the newest schema)."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / f'{name}.sqlite'}"
        return self._clone(_templates.empty())

    def copy_of(self, sqlite_file: os.PathLike[str] | str, name: str = "zwgk") -> str:
        """A store holding what the SQLite store ``sqlite_file`` (a template built once)
        holds: a copy of the file, or a database cloned from one it was copied into."""
        if self.backend == "sqlite":
            target = self.folder / f"{name}.sqlite"
            shutil.copyfile(sqlite_file, target)
            return f"sqlite:///{target}"
        return self._clone(_templates.copy_of(Path(sqlite_file)))

    def _clone(self, template: str) -> str:
        url = _templates.clone(template)
        self._cleanup.callback(_templates.drop, url)
        return url

    def close(self) -> None:
        self._cleanup.close()


class _Templates:
    """This process's PostgreSQL template databases (``zwgk_tpl_<random>``), dropped at exit."""

    def __init__(self) -> None:
        self._empty: str | None = None
        self._copies: dict[tuple[str, int, int], str] = {}
        self._admin: Any = None

    def admin(self) -> Any:
        if self._admin is None:
            self._admin = create_engine(reachable_pg_url(), isolation_level="AUTOCOMMIT")
            atexit.register(self.drop_all)  # pytest_sessionfinish first (xdist workers skip atexit)
        return self._admin

    def _create(self, prefix: str, template: str | None = None) -> str:
        name = f"{prefix}{uuid.uuid4().hex[:10]}"
        clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
        with self.admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self._admin.url.set(database=name).render_as_string(hide_password=False)

    def empty(self) -> str:
        if self._empty is None:
            from store.core import open_store

            url = self._create("zwgk_tpl_")
            store = open_store(url, create=True)
            store.close()
            store.engine.dispose()  # a template must have no connection when it is cloned
            self._empty = url
        return self._empty

    def copy_of(self, sqlite_file: Path) -> str:
        stat = sqlite_file.stat()
        key = (str(sqlite_file.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._copies:
            from store.copy import copy_store

            url = self._create("zwgk_tpl_", self.empty())
            copy_store(f"sqlite:///{sqlite_file}", url)  # disposes its engines
            self._copies[key] = url
        return self._copies[key]

    def clone(self, template: str) -> str:
        return self._create("zwgk_t_", template)

    def drop(self, url: str) -> None:
        with self.admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def drop_all(self) -> None:
        if self._admin is None:
            return
        for url in [*self._copies.values(), *([self._empty] if self._empty else [])]:
            with suppress(Exception):  # the server may be gone at exit
                self.drop(url)
        self._copies, self._empty = {}, None
        self._admin.dispose()
        self._admin = None


def drop_templates() -> None:
    """Drop this process's template databases (tests/conftest.py, at the session's end)."""
    _templates.drop_all()


_templates = _Templates()
