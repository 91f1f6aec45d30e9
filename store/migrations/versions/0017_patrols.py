"""The daily patrol's tables (patrols, patrol_findings, patrol_deliveries): each night's problems
and warnings of the latest crawl judged as of the day, without a round, and each unit's digest
of them delivered once to each recipient. Mirrors store/patrol_models.py.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

New tables only: nothing existing is touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import JSONType, UTCDateTime

revision: str = "0017"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patrols",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("crawl_run", sa.Integer(), nullable=False),
        sa.Column("indicator_set_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_set_version", sa.String(length=64), nullable=False),
        sa.Column("indicator_set_sha256", sa.String(length=64), nullable=False),
        sa.Column("within", sa.String(length=32), nullable=False),
        sa.Column("stats", JSONType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("zwgk_version", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index(op.f("ix_patrols_as_of"), "patrols", ["as_of"], unique=False)
    op.create_table(
        "patrol_findings",
        sa.Column("patrol", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("indicator_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=True),
        sa.Column("evidence", JSONType, nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("deduction", sa.Float(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('problem', 'warning')", name=op.f("ck_patrol_findings_kind")
        ),
        sa.ForeignKeyConstraint(
            ["patrol"],
            ["patrols.id"],
            name=op.f("fk_patrol_findings_patrol_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patrol", "fingerprint", name=op.f("pk_patrol_findings")),
    )
    op.create_index(
        "ix_patrol_findings_unit", "patrol_findings", ["patrol", "unit_id"], unique=False
    )
    op.create_table(
        "patrol_deliveries",
        sa.Column("patrol", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("digest_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed')", name=op.f("ck_patrol_deliveries_state")
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'webhook')", name=op.f("ck_patrol_deliveries_channel")
        ),
        sa.ForeignKeyConstraint(
            ["patrol"],
            ["patrols.id"],
            name=op.f("fk_patrol_deliveries_patrol_patrols"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "patrol", "unit_id", "channel", "target", name=op.f("pk_patrol_deliveries")
        ),
    )


def downgrade() -> None:
    op.drop_table("patrol_deliveries")
    op.drop_index("ix_patrol_findings_unit", table_name="patrol_findings")
    op.drop_table("patrol_findings")
    op.drop_index(op.f("ix_patrols_as_of"), table_name="patrols")
    op.drop_table("patrols")
