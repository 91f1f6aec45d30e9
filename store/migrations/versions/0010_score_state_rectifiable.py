"""What each unit × indicator of a round is — `round_scores.state` (scored / not_evaluated /
not_applicable / full_marks, common.vocabulary.SCORE_STATES) and `round_scores.reason` (why, in
Chinese) — and whether a problem can be rectified (`problems.rectifiable`: false for a one-time
event such as a late publication).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Nullable columns only: SQLite adds them in place, no table copy; rounds stored before read as
they always did (state NULL → scored, or not_applicable where that flag is set; rectifiable NULL
→ rectifiable).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("round_scores", sa.Column("state", sa.String(length=16), nullable=True))
    op.add_column("round_scores", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("problems", sa.Column("rectifiable", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("rectifiable")
    with op.batch_alter_table("round_scores") as batch:
        batch.drop_column("reason")
        batch.drop_column("state")
