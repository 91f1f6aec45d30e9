"""A unit's 整改清单 as a download: the same XLSX / CSV / HTML files `zwgk report checklist`
writes (`reports.checklist.write_checklist`), written into a temporary folder and sent back.

The checklist carries the round's publication: issued (印发日期) on the day it was published and
due on its 整改期限; a draft round's checklist (evaluators previewing it) is dated today with
the office's default deadline. The office's 文号, 落款 and contact come from its configured
office file, as on the command line. Whoever calls this has checked the viewer may see the
unit and the round.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import Response

from portal.lifecycle import RoundState
from reports.checklist import FORMATS, load_checklists, write_checklist
from reports.checklist.office import Office, OfficeError, configured_office
from reports.wording import BEIJING
from store import Store

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
FORMAT_ZH = {"xlsx": "Excel表格（可填报后上传）", "csv": "CSV", "html": "网页（可打印）"}


def _office() -> Office:
    try:
        office, _ = configured_office()
    except OfficeError:
        return Office()  # a bad office file is `zwgk report checklist`'s to explain
    return office


def checklist_file(
    store: Store, state: RoundState, unit_id: str, fmt: str
) -> tuple[bytes, str]:
    """The bytes and file name of unit ``unit_id``'s checklist of round ``state.round_id`` in
    format ``fmt`` (xlsx, csv, html)."""
    if fmt not in FORMATS:
        raise HTTPException(404)
    issued = state.published_at.astimezone(BEIJING).date() if state.published_at else None
    checklists = load_checklists(
        store,
        state.round_id,
        [unit_id],
        issued=issued,
        deadline=state.deadline,
        office=_office(),
    )
    with tempfile.TemporaryDirectory(prefix="zwgk-checklist-") as folder:
        (path,) = write_checklist(checklists[0], Path(folder), [fmt])
        return path.read_bytes(), path.name


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    """``content`` as a download named ``filename`` (UTF-8 name per RFC 6266, an ASCII one for
    old browsers)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": disposition}
    )


def checklist_response(store: Store, state: RoundState, unit_id: str, fmt: str) -> Response:
    content, name = checklist_file(store, state, unit_id, fmt)
    return attachment(content, name, MEDIA_TYPES[fmt])
