"""The 今日提醒 inbox's read state (patrol_reads): which of a unit's daily digests each portal
account has opened. Mirrors store/patrol_models.py `PatrolRead`.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

A new table only: nothing existing is touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0018"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patrol_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("patrol", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_patrol_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patrol"],
            ["patrols.id"],
            name=op.f("fk_patrol_reads_patrol_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "patrol", "unit_id", name=op.f("pk_patrol_reads")),
    )


def downgrade() -> None:
    op.drop_table("patrol_reads")
