"""PostgreSQL's connection pool (`store.config.pool_settings`): sized by zwgk.toml's
``[store] pool_size`` / ``max_overflow``, shared by a process's threads without opening more
connections than that, and a connection the server dropped is replaced before it is used."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import QueuePool, text

from common.config_file import ConfigError
from store import open_store
from store.config import POOL_MAX_OVERFLOW, POOL_SIZE, make_engine
from store.testing import backend_url


@pytest.fixture
def pg_url(tmp_path, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("ZWGK_CONFIG", "/dev/null")  # no zwgk.toml of the machine's
    for name in ("ZWGK_DB_POOL_SIZE", "ZWGK_DB_MAX_OVERFLOW"):
        monkeypatch.delenv(name, raising=False)
    with backend_url("postgresql", tmp_path) as url:
        open_store(url, create=True).close()
        yield url


@pytest.mark.postgres
def test_a_postgresql_engine_pools_its_connections_with_the_defaults(pg_url):
    engine = make_engine(pg_url)
    try:
        assert isinstance(engine.pool, QueuePool)
        assert (
            engine.pool.size() == POOL_SIZE == 5 and engine.pool._max_overflow == POOL_MAX_OVERFLOW
        )
        assert engine.pool._pre_ping
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_zwgk_toml_sizes_the_pool_and_threads_share_it(pg_url, tmp_path, monkeypatch):
    config = tmp_path / "zwgk.toml"
    config.write_text("[store]\npool_size = 2\nmax_overflow = 1\n", encoding="utf-8")
    monkeypatch.setenv("ZWGK_CONFIG", str(config))
    engine = make_engine(pg_url)
    backends: set[int] = set()
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def work() -> None:
        try:
            start.wait()
            for _ in range(5):
                with engine.connect() as conn:
                    backends.add(conn.scalar(text("select pg_backend_pid()")))
                    conn.execute(text("select pg_sleep(0.02)"))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        # Twelve threads, sixty queries: never more than 2 + 1 server connections.
        assert 1 <= len(backends) <= 3, backends
        assert engine.pool.size() == 2
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_the_server_dropped_is_replaced_before_use(pg_url):
    engine = make_engine(pg_url)
    admin = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("select pg_backend_pid()"))
        # The pooled connection is now idle; the server ends it (a restart, an idle timeout).
        with admin.connect() as conn:
            assert conn.scalar(text("select pg_terminate_backend(:p)"), {"p": pid})
        with engine.connect() as conn:  # pre-ping: a fresh connection, no error
            assert conn.scalar(text("select pg_backend_pid()")) != pid
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.parametrize(
    "line, says",
    [("pool_size = 0", "greater than or equal to 1"), ("max_overflow = 500", "less than or equal")],
)
def test_a_pool_size_out_of_bounds_is_refused_naming_the_line(tmp_path, monkeypatch, line, says):
    config = tmp_path / "zwgk.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/z.sqlite"\n{line}\n', "utf-8")
    monkeypatch.setenv("ZWGK_CONFIG", str(config))
    with pytest.raises(ConfigError, match=f"zwgk.toml:3: store.* {says}"):
        make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")


@pytest.mark.postgres
def test_reads_through_the_reader_take_no_transaction_and_leave_none_behind(pg_url, monkeypatch):
    """`Store.reader`: autocommit on PostgreSQL (no BEGIN, no ROLLBACK round trip), over the
    engine's own pool — and a connection it gave back is transactional again for the next
    writer: a failed write is rolled back whole."""
    monkeypatch.setenv("ZWGK_DB_POOL_SIZE", "1")  # one connection: the writer gets the reader's
    monkeypatch.setenv("ZWGK_DB_MAX_OVERFLOW", "0")
    store = open_store(pg_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("create table t (x int)"))
        with store.reader.connect() as conn:
            reader_pid = conn.scalar(text("select pg_backend_pid()"))
            assert conn.connection.dbapi_connection.autocommit
            # After a statement no transaction is open: nothing to ROLLBACK on the way back.
            assert conn.connection.dbapi_connection.info.transaction_status.name == "IDLE"
        with pytest.raises(RuntimeError), store.engine.begin() as conn:
            assert conn.scalar(text("select pg_backend_pid()")) == reader_pid  # the same one
            assert not conn.connection.dbapi_connection.autocommit
            conn.execute(text("insert into t values (1)"))
            raise RuntimeError("the write fails half-way")
        with store.reader.connect() as conn:
            assert conn.scalar(text("select count(*) from t")) == 0
    finally:
        store.close()


def test_on_sqlite_the_reader_is_the_engine(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}", create=True)
    try:
        assert store.reader is store.engine
    finally:
        store.close()
