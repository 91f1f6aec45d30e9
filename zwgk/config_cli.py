"""`zwgk config show` — the configuration in effect (docs/config.md): every key's value and
where it came from (a command-line option, an environment variable, zwgk.toml's FILE:LINE, or
zwgk's built-in default), and which configuration file was read.

It lives here, above every folder, because the defaults it shows belong to several of them
(the store's URL, the crawler's politeness, the shipped indicator sets and column map).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from common.config_file import (
    CONFIG_ENV,
    KEYS,
    LOCAL_FILE,
    SYSTEM_FILE,
    Setting,
    config_path,
    configured,
)

app = typer.Typer(
    help="The configuration (zwgk.toml, environment variables): show what is in effect.",
    no_args_is_help=True,
)

DEFAULT = "default"


def _defaults() -> dict[str, Any]:
    """zwgk's built-in value of every key, from the folder that owns it."""
    from crawler.columns import COLUMN_MAP_PATH
    from crawler.politeness_limits import CrawlSettings, configured_layer
    from distributed.config import DEFAULT_BROKER
    from portal.snapshot_render import DEFAULT_CHROMIUM
    from scoring.indicators import SHIPPED_DIR
    from store.config import POOL_MAX_OVERFLOW, POOL_SIZE, default_url

    configured_layer()  # politeness values out of bounds are refused here, with their origin
    built_in = CrawlSettings()
    return {
        "store.url": default_url(),
        "store.pool_size": POOL_SIZE,
        "store.max_overflow": POOL_MAX_OVERFLOW,
        "crawl.registry": Path.cwd() / "units.yaml",
        "crawl.delay": built_in.delay,
        "crawl.concurrency": built_in.concurrency,
        "crawl.timeout": built_in.timeout,
        "crawl.user_agent": built_in.user_agent,
        "indicators.folder": SHIPPED_DIR,
        "indicators.column_map": COLUMN_MAP_PATH,
        "indicators.unit_text": "strict",
        "checklist.office": None,  # no office file: notices without 文号 and contact
        "portal.secret_key": None,  # generated once and kept beside the store (portal.sessions)
        "portal.public_url": None,  # the HTML checklist links to no picture
        "portal.snapshot_dir": None,  # snapshots/ beside the store (portal.snapshot)
        "portal.chromium": DEFAULT_CHROMIUM,
        # The patrol's digests: e-mail only with an SMTP host, the webhook only with a URL.
        "patrol.smtp_host": None,
        "patrol.smtp_port": 25,
        "patrol.smtp_ssl": False,
        "patrol.smtp_user": None,
        "patrol.smtp_password": None,
        "patrol.mail_from": None,
        "patrol.webhook_url": None,
        "patrol.webhook_secret": None,
        "distributed.broker_url": DEFAULT_BROKER,
    }


def effective(options: dict[str, Any]) -> list[tuple[str, Setting]]:
    """(key, value and origin) for every key: option > environment variable > file > default."""
    defaults = _defaults()
    out = []
    for key in KEYS:
        option = options.get(key.name)
        if option is not None:
            setting = Setting(option[1], f"option {option[0]}")
        else:
            setting = configured(key.name) or Setting(defaults[key.name], DEFAULT)
        out.append((key.name, setting))
    return out


SECRETS = ("portal.secret_key", "patrol.smtp_password", "patrol.webhook_secret")


def _shown_value(name: str, value: Any) -> Any:
    """The value as shown: numbers as they are, paths as text, a URL without its password."""
    if value is None or isinstance(value, int | float):
        return value
    if name in SECRETS:  # a secret is never shown, only whether it is set
        return "***"
    if name == "store.url":  # a password in the URL stays off the screen
        from sqlalchemy.engine import make_url

        try:
            return make_url(str(value)).render_as_string(hide_password=True)
        except Exception:  # not a URL at all: nothing in it to hide
            return str(value)
    return str(value)


def _file_line() -> str:
    path = config_path()
    if path is None:
        return f"configuration file: none (looked for ${CONFIG_ENV}, ./{LOCAL_FILE}, {SYSTEM_FILE})"
    how = f"${CONFIG_ENV}" if os.environ.get(CONFIG_ENV, "").strip() else "found"
    return f"configuration file: {path} ({how})"


@app.command("show")
def show_command(
    database_url: str | None = typer.Option(
        None, "--db", help="Show this store URL as a command given --db would use it."
    ),
    registry: Path | None = typer.Option(
        None, "--registry", "-r", help="Show this registry as `zwgk crawl -r` would use it."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
) -> None:
    """Every configuration key's value in effect and where it came from."""
    from store.text import shown

    options = {}
    if database_url:
        options["store.url"] = ("--db", database_url)
    if registry is not None:
        options["crawl.registry"] = ("--registry", registry.absolute())
    rows = effective(options)
    if as_json:
        path = config_path()
        payload = {
            "file": str(path) if path else None,
            "keys": {
                name: {"value": _shown_value(name, s.value), "from": s.origin} for name, s in rows
            },
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    # Off a terminal (a log, a pipe) nothing is cut to 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 10_000)
    console.print(shown(_file_line()))
    table = Table(show_edge=False)
    for column in ("key", "value", "from", "note"):
        table.add_column(column, overflow="fold")
    is_path = {key.name: key.is_path for key in KEYS}
    for name, setting in rows:
        note = ""
        if is_path[name] and setting.value is not None and not Path(setting.value).exists():
            note = "not found"
        table.add_row(
            shown(name),
            shown(str(_shown_value(name, setting.value))),
            shown(setting.origin),
            shown(note, style="yellow"),
        )
    console.print(table)
