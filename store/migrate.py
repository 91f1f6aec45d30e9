"""Schema migrations (Alembic), configured in code so they work from an installed package.

From Python: ``store.migrate(url)`` / ``store.downgrade(url, "base")``. From the shell:
``alembic -c store/migrations/alembic.ini upgrade head`` (see that file).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

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


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration: its id and the first line of its docstring (what it does)."""

    id: str
    message: str


def revisions() -> list[Revision]:
    """Every migration of this zwgk, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    out = [Revision(r.revision, _summary(r.doc)) for r in script.walk_revisions("base", "heads")]
    return out[::-1]


def _summary(doc: str | None) -> str:
    """A migration docstring's first paragraph on one line."""
    paragraph = (doc or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def pending(current: str | None) -> list[Revision]:
    """The migrations an upgrade from ``current`` (None: an empty database) applies, in order."""
    ids = [r.id for r in revisions()]
    start = 0 if current is None else ids.index(current) + 1
    return revisions()[start:]


# What a database holds, as `schema_state` sees it.
EMPTY = "empty"  # no zwgk table, no revision: a store can be created here
CURRENT = "current"  # at this zwgk's newest revision
OLD = "old"  # at an earlier revision of this zwgk: `zwgk db upgrade`
NEWER = "newer"  # at a revision this zwgk does not know (a newer zwgk wrote it)
FOREIGN = "foreign"  # zwgk's tables without a revision: not a store zwgk made


@dataclass(frozen=True, slots=True)
class SchemaState:
    kind: str
    current: str | None
    head: str | None


def schema_state(engine: Engine) -> SchemaState:
    """Where the database at ``engine`` stands against this zwgk's migrations (reads only)."""
    from store.models import Base

    head = head_revision()
    current = current_revision(engine)
    if current is None:
        tables = set(inspect(engine).get_table_names())
        kind = FOREIGN if tables & set(Base.metadata.tables) else EMPTY
    elif current == head:
        kind = CURRENT
    elif current in {r.id for r in revisions()}:
        kind = OLD
    else:
        kind = NEWER
    return SchemaState(kind, current, head)
