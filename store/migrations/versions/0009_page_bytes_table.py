"""Page bytes in a table of their own: `article_pages` (article, version run → gzip'd page)
takes `html_gz` out of `articles` and `article_history`, so a scan of the articles (the
scorer reads them all) no longer reads past ~10 KB of page per row.

The current version's page is keyed by `articles.version_run`, a superseded version's by its
`article_history.valid_from_run` (the run that fetched it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Written against plain SQLAlchemy types (not store.types), like 0001. On SQLite the column is
dropped in place (`ALTER TABLE … DROP COLUMN`, SQLite ≥ 3.35): no table copy, so the foreign
keys of a store holding data are not re-checked. `zwgk db vacuum` gives the space back.
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROP_COLUMN_SQLITE = (3, 35, 0)


def _check_sqlite() -> None:
    have = tuple(int(p) for p in sqlite3.sqlite_version.split("."))
    if op.get_bind().dialect.name == "sqlite" and have < DROP_COLUMN_SQLITE:
        raise RuntimeError(
            f"migration 0009 needs SQLite ≥ 3.35 to drop a column in place; this Python has "
            f"SQLite {sqlite3.sqlite_version} (nothing was changed)"
        )


def upgrade() -> None:
    _check_sqlite()
    op.create_table(
        "article_pages",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version_run", sa.Integer(), nullable=False),
        sa.Column("html_gz", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_pages_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["version_run"],
            ["crawl_runs.id"],
            name=op.f("fk_article_pages_version_run_crawl_runs"),
        ),
        sa.PrimaryKeyConstraint("article_id", "version_run", name=op.f("pk_article_pages")),
    )
    # Current versions first: a superseded version has an earlier run than its article's
    # current one, so the two never collide; ON CONFLICT only guards against a store whose
    # history holds one version twice (one of its pages kept). (A WHERE before ON CONFLICT is
    # what SQLite's parser needs to read it.)
    op.execute(
        "INSERT INTO article_pages (article_id, version_run, html_gz) "
        "SELECT id, version_run, html_gz FROM articles WHERE html_gz IS NOT NULL"
    )
    op.execute(
        "INSERT INTO article_pages (article_id, version_run, html_gz) "
        "SELECT article_id, valid_from_run, html_gz FROM article_history "
        "WHERE html_gz IS NOT NULL "
        "ON CONFLICT (article_id, version_run) DO NOTHING"
    )
    op.drop_column("article_history", "html_gz")
    op.drop_column("articles", "html_gz")


def downgrade() -> None:
    # Nullable columns: SQLite adds them in place, no table copy.
    op.add_column("articles", sa.Column("html_gz", sa.LargeBinary(), nullable=True))
    op.add_column("article_history", sa.Column("html_gz", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE articles SET html_gz = (SELECT p.html_gz FROM article_pages p "
        "WHERE p.article_id = articles.id AND p.version_run = articles.version_run)"
    )
    op.execute(
        "UPDATE article_history SET html_gz = (SELECT p.html_gz FROM article_pages p "
        "WHERE p.article_id = article_history.article_id "
        "AND p.version_run = article_history.valid_from_run)"
    )
    op.drop_table("article_pages")
