"""Crawl runs: the outcome (finished / degraded / failed / interrupted / unknown) and the zwgk
version that crawled; rounds: the zwgk version that evaluated them.

Runs stored before this revision get an outcome from their status: 'failed' and 'interrupted'
stay what they were; a 'finished' run becomes 'unknown', not 'finished' — the store cannot tell
afterwards what an older run observed (columns keep only their latest listing state,
scoring/data.py), and calling it finished would repeat the lie this column ends (a night with
every site down was 'finished'). `zwgk evaluate` still picks such a run when no newer run is fit
(`store.runs.FIT_OUTCOMES`), and a round still refuses a run that observed no unit. A 'running'
row keeps no outcome (the next crawl marks it interrupted). Versions of old rows stay NULL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = "('finished', 'degraded', 'failed', 'interrupted', 'unknown')"


def upgrade() -> None:
    # SQLite cannot add a check constraint to a table: batch mode copies it (rows kept).
    with op.batch_alter_table("crawl_runs", recreate="auto") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("zwgk_version", sa.String(length=64), nullable=True))
        batch.create_check_constraint(op.f("ck_crawl_runs_outcome"), f"outcome IN {OUTCOMES}")
    op.execute(
        "UPDATE crawl_runs SET outcome = CASE status "
        "WHEN 'finished' THEN 'unknown' WHEN 'failed' THEN 'failed' "
        "WHEN 'interrupted' THEN 'interrupted' END"
    )
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("zwgk_version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # The status column still says whether each run finished; what it observed is lost.
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("zwgk_version")
    with op.batch_alter_table("crawl_runs", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_crawl_runs_outcome"), type_="check")
        batch.drop_column("zwgk_version")
        batch.drop_column("outcome")
