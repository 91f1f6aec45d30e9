"""`zwgk extract PAGE.html` — run a profile's extraction on one saved page and print JSON.

For trying a profile on a page before a crawl (docs/profiles.md walks through it). Errors (no
such file, unknown or invalid profile) exit with status 2 and a message naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from crawler.extract import extract_article, is_anti_bot, parse_directory, parse_listing
from crawler.profiles import ProfileError, get_profile


class PageKind(StrEnum):
    article = "article"
    listing = "listing"
    directory = "directory"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def extract_command(
    page: Path = typer.Argument(..., help="A saved HTML page (any encoding)."),
    url: str | None = typer.Option(
        None, "--url", help="The page's address, to resolve its links (default: the file's URI)."
    ),
    profile: str = typer.Option(
        "generic", "--profile", "-p", help="Profile name (lonsun, trs, generic, …) or a YAML path."
    ),
    kind: PageKind = typer.Option(
        PageKind.article, "--as", help="Read the page as an article, a column list or a directory."
    ),
) -> None:
    """Extract one saved page with a platform profile and print the result as JSON."""
    if not page.is_file():
        _fail(f"{page}: no such file")
    try:
        body = page.read_bytes()
    except OSError as exc:
        _fail(f"{page}: cannot read ({exc.strerror})")
    try:
        chosen = get_profile(profile)
    except ProfileError as exc:
        _fail(str(exc))
    address = url or page.resolve().as_uri()
    if is_anti_bot(body):
        typer.echo(f"warning: {page} looks like an anti-bot challenge page ($_ts)", err=True)
    if kind is PageKind.article:
        result: Any = extract_article(body, address, chosen).to_dict()
    elif kind is PageKind.listing:
        result = parse_listing(body, address, chosen)
    else:
        result = parse_directory(body, address, chosen)
    typer.echo(json.dumps(_jsonable(result), ensure_ascii=False, indent=2))
