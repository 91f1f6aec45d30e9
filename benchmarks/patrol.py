"""Patrol speed: `zwgk patrol` (日巡查) on a city-sized store, against a round's evaluation of it.

    python benchmarks/patrol.py [--units 509] [--articles 250000] [--within "5 workdays"]
                                [--db URL] [--keep]

Builds a store by SQL as benchmarks/score.py does (509 units of one city, ~16 columns each,
``--articles`` articles with realistic metadata and planted problems, the sample portal's pages
of real weight), then, each in a fresh process so one's peak memory does not hide the other's:

1. `scoring.round.evaluate` — the quarterly round on the same crawl, for reference;
2. `patrol.run.run_patrol` twice — the first night's patrol, and the next night's, compared
   with it — each: loading the crawl, judging today, judging the warning indicators again for
   every day of the horizon, storing the patrol and comparing.

Prints each one's time and peak RSS (`resource.getrusage`), the patrol's problems and warnings,
and how many days ahead it judged. The target is the issue's: a patrol takes well under the
night's crawl of the city (hours at the default politeness: README, "when one machine is not
enough"). Asserts nothing about time (machines differ).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = "2025-06-30"


def _score_bench() -> Any:
    """benchmarks/score.py, whose store builder this benchmark shares."""
    spec = importlib.util.spec_from_file_location(
        "bench_score", Path(__file__).with_name("score.py")
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_score"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def phase(name: str, url: str, within: str) -> dict:
    import datetime as dt

    from patrol.run import run_patrol
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.round import evaluate
    from store import open_store

    bench = _score_bench()
    store = open_store(url)
    indicator_set = load_indicator_set(newest_set())
    as_of = dt.date.fromisoformat(AS_OF)
    started = time.perf_counter()
    if name == "evaluate":
        result = evaluate(store, "BENCH", as_of, indicator_set, replace=True, allow_future=True)
        out = {"problems": len(result.problems)}
    else:
        # The second night judges the same crawl and day (the store holds one): `again`.
        done = run_patrol(store, indicator_set, as_of=as_of, within=within, again=True)
        kinds = done.findings["kind"].value_counts()
        out = {
            "problems": int(kinds.get("problem", 0)),
            "warnings": int(kinds.get("warning", 0)),
            "changes": {k: int(v) for k, v in done.changes["change"].value_counts().items()},
        }
    out["seconds"] = time.perf_counter() - started
    out["peak_mib"] = bench.peak_mib()
    return out


def child(name: str, url: str, within: str) -> dict:
    command = [sys.executable, __file__, "--phase", name, "--db", url, "--within", within]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=509)
    parser.add_argument("--articles", type=int, default=250_000)
    parser.add_argument("--within", default="5 workdays", help="the patrol's horizon")
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="reuse --db if it is already built")
    parser.add_argument("--phase", choices=["evaluate", "patrol"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.db, args.within)))
        return
    bench = _score_bench()
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-patrol-") as tmp:
        url = args.db or f"sqlite:///{tmp}/patrol.sqlite"
        if not args.keep:
            started = time.perf_counter()
            counts = bench.build(url, args.units, args.articles, pages=bench.stored_pages())
            print(
                f"built {counts['units']} units, {counts['columns']} columns, "
                f"{counts['articles']:,} articles in {time.perf_counter() - started:.0f} s ({url})"
            )
        ev = child("evaluate", url, args.within)
        print(
            f"a round's evaluation (zwgk evaluate): {ev['seconds']:.1f} s, "
            f"{ev['problems']:,} problems, peak {ev['peak_mib']:.0f} MiB"
        )
        for night in ("first", "next"):
            p = child("patrol", url, args.within)
            changes = ", ".join(f"{k} {v:,}" for k, v in sorted(p["changes"].items()))
            print(
                f"zwgk patrol, {night} night (warning within {args.within}): "
                f"{p['seconds']:.1f} s, {p['problems']:,} problems, {p['warnings']:,} warnings "
                f"({changes}), peak {p['peak_mib']:.0f} MiB; "
                f"{p['seconds'] / ev['seconds']:.1f}× a round's evaluation"
            )


if __name__ == "__main__":
    main()
