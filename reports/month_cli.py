"""`zwgk report month --month 2025-08 --out DIR`: the monthly monitoring report (月监测报告),
XLSX + HTML. `reports.month_report` does the work; this module only prints."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from patrol.history import DEFAULT_DEADLINE
from scoring.cli import DB_OPTION, _fail, _open_store
from store.text import shown


def month_command(
    month: str = typer.Option(..., "--month", help="Month, YYYY-MM (Beijing time), e.g. 2025-08."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write the files into."),
    deadline: str = typer.Option(
        DEFAULT_DEADLINE, "--deadline", help="整改期限 a fix is counted in time within."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Write the monthly monitoring report (月监测) from the month's patrols: problems found and
    fixed by indicator group and level, time to fix, warnings and what came of them, the units
    with the most open problems, and the summary paragraph. A month without a patrol is an
    error (exit 2): nothing is written."""
    from reports import fonts
    from reports.month_data import MonthError, NoPatrols, parse_month
    from reports.month_report import write_month_report
    from scoring.durations import DurationError, parse_duration

    try:
        chosen = parse_month(month)
        parse_duration(deadline)
    except (MonthError, DurationError) as exc:
        raise _fail(f"{exc}" if isinstance(exc, MonthError) else f"--deadline: {exc}") from None
    fonts.cjk_family()  # its one warning (no CJK font) first
    store = _open_store(database_url)
    try:
        paths = write_month_report(store, chosen, out, deadline)
    except NoPatrols as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    console = Console()
    for path in paths:
        console.print(shown(path), soft_wrap=True)
