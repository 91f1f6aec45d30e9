"""Problems: the status `expired` (the indicator no longer judges the subject — a key-area month
out of the window, last year's annual report once the next year is judged).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

from store.migrations.constraints import replace_check

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('new', 'open', 'fixed', 'regressed', 'not_comparable')"
AFTER = "('new', 'open', 'fixed', 'regressed', 'not_comparable', 'expired')"


def upgrade() -> None:
    replace_check("problems", "status", AFTER)


def downgrade() -> None:
    op.execute("UPDATE problems SET status = 'fixed' WHERE status = 'expired'")
    replace_check("problems", "status", BEFORE)
