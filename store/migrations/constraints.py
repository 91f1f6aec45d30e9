"""Helpers the migrations share."""

from __future__ import annotations

from alembic import op


def replace_check(table: str, column: str, allowed: str) -> None:
    """Make the check constraint `ck_<table>_<column>` read `<column> IN <allowed>`. SQLite
    cannot alter a constraint: batch mode copies the table (rows kept)."""
    with op.batch_alter_table(table, recreate="auto") as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        batch.create_check_constraint(op.f(f"ck_{table}_{column}"), f"{column} IN {allowed}")
