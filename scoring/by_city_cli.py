"""`zwgk evaluate` by city: which mode a store gets, and what the command prints for it.

A store that holds more than one city (`scoring.cities`) is evaluated city by city unless
``--whole`` is asked (`--by-city` forces it for one city): each city's job loads only its city,
so memory is bounded by the largest city rather than the province, and the round is the same
round, row for row, as the whole evaluation would store. The command prints one line per city
as its part is stored — units, articles, problems, seconds, the job's peak memory — and the
round's counts; the rankings of a province are read with `zwgk report round` or the portal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from scoring.by_city import CityResult, city_name, evaluate_by_city
from scoring.cities import NO_CITY, cities
from store.text import shown

if TYPE_CHECKING:
    from scoring.round import Plan
    from scoring.workdays import WorkCalendar
    from store import Store


def wants_cities(store: Store, by_city: bool | None) -> bool:
    """``--by-city`` / ``--whole`` as asked; unasked (None), by city when the store's units
    form more than one city (units under no 市政府 do not make one)."""
    if by_city is not None:
        return by_city
    return len([c for c in cities(store.units_frame()) if c != NO_CITY]) > 1


def run(
    store: Store, planned: Plan, jobs: int, calendar: WorkCalendar | None, console: Console
) -> bool:
    """Evaluate ``planned`` by city in ``jobs`` processes, printing each city as it is stored;
    False when a city failed (the round is then incomplete, and said so)."""

    def said(city: CityResult) -> None:
        if not printed:  # said once the round is under way: a refusal stays one sentence
            printed.append(True)
            console.print(
                shown(f"round {planned.round_id}: evaluated by city, {max(jobs, 1)} at a time"),
                highlight=False,
            )
        console.print(
            shown(
                f"  {city_name(city.city)}: {city.units} units, {city.articles:,} articles, "
                f"{city.problems:,} problems, {city.seconds:.1f} s, peak {city.peak_mib:.0f} MiB"
            ),
            highlight=False,
        )

    printed: list[bool] = []
    result = evaluate_by_city(store, planned, jobs=jobs, calendar=calendar, on_city=said)
    info = result.info
    if result.failed:
        for city, error in sorted(result.failed.items()):
            Console(stderr=True, soft_wrap=True).print(
                shown(f"  {city_name(city)}: failed — {error}", style="red")
            )
        Console(stderr=True, soft_wrap=True).print(
            shown(
                f"round {info.id} is incomplete ({len(result.failed)} of "
                f"{len(result.failed) + len(result.cities)} cities failed) and is shown "
                "nowhere; run the same command again to complete it",
                style="red",
            )
        )
        return False
    stats = info.stats or {}
    by_status = ", ".join(f"{k} {v}" for k, v in (stats.get("by_status") or {}).items())
    console.print(
        shown(
            f"round {info.id} ({info.kind}) as of {info.as_of}: crawl run {info.crawl_run}, "
            f"indicators {info.indicator_set_id} {info.indicator_set_version}; "
            f"{stats.get('units', 0)} units ({stats.get('units_observed', 0)} observed) in "
            f"{len(result.cities)} cities, {stats.get('problems', 0):,} problems found "
            f"({by_status}), {result.seconds:.1f} s; ranks are within level and city — "
            f"`zwgk report round --round {info.id}` for the rankings"
        ),
        highlight=False,
    )
    return True
