"""Alembic environment for the zwgk store.

Used both by `store.migrate()` (which hands over an open connection in
``config.attributes["connection"]``) and by the ``alembic`` command line with
``store/migrations/alembic.ini``, where the URL comes from ``-x url=…``, else
``$ZWGK_DATABASE_URL``, else the default SQLite file.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from store.config import database_url, make_engine
from store.models import Base

config = context.config
target_metadata = Base.metadata

# The command line configures logging from alembic.ini; store.migrate() leaves the host
# application's logging alone.
if config.config_file_name and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or database_url(None)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
            conn.commit()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or database_url(None)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
