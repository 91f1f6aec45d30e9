"""A province's round evaluated by city: time and peak memory per city job and in all.

    python benchmarks/province.py [--cities 5] [--articles 5000000] [--jobs 2] [--db URL --keep]
                                  [--pages none|sample] [--indicators FILE]

Builds a store by SQL as benchmarks/score.py does — each city the city benchmark's (a city
government, 40 departments, counties of 20 departments and 15 townships; 509 units), the
articles shared equally among the cities' units, one crawl run — then, in a fresh process,
evaluates round BENCH by city (`scoring.by_city.evaluate_by_city`, what `zwgk evaluate` does for
a store of more than one city) with ``--jobs`` processes, one fresh process per city.

Prints per city job: units, articles, problems, seconds and the job process's peak RSS
(`resource.getrusage` in the job); then the whole round's wall time, seconds per million
articles (against today's city round: ≈ 28 s per million, README), the coordinator's own peak,
the largest job's peak per million articles of the largest city (target ≤ 0.6 GiB), and the
children's peak as the kernel counts it (RUSAGE_CHILDREN: the largest job's). Page bytes are
left out by default (`--pages none`): the evaluation never reads them, and 5 million pages of
real weight are 30 GB. Asserts nothing about time (machines differ).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

CITY_UNITS = 509  # the city benchmark's units per city
CITY_NAMES = ("江淮市", "淮南市", "皖西市", "江北市", "淮东市", "皖南市", "江南市", "淮西市")
CITY_ROUND_SECONDS_PER_MILLION = 28.0  # today's city round (benchmarks/score.py, README)


def province_units(cities: int, per_city: int = CITY_UNITS) -> list[dict]:
    """``cities`` cities of ``per_city`` units each: c, c2, c3 … (the first is the city
    benchmark's city, ids and names unchanged)."""
    from benchmarks.score import units_plan

    names = [*CITY_NAMES, *(f"第{i}市" for i in range(len(CITY_NAMES) + 1, cities + 1))]
    return [
        unit
        for i in range(cities)
        for unit in units_plan(per_city, "c" if i == 0 else f"c{i + 1}", names[i])
    ]


def phase_evaluate(url: str, jobs: int, indicators: str | None) -> dict:
    """Round BENCH by city in this (fresh) process; the cities' figures and the totals."""
    import logging

    from benchmarks.score import AS_OF
    from scoring.by_city import evaluate_by_city
    from scoring.round import plan
    from store import open_store

    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    store = open_store(url)
    started = time.perf_counter()
    planned = plan(store, "BENCH", as_of=AS_OF, indicator_set=indicators, replace=True)
    result = evaluate_by_city(store, planned, jobs=jobs)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "failed": result.failed,
        "complete": result.info.complete,
        "stats": result.info.stats,
        "cities": [vars(c) for c in result.cities],
        "self_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, default=5)
    parser.add_argument("--articles", type=int, default=5_000_000, help="in all the cities")
    parser.add_argument("--units", type=int, default=CITY_UNITS, help="units per city")
    parser.add_argument("--jobs", type=int, default=2, help="cities evaluated at once")
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="reuse --db if it is already built")
    parser.add_argument("--pages", choices=("sample", "none"), default="none")
    parser.add_argument("--indicators", help="indicator set (default: the newest shipped set)")
    parser.add_argument("--phase", choices=["evaluate"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_evaluate(args.db, args.jobs, args.indicators)))
        return
    from benchmarks.score import build, stored_pages

    with tempfile.TemporaryDirectory(prefix="zwgk-province-") as tmp:
        url = args.db or f"sqlite:///{tmp}/province.sqlite"
        if not args.keep:
            started = time.perf_counter()
            pages = stored_pages() if args.pages == "sample" else None
            units = province_units(args.cities, args.units)
            counts = build(url, len(units), args.articles, pages=pages, units=units)
            print(
                f"built {args.cities} cities: {counts['units']} units, {counts['columns']} "
                f"columns, {counts['articles']:,} articles, {counts['links']:,} attachments"
                f"{'' if pages else ', no page bytes'} in {time.perf_counter() - started:.0f} s "
                f"({url})"
            )
        command = [sys.executable, __file__, "--phase", "evaluate", "--db", url]
        command += ["--jobs", str(args.jobs)]
        if args.indicators:
            command += ["--indicators", args.indicators]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"evaluation failed:\n{done.stderr[-4000:]}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        report(out, args.jobs)


def report(out: dict, jobs: int) -> None:
    """Print the figures of `phase_evaluate`'s output."""
    cities = out["cities"]
    for city in cities:
        print(
            f"city {city['city']}: {city['units']} units, {city['articles']:,} articles, "
            f"{city['problems']:,} problems, {city['seconds']:.1f} s, "
            f"peak RSS {city['peak_mib']:.0f} MiB "
            f"({city['peak_mib'] / 1024 / max(city['articles'], 1) * 1e6:.2f} GiB per million)"
        )
    if out["failed"]:
        print(f"FAILED cities: {out['failed']}")
    articles = sum(c["articles"] for c in cities)
    largest = max(cities, key=lambda c: c["articles"])
    peak = max(c["peak_mib"] for c in cities)
    per_million = out["seconds"] / articles * 1e6
    print(
        f"province round by city ({len(cities)} cities, {jobs} at a time): "
        f"{out['seconds']:.1f} s for {articles:,} articles = {per_million:.1f} s per million "
        f"(city round today ≈ {CITY_ROUND_SECONDS_PER_MILLION:.0f} s per million; target: no "
        f"slower); complete: {out['complete']}; {out['stats']['problems']:,} problems"
    )
    print(
        f"peak memory: largest job {peak:.0f} MiB = "
        f"{peak / 1024 / largest['articles'] * 1e6:.2f} GiB per million articles of the largest "
        f"city (target ≤ 0.6); coordinator {out['self_peak_mib']:.0f} MiB; children "
        f"(RUSAGE_CHILDREN) {out['children_peak_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    main()
