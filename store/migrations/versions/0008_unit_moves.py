"""Units that moved (网站迁移): the table `unit_moves` (`zwgk units move`, store/moves.py) and
`problems.moved_from` (the fingerprint a problem had before its unit's move changed its
subject's address).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

Written against plain SQLAlchemy types (not store.types), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "unit_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("after_run", sa.Integer(), nullable=False),
        sa.Column("old_entry", sa.Text(), nullable=False),
        sa.Column("new_entry", sa.Text(), nullable=False),
        sa.Column("rules", JSON_DOC, nullable=True),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_moves")),
    )
    op.create_index(op.f("ix_unit_moves_unit_id"), "unit_moves", ["unit_id"], unique=False)
    # A nullable column: SQLite adds it in place, no table copy.
    op.add_column("problems", sa.Column("moved_from", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # The link to the old fingerprint goes; the problems themselves stay.
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("moved_from")
    op.drop_index(op.f("ix_unit_moves_unit_id"), table_name="unit_moves")
    op.drop_table("unit_moves")
