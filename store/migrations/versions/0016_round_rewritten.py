"""`rounds.rewritten_at`: when `zwgk recheck` last changed a round's rows in place, so that what
the portal keeps of a round (portal/round_index.py) is read again then, not after a time bound.
Mirrors store/models.py.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

Every stored round starts with NULL (never rewritten: its ``evaluated_at`` says it all).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0016"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy: rounds is the parent of every round's rows, and
    # SQLite would cascade dropping the old table onto them.
    op.add_column("rounds", sa.Column("rewritten_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("rounds", "rewritten_at")  # SQLite ≥ 3.35 drops a column in place
