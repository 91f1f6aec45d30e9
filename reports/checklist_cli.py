"""`zwgk report checklist`, `zwgk responses import`, `zwgk responses list` — checklists out and
units' answers back in. `reports.checklist` and `reports.responses` do the work; this module
prints. Errors exit with status 2 and a message."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from scoring.cli import DB_OPTION
from store.text import shown


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(shown(message, style="red"))
    return typer.Exit(2)


def checklist_command(
    round_id: str = typer.Option(..., "--round", help="Round id, e.g. 2025Q2."),
    unit: list[str] = typer.Option([], "--unit", "-u", help="Only these units (repeatable)."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write the files into."),
    issued: str | None = typer.Option(
        None,
        "--issued",
        help="印发日期 YYYY-MM-DD, the day the checklists are sent (default: today, Beijing time).",
    ),
    deadline: str | None = typer.Option(
        None,
        "--deadline",
        help="整改期限 YYYY-MM-DD (default: the office's deadline_workdays-th working day after "
        "--issued, 20 without an office file).",
    ),
    office_file: Path | None = typer.Option(
        None,
        "--office",
        help="The office's 文号, 落款 and contact (office.yaml; default: zwgk.toml "
        "checklist.office or $ZWGK_OFFICE).",
    ),
    notice_no: str | None = typer.Option(
        None, "--notice-no", help="文号 of this notice (instead of the office file's notice_no)."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Write each unit's 整改清单 with its notice (整改通知): XLSX to fill in and return, CSV
    (UTF-8 with BOM) and a printable HTML page. Answers already imported are filled in."""
    from reports.checklist import ChecklistError, write_checklists
    from reports.checklist.office import OfficeError, configured_office
    from reports.wording import today_in_beijing
    from store import open_store
    from store.rounds import RoundNotFound

    days = {}
    for option, value in (("--issued", issued), ("--deadline", deadline)):
        try:
            days[option] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            raise _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None
    day = days["--issued"] or today_in_beijing()
    if days["--deadline"] is not None and days["--deadline"] <= day:
        raise _fail(f"--deadline {days['--deadline']} is not after the issue date {day}")
    try:
        office, where = configured_office(office_file)
    except OfficeError as exc:
        raise _fail(str(exc)) from None
    if notice_no is not None:
        office = office.model_copy(update={"notice_no": notice_no.strip()})
    store = open_store(database_url)
    try:
        paths = write_checklists(
            store,
            round_id,
            out,
            unit or None,
            issued=day,
            deadline=days["--deadline"],
            office=office,
            progress=True,
        )
    except (RoundNotFound, ChecklistError) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    console = Console()
    for path in paths:
        console.print(shown(path), soft_wrap=True)
    console.print(shown(f"{len(paths) // 3} units, {len(paths)} files in {out}"))
    # Said after the files, so a command refused for its store or round says one sentence.
    if where is None:
        Console(stderr=True, soft_wrap=True).print(
            shown(
                "no office file (--office, zwgk.toml checklist.office): the notices have no "
                "文号, sender or contact — see docs/checklist.md",
                style="yellow",
            )
        )


def import_command(
    files: list[Path] = typer.Argument(..., help="Returned checklists (.xlsx)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Record the answers (整改情况, 整改说明) of returned checklists.

    Each file is checked whole first — right unit and round, rows matched by problem
    fingerprint, locked cells unchanged, valid answers — and recorded in one transaction, or
    refused with every problem named by cell (整改清单!L7). A refused file records nothing;
    answers recorded earlier stay. Exit status 2 when any file was refused."""
    from reports.responses import ResponseError, import_responses
    from store import open_store

    console, errors = Console(), Console(stderr=True, soft_wrap=True)
    refused = 0
    store = open_store(database_url)
    try:
        for path in files:
            try:
                done = import_responses(store, path)
            except ResponseError as exc:
                refused += 1
                errors.print(shown(exc, style="red"))
                continue
            console.print(
                shown(
                    f"{done.source}: {done.round_id} {done.unit_id} — 记录{done.recorded}条，"
                    f"与已记录相同{done.unchanged}条，未填写{done.blank}条"
                )
            )
    finally:
        store.close()
    if refused:
        raise typer.Exit(2)


def list_command(
    round_id: str = typer.Option(..., "--round", help="Round id."),
    unit: list[str] = typer.Option([], "--unit", "-u", help="Only these units (repeatable)."),
    history: bool = typer.Option(False, "--history", help="Every import, not only the latest."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
    database_url: str | None = DB_OPTION,
) -> None:
    """List the answers recorded for a round (the latest per problem unless --history)."""
    from reports.checklist.data import ANSWER_ZH
    from store import open_store
    from store.responses import responses_frame
    from store.rounds import RoundNotFound, get_round

    store = open_store(database_url)
    try:
        get_round(store, round_id)
        frame = responses_frame(store, round_id, unit or None, history=history)
    except RoundNotFound as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    records = [
        {
            "unit_id": r.unit_id,
            "fingerprint": r.fingerprint,
            "status": r.status,
            "note": None if not isinstance(r.note, str) else r.note,
            "source": r.source,
            "imported_at": r.imported_at.isoformat(),
        }
        for r in frame.itertuples(index=False)
    ]
    if as_json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title=shown(f"整改情况 — {round_id} ({len(records)})"), show_lines=True)
    for name in ("单位", "问题编号", "整改情况", "整改说明", "来源文件", "导入时间 (UTC)"):
        table.add_column(name, overflow="fold")
    for r in records:
        table.add_row(
            *map(
                shown,
                (
                    r["unit_id"],
                    r["fingerprint"],
                    ANSWER_ZH[r["status"]],
                    r["note"],
                    r["source"],
                    r["imported_at"][:19],
                ),
            )
        )
    Console().print(table)
