"""Units' checklist files made ready for download (checklist_files): a round's file per unit
and format, with the version of the inputs it was made from, so the portal serves a download
as a read instead of writing an XLSX while hundreds of units ask at once after publication.
Mirrors store/portal_models.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

A new table only: nothing existing is touched; files are made again on demand.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0013"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklist_files",
        sa.Column("round", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round"],
            ["rounds.id"],
            name=op.f("fk_checklist_files_round_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round", "unit_id", "format", name=op.f("pk_checklist_files")),
    )


def downgrade() -> None:
    op.drop_table("checklist_files")
