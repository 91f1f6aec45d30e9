"""The window rule of the shipped indicator sets, stated from the sample portal's own records
(docs/indicators.md §2.5): a one-time event — a late document, a late interpretation, a
consultation too short, a late annual report — is reported only by the round whose quarter
holds its date, and is expired in the round after. Its date comes from the manifest entry, else
from its article in the generator's model (an interpretation's publish date): never from what
zwgk found, so the sample-portal tests stay an independent answer key."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from pathlib import Path

# Defect kind → the event's date (ISO text) from the entry's details and the model's dates.
ONE_TIME: dict[str, Callable[[dict, dict[int, str]], str]] = {
    "late_disclosure": lambda details, published: details["published"],
    "interpretation_late": lambda details, published: published[details["article_id"]],
    "consultation_too_short": lambda details, published: details["open_from"],
    "annual_report_late": lambda details, published: details["published"],
}


def published_dates(portal: Path) -> dict[int, str]:
    """Article id → publish date (ISO) in the generator's model (`model.json.gz` in ``portal``)."""
    model = json.loads(gzip.decompress((portal / "model.json.gz").read_bytes()))
    return {a["id"]: a["published"] for a in model["articles"]}


def quarter_holds(day: dt.date, as_of: dt.date) -> bool:
    """Whether ``day`` lies in the calendar quarter holding ``as_of``, up to it."""
    first = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return first <= day <= as_of


def one_time(entry: dict) -> bool:
    return entry["kind"] in ONE_TIME


def judged(entry: dict, as_of: dt.date, published: dict[int, str]) -> bool:
    """Whether a round as of ``as_of`` reports the planted ``entry``: every defect but a one-time
    event dated outside its quarter."""
    day = ONE_TIME.get(entry["kind"])
    return day is None or quarter_holds(
        dt.date.fromisoformat(day(entry["details"], published)), as_of
    )


def keyed(entries: list[dict], ids: list[str] | None = None) -> set[tuple[str, str]]:
    """(unit, target URL) of the manifest ``entries`` (those of ``ids`` only, when given): how
    a finding is matched to what the sample planted."""
    wanted = set(ids) if ids is not None else None
    return {(d["unit_id"], d["target_url"]) for d in entries if wanted is None or d["id"] in wanted}
