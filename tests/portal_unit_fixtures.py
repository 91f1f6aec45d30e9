"""The portal's world with round 2025Q2 published, for the unit pages' and the API's tests.

The rounds of tests/portal_fixtures.py are scored from planted findings, so publishing them
through `portal.lifecycle.publish` (which re-scores from the stored crawl) has nothing to read;
`mark_published` writes the publication row as publishing would, which is all the unit pages
and the API look at. `filled_checklist` exports a unit's checklist as the unit downloads it and
fills cells the way a person does in a spreadsheet program (openpyxl).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from portal_fixtures import ROUND, PortalWorld
from sqlalchemy import delete, insert

from portal.viewer import PUBLICATIONS
from reports.checklist import layout
from reports.wording import today_in_beijing
from store import Store
from store.types import utcnow

UNIT_NAMES = {
    "dept1": "江淮市教育局",
    "dept2": "江淮市财政局",
    "c1": "江淮市东城区",
    "t1": "东城区城关镇",
    "c1d": "东城区教育局",
    "c2": "江淮市西城区",
    "t2": "西城区河口镇",
}


def mark_published(
    store: Store,
    round_id: str = ROUND,
    *,
    deadline: dt.date | None = None,
    state: str = "published",
) -> dt.date:
    """Round ``round_id`` published (deadline 30 days from today, Beijing, by default)."""
    deadline = deadline or today_in_beijing() + dt.timedelta(days=30)
    with store.engine.begin() as conn:
        conn.execute(delete(PUBLICATIONS).where(PUBLICATIONS.c.round == round_id))
        conn.execute(
            insert(PUBLICATIONS).values(
                round=round_id,
                state=state,
                deadline=deadline,
                published_at=utcnow() - dt.timedelta(days=1),
                published_by="eval",
            )
        )
    return deadline


@pytest.fixture(name="published")
def published_fixture(portal_store: PortalWorld) -> PortalWorld:
    """The portal's world with 2025Q2 published (2025Q1 stays a draft)."""
    mark_published(portal_store.store)
    return portal_store


def download(client, round_id: str, out: Path, fmt: str = "xlsx", prefix: str = "/my") -> Path:
    """The checklist as the signed-in unit downloads it, saved under ``out``."""
    response = client.get(f"{prefix}/{round_id}/checklist.{fmt}")
    assert response.status_code == 200, response.text
    out.write_bytes(response.content)
    return out


def fill(path: Path, answers: dict[int, tuple[object, object]], to: Path) -> Path:
    """Write 整改情况 / 整改说明 on the sheet's problem rows (0: the first problem row)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.SHEET]
    for offset, (status, note) in answers.items():
        ws.cell(layout.FIRST_ROW + offset, layout.col("answer")).value = status
        ws.cell(layout.FIRST_ROW + offset, layout.col("note")).value = note
    wb.save(to)
    return to


def problem_fingerprints(path: Path) -> list[str]:
    """The hidden 问题编号 of a checklist's rows, in sheet order."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb[layout.SHEET]
    column = layout.col("fingerprint")
    return [
        str(row[column - 1])
        for row in ws.iter_rows(min_row=layout.FIRST_ROW, values_only=True)
        if row[column - 1]
    ]
