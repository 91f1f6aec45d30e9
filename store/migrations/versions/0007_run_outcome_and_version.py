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
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: copying crawl_runs (every table refers to it) breaks the foreign
        # keys, which the store switches on. SQLite adds a column with its own named check.
        op.execute(
            "ALTER TABLE crawl_runs ADD COLUMN outcome VARCHAR(16) "
            f"CONSTRAINT ck_crawl_runs_outcome CHECK (outcome IN {OUTCOMES})"
        )
    else:
        op.add_column("crawl_runs", sa.Column("outcome", sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f("ck_crawl_runs_outcome"), "crawl_runs", f"outcome IN {OUTCOMES}")
    op.add_column("crawl_runs", sa.Column("zwgk_version", sa.String(length=64), nullable=True))
    op.add_column("rounds", sa.Column("zwgk_version", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE crawl_runs SET outcome = CASE status "
        "WHEN 'finished' THEN 'unknown' WHEN 'failed' THEN 'failed' "
        "WHEN 'interrupted' THEN 'interrupted' END"
    )


def downgrade() -> None:
    # The status column still says whether each run finished; what it observed is lost.
    # (SQLite ≥ 3.35 drops a column in place; its own check goes with it.)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_crawl_runs_outcome"), "crawl_runs", type_="check")
    for table, column in (("rounds", "zwgk_version"), ("crawl_runs", "zwgk_version"),
                          ("crawl_runs", "outcome")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
