"""`zwgk recheck` (回头看): the command; the work is `scoring.recheck`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from common.vocabulary import STATUS_ZH
from scoring.cli import DB_OPTION, _date, _errors, _fail, _open_store, _row, _say
from store.text import console as output_console
from store.text import shown


def recheck_command(
    round_id: str = typer.Option(..., "--round", help="The round whose open problems to recheck."),
    unit: list[str] = typer.Option([], "--unit", "-u", help="Only these units (repeatable)."),
    registry: Path | None = typer.Option(
        None,
        "--registry",
        "-r",
        help="Unit registry (YAML) for the crawl (default: as `zwgk crawl`'s: zwgk.toml's "
        "crawl.registry, else ./units.yaml).",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the recheck judges at (default: today)."
    ),
    setting: list[str] = typer.Option(
        [], "--set", "-s", help="Scrapy setting NAME=VALUE for the crawl (repeatable)."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """回头看: re-crawl only the units with open problems (re-fetching the pages the problems
    point at), re-evaluate those problems and update their status in the round."""
    from scoring.recheck import RecheckError, recheck
    from scoring.round import AS_OF_FLOOR

    day = _date(as_of, "--as-of") or dt.date.today()
    if day < AS_OF_FLOOR:
        raise _fail(f"--as-of {day} is before {AS_OF_FLOOR}, when the 政府信息公开条例 took effect")
    store = _open_store(database_url)
    console = output_console()
    try:
        outcome = recheck(
            store,
            round_id,
            registry=registry,
            unit_ids=unit or None,
            as_of=day,
            settings=setting,
            database_url=database_url,
        )
    except (RecheckError, *_errors()) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    table = Table(title=shown(f"回头看 — {round_id} (crawl run {outcome.run_id}, as of {day})"))
    for name in ("单位", "指标", "之前", "现在", "目标"):
        table.add_column(name, overflow="fold")
    for r in outcome.changes.itertuples():
        _row(
            table,
            r.unit_id,
            r.indicator_id,
            STATUS_ZH.get(r.before, r.before),
            STATUS_ZH.get(r.after, r.after) + ("" if r.rechecked else "（未能复查）"),
            str(r.target_url or r.subject),
        )
    console.print(table)
    _say(console, outcome.summary())
