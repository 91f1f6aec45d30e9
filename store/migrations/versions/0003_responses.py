"""Responses: units' answers (整改情况) read back from returned checklists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Written against plain SQLAlchemy types (not store.types), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", UTC_TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('rectified', 'in_progress', 'cannot_rectify')",
            name=op.f("ck_responses_status"),
        ),
        sa.ForeignKeyConstraint(
            ["round"], ["rounds.id"], name=op.f("fk_responses_round_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    op.create_index(
        "ix_responses_round_unit", "responses", ["round", "unit_id", "fingerprint"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_responses_round_unit", table_name="responses")
    op.drop_table("responses")
