"""The `zwgk` command. Each concern owns its commands; this module only mounts them."""

from __future__ import annotations

import logging
from typing import Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from common.config_file import ConfigError
from crawler.cli import extract_command, units_app
from crawler.run import crawl
from demo.cli import app as demo_app
from reports.cli import report_app, responses_app
from scoring.cli import evaluate_command, problems_app, recheck_command
from scoring.indicator_cli import app as indicators_app
from store import StoreUnavailable
from store.db_cli import app as db_app
from store.text import InertLogRecords, shown
from zwgk.config_cli import app as config_app


class _Commands(TyperGroup):
    """Every command's store opened or refused in one sentence, whichever command opens it;
    a configuration that cannot be used (zwgk.toml, ZWGK_* variables) said with its FILE:LINE."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (StoreUnavailable, ConfigError) as exc:
            Console(stderr=True, soft_wrap=True).print(shown(f"error: {exc}", style="red"))
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_Commands,
    help="zwgk — 政务公开 evaluation: crawl disclosure columns, score units, track 整改.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(demo_app, name="demo")
app.command("extract")(extract_command)
app.command("crawl")(crawl)
app.add_typer(units_app, name="units")
app.add_typer(indicators_app, name="indicators")
app.command("evaluate")(evaluate_command)
app.add_typer(problems_app, name="problems")
app.command("recheck")(recheck_command)
app.add_typer(report_app, name="report")
app.add_typer(responses_app, name="responses")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug output.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # crawled text in a log line: store.text
        if not any(isinstance(f, InertLogRecords) for f in handler.filters):
            handler.addFilter(InertLogRecords())
