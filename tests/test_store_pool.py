"""PostgreSQL's connection pool (`store.config.pool_settings`): sized by zwgk.toml's
``[store] pool_size`` / ``max_overflow``, shared by a process's threads without opening more
connections than that, and a connection the server dropped while it lay idle is replaced before
it is used — tested by a ping only after `PING_AFTER_IDLE_S` of idleness, not on every use."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import QueuePool, exc, text

from common.config_file import ConfigError
from store import config, open_store
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
        assert not engine.pool._pre_ping  # store.config's ping when idle instead
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


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("select pg_backend_pid()"))


def _terminate(admin, *pids: int) -> None:
    with admin.connect() as conn:
        for pid in pids:
            assert conn.scalar(text("select pg_terminate_backend(:p)"), {"p": pid})


@pytest.fixture
def idle_soon(monkeypatch) -> float:
    """A pooled connection counts as idle after 0.2 s (not a second: the tests wait it out)."""
    monkeypatch.setattr(config, "PING_AFTER_IDLE_S", 0.2)
    return 0.2


@pytest.mark.postgres
def test_connections_the_server_dropped_while_idle_are_replaced_before_use(pg_url, idle_soon):
    """A restart, an idle timeout: the first idle connection's ping fails, and with it every
    connection of the pool is replaced — none of them fails a statement."""
    engine = make_engine(pg_url)
    admin = make_engine(pg_url)
    try:
        with engine.connect() as one, engine.connect() as two:  # two pooled connections
            pids = {c.scalar(text("select pg_backend_pid()")) for c in (one, two)}
        _terminate(admin, *pids)
        time.sleep(idle_soon * 1.5)
        with engine.connect() as one, engine.connect() as two:
            fresh = {c.scalar(text("select pg_backend_pid()")) for c in (one, two)}
        assert len(fresh) == 2 and not fresh & pids
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_a_connection_in_use_moments_ago_is_not_pinged_one_idle_is(pg_url, monkeypatch):
    engine = make_engine(pg_url)
    pings: list[int] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    try:
        monkeypatch.setattr(config, "PING_AFTER_IDLE_S", 60.0)  # however slow this machine is
        for _ in range(10):  # a busy portal: each use right after the last
            _backend(engine)
        assert pings == []
        monkeypatch.setattr(config, "PING_AFTER_IDLE_S", 0.05)
        time.sleep(0.1)
        _backend(engine)
        assert pings == [1]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_dropped_moments_after_use_fails_one_statement_then_the_pool_heals(
    pg_url, monkeypatch
):
    """The price of not pinging a busy pool: a server gone within the moment since a connection
    was last used fails the statement sent on it (as one in flight would have); SQLAlchemy
    sees the disconnect and replaces the pool's connections, so the next use works."""
    monkeypatch.setattr(config, "PING_AFTER_IDLE_S", 60.0)  # "moments", however slow the machine
    engine = make_engine(pg_url)
    admin = make_engine(pg_url)
    try:
        pid = _backend(engine)
        _terminate(admin, pid)
        with pytest.raises(exc.OperationalError):
            _backend(engine)
        assert _backend(engine) != pid
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_a_caller_asking_for_a_ping_on_every_use_gets_sqlalchemys(pg_url, monkeypatch):
    engine = make_engine(pg_url, pool_pre_ping=True)
    pings: list[int] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    try:
        for _ in range(3):
            _backend(engine)
        assert len(pings) == 2  # every checkout but the first, fresh one
    finally:
        engine.dispose()


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
