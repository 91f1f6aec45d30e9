"""Rounds evaluated city by city (scoring/by_city.py): `rounds.complete` (false while a part is
missing: no reader shows the round) and `round_parts`, one row per city's part with its units
and state (pending / stored / failed). Mirrors store/models.py.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

Every stored round is complete (the column's default); the new table starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import JSONType, UTCDateTime

revision: str = "0014"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy: rounds is the parent of every round's rows, and
    # SQLite would cascade dropping the old table onto them.
    op.add_column(
        "rounds", sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "round_parts",
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.Column("part", sa.String(length=128), nullable=False),
        sa.Column("units", JSONType, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stats", JSONType, nullable=True),
        sa.Column("stored_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'stored', 'failed')", name=op.f("ck_round_parts_state")
        ),
        sa.ForeignKeyConstraint(
            ["round"], ["rounds.id"], name=op.f("fk_round_parts_round_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round", "part", name=op.f("pk_round_parts")),
    )


def downgrade() -> None:
    op.drop_table("round_parts")
    op.drop_column("rounds", "complete")  # SQLite ≥ 3.35 drops a column in place
