"""The `zwgk` command. Each concern owns its commands; this module only mounts them."""

from __future__ import annotations

import logging
import time
from typing import Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from common.config_file import ConfigError
from crawler.cli import extract_command, units_app
from crawler.run import CRAWL_HELP
from demo.cli import app as demo_app
from distributed.cli import crawl_command, crawl_part_command, worker_command
from patrol.cli import patrol_command
from portal.cli import portal_command
from portal.users_cli import app as users_app
from reports.cli import report_app, responses_app
from scoring.cli import evaluate_command, problems_app
from scoring.explain_cli import explain_command
from scoring.indicator_cli import app as indicators_app
from scoring.recheck_cli import recheck_command
from store import StoreUnavailable
from store.db_cli import app as db_app
from store.runs_cli import STATUS_HELP, runs_command, status_command
from store.text import InertLogRecords, shown
from store.version import zwgk_version
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
app.command("crawl", help=CRAWL_HELP)(crawl_command)
app.command("worker")(worker_command)
app.command("crawl-part", hidden=True)(crawl_part_command)
app.add_typer(units_app, name="units")
app.add_typer(indicators_app, name="indicators")
app.command("evaluate")(evaluate_command)
app.add_typer(problems_app, name="problems")
app.command("recheck")(recheck_command)
app.command("explain")(explain_command)
app.command("patrol")(patrol_command)
app.add_typer(report_app, name="report")
app.add_typer(responses_app, name="responses")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.command("portal")(portal_command)
app.add_typer(users_app, name="users")
app.command("status", help=STATUS_HELP)(status_command)
app.command("runs")(runs_command)


class BeijingTime(logging.Formatter):
    """Log lines stamped with Beijing time and its offset (2026-12-12T03:00:05+08:00), the
    time the operators and the evaluation work in, whatever the server's zone."""

    converter = staticmethod(lambda seconds: time.gmtime(seconds + 8 * 3600))
    default_time_format = "%Y-%m-%dT%H:%M:%S+08:00"
    default_msec_format = None  # type: ignore[assignment]


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _version(show: bool) -> None:
    if show:
        print(f"zwgk {zwgk_version()}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug output."),
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the installed zwgk's version (recorded with every crawl run and round).",
    ),
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        if handler.formatter is not None and handler.formatter._fmt == LOG_FORMAT:
            handler.setFormatter(BeijingTime(LOG_FORMAT))  # the handler basicConfig made
        # crawled text in a log line: store.text
        if not any(isinstance(f, InertLogRecords) for f in handler.filters):
            handler.addFilter(InertLogRecords())
