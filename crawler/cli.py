"""`zwgk extract PAGE.html` — run a profile's extraction on one saved page and print JSON.

For trying a profile on a page before a crawl (docs/profiles.md walks through it). Errors (no
such file, a directory, an empty or binary file, a page too large or nested too deep to read,
unknown or invalid profile) exit with status 2 and one message naming the file. The JSON is
printed as the store would keep it (`store.text.inert_json`): no control characters reach the
terminal.

`zwgk units discover|check|move|probe` — draft a unit registry from a platform's unit list,
validate one, record that a unit's site moved, probe a portal before onboarding it
(docs/registry.md). Errors exit with status 2, naming the URL or FILE:LINE; a site the probe
cannot read exits with 3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from crawler.extract import (
    MAX_PAGE_BYTES,
    ExtractionError,
    extract_article,
    is_anti_bot,
    parse_directory,
    parse_listing,
    refuse_non_html,
)
from crawler.profile_model import ProfileError, get_profile
from crawler.run import REGISTRY_OPTION, registry_path
from store.text import inert, inert_json

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # a move's day is a China date


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
    typer.echo(f"error: {inert(message)}", err=True)
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
    if page.is_dir():
        _fail(f"{page}: is a directory, not a saved page")
    if not page.is_file():
        _fail(f"{page}: no such file")
    try:
        if page.stat().st_size > MAX_PAGE_BYTES:
            _fail(
                f"{page}: too large to extract ({page.stat().st_size:,} bytes; the cap is "
                f"{MAX_PAGE_BYTES:,})"
            )
        body = page.read_bytes()
    except OSError as exc:
        _fail(f"{page}: cannot read ({exc.strerror})")
    try:
        refuse_non_html(body)
    except ExtractionError as exc:
        _fail(f"{page}: {exc}")
    try:
        chosen = get_profile(profile)
    except ProfileError as exc:
        _fail(str(exc))
    address = url or page.resolve().as_uri()
    if is_anti_bot(body):
        typer.echo(f"warning: {page} looks like an anti-bot challenge page ($_ts)", err=True)
    try:
        if kind is PageKind.article:
            data = extract_article(body, address, chosen)
            result: Any = data.to_dict()
        elif kind is PageKind.listing:
            result = parse_listing(body, address, chosen)
        else:
            result = parse_directory(body, address, chosen)
    except ExtractionError as exc:
        _fail(f"{page}: {exc}")
    if kind is PageKind.article and data.anomaly:
        # What the crawler would record as an extraction_anomaly instead of the article.
        typer.echo(f"warning: {page}: extraction_anomaly: {data.anomaly}", err=True)
    typer.echo(json.dumps(inert_json(_jsonable(result)), ensure_ascii=False, indent=2))


# -- zwgk units ------------------------------------------------------------------------------
units_app = typer.Typer(
    help="The unit registry (单位名录): draft one from a platform's unit list, check one.",
    no_args_is_help=True,
)


@units_app.command("discover")
def units_discover_command(
    url: str = typer.Argument(..., help="The platform's unit list, e.g. …/public/index.html."),
    profile: str = typer.Option(..., "--profile", "-p", help="Platform profile: lonsun, trs, …"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the draft here (default: print it)."
    ),
    prefix: str | None = typer.Option(
        None, "--prefix", help="Put this before every id (e.g. the county's id: jh-c02)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    ignore_robots: bool = typer.Option(
        False, "--ignore-robots", help="Fetch even if robots.txt disallows it."
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        help="Seconds to wait for the server (default: zwgk.toml's crawl.timeout, else 30).",
    ),
) -> None:
    """Fetch a platform's unit list and print a DRAFT registry to review."""
    from crawler.discover import DiscoverError, discover, draft_yaml

    if out is not None and out.exists() and not force:
        _fail(f"{out}: already exists; choose another --out or add --force")
    from crawler.politeness_limits import configured_defaults

    if timeout is None:
        timeout = configured_defaults().timeout
    try:
        units, title = discover(
            url, profile, prefix=prefix, timeout=timeout, obey_robots=not ignore_robots
        )
    except (DiscoverError, ProfileError) as exc:
        _fail(str(exc))
    if not units:
        _fail(f"{url}: no unit links found with the {profile!r} profile's unit-list rule")
    text = draft_yaml(units, url, profile, title)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(
            f"wrote {out}: {len(units)} units (a draft: review levels and parents)", err=True
        )


@units_app.command("check")
def units_check_command(
    registry: Path = typer.Argument(..., help="A registry YAML file (units.yaml)."),
) -> None:
    """Validate a registry; print every problem with FILE:LINE, or a summary."""
    from common.vocabulary import LEVELS
    from crawler.registry import RegistryError, load_registry

    try:
        loaded = load_registry(registry)
    except RegistryError as exc:
        _fail(f"{len(exc.problems)} problem(s):\n{exc}")
    counts = ", ".join(
        f"{level} {n}" for level in LEVELS if (n := sum(u.level == level for u in loaded.units))
    )
    typer.echo(f"{registry}: OK — {len(loaded.units)} units ({counts}); sha256 {loaded.hash[:12]}")


@units_app.command("move")
def units_move_command(
    unit: str = typer.Argument(..., help="The unit's id in the registry."),
    new_entry: str = typer.Argument(..., help="The unit's new entry URL (政务公开入口)."),
    registry: Path | None = REGISTRY_OPTION,
    pattern: list[str] = typer.Option(
        [],
        "--pattern",
        help="OLD=NEW: a regex matched at the start of an old URL and its replacement (\\1, "
        "\\g<name>), tried before the default host/path-prefix rule (repeatable; OLD=>NEW when "
        "the regex holds '=').",
    ),
    on: str | None = typer.Option(
        None, "--on", help="The day the site moved, YYYY-MM-DD (default: today, China time)."
    ),
    after_run: int | None = typer.Option(
        None,
        "--after-run",
        help="The last crawl run that read the old address (default: the latest run).",
    ),
    no_edit: bool = typer.Option(
        False, "--no-edit", help="Do not edit the registry; print the line to change."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing."),
    database_url: str | None = typer.Option(
        None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL."
    ),
) -> None:
    """A unit's site moved: change its registry entry and map its old URLs to new ones, so
    its open problems keep their history (docs/registry.md §7)."""
    from crawler.unitmove import MoveRefused, plan_move, write_registry
    from store import moves as unit_moves
    from store import open_store

    registry = registry_path(registry)
    try:
        moved_on = dt.date.fromisoformat(on) if on else dt.datetime.now(CHINA).date()
    except ValueError:
        _fail(f"--on {on!r} is not a date (YYYY-MM-DD)")

    def stored_entry() -> str | None:  # asked only when the registry names NEW_ENTRY already
        with open_store(database_url) as store:
            return store.units_frame().set_index("id")["entry_url"].get(unit)

    try:
        planned = plan_move(registry, unit, new_entry, pattern, stored_entry)
    except MoveRefused as exc:
        _fail(str(exc))
    old_prefix, new_prefix = planned.prefixes
    typer.echo(inert(f"unit {unit}: {planned.old_entry} → {planned.new_entry}"))
    for old, new in planned.rules:
        typer.echo(inert(f"  rule: {old} → {new}"))
    typer.echo(inert(f"  other URLs: {old_prefix}… → {new_prefix}…"))
    mapped = planned.maps(planned.old_entry)
    if mapped != planned.new_entry:
        message = f"warning: the old entry maps to {mapped}, not to the new one; check --pattern"
        typer.echo(inert(message), err=True)
    if dry_run:
        typer.echo("dry run: nothing recorded, registry unchanged")
        return
    with open_store(database_url) as store:
        try:
            move = unit_moves.record_move(
                store, unit, planned.old_entry, planned.new_entry,
                rules=planned.rules, moved_on=moved_on, after_run=after_run,
            )  # fmt: skip
        except unit_moves.MoveError as exc:
            _fail(str(exc))
    typer.echo(
        f"recorded move {move.id} (moved on {move.moved_on}): crawl runs after run "
        f"{move.after_run} read the new address"
    )
    where = f"{registry}:{planned.line}" if planned.line else str(registry)
    if planned.already:
        typer.echo(inert(f"{where}: the registry names the new entry already"))
    elif planned.text is None or no_edit:
        why = planned.why_not or "--no-edit"
        typer.echo(
            inert(f"{where}: not edited ({why}); set the unit's entry to  entry: {new_entry}")
        )
    else:
        try:
            write_registry(registry, planned.text)
        except (OSError, ValueError) as exc:
            _fail(f"{where}: not edited ({exc}); set the unit's entry to  entry: {new_entry}")
        typer.echo(inert(f"{where}: entry is now {new_entry}"))


PROBE_HELP = """Probe a portal before writing its registry: fetch a unit's 信息公开 entry page and a
handful of its pages politely, detect the platform, and report the columns and their
categories, whether list pagination works, one sample article per category with every field
read and where it came from, and what failed (docs/registry.md, "Probing a real portal first").

\b
Exit status:
  0  the report was made
  2  bad input: not an http(s) URL, an unknown profile, a refused address, --write/--save exists
  3  the site cannot be probed (down, timeout, HTTP error, robots.txt) or answers anti-bot pages
"""


@units_app.command("probe", help=PROBE_HELP)
def units_probe_command(
    url: str = typer.Argument(..., help="A unit's 信息公开 entry page (政务公开入口)."),
    profile: str = typer.Option(
        "auto", "--profile", "-p", help="auto (detect by fingerprints), or a profile name/path."
    ),
    write: Path | None = typer.Option(
        None, "--write", help="Write a DRAFT registry with this unit (units.yaml)."
    ),
    save: Path | None = typer.Option(
        None, "--save", help="Keep every fetched page in this directory, with index.json."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --write / --save's index."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    allow_address: list[str] = typer.Option(
        [],
        "--allow-address",
        help="Allow this exact non-public address (your own or a test "
        "site, e.g. 127.0.0.11); repeatable.",
    ),  # fmt: skip
    max_requests: int = typer.Option(
        20, "--max-requests", min=2, max=100, help="Requests at most, robots.txt included."
    ),
    delay: float | None = typer.Option(
        None,
        "--delay",
        min=0,
        max=600,
        help="Seconds between requests (default: zwgk.toml's crawl.delay, else 1).",
    ),  # fmt: skip
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0.1,
        max=600,
        help="Seconds for each whole answer (default: zwgk.toml's crawl.timeout, else 30).",
    ),  # fmt: skip
) -> None:
    from crawler.politeness_limits import configured_defaults
    from crawler.probe import ProbeInputError, probe
    from crawler.probe_fetch import PoliteFetcher
    from crawler.probe_report import INDEX_FILE, draft_registry, print_report, save_pages, to_json
    from store.text import console

    if write is not None and write.exists() and not force:
        _fail(f"{write}: already exists; choose another --write or add --force")
    if save is not None and (save / INDEX_FILE).exists() and not force:
        _fail(f"{save / INDEX_FILE}: already exists; choose another --save or add --force")
    if save is not None and save.exists() and not save.is_dir():
        _fail(f"{save}: not a directory")
    settings = configured_defaults()
    try:
        fetcher = PoliteFetcher(
            user_agent=settings.user_agent,
            timeout=settings.timeout if timeout is None else timeout,
            delay=settings.delay if delay is None else delay,
            max_requests=max_requests,
            allowed_addresses=tuple(allow_address),
        )
    except ValueError as exc:
        _fail(f"--allow-address: {str(exc).split(': ', 1)[-1]}")
    try:
        result = probe(url, fetcher, profile)
    except (ProbeInputError, ProfileError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2))
    else:
        print_report(result, console())
    if save is not None:
        try:
            index = save_pages(result.fetches, save)
        except OSError as exc:
            _fail(f"{save}: cannot save the pages ({exc.strerror})")
        typer.echo(f"saved {len(result.fetches)} fetches in {save} ({index.name})", err=True)
    if write is not None and result.unreadable is None:
        try:
            write.write_text(draft_registry(result), encoding="utf-8")
        except OSError as exc:
            _fail(f"{write}: cannot write ({exc.strerror})")
        typer.echo(f"wrote {write}: a DRAFT registry entry to review", err=True)
    blocked = result.blocked
    if blocked:
        typer.echo(f"error: {inert(blocked)}", err=True)
        raise typer.Exit(3)
