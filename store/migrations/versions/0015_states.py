"""What a crawl overwrites in place, kept for reads as of an earlier run (store/states.py):
`article_states` (list date, column, fetch time), `listing_states` (title, list date),
`column_states` (name, category, parent, path, the last listing's counts) and `link_states`
(text, type, on site, removal), each row valid for runs [valid_from_run, valid_to_run).
Mirrors store/models.py.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

Filled as far as the store can tell: each superseded article version (`article_history`) gets
the state of its runs with the fetch time it kept — what a read as of those runs took before
this migration, so a round evaluated again reads what it read then. What earlier crawls
overwrote otherwise is gone; those rows read their current values, as before.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision: str = "0015"
# The revision this one follows: the only line to change when another revision comes before.
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (key column, the table it keys, the kept fields)
STATES: dict[str, tuple[str, str, list[tuple[str, Any, bool]]]] = {
    "article_states": (
        "article_id",
        "articles",
        [
            ("listed_date", sa.Date(), True),
            ("column_id", sa.Integer(), True),
            ("fetched_at", UTCDateTime(), True),
        ],
    ),
    "listing_states": (
        "listing_id",
        "listings",
        [
            ("title", sa.Text(), True),
            ("listed_date", sa.Date(), True),
        ],
    ),
    "column_states": (
        "column_id",
        "columns",
        [
            ("name", sa.Text(), False),
            ("category", sa.String(length=32), True),
            ("parent_id", sa.Integer(), True),
            ("path", sa.Text(), True),
            ("last_row_count", sa.Integer(), True),
            ("last_listed_run", sa.Integer(), True),
            ("last_nonempty_run", sa.Integer(), True),
        ],
    ),
    "link_states": (
        "link_id",
        "links",
        [
            ("text", sa.Text(), True),
            ("type", sa.String(length=32), True),
            ("on_site", sa.Boolean(), False),
            ("removed_run", sa.Integer(), True),
        ],
    ),
}


def upgrade() -> None:
    for name, (key, parent, fields) in STATES.items():
        op.create_table(
            name,
            sa.Column("valid_from_run", sa.Integer(), nullable=False),
            sa.Column("valid_to_run", sa.Integer(), nullable=False),
            sa.Column(key, sa.Integer(), nullable=False),
            *(sa.Column(n, type_, nullable=null) for n, type_, null in fields),
            sa.ForeignKeyConstraint(
                [key], [f"{parent}.id"], name=op.f(f"fk_{name}_{key}_{parent}")
            ),
            sa.ForeignKeyConstraint(
                ["valid_from_run"],
                ["crawl_runs.id"],
                name=op.f(f"fk_{name}_valid_from_run_crawl_runs"),
            ),
            sa.ForeignKeyConstraint(
                ["valid_to_run"], ["crawl_runs.id"], name=op.f(f"fk_{name}_valid_to_run_crawl_runs")
            ),
            sa.PrimaryKeyConstraint(key, "valid_to_run", name=op.f(f"pk_{name}")),
        )
        op.create_index(op.f(f"ix_{name}_valid_to_run"), name, ["valid_to_run"], unique=False)
    op.execute(
        "INSERT INTO article_states (article_id, valid_from_run, valid_to_run, listed_date, "
        "column_id, fetched_at) "
        "SELECT h.article_id, h.valid_from_run, h.valid_to_run, a.listed_date, a.column_id, "
        "h.fetched_at FROM article_history h JOIN articles a ON a.id = h.article_id"
    )


def downgrade() -> None:
    for name in STATES:
        op.drop_index(op.f(f"ix_{name}_valid_to_run"), table_name=name)
        op.drop_table(name)
