"""A unit's checklist (整改清单) as a download: the same files `zwgk report checklist` writes,
kept ready in the store by `portal.checklist_files` (made on the first request of a version,
or for every unit right after publication).

The file name is the command's own (整改清单_2025Q2_dept1_江淮市教育局.xlsx), sent as RFC 5987
``filename*`` with an ASCII fallback for old clients.

Who may download what is the caller's business (`portal.viewer`); this module trusts its
arguments. For a published round the checklist carries the publication's dates: issued
(印发日期) the day it was published, Beijing time, and its 整改期限 — the dates the returned
sheet's ``_meta`` names, so the import rebuilds exactly the checklist the unit filled in.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.responses import Response

from portal.checklist_files import checklist_file
from portal.lifecycle import RoundState
from reports.checklist import FORMATS
from store import Store

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
assert set(MEDIA_TYPES) == set(FORMATS), "a checklist format without its media type"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as RFC 5987 ``filename*`` (UTF-8, percent-encoded) and an
    ASCII ``filename`` fallback (its Chinese dropped) for clients that ignore ``filename*``."""
    stem, dot, ext = filename.rpartition(".")
    fallback = _NOT_TOKEN.sub("_", stem if dot else filename).strip("_") or "download"
    fallback = f"{fallback}.{ext}" if dot else fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def checklist_download(
    store: Store, round_id: str, unit_id: str, fmt: str, state: RoundState
) -> Response:
    """Unit ``unit_id``'s checklist of round ``round_id`` in format ``fmt`` (xlsx/csv/html),
    with the answers recorded so far, as an attachment. `KeyError` for an unknown format;
    `reports.checklist.ChecklistError` when the round has no such unit."""
    made = checklist_file(store, round_id, unit_id, fmt, state)
    return Response(
        made.content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(made.filename)},
    )
