"""Problems: the status `expired` (the indicator no longer judges the subject — a key-area month
out of the window, last year's annual report once the next year is judged).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('new', 'open', 'fixed', 'regressed', 'not_comparable')"
AFTER = "('new', 'open', 'fixed', 'regressed', 'not_comparable', 'expired')"


def _status_check(allowed: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (rows kept).
    with op.batch_alter_table("problems", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_problems_status"), type_="check")
        batch.create_check_constraint(op.f("ck_problems_status"), f"status IN {allowed}")


def upgrade() -> None:
    _status_check(AFTER)


def downgrade() -> None:
    op.execute("UPDATE problems SET status = 'fixed' WHERE status = 'expired'")
    _status_check(BEFORE)
