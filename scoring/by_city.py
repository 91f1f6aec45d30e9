"""A round evaluated city by city (按市分别测评): one job per city, each in its own process.

A province's round does not fit one process the way a city's does: the whole crawl would be
loaded at once. `evaluate_by_city` cuts the units into cities (`scoring.cities`), writes the
round's header marked incomplete with one pending part per city (`store.round_parts.begin`),
and runs `evaluate_city` for each city — in a pool of ``jobs`` processes, a fresh process per
city so each job's memory is its city's and is given back when it ends (or, ``jobs=0``, one
after another in this process). Each job loads only its city's units, columns, articles,
listings and links, scores them, tracks them against the previous round's problems of the same
units, and stores its part in one transaction; the last part stored marks the round complete.
Ranks are within level and city (`scoring.totals`), so a round of one city is the same round,
row for row, as the whole evaluation (`scoring.round`).

`evaluate_city(store_url, round_id, city)` needs nothing but the store: the round's header
holds the frozen indicator set, crawl run, as-of date and previous round, and its part the
city's units — so a job can run anywhere the store can be reached (a worker on another
machine). A job that fails records its error in its part (`store.round_parts.fail_part`): the
round stays incomplete, is shown nowhere, and says which city failed until it is evaluated again.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scoring import data as crawl_data
from scoring import gc_pause
from scoring.cities import NO_CITY, cities
from scoring.round_steps import (
    checked_run,
    explanation,
    header,
    judge,
    nothing_observed,
    round_stats,
    site_scoring,
)
from scoring.scorer import RoundError
from scoring.workdays import WorkCalendar, default_calendar
from store import round_parts
from store import rounds as round_store
from store.explanations import write_explanation

if TYPE_CHECKING:
    from scoring.round import Plan
    from store import Store

log = logging.getLogger(__name__)

# A city's job reads its city in scans, so SQLite's page cache (64 MiB a connection for the
# crawl's url lookups, store/config.py) buys it little: measured on a city of 210,000
# articles, 8 MiB gave the same load and scoring times and a peak 58 MiB lower.
JOB_SQLITE_CACHE_KIB = 8 * 1024


@dataclass(frozen=True)
class CityResult:
    """What one city's job did: its units and problems, its time and its process's peak RSS."""

    city: str
    units: int
    articles: int
    problems: int
    seconds: float
    peak_mib: float
    completed_round: bool  # this part was the last one stored


@dataclass(frozen=True)
class CityRound:
    """A round evaluated by city: its stored header and each city's result (by city)."""

    info: round_store.RoundInfo
    cities: list[CityResult]
    failed: dict[str, str]  # city → why its job failed (empty: the round is complete)
    seconds: float


def city_name(city: str) -> str:
    """How a city's part is named in messages."""
    return city or "(units under no 市政府)"


def evaluate_city(
    store_url: str,
    round_id: str,
    city: str,
    unit_ids: Sequence[str] | None = None,
    *,
    calendar: WorkCalendar | None = None,
) -> CityResult:
    """Evaluate city ``city``'s part of round ``round_id`` (begun by `evaluate_by_city`, or by
    `store.round_parts.begin`) and store it. ``unit_ids``: the city's units (default: those its
    part recorded). On failure the part is marked failed with the error, which is raised again."""
    from store import open_store

    started = time.perf_counter()
    store = open_store(store_url, sqlite_cache_kib=JOB_SQLITE_CACHE_KIB)
    try:
        with gc_pause.paused():
            return _evaluate_city(store, round_id, city, unit_ids, calendar, started)
    except BaseException as exc:
        try:
            round_parts.fail_part(store, round_id, city, f"{type(exc).__name__}: {exc}")
        except Exception:  # the store itself gone: the part stays pending, the round incomplete
            log.exception("round %s: city %s: its failure could not be recorded", round_id, city)
        raise
    finally:
        store.close()


def _evaluate_city(
    store: Store,
    round_id: str,
    city: str,
    unit_ids: Sequence[str] | None,
    calendar: WorkCalendar | None,
    started: float,
) -> CityResult:
    from scoring.round import frozen_set

    info = round_store.get_round(store, round_id, incomplete=True)
    if unit_ids is None:
        part = next((p for p in round_parts.list_parts(store, round_id) if p.part == city), None)
        if part is None:
            raise LookupError(f"round {round_id} has no part for city {city_name(city)}")
        unit_ids = part.units
    indicator_set = frozen_set(info)
    previous = round_store.get_round(store, info.previous_round) if info.previous_round else None
    data = crawl_data.load_crawl(store, info.crawl_run, unit_ids)
    scored, problems = judge(
        store,
        round_id,
        info.as_of,
        indicator_set,
        data,
        previous,
        calendar or default_calendar(),
        unit_ids,
    )
    calendar = calendar or default_calendar()
    site = site_scoring(store, previous, data, indicator_set, info.as_of, calendar, unit_ids)
    articles = len(data.articles)
    completed = round_parts.store_part(
        store,
        round_id,
        city,
        unit_ids,
        scored.scores,
        scored.totals,
        problems,
        round_stats(scored, problems),
    )
    del data  # let go before the previous round's crawl is loaded: never two crawls at once
    lines = explanation(store, previous, indicator_set, site, scored, calendar, unit_ids)
    write_explanation(store, round_id, lines, unit_ids)
    seconds = time.perf_counter() - started
    log.info(
        "round %s: city %s — %d units, %d articles, %d problems in %.1f s",
        round_id,
        city_name(city),
        len(unit_ids),
        articles,
        len(problems),
        seconds,
    )
    return CityResult(
        city,
        len(unit_ids),
        articles,
        len(problems),
        seconds,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        completed,
    )


def partition(store: Store, previous: round_store.RoundInfo | None) -> dict[str, list[str]]:
    """City → its unit ids. Units the previous round judged that the store no longer lists
    join `NO_CITY`, so their problems are carried (not comparable) as a whole round would."""
    units = store.units_frame()
    parts = cities(units)
    if previous is not None:
        judged = round_store.round_totals_frame(store, previous.id)["unit_id"]
        gone = sorted(set(judged) - set(units["id"]))
        if gone:
            parts[NO_CITY] = [*parts.get(NO_CITY, []), *gone]
    return parts


def evaluate_by_city(
    store: Store,
    planned: Plan,
    *,
    jobs: int = 1,
    calendar: WorkCalendar | None = None,
    on_city: Callable[[CityResult], None] | None = None,
) -> CityRound:
    """Carry out ``planned`` city by city in ``jobs`` processes (0: in this process) and
    return the cities' results; the round is complete when none failed (``failed`` empty).
    ``on_city`` is called as each city's part is stored."""
    started = time.perf_counter()
    run = checked_run(store, planned)
    observation = _observed(store, run.id, run.units)
    if not observation:
        raise nothing_observed(planned.round_id, run.id, len(store.units_frame()))
    calendar = calendar or default_calendar()
    previous = round_store.round_before(store, planned.as_of, exclude=planned.round_id)
    parts = partition(store, previous)
    round_parts.begin(store, header(planned, run.id, previous, calendar, None), parts)
    url = store.engine.url.render_as_string(hide_password=False)
    results: list[CityResult] = []
    failed: dict[str, str] = {}

    def done(city: str, result: CityResult | None, error: BaseException | None) -> None:
        if error is not None:
            failed[city] = f"{type(error).__name__}: {error}"
            # The job records its own failure; a process that died could not.
            round_parts.fail_part(store, planned.round_id, city, failed[city])
            log.error("round %s: city %s failed: %s", planned.round_id, city_name(city), error)
            return
        assert result is not None
        results.append(result)
        if on_city is not None:
            on_city(result)

    # The largest cities first: the pool's last job is then a small one.
    order = sorted(parts, key=lambda c: -len(parts[c]))
    if jobs <= 0:
        for city in order:
            try:
                done(city, evaluate_city(url, planned.round_id, city, calendar=calendar), None)
            except Exception as exc:  # recorded in its part; the other cities go on
                done(city, None, exc)
    else:
        # spawn: a fresh interpreter per city (no engine or frames inherited from this one),
        # and one city per process, so each job's peak is its own city's.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, mp_context=context, max_tasks_per_child=1) as pool:
            futures: dict[Future[CityResult], str] = {
                pool.submit(evaluate_city, url, planned.round_id, city, calendar=calendar): city
                for city in order
            }
            for future in as_completed(futures):
                city = futures[future]
                try:
                    done(city, future.result(), None)
                except Exception as exc:
                    done(city, None, exc)
    stored = round_store.get_round(store, planned.round_id, incomplete=True)
    if not failed and not stored.complete:
        raise RoundError(f"round {planned.round_id}: every city ran but the round is incomplete")
    results.sort(key=lambda r: r.city)
    return CityRound(stored, results, failed, time.perf_counter() - started)


def _observed(store: Store, run_id: int, run_units: Sequence[str] | None) -> int:
    """How many of the run's units it observed (the one rule, `store.observed`)."""
    from store.observed import unit_observation

    with store.engine.connect() as conn:
        return unit_observation(conn, run_id, run_units).observed
