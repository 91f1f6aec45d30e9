"""Initial schema: runs, units, columns, articles (+ history), listings, links, checks, issues, locks.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written against plain SQLAlchemy types (not store.types) so that this revision keeps meaning
the same thing when the models change later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "crawl_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("acquired_at", UTC_TS, nullable=False),
        sa.Column("heartbeat_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crawl_locks")),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TS, nullable=False),
        sa.Column("finished_at", UTC_TS, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("units", JSON_DOC, nullable=True),
        sa.Column("registry_hash", sa.String(length=128), nullable=True),
        sa.Column("stats", JSON_DOC, nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.CheckConstraint("mode IN ('incremental', 'full')", name=op.f("ck_crawl_runs_mode")),
        sa.CheckConstraint(
            "status IN ('running', 'finished', 'failed', 'interrupted')",
            name=op.f("ck_crawl_runs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("parent", sa.String(length=128), nullable=True),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("entry_url", sa.Text(), nullable=False),
        sa.Column("overrides", JSON_DOC, nullable=True),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    op.create_index(op.f("ix_units_parent"), "units", ["parent"], unique=False)
    op.create_table(
        "columns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("first_seen_run", sa.Integer(), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=False),
        sa.Column("last_row_count", sa.Integer(), nullable=True),
        sa.Column("last_listed_run", sa.Integer(), nullable=True),
        sa.Column("last_nonempty_run", sa.Integer(), nullable=True),
        sa.Column("extra", JSON_DOC, nullable=True),
        sa.ForeignKeyConstraint(
            ["first_seen_run"], ["crawl_runs.id"], name=op.f("fk_columns_first_seen_run_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["last_listed_run"],
            ["crawl_runs.id"],
            name=op.f("fk_columns_last_listed_run_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_nonempty_run"],
            ["crawl_runs.id"],
            name=op.f("fk_columns_last_nonempty_run_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run"], ["crawl_runs.id"], name=op.f("fk_columns_last_seen_run_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["columns.id"], name=op.f("fk_columns_parent_id_columns")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_columns_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_columns")),
        sa.UniqueConstraint("unit_id", "url", name=op.f("uq_columns_unit_id_url")),
    )
    op.create_table(
        "crawl_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("first_at", UTC_TS, nullable=False),
        sa.Column("last_at", UTC_TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_crawl_issues_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_issues")),
        sa.UniqueConstraint(
            "run_id", "kind", "host", "url", name=op.f("uq_crawl_issues_run_id_kind_host_url")
        ),
    )
    op.create_index(op.f("ix_crawl_issues_unit_id"), "crawl_issues", ["unit_id"], unique=False)
    op.create_table(
        "link_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("checked_at", UTC_TS, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('ok', 'confirmed_broken', 'suspected')",
            name=op.f("ck_link_checks_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_link_checks_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_checks")),
        sa.UniqueConstraint("run_id", "url", name=op.f("uq_link_checks_run_id_url")),
    )
    op.create_index("ix_link_checks_url_run", "link_checks", ["url", "run_id"], unique=False)
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("listed_date", sa.Date(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("first_seen_run", sa.Integer(), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=False),
        sa.Column("version_run", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("index_no", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("doc_no", sa.Text(), nullable=True),
        sa.Column("written_date", sa.Date(), nullable=True),
        sa.Column("publish_date", sa.Date(), nullable=True),
        sa.Column("validity", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("date_source", sa.String(length=32), nullable=True),
        sa.Column("repealed", sa.Boolean(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", UTC_TS, nullable=True),
        sa.Column("html_gz", sa.LargeBinary(), nullable=True),
        sa.Column("extra", JSON_DOC, nullable=True),
        sa.ForeignKeyConstraint(
            ["column_id"], ["columns.id"], name=op.f("fk_articles_column_id_columns")
        ),
        sa.ForeignKeyConstraint(
            ["first_seen_run"],
            ["crawl_runs.id"],
            name=op.f("fk_articles_first_seen_run_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run"], ["crawl_runs.id"], name=op.f("fk_articles_last_seen_run_crawl_runs")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_articles_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["version_run"], ["crawl_runs.id"], name=op.f("fk_articles_version_run_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url", name=op.f("uq_articles_url")),
    )
    op.create_index(op.f("ix_articles_unit_id"), "articles", ["unit_id"], unique=False)
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("listed_date", sa.Date(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("first_seen_run", sa.Integer(), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["column_id"], ["columns.id"], name=op.f("fk_listings_column_id_columns")
        ),
        sa.ForeignKeyConstraint(
            ["first_seen_run"],
            ["crawl_runs.id"],
            name=op.f("fk_listings_first_seen_run_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run"], ["crawl_runs.id"], name=op.f("fk_listings_last_seen_run_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("column_id", "url", name=op.f("uq_listings_column_id_url")),
    )
    op.create_table(
        "article_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("valid_from_run", sa.Integer(), nullable=False),
        sa.Column("valid_to_run", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("index_no", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("doc_no", sa.Text(), nullable=True),
        sa.Column("written_date", sa.Date(), nullable=True),
        sa.Column("publish_date", sa.Date(), nullable=True),
        sa.Column("validity", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("date_source", sa.String(length=32), nullable=True),
        sa.Column("repealed", sa.Boolean(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", UTC_TS, nullable=True),
        sa.Column("html_gz", sa.LargeBinary(), nullable=True),
        sa.Column("extra", JSON_DOC, nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_history_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["valid_from_run"],
            ["crawl_runs.id"],
            name=op.f("fk_article_history_valid_from_run_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["valid_to_run"],
            ["crawl_runs.id"],
            name=op.f("fk_article_history_valid_to_run_crawl_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_history")),
    )
    op.create_index(
        op.f("ix_article_history_article_id"), "article_history", ["article_id"], unique=False
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("on_site", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("first_seen_run", sa.Integer(), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=False),
        sa.Column("removed_run", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('attachment', 'body', 'related')", name=op.f("ck_links_kind")),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_links_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["first_seen_run"], ["crawl_runs.id"], name=op.f("fk_links_first_seen_run_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run"], ["crawl_runs.id"], name=op.f("fk_links_last_seen_run_crawl_runs")
        ),
        sa.ForeignKeyConstraint(
            ["removed_run"], ["crawl_runs.id"], name=op.f("fk_links_removed_run_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint("article_id", "url", "kind", name=op.f("uq_links_article_id_url_kind")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("links")
    op.drop_index(op.f("ix_article_history_article_id"), table_name="article_history")
    op.drop_table("article_history")
    op.drop_table("listings")
    op.drop_index(op.f("ix_articles_unit_id"), table_name="articles")
    op.drop_table("articles")
    op.drop_index("ix_link_checks_url_run", table_name="link_checks")
    op.drop_table("link_checks")
    op.drop_index(op.f("ix_crawl_issues_unit_id"), table_name="crawl_issues")
    op.drop_table("crawl_issues")
    op.drop_table("columns")
    op.drop_index(op.f("ix_units_parent"), table_name="units")
    op.drop_table("units")
    op.drop_table("crawl_runs")
    op.drop_table("crawl_locks")
