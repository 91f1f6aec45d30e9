"""Per-unit rectification checklists (整改清单) from a stored round: XLSX, CSV and HTML.

``write_checklists(store, round_id, out_dir)`` writes, for each unit of the round,
``整改清单_<round>_<unit id>_<unit name>.xlsx`` / ``.csv`` / ``.html``. Modules: `data` (what
a checklist says: `rows`, the unit's `result`), `office` (the office's 文号, 落款, contact),
`notice` (the 整改通知 text), `layout` (where it sits on the sheet), `xlsx` (with
`notice_sheet`), `csv_file`, `html_page`; `reports.responses` reads the filled sheets back.
Filling in and returning: docs/checklist.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reports.checklist.csv_file import write_csv
from reports.checklist.data import Checklist, ChecklistError, load_checklists
from reports.checklist.html_page import write_html
from reports.checklist.office import Office
from reports.checklist.xlsx import write_xlsx

if TYPE_CHECKING:
    from store import Store

__all__ = [
    "FORMATS",
    "Checklist",
    "ChecklistError",
    "Office",
    "checklist_stem",
    "load_checklists",
    "write_checklist",
    "write_checklists",
]

log = logging.getLogger(__name__)

FORMATS = {"xlsx": write_xlsx, "csv": write_csv, "html": write_html}
_UNSAFE = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')


def checklist_stem(cl: Checklist) -> str:
    """File name without extension; the unit id keeps it unique (two townships may share a
    name), the name makes it readable."""
    name = _UNSAFE.sub("_", cl.unit_name).strip("._")[:40]
    unit = _UNSAFE.sub("_", cl.unit_id)
    return f"整改清单_{_UNSAFE.sub('_', cl.round_id)}_{unit}" + (f"_{name}" if name else "")


def write_checklist(
    cl: Checklist, out_dir: Path, formats: Sequence[str] = tuple(FORMATS)
) -> list[Path]:
    """Write one unit's checklist in ``formats``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = checklist_stem(cl)
    return [FORMATS[f](cl, out_dir / f"{stem}.{f}") for f in formats]


def write_checklists(
    store: Store,
    round_id: str,
    out_dir: Path | str,
    unit_ids: Sequence[str] | None = None,
    *,
    issued: dt.date | None = None,
    deadline: dt.date | None = None,
    office: Office | None = None,
    formats: Sequence[str] = tuple(FORMATS),
    progress: bool = False,
) -> list[Path]:
    """Write the checklists of round ``round_id`` (every unit, or ``unit_ids``) into
    ``out_dir``, with the answers recorded so far; returns every path written.

    ``issued`` (印发日期) defaults to today in Beijing; ``deadline`` (整改期限) to the office's
    ``deadline_workdays``-th working day after it; ``office`` (文号, 落款, contact) to none.
    ``progress`` shows a rich progress bar over the units on stderr (for the command line)."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown checklist format {bad}: choose from {list(FORMATS)}")
    out = Path(out_dir)
    checklists = load_checklists(
        store, round_id, unit_ids, issued=issued, deadline=deadline, office=office
    )
    paths: list[Path] = []
    if progress:
        from rich.console import Console
        from rich.progress import track

        units = track(
            checklists, description="整改清单", console=Console(stderr=True), transient=True
        )
    else:
        units = checklists
    for cl in units:
        paths += write_checklist(cl, out, formats)
    log.info("round %s: %d checklists written to %s", round_id, len(checklists), out)
    return paths
