"""Link checks: the outcome `unchecked` — a link the crawler's address policy refused to request
(a private, loopback, link-local… address that is no registry host's; crawler/netpolicy.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

from store.migrations.constraints import replace_check

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "('ok', 'confirmed_broken', 'suspected')"
AFTER = "('ok', 'confirmed_broken', 'suspected', 'unchecked')"


def upgrade() -> None:
    replace_check("link_checks", "outcome", AFTER)


def downgrade() -> None:
    # The nearest older outcome: not confirmed, never a unit's problem, rechecked later.
    op.execute("UPDATE link_checks SET outcome = 'suspected' WHERE outcome = 'unchecked'")
    replace_check("link_checks", "outcome", BEFORE)
