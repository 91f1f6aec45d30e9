"""Why a unit's total changed since the previous round (round_explanations). Mirrors
store/models.py `RoundExplanation`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

A new table only: nothing existing is touched. Rounds stored before have no lines; evaluating
one again (or publishing it) writes them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_explanations",
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("indicator_id", sa.String(length=128), nullable=False),
        sa.Column("change", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round"],
            ["rounds.id"],
            name=op.f("fk_round_explanations_round_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round", "unit_id", "part", "indicator_id", name=op.f("pk_round_explanations")
        ),
    )


def downgrade() -> None:
    op.drop_table("round_explanations")
