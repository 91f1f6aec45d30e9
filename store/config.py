"""Where the store lives and how its engine is built.

The default is a SQLite file under the working directory (`.zwgk/zwgk.sqlite`); any SQLAlchemy
URL can be given instead through ``ZWGK_DATABASE_URL`` or zwgk.toml's ``[store] url``
(`common.config_file`: the variable wins over the file, ``--db`` over both). PostgreSQL goes
through psycopg 3: ``postgresql+psycopg://user@host:5432/db``; a schema other than ``public``
is chosen in the URL itself: ``...?options=-csearch_path%3Dzwgk``.

On PostgreSQL each process keeps a pool of connections (SQLAlchemy's `QueuePool`): the portal's
requests, a crawl's writer and its lock's heartbeat, an evaluation's reads each take one and give
it back. ``[store] pool_size`` / ``max_overflow`` (``ZWGK_DB_POOL_SIZE`` /
``ZWGK_DB_MAX_OVERFLOW``) size it; a connection that lay idle is tested before use (a server
restart costs one reconnect, not an error) and replaced after ``POOL_RECYCLE_S``.

The test is SQLAlchemy's own ping (`pool_pre_ping`'s), but only for a connection given back more
than `PING_AFTER_IDLE_S` ago (`ping_when_idle`): a busy portal takes a connection three times a
request, and a ping each time was a round trip of its own — three more statements a request for
the server. A connection used a moment ago is as alive as a ping would find it; if the server
went away in that moment, the statement fails as one already sent would have, and SQLAlchemy,
seeing the disconnect, replaces every connection of the pool.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, QueuePool, create_engine, event, exc, make_url

from common.config_file import KEY_BY_NAME, configured_value

ENV_VAR = KEY_BY_NAME["store.url"].env  # ZWGK_DATABASE_URL
DEFAULT_DIR = ".zwgk"
DEFAULT_FILE = "zwgk.sqlite"
# Long enough to ride out another process's batch commit; short enough to report a real deadlock.
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 64 * 1024
SQLITE_WAL_CHECKPOINT_PAGES = 10_000
# PostgreSQL's pool: enough for the portal's worker threads and a crawl's writer plus heartbeat;
# a process then stays far below the server's default max_connections (100) with several
# processes (portal, crawl, patrol, evaluation) on one store.
POOL_SIZE = 5
POOL_MAX_OVERFLOW = 10
POOL_TIMEOUT_S = 30  # waiting for a free connection longer than this is an error, not a hang
POOL_RECYCLE_S = 1800  # under firewalls and poolers that drop connections idle for an hour
PING_AFTER_IDLE_S = 1.0  # a pooled connection idle longer than this is tested before use


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``$ZWGK_DATABASE_URL``, else zwgk.toml's
    ``[store] url``, else the default SQLite file (`default_url`). A configuration file that
    cannot be read is a `common.config_file.ConfigError`."""
    if url:
        return url
    return configured_value("store.url") or default_url()


def default_url() -> str:
    """The store when nothing names one: ``.zwgk/zwgk.sqlite`` in the working directory."""
    return f"sqlite:///{Path.cwd() / DEFAULT_DIR / DEFAULT_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, cache_kib: int = SQLITE_CACHE_KIB) -> None:
    cur = dbapi_connection.cursor()
    try:
        # WAL lets the scorer read while a crawl writes; NORMAL sync is crash-safe under WAL
        # (a power cut may lose the last commit, never corrupt the file).
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # The default 2 MiB page cache thrashes on the url indexes of a large store.
        cur.execute(f"PRAGMA cache_size=-{cache_kib}")
        # Checkpoint every ~40 MiB of WAL instead of 4 MiB: index pages touched by several
        # batches are then written back once, which more than doubles bulk-write throughput.
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_PAGES}")
    finally:
        cur.close()


class NoStore(FileNotFoundError):
    """A SQLite store that does not exist, opened by something that must not create it."""


def sqlite_path(url: str | None = None) -> Path | None:
    """The file of a SQLite store URL (None: not SQLite, or in memory)."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() != "sqlite":
        return None
    path = resolved.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


def make_engine(
    url: str | None = None,
    *,
    create: bool = True,
    sqlite_cache_kib: int = SQLITE_CACHE_KIB,
    **engine_kwargs: Any,
) -> Engine:
    """Build an engine for ``url`` (see `database_url`).

    ``create``: a SQLite file (and its folder) may come into being; without it a missing file
    raises `NoStore` and nothing is made (SQLite creates a file on first connect).
    ``sqlite_cache_kib``: each SQLite connection's page cache (a reader that scans rather than
    looks up — a city's evaluation job — does as well with less, and its memory is counted).
    """
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif path is not None and not path.is_file():
            raise NoStore(f"no such file {path}")
        connect_args = dict(engine_kwargs.pop("connect_args", {}) or {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(resolved, connect_args=connect_args, **engine_kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, cache_kib=sqlite_cache_kib))
        return engine
    if engine_kwargs.get("poolclass") is None:
        engine_kwargs = {**pool_settings(), **engine_kwargs}
    engine = create_engine(resolved, **engine_kwargs)
    if not engine_kwargs.get("pool_pre_ping"):  # else SQLAlchemy's ping on every use, as asked
        event.listen(engine.pool, "checkin", _checked_in)
        event.listen(engine.pool, "checkout", partial(ping_when_idle, engine.dialect))
    return engine


def pool_settings() -> dict[str, Any]:
    """The keyword arguments of a PostgreSQL engine's `QueuePool` (see the module's docstring)."""
    return {
        "poolclass": QueuePool,
        "pool_size": configured_value("store.pool_size", POOL_SIZE),
        "max_overflow": configured_value("store.max_overflow", POOL_MAX_OVERFLOW),
        "pool_timeout": POOL_TIMEOUT_S,
        "pool_recycle": POOL_RECYCLE_S,
    }


_IDLE_SINCE = "zwgk_idle_since"  # in a pooled connection's `info`: when it was given back


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:  # None: a connection detached from the pool
        record.info[_IDLE_SINCE] = time.monotonic()


def ping_when_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A pool checkout: test a connection that lay idle over `PING_AFTER_IDLE_S` with the
    dialect's ping. A dead one means the server went away: as after `pool_pre_ping`'s failed
    ping, every connection of the pool is replaced (`InvalidatePoolError`) and this checkout
    connects afresh. A new connection (no idle time yet) was tested by connecting."""
    since = record.info.get(_IDLE_SINCE)
    if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:  # noqa: BLE001 — whatever the ping met, the connection is not used
        raise exc.InvalidatePoolError(f"a pooled connection failed its ping: {error}") from error
