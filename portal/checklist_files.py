"""Units' checklist files (整改清单) made ready for download, so a download is a read.

Writing one unit's XLSX takes 0.1–0.2 s of CPU; after a round is published hundreds of units
download at once, and twenty of them at a time kept two cores busy for seconds. So each file is
kept in the store (`checklist_files`, shared by every portal process and machine) under a
``version``: the sha256 of everything the file is made from —

- the round as evaluated (``evaluated_at``; a round evaluated again, published — which
  re-scores it — or rechecked in place drops its files in the same transaction, `store.rounds`),
  and the previous round's (the 得分变化说明 prints its total), the portal's address (the HTML
  links to the problems' snapshots),
- its publication (state, 印发日期, 整改期限, closing),
- the unit's answers (the newest recorded answer's id: answers are only ever added),
- the office's notice (office.yaml as loaded), the 印发日期 the file prints (the publication's
  day; a draft's is today in Beijing, so a draft's file is made again each day — a published
  one stays current across days), and the zwgk version that writes the file.

A row of another version is made again and replaced, never served. `prepare_round` makes every
unit's XLSX of a round right after it is published (the portal runs it in the background), so
the rush of downloads that follows reads files; any other request makes its file on demand.

The file is `zwgk report checklist`'s own (`reports.checklist.write_checklist`), written into a
temporary folder that is removed at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from common.config_file import configured_value
from portal.lifecycle import RoundState
from reports.checklist import FORMATS, Checklist, load_checklists, write_checklist
from reports.checklist.office import Office, configured_office
from reports.wording import today_in_beijing
from store import Store
from store.responses import RESPONSES
from store.rounds import CHECKLIST_FILES, ROUNDS, TOTALS
from store.types import BEIJING, utcnow
from store.version import zwgk_version

log = logging.getLogger(__name__)

PREPARE_BATCH = 50  # units read together when a round's files are made (one set of frames)


@dataclass(frozen=True)
class ChecklistFile:
    filename: str
    content: bytes


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


def file_version(
    store: Store, round_id: str, unit_id: str, fmt: str, state: RoundState, office: Office
) -> str:
    """The sha256 naming everything unit ``unit_id``'s ``fmt`` file of the round is made from."""
    r = RESPONSES.c
    answers = (
        select(func.max(r.id)).where(r.round == round_id, r.unit_id == unit_id).scalar_subquery()
    )
    before = ROUNDS.alias("before")
    previous = (
        select(before.c.evaluated_at)
        .where(before.c.id == ROUNDS.c.previous_round)
        .scalar_subquery()
    )
    with store.reader.connect() as conn:
        row = conn.execute(
            select(ROUNDS.c.evaluated_at, answers, previous).where(ROUNDS.c.id == round_id)
        ).first()
    evaluated_at, newest_answer, previous_at = row if row is not None else (None, None, None)
    parts = (
        round_id,
        unit_id,
        fmt,
        str(evaluated_at),
        str(previous_at),  # its 得分变化说明 prints the previous round's total
        str(configured_value("portal.public_url") or ""),  # the HTML's links to snapshots
        repr(state),
        str(newest_answer),
        office.model_dump_json(),
        str(checklist_dates(state)[0] or today_in_beijing()),  # the 印发日期 the file prints
        zwgk_version(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def checklist_file(
    store: Store, round_id: str, unit_id: str, fmt: str, state: RoundState
) -> ChecklistFile:
    """Unit ``unit_id``'s checklist of the round in ``fmt`` with the answers recorded so far:
    the kept file when its version is current, else made now and kept. `KeyError` for an
    unknown format; `reports.checklist.ChecklistError` when the round has no such unit."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    office, _ = configured_office()
    version = file_version(store, round_id, unit_id, fmt, state, office)
    c = CHECKLIST_FILES.c
    with store.reader.connect() as conn:
        kept = conn.execute(
            select(c.filename, c.content).where(
                c.round == round_id, c.unit_id == unit_id, c.format == fmt, c.version == version
            )
        ).first()
    if kept is not None:
        return ChecklistFile(kept.filename, bytes(kept.content))
    issued, deadline = checklist_dates(state)
    (checklist,) = load_checklists(
        store, round_id, [unit_id], issued=issued, deadline=deadline, office=office
    )
    made = _write(checklist, fmt)
    _keep(store, round_id, unit_id, fmt, version, made)
    return made


def prepare_round(
    store: Store, round_id: str, state: RoundState, formats: Sequence[str] = ("xlsx",)
) -> int:
    """Make and keep every unit's checklist of the round in ``formats`` whose kept file is not
    current; returns how many files were made. Run after publishing, in the background."""
    office, _ = configured_office()
    issued, deadline = checklist_dates(state)
    with store.reader.connect() as conn:
        units = list(
            conn.scalars(
                select(TOTALS.c.unit_id)
                .where(TOTALS.c.round == round_id)
                .order_by(TOTALS.c.unit_id)
            )
        )
    c = CHECKLIST_FILES.c
    made = 0
    for start in range(0, len(units), PREPARE_BATCH):
        batch = units[start : start + PREPARE_BATCH]
        wanted = {
            (u, f): file_version(store, round_id, u, f, state, office)
            for u in batch
            for f in formats
        }
        with store.reader.connect() as conn:
            current = {
                (u, f)
                for u, f, v in conn.execute(
                    select(c.unit_id, c.format, c.version).where(
                        c.round == round_id, c.unit_id.in_(batch)
                    )
                )
                if wanted.get((u, f)) == v
            }
        todo = [u for u in batch if any((u, f) not in current for f in formats)]
        if not todo:
            continue
        checklists = load_checklists(
            store, round_id, todo, issued=issued, deadline=deadline, office=office
        )
        for checklist in checklists:
            for fmt in formats:
                if (checklist.unit_id, fmt) in current:
                    continue
                version = wanted[(checklist.unit_id, fmt)]
                _keep(store, round_id, checklist.unit_id, fmt, version, _write(checklist, fmt))
                made += 1
    log.info("round %s: %d checklist files made ready for download", round_id, made)
    return made


def prepare_published(store: Store, round_id: str) -> None:
    """`prepare_round` for a round just published, as a background task: a failure is logged
    (each download then makes its own file), never raised into the server."""
    from portal.lifecycle import state

    try:
        prepare_round(store, round_id, state(store, round_id))
    except Exception:  # noqa: BLE001 — a background task has no one to raise to
        log.exception("round %s: checklist files could not be made ready", round_id)


def _write(checklist: Checklist, fmt: str) -> ChecklistFile:
    folder = Path(tempfile.mkdtemp(prefix="zwgk-checklist-"))
    try:
        (path,) = write_checklist(checklist, folder, [fmt])
        return ChecklistFile(path.name, path.read_bytes())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _keep(
    store: Store, round_id: str, unit_id: str, fmt: str, version: str, made: ChecklistFile
) -> None:
    """Replace the unit's kept ``fmt`` file with ``made``; a process that kept one at the same
    moment wins (the file is the same but for its creation time)."""
    c = CHECKLIST_FILES.c
    try:
        with store.engine.begin() as conn:
            conn.execute(
                delete(CHECKLIST_FILES).where(
                    c.round == round_id, c.unit_id == unit_id, c.format == fmt
                )
            )
            conn.execute(
                CHECKLIST_FILES.insert().values(
                    round=round_id,
                    unit_id=unit_id,
                    format=fmt,
                    version=version,
                    filename=made.filename,
                    content=made.content,
                    made_at=utcnow(),
                )
            )
    except IntegrityError:
        log.debug("round %s unit %s: %s file kept by another process first", round_id, unit_id, fmt)
