"""How fast `zwgk crawl` works through a city's portal, next to `scrapy bench` (issue 3).

The target: zwgk's crawl — extraction, link checks and storage included — consumes pages at
least as fast as `scrapy bench`, an unthrottled Scrapy crawl that parses nothing. This script:

1. builds the `city` sample portal (`demo.generate.make_sample(seed=1, scale="city")`, ~30 s,
   hazards and planted defects included) on a free port and writes its `units.yaml`;
2. serves it from a forked process (`demo.server.PortalServer`);
3. runs `zwgk crawl` on it in a subprocess for a fixed budget (``CLOSESPIDER_TIMEOUT``, 60 s by
   default), storing into SQLite in a temporary folder. Politeness is lifted for our own
   loopback server only: no delay, no AutoThrottle, 8 requests per host, 64 in all (the
   registry's defaults would wait 1 s between requests to a host);
4. takes pages/min from the run's stored statistics: ``downloader/response_count`` over
   ``elapsed_time_seconds`` (spider open to close, so start-up and the final flush count);
5. runs `scrapy bench` outside any project and parses its 'Crawled N pages (at X pages/min)'
   lines; its rate is the mean of the steady-state intervals (the first two and the last are
   ramp-up and shutdown), its peak is printed too;
6. prints both rates and the ratio zwgk / scrapy bench (target ≥ 1.0).

    python benchmarks/crawl.py [--seconds 60] [--pages N] [--scale city] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and benchmarks/store.py would
# shadow the `store` package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from demo.generate import make_sample  # noqa: E402
from demo.registry import write_registry  # noqa: E402
from store import open_store  # noqa: E402

LIFT_POLITENESS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "CONCURRENT_REQUESTS": "64",
}
RATE_LINE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(portal, pipe) -> None:  # runs in the forked server process
    from demo.server import PortalServer
    from demo.site import Site

    server = PortalServer(portal, Site(portal))
    server.start()
    pipe.send("ready")
    pipe.recv()  # "stop"
    pipe.send(server.request_count())
    server.stop()


def crawl(registry: Path, db_url: str, budget: dict[str, str]) -> tuple[int, dict]:
    """Run `zwgk crawl` once; returns its exit code and the run's stored statistics."""
    settings = {**LIFT_POLITENESS, **budget}
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(registry)]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    run = subprocess.run(
        cmd,
        env={**os.environ, "ZWGK_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    with open_store(db_url, create=True) as store:
        runs = store.runs()
        if not runs or not runs[-1].stats:
            raise RuntimeError(f"zwgk crawl stored no run (exit {run.returncode}):\n{run.stderr}")
        return run.returncode, runs[-1].stats


def scrapy_bench_rates() -> list[int]:
    """The per-second rates of `scrapy bench`, run outside any project so its settings are
    Scrapy's own."""
    with tempfile.TemporaryDirectory() as empty:
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", "LOGSTATS_INTERVAL=1"],
            cwd=empty,
            capture_output=True,
            text=True,
            timeout=120,
        )
    rates = [int(rate) for _, rate in RATE_LINE.findall(run.stderr)]
    if len(rates) < 4:
        raise RuntimeError(f"scrapy bench printed too few rates:\n{run.stderr[-2000:]}")
    return rates


def serve_and_crawl(portal, workdir: Path, budget: dict[str, str]) -> tuple[int, dict, int]:
    """Serve `portal` from a forked process and crawl it once into SQLite under `workdir`;
    returns the crawl's exit code, its stored statistics and the requests the server answered."""
    registry = write_registry(portal, workdir)
    db_file = workdir / "bench.sqlite"
    db_file.unlink(missing_ok=True)
    # fork: the server process shares the built portal instead of rebuilding or pickling it.
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_serve, args=(portal, theirs))
    child.start()
    try:
        if ours.recv() != "ready":
            raise RuntimeError("server process did not start")
        code, stats = crawl(registry, f"sqlite:///{db_file}", budget)
        ours.send("stop")
        served = ours.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
    return code, stats, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=60, help="crawl budget (CLOSESPIDER_TIMEOUT)"
    )
    parser.add_argument("--pages", type=int, help="crawl budget in pages (CLOSESPIDER_PAGECOUNT)")
    parser.add_argument("--scale", default="city", choices=["small", "city"])
    parser.add_argument("--keep", type=Path, help="keep registry and store in this folder")
    args = parser.parse_args()
    budget = (
        {"CLOSESPIDER_PAGECOUNT": str(args.pages)}
        if args.pages
        else {"CLOSESPIDER_TIMEOUT": str(args.seconds)}
    )

    started = time.perf_counter()
    portal, _ = make_sample(seed=1, scale=args.scale, port=free_port())
    up = sum(not h.down for h in portal.hosts)
    print(
        f"portal: {args.scale} (seed 1), {len(portal.units)} units, {len(portal.articles):,} "
        f"articles, {up} of {len(portal.hosts)} hosts up; built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        code, stats, served = serve_and_crawl(portal, args.keep, budget)
    else:
        with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as tmp:
            code, stats, served = serve_and_crawl(portal, Path(tmp), budget)

    responses = stats.get("downloader/response_count", 0)
    elapsed = float(stats["elapsed_time_seconds"])
    rate = responses / elapsed * 60
    lifted = " ".join(f"{k}={v}" for k, v in LIFT_POLITENESS.items())
    print(
        f"zwgk crawl: {responses:,} responses in {elapsed:.1f} s = {rate:,.0f} pages/min "
        f"(budget {budget}; politeness lifted for our loopback server: {lifted}; "
        f"finish reason {stats.get('finish_reason')}, exit {code}; server answered {served:,})"
    )
    print(
        f"  articles stored {stats.get('zwgk/articles_fetched', 0):,}, links checked "
        f"{sum(v for k, v in stats.items() if k.startswith('zwgk/links_')):,}, crawl issues "
        f"{sum(v for k, v in stats.items() if k.startswith('zwgk/crawl_issues/'))}, "
        f"{stats.get('store/batches', 0)} store batches"
    )

    rates = scrapy_bench_rates()
    steady = rates[2:-1]
    bench = statistics.mean(steady)
    print(
        f"scrapy bench: {bench:,.0f} pages/min (mean of {len(steady)} steady-state 1 s "
        f"intervals; peak {max(rates):,})"
    )
    ratio = rate / bench
    verdict = "OK" if ratio >= 1.0 else "BELOW TARGET (≥ 1.0)"
    print(
        f"ratio zwgk / scrapy bench: {ratio:.2f}× — {verdict} "
        f"(against its peak interval: {rate / max(rates):.2f}×)"
    )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
