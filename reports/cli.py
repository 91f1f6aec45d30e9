"""`zwgk report …` and `zwgk responses …` — documents made from stored rounds, and units'
answers read back from them. Each command lives beside the module that does the work."""

from __future__ import annotations

import typer

from reports.checklist_cli import checklist_command, import_command, list_command
from reports.month_cli import month_command
from reports.round_cli import round_command

report_app = typer.Typer(
    help="整改清单 (per-unit checklists) and round reports from stored rounds; monthly monitoring reports (月监测) from stored patrols.",
    no_args_is_help=True,
)
responses_app = typer.Typer(
    help="Units' answers (整改情况) read back from their filled checklists.",
    no_args_is_help=True,
)

report_app.command("round")(round_command)
report_app.command("checklist")(checklist_command)
report_app.command("month")(month_command)
responses_app.command("import")(import_command)
responses_app.command("list")(list_command)
