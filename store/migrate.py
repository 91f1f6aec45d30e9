"""Schema migrations (Alembic), configured in code so they work from an installed package.

From Python: ``store.migrate(url)`` / ``store.downgrade(url, "base")``. From the shell:
``alembic -c store/migrations/alembic.ini upgrade head`` (see that file).
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from store.config import make_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _run(target: str | Engine | None, action: str, revision: str) -> None:
    engine = target if isinstance(target, Engine) else make_engine(target)
    try:
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)
            conn.commit()
    finally:
        if engine is not target:
            engine.dispose()


def migrate(target: str | Engine | None = None, revision: str = "head") -> None:
    """Upgrade the database at ``target`` (URL or engine; None = default URL) to ``revision``."""
    log.debug("migrating store to %s", revision)
    _run(target, "upgrade", revision)


def downgrade(target: str | Engine | None = None, revision: str = "-1") -> None:
    """Downgrade the database at ``target`` to ``revision`` ("base" removes every table)."""
    _run(target, "downgrade", revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: not migrated yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
