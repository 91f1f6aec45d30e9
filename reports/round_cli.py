"""`zwgk report round --round R --out DIR`: the round report (测评情况报告), XLSX + HTML, with a
progress bar over units. `reports.round_report` does the work; this module only prints."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scoring.cli import DB_OPTION
from store.text import shown


def round_command(
    round_id: str = typer.Option(..., "--round", help="Round id, e.g. 2025Q2."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="Folder to write the files into."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Write the round report for evaluators: XLSX workbook (排名, 问题按指标, 问题按单位,
    与上轮对比) and a self-contained HTML page with charts and the summary paragraph."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from reports import fonts
    from reports.round_report import write_round_report
    from store import open_store
    from store.rounds import RoundNotFound

    console = Console()
    fonts.cjk_family()  # its one warning (no CJK font) before the progress bar, not inside it
    store = open_store(database_url)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"round {round_id}", total=None)

            def progress(done: int, total: int, what: str) -> None:
                bar.update(task, completed=done, total=total, description=f"{round_id} {what}")

            paths = write_round_report(store, round_id, out, progress=progress)
    except RoundNotFound as exc:
        Console(stderr=True, soft_wrap=True).print(shown(exc, style="red"))
        raise typer.Exit(2) from None
    finally:
        store.close()
    for path in paths:
        console.print(shown(path), soft_wrap=True)
