"""`zwgk evaluate`, `zwgk problems [decide]`, `zwgk recheck` — rounds from the command line.

Errors (unknown round, bad indicator set, no crawl, conflicting re-evaluation) exit with status
2 and a message; the library modules log, this module prints.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from common.vocabulary import STATUS_ZH
from scoring.summary import verdict
from store.text import console as output_console
from store.text import shown

if TYPE_CHECKING:
    from scoring.indicator_model import IndicatorSet
    from scoring.round import RoundResult

DB_OPTION = typer.Option(None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL.")


class Kind(StrEnum):
    quarterly = "quarterly"
    special = "special"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(shown(message, style="red"))
    return typer.Exit(code)


def _row(table: Table, *cells: Any) -> None:
    """A table row of plain text: crawled titles, unit names and URLs are never read as rich
    markup ("标题[/red]" would stop the command with a MarkupError)."""
    table.add_row(*(shown(c) for c in cells))


def _say(console: Console, text: Any) -> None:
    console.print(shown(text), highlight=False)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _open_store(database_url: str | None) -> Any:
    """The existing store at the newest schema (never created or migrated here) — or one
    sentence saying why it cannot be opened (`store.StoreUnavailable`), not a traceback."""
    from store import StoreUnavailable, open_store

    try:
        return open_store(database_url)
    except StoreUnavailable as exc:
        raise _fail(str(exc)) from None


def _errors() -> tuple[type[Exception], ...]:
    from scoring.data import CrawlDataError
    from scoring.durations import DurationError
    from scoring.indicators import IndicatorError
    from scoring.round import RoundError
    from scoring.workdays import CalendarError
    from store.rounds import RoundIdError, RoundNotFound

    return (
        RoundError,
        RoundIdError,
        RoundNotFound,
        IndicatorError,
        CrawlDataError,
        CalendarError,
        DurationError,
        LookupError,
    )


# -- evaluate ---------------------------------------------------------------------------------
def evaluate_command(
    round_id: str = typer.Option(..., "--round", help="Round id, e.g. 2021Q2."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Evaluation date YYYY-MM-DD (default: the stored round's)."
    ),
    indicators: str | None = typer.Option(
        None, "--indicators", help="Indicator set YAML or shipped id (default: the newest set)."
    ),
    kind: Kind | None = typer.Option(None, "--kind", help="quarterly (default) or special."),
    run: int | None = typer.Option(
        None,
        "--run",
        help="Crawl run id (default: the latest run fit to judge — finished or degraded, "
        "`zwgk runs`; a failed run is refused).",
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Overwrite a stored round evaluated with another set/run/date."
    ),
    calendar: Path | None = typer.Option(
        None, "--calendar", help="Working-day overrides YAML (workdays:/holidays:)."
    ),
    allow_future: bool = typer.Option(
        False, "--allow-future", help="Allow an --as-of after the day the crawl run ended."
    ),
    by_city: bool | None = typer.Option(
        None,
        "--by-city/--whole",
        help="Evaluate each city (a 市政府 and the units under it) as a job of its own, or all "
        "units in this process (default: by city when the store holds more than one city). "
        "The round is the same; a job's memory is its city's (≈ 0.6 GiB per million articles).",
    ),
    jobs: int = typer.Option(
        1,
        "--jobs",
        "-j",
        min=1,
        help="By city: how many cities are evaluated at once, each in a process of its own.",
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Score every unit of a crawl against an indicator set; store the round; print the ranking.

    Run again on a stored round (without --indicators/--run) it re-evaluates with the round's
    frozen indicator set and crawl run, and gives the same numbers. A new round's id is letters,
    digits, '-', '_', '.' (e.g. 2025Q2, at most 32); --as-of lies between 2008-05-01 (the
    条例 in force) and the day the crawl run ended. Without --run the latest crawl run fit to
    judge is taken (finished or degraded: units it could not read show as 未评分), and said
    which and why; a failed run, or one that observed no unit, is refused (nothing is stored).

    A province (more than one city in the store) is evaluated by city: a job per city, --jobs
    at a time; ranks are within level and city. The round is shown (portal, reports, the next
    round's tracking) only once every city's part is stored; if a city fails (exit 1) it stays
    incomplete, says which city and why, and the same command completes it."""
    from scoring import by_city_cli
    from scoring.round import plan, run_plan
    from scoring.workdays import WorkCalendar

    day = _date(as_of, "--as-of")
    store = _open_store(database_url)
    console = output_console()
    try:
        cal = WorkCalendar.from_yaml(calendar) if calendar else None
        planned = plan(
            store,
            round_id,
            as_of=day,
            indicator_set=indicators,
            kind=kind.value if kind else None,
            run_id=run,
            replace=replace,
            allow_future=allow_future,
        )
        if planned.again:
            _say(console, f"round {round_id}: evaluated again with its frozen set and crawl run")
        if by_city_cli.wants_cities(store, by_city):
            if not by_city_cli.run(store, planned, jobs, cal, console):
                raise typer.Exit(1)
            if planned.run_reason:
                _say(console, f"round {round_id}: {planned.run_reason}")
            return
        result = run_plan(store, planned, calendar=cal)
        if planned.run_reason:  # said once the round stands: a refusal is one sentence
            _say(console, f"round {round_id}: {planned.run_reason}")
        print_round(result, console, planned.indicator_set)
    except OSError as exc:  # --calendar unreadable, or the disk under the store
        raise _fail(f"{exc.filename or 'the store'}: {exc.strerror or exc}") from None
    except _errors() as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()


def print_round(
    result: RoundResult, console: Console, indicator_set: IndicatorSet | None = None
) -> None:
    """Header, one ranking table per level, counties with their townships, what each unit had
    not scored and why, the summary text."""
    from scoring.round import frozen_set
    from scoring.summary import summarize
    from scoring.unscored import round_lines

    info = result.info
    estimated = info.calendar_estimated_years or []
    header = shown(f"round {info.id}", style="bold")
    header.append_text(
        shown(
            f" ({info.kind}) as of {info.as_of}: crawl run {info.crawl_run}, indicators "
            f"{info.indicator_set_id} {info.indicator_set_version} "
            f"(sha256 {info.indicator_set_sha256[:12]}), pass line {info.pass_line:g}"
            + (f"; working days estimated for {estimated}" if estimated else "")
        )
    )
    console.print(header, highlight=False)
    indicator_set = indicator_set or frozen_set(info)
    summary = summarize(result, indicator_set)
    totals = result.totals
    for level in summary.by_level["level"] if len(summary.by_level) else []:
        part = totals[totals["level"] == level].copy()
        part["_rank"] = part["rank_in_level"].astype("Float64").fillna(1e9)
        table = Table(title=shown(f"{level} — {info.id}"))
        for name in ("排名", "单位", "得分", "问题", "结果"):
            table.add_column(name, justify="left" if name == "单位" else "right")
        for row in part.sort_values(["_rank", "unit_id"]).itertuples():
            _row(
                table,
                "" if pd.isna(row.rank_in_level) else str(row.rank_in_level),
                shown(f"{row.name} ({row.unit_id})"),
                "—" if pd.isna(row.total) else f"{row.total:.2f}",
                str(row.problems),
                verdict(row),
            )
        console.print(table)
    if len(summary.counties):
        table = Table(title="县区（含所辖乡镇街道）")
        for name in (
            "县区",
            "得分",
            "排名",
            "问题",
            "乡镇数",
            "乡镇平均分",
            "乡镇合格",
            "合计问题",
        ):
            table.add_column(name, justify="left" if name == "县区" else "right")
        for c in summary.counties.itertuples():
            _row(
                table,
                c.name,
                "—" if pd.isna(c.total) else f"{c.total:.2f}",
                "" if pd.isna(c.rank_in_level) else str(c.rank_in_level),
                str(c.problems),
                str(c.townships),
                "—" if c.township_average is None else f"{c.township_average:.2f}",
                f"{c.township_passed}/{c.townships}",
                str(c.with_townships_problems),
            )
        console.print(table)
    names = {i.id: i.name for i in indicator_set.indicators}
    for line in round_lines(result.scores, totals, names, info.id):
        _say(console, line)
    _say(console, summary.paragraph)


# -- problems ---------------------------------------------------------------------------------
problems_app = typer.Typer(help="A round's problem list (问题清单); `decide` records decisions.")


@problems_app.callback(invoke_without_command=True)
def problems_command(
    ctx: typer.Context,
    round_id: str | None = typer.Option(None, "--round", help="Round id."),
    unit: list[str] = typer.Option([], "--unit", "-u", help="Only these units (repeatable)."),
    status: list[str] = typer.Option([], "--status", help="Only these statuses (repeatable)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
    database_url: str | None = DB_OPTION,
) -> None:
    """List a round's problems with evidence, suggestion, status and decision."""
    if ctx.invoked_subcommand is not None:
        return
    from store.rounds import get_round, problems_frame, round_scores_frame, round_totals_frame

    if round_id is None:
        raise _fail("--round is required (e.g. zwgk problems --round 2025Q2)")
    bad = sorted(set(status) - set(STATUS_ZH))
    if bad:
        raise _fail(f"--status {bad}: choose from {', '.join(STATUS_ZH)}")
    store = _open_store(database_url)
    try:
        info = get_round(store, round_id)
        frame = problems_frame(store, round_id, unit_ids=unit or None, statuses=status or None)
        scores = round_scores_frame(store, round_id, unit or None)
        totals = round_totals_frame(store, round_id)
    except _errors() as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    records = problem_records(frame, info.id)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    elif fmt is Format.csv:
        flat = pd.DataFrame(records, columns=list(RECORD_KEYS))
        flat["evidence"] = [json.dumps(e, ensure_ascii=False) for e in flat["evidence"]]
        flat.to_csv(sys.stdout, index=False)
    else:
        _problem_table(records, round_id)
        from scoring.unscored import problems_lines

        for line in problems_lines(scores, totals, frozen_names(info), round_id, bool(unit)):
            _say(output_console(), line)


RECORD_KEYS = (
    "round",
    "fingerprint",
    "unit_id",
    "indicator",
    "status",
    "rectifiable",
    "decision",
    "subject",
    "target_url",
    "deduction",
    "nominal",
    "first_seen_round",
    "suggestion",
    "evidence",
)


def problem_records(frame: pd.DataFrame, round_id: str) -> list[dict[str, Any]]:
    """Problems as plain dicts (the JSON/CSV shape: see RECORD_KEYS)."""
    out = []
    for row in frame.itertuples(index=False):
        out.append(
            {
                "round": round_id,
                "fingerprint": row.fingerprint,
                "unit_id": row.unit_id,
                "indicator": row.indicator_id,
                "status": row.status,
                "rectifiable": bool(getattr(row, "rectifiable", True)),
                "decision": None if pd.isna(row.decision) else row.decision,
                "subject": row.subject,
                "target_url": None if pd.isna(row.target_url) else row.target_url,
                "deduction": float(row.deduction),
                "nominal": float(row.nominal),
                "first_seen_round": row.first_seen_round,
                "suggestion": None if pd.isna(row.suggestion) else row.suggestion,
                "evidence": row.evidence or {},
            }
        )
    return out


def _problem_table(records: list[dict[str, Any]], round_id: str) -> None:
    table = Table(title=shown(f"问题清单 — {round_id} ({len(records)})"), show_lines=True)
    for name in ("单位", "指标", "状态", "扣分", "问题及整改建议", "指纹"):
        short = name in ("状态", "扣分", "指纹")
        table.add_column(
            name, overflow="fold", no_wrap=short, min_width=16 if short and name == "指纹" else None
        )
    for r in records:
        state = STATUS_ZH[r["status"]] + ("（已驳回）" if r["decision"] == "dismissed" else "")
        state += "" if r["rectifiable"] else "（一次性，不可整改）"
        where = f"\n{r['target_url']}" if r["target_url"] else ""
        _row(
            table,
            r["unit_id"],
            r["indicator"],
            state,
            f"{r['deduction']:g}",
            f"{r['suggestion'] or ''}{where}",
            r["fingerprint"],
        )
    output_console().print(table)


def frozen_names(info: Any) -> dict[str, str]:
    """Indicator id → name from the round's frozen set (ids alone when it cannot be loaded)."""
    from scoring.round import frozen_set

    try:
        return {i.id: i.name for i in frozen_set(info).indicators}
    except _errors():
        return {}


@problems_app.command("decide")
def decide_command(
    fingerprint: str = typer.Argument(..., help="The problem's fingerprint (zwgk problems)."),
    confirm: bool = typer.Option(False, "--confirm", help="Confirm the problem (确认)."),
    dismiss: bool = typer.Option(False, "--dismiss", help="Dismiss it (驳回): deducts nothing."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required to dismiss)."),
    by: str = typer.Option(..., "--by", help="Who decides (the evaluator's name)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Confirm or dismiss a problem; the decision follows it into later rounds (latest wins).

    Scores of stored rounds change when they are evaluated again (`zwgk evaluate --round R`)."""
    from store.rounds import record_decision

    if confirm == dismiss:
        raise _fail("give exactly one of --confirm or --dismiss")
    store = _open_store(database_url)
    try:
        info = record_decision(
            store, fingerprint, "confirmed" if confirm else "dismissed", by=by, reason=reason
        )
    except (ValueError, LookupError) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    _say(
        output_console(),
        f"{info.fingerprint}: {info.decision} by {info.by} at {info.at:%Y-%m-%d %H:%M} UTC"
        + (f" — {info.reason}" if info.reason else ""),
    )


# -- recheck ----------------------------------------------------------------------------------
