"""Indexes for the portal's problem list (portal/problem_sql.py), which filters, counts and
pages a round of up to ~100,000 problems in SQL: a round's problems in list order by unit with
the columns the list filters and sorts on (status, decision, deduction, first seen), so
filtering, counting and paging read the index and not the rows with their evidence; and a
round's problems by deduction.
Mirrors store/models.py.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Indexes only: no row is touched; the CREATE INDEX reads the problems table once.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_problems_round_unit",
        "problems",
        [
            "round",
            "unit_id",
            "indicator_id",
            "fingerprint",
            "status",
            "decision",
            "deduction",
            "first_seen_round",
        ],
        unique=False,
    )
    op.create_index(
        "ix_problems_round_deduction",
        "problems",
        ["round", "deduction", "unit_id", "indicator_id", "fingerprint"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_problems_round_deduction", table_name="problems")
    op.drop_index("ix_problems_round_unit", table_name="problems")
