"""A unit's checklist (整改清单) as a download: the same files `zwgk report checklist` writes.

`checklist_download` writes the one unit's file with `reports.checklist.write_checklist` into a
temporary folder, opens it, deletes the folder at once and streams the open file — nothing is
left behind even when the browser goes away mid-download, and two people downloading at once
never share a file. The file name is the
command's own (整改清单_2025Q2_dept1_江淮市教育局.xlsx), sent as RFC 5987 ``filename*`` with an
ASCII fallback for old clients.

Who may download what is the caller's business (`portal.viewer`); this module trusts its
arguments. For a published round the checklist carries the publication's dates: issued
(印发日期) the day it was published, Beijing time, and its 整改期限 — the dates the returned
sheet's ``_meta`` names, so the import rebuilds exactly the checklist the unit filled in.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from starlette.responses import StreamingResponse

from portal.lifecycle import RoundState
from reports.checklist import FORMATS, load_checklists, write_checklist
from reports.checklist.office import configured_office
from store import Store
from store.types import BEIJING

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
assert set(MEDIA_TYPES) == set(FORMATS), "a checklist format without its media type"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]+")
CHUNK = 64 * 1024


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as RFC 5987 ``filename*`` (UTF-8, percent-encoded) and an
    ASCII ``filename`` fallback (its Chinese dropped) for clients that ignore ``filename*``."""
    stem, dot, ext = filename.rpartition(".")
    fallback = _NOT_TOKEN.sub("_", stem if dot else filename).strip("_") or "download"
    fallback = f"{fallback}.{ext}" if dot else fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def checklist_dates(state: RoundState) -> tuple[dt.date | None, dt.date | None]:
    """(印发日期, 整改期限) of a round's checklists: the publication's day (Beijing) and its
    deadline; (None, None) for a draft — the checklist's defaults (today, the office's working
    days), as `zwgk report checklist` gives them."""
    at = state.published_at
    if at is None:
        return None, state.deadline
    if at.tzinfo is None:  # a UTC instant read back without its zone
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BEIJING).date(), state.deadline


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def checklist_download(
    store: Store, round_id: str, unit_id: str, fmt: str, state: RoundState
) -> StreamingResponse:
    """Unit ``unit_id``'s checklist of round ``round_id`` in format ``fmt`` (xlsx/csv/html),
    with the answers recorded so far, as a streamed attachment. `KeyError` for an unknown
    format; `reports.checklist.ChecklistError` when the round has no such unit."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    issued, deadline = checklist_dates(state)
    office, _ = configured_office()
    (checklist,) = load_checklists(
        store, round_id, [unit_id], issued=issued, deadline=deadline, office=office
    )
    folder = Path(tempfile.mkdtemp(prefix="zwgk-checklist-"))
    try:
        (path,) = write_checklist(checklist, folder, [fmt])
        handle = path.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open handle still reads the file
    headers = {
        "Content-Disposition": content_disposition(path.name),
        "Content-Length": str(os.fstat(handle.fileno()).st_size),
    }
    return StreamingResponse(_chunks(handle), media_type=MEDIA_TYPES[fmt], headers=headers)
