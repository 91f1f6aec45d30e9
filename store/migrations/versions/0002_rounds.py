"""Rounds: rounds, round_scores, round_totals, problems, decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Written against plain SQLAlchemy types (not store.types), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _round_key(table: str) -> list[sa.Column | sa.ForeignKeyConstraint]:
    return [
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["round"], ["rounds.id"], name=op.f(f"fk_{table}_round_rounds"), ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("crawl_run", sa.Integer(), nullable=False),
        sa.Column("previous_round", sa.String(length=32), nullable=True),
        sa.Column("indicator_set_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_set_version", sa.String(length=64), nullable=False),
        sa.Column("indicator_set_sha256", sa.String(length=64), nullable=False),
        sa.Column("indicator_set_text", sa.Text(), nullable=False),
        sa.Column("pass_line", sa.Float(), nullable=False),
        sa.Column("calendar_estimated_years", JSON_DOC, nullable=True),
        sa.Column("stats", JSON_DOC, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("evaluated_at", UTC_TS, nullable=False),
        sa.CheckConstraint("kind IN ('quarterly', 'special')", name=op.f("ck_rounds_kind")),
        sa.ForeignKeyConstraint(
            ["crawl_run"], ["crawl_runs.id"], name=op.f("fk_rounds_crawl_run_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    op.create_table(
        "round_scores",
        *_round_key("round_scores"),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("indicator_id", sa.String(length=128), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("deduction", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("not_applicable", sa.Boolean(), nullable=False),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.Column("bonus", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "round", "unit_id", "indicator_id", name=op.f("pk_round_scores")
        ),
    )
    op.create_table(
        "round_totals",
        *_round_key("round_totals"),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("parent", sa.String(length=128), nullable=True),
        sa.Column("observed", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rescaled", sa.Float(), nullable=True),
        sa.Column("bonus", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("vetoed", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("rank_in_level", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("round", "unit_id", name=op.f("pk_round_totals")),
    )
    op.create_table(
        "problems",
        *_round_key("problems"),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("indicator_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("nominal", sa.Float(), nullable=False),
        sa.Column("deduction", sa.Float(), nullable=False),
        sa.Column("evidence", JSON_DOC, nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen_round", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("rechecked_at", UTC_TS, nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'open', 'fixed', 'regressed', 'not_comparable')",
            name=op.f("ck_problems_status"),
        ),
        sa.PrimaryKeyConstraint("round", "fingerprint", name=op.f("pk_problems")),
    )
    op.create_index(op.f("ix_problems_fingerprint"), "problems", ["fingerprint"], unique=False)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.CheckConstraint(
            "decision IN ('confirmed', 'dismissed')", name=op.f("ck_decisions_decision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_fingerprint"), "decisions", ["fingerprint"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_decisions_fingerprint"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_problems_fingerprint"), table_name="problems")
    op.drop_table("problems")
    op.drop_table("round_totals")
    op.drop_table("round_scores")
    op.drop_table("rounds")
