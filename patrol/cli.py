"""`zwgk patrol` — the night's patrol after the crawl: judge, warn, store, say what changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from patrol.forecast import DEFAULT_WITHIN
from patrol.run import PatrolResult
from scoring.cli import DB_OPTION, _date, _errors, _fail, _open_store, _row, _say
from store.text import console as output_console

SHOWN_UNITS = 20  # units listed, those with the most new problems and warnings first


def patrol_command(
    as_of: str | None = typer.Option(
        None, "--as-of", help="Day judged, YYYY-MM-DD (default: the China day the crawl ended)."
    ),
    indicators: str | None = typer.Option(
        None, "--indicators", help="Indicator set YAML or shipped id (default: the newest set)."
    ),
    within: str | None = typer.Option(
        None,
        "--within",
        help="How far ahead to warn: working days (5 workdays) or calendar days (7 days); "
        f"default: the set's warn_within, else {DEFAULT_WITHIN}.",
    ),
    run: int | None = typer.Option(
        None, "--run", help="Crawl run id (default: the latest run fit to judge, `zwgk runs`)."
    ),
    calendar: Path | None = typer.Option(
        None, "--calendar", help="Working-day overrides YAML (workdays:/holidays:)."
    ),
    registry: Path | None = typer.Option(
        None,
        "--registry",
        "-r",
        help="Unit registry whose contacts: get the e-mail (default: zwgk.toml [crawl] registry).",
    ),
    dispatch: bool = typer.Option(
        True,
        "--dispatch/--no-dispatch",
        help="Send each unit's digest as zwgk.toml [patrol] says (e-mail, webhook).",
    ),
    again: bool = typer.Option(
        False,
        "--again",
        help="Patrol nothing: dispatch the latest patrol's digests again (what failed; what was "
        "sent is never sent twice).",
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Patrol (日巡查) the latest crawl: judge every unit as of the day against the indicator set
    without making a round, warn what would become a problem within --within if nothing is done
    (预警), store the patrol and print what changed since the previous one — problems new today,
    gone (fixed), still open, and warnings with the day each falls due."""
    from crawler.registry import RegistryError
    from patrol.dispatch import Channels, DispatchError
    from patrol.run import AlreadyPatrolled, load_result, run_patrol
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.workdays import WorkCalendar

    day = _date(as_of, "--as-of")
    store = _open_store(database_url)
    console = output_console()
    try:
        channels = Channels.configured() if dispatch else Channels()
        cal = WorkCalendar.from_yaml(calendar) if calendar else None
        indicator_set = load_indicator_set(indicators or newest_set())
        if again:
            result = load_result(store)
        else:
            try:
                result = run_patrol(
                    store, indicator_set, as_of=day, within=within, run_id=run, calendar=cal
                )
            except AlreadyPatrolled as done:  # a timer firing after a night without a crawl
                _say(console, str(done))
                return
        units = store.units_frame()
        names = dict(zip(units["id"], units["name"], strict=True))
        print_patrol(result, names, console)
        console.print(fix_table(store, units))
        if channels.any:
            dispatch_digests(store, result, names, indicator_set, channels, registry, console)
    except OSError as exc:  # --calendar unreadable, or the disk under the store
        raise _fail(f"{exc.filename or 'the store'}: {exc.strerror or exc}") from None
    except (*_errors(), RegistryError, DispatchError) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()


def dispatch_digests(
    store: Any,
    result: PatrolResult,
    names: dict[str, str],
    indicator_set: Any,
    channels: Any,
    registry: Path | None,
    console: Console,
) -> Any:
    """Each unit's digest sent as ``channels`` say (zwgk.toml [patrol]); e-mail to the contacts
    of ``registry`` (default: [crawl] registry). Says and returns what went (`Dispatched`)."""
    from common.config_file import configured_value
    from crawler.registry import load_registry
    from patrol.digest import digests
    from patrol.dispatch import DispatchError, dispatch

    contacts: dict[str, list[str]] = {}
    if channels.smtp_host:
        path = registry or configured_value("crawl.registry")
        if path is None:
            raise DispatchError(
                "e-mail is configured ([patrol] smtp_host) but no unit registry holds the "
                "contacts: pass --registry units.yaml or set [crawl] registry"
            )
        contacts = {u.id: list(u.contacts) for u in load_registry(path).units}
    indicator_names = {i.id: i.name for i in indicator_set.indicators}
    made = digests(result, names, indicator_names)
    done = dispatch(store, made, contacts, channels)
    _say(console, done.summary())
    return done


def print_patrol(result: PatrolResult, names: dict[str, str], console: Console) -> None:
    """The patrol's line, the counts of each change, and the units with something new."""
    p, count = result.patrol, result.count
    since = f"patrol {result.previous.id} of {result.previous.as_of}" if result.previous else None
    _say(
        console,
        f"patrol {p.id} as of {p.as_of}: crawl run {p.crawl_run}, indicators "
        f"{p.indicator_set_id} {p.indicator_set_version}, warning within {p.within}"
        + (f"; compared with {since}" if since else "; the first patrol"),
    )
    _say(
        console,
        f"problems {count('new', 'open')}: new {count('new')} ({result.warned_before()} warned "
        f"before), still open {count('open')}, gone {count('gone')}"
        + (f", not compared (unit not read) {count('unread')}" if count("unread") else "")
        + f"; warnings {count('warning', 'still_warned')}: new {count('warning')}",
    )
    table = _units_table(result.changes, names)
    if table.row_count:
        console.print(table)


def _units_table(changes: pd.DataFrame, names: dict[str, str]) -> Table:
    table = Table("unit", "new", "gone", "warnings", "first due", title="units with news")
    by_unit = changes.groupby("unit_id")
    rows = []
    for unit_id, part in by_unit:
        new = int((part["change"] == "new").sum())
        gone = int((part["change"] == "gone").sum())
        warnings = part[part["change"].isin(["warning", "still_warned"])]
        if new or gone or len(warnings):
            due = min(warnings["due"]) if len(warnings) else None
            rows.append((new + len(warnings), str(unit_id), new, gone, len(warnings), due))
    rows.sort(key=lambda r: (-r[0], r[1]))
    for _, unit_id, new, gone, warnings, due in rows[:SHOWN_UNITS]:
        name = names.get(unit_id, unit_id)
        _row(table, f"{name} ({unit_id})", new, gone, warnings, due or "")
    return table


def fix_table(store: Any, units: pd.DataFrame) -> Table:
    """Time to fix per level over every stored patrol (patrol/history.py)."""
    from patrol.history import DEFAULT_DEADLINE, fix_times, spans

    table = Table(
        "level", "problems", "fixed", "median days", f"within {DEFAULT_DEADLINE}", "came back",
        "still open", title="time to fix (整改用时), all patrols",
    )  # fmt: skip
    found = spans(store)
    if found.empty:
        return table
    for r in fix_times(found, units).itertuples(index=False):
        share = "" if pd.isna(r.in_time_share) else f"{r.in_time_share:.0%}"
        median = "" if pd.isna(r.median_days) else f"{r.median_days:g}"
        _row(table, r.level, r.problems, r.fixed, median, share, r.came_back, r.still_open)
    return table
