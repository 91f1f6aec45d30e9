"""One crawl process, one worker, two workers: `zwgk crawl --distributed` on the sample portal
with per-host politeness on, and the planning table of README "When one machine is not enough".

1. builds the `small` sample portal (seed 5; 7 hosts on 127.0.0.x, one of them down) and serves
   it from this process, every page answered `--latency` late as real sites are;
2. picks up to `--units-per-host` units of each host that no hazard touches (the `city` portal
   takes ≈ 2 s a host-night at the registry's politeness per unit: far beyond a few minutes);
3. crawls them, each time into a new SQLite store, with politeness on: `--delay` seconds
   between two requests to a host, 2 in flight at most, no AutoThrottle —
   a. `zwgk crawl` (one process, every host at once: the local crawl),
   b. `zwgk crawl --distributed` with one `zwgk worker -c H` (H = the hosts: all at once),
   c. the same with two workers of `-c H/2` each (the same slots over two processes);
   the workers are started, and idle, before the clock starts; Redis database 12 is this
   script's and is flushed;
4. crawls once more without politeness (the local crawl, no delay, 8 in flight per host) to
   measure what one crawl process handles a second when nothing holds it back;
5. prints each run's wall time, requests, and the speed-ups — as measured, on this machine
   (its cores are shared: two workers cannot beat the CPUs there are) — then the planning
   table (`distributed.plan`) with the pages a second measured in 4.

    python benchmarks/distributed.py [--units-per-host 2] [--delay 0.05] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and benchmarks/store.py would
# shadow the `store` package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import redis  # noqa: E402

from demo import model as m  # noqa: E402
from demo.generate import make_sample, write_portal  # noqa: E402
from demo.manifest import load_manifest  # noqa: E402
from demo.server import PortalServer  # noqa: E402
from demo.site import Site  # noqa: E402
from distributed.plan import Night, planning_table  # noqa: E402
from store import open_store  # noqa: E402

BROKER = "redis://127.0.0.1:6379/12"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pick_units(portal, manifest, per_host: int) -> list[str]:
    touched = {h.get("unit_id") for h in manifest["hazards"]}
    index = portal.index
    chosen: dict[str, list[str]] = {}
    for unit in portal.units:
        if unit.id in touched or index.host[unit.host].down:
            continue
        mine = chosen.setdefault(unit.host, [])
        if len(mine) < per_host:
            mine.append(unit.id)
    return [u for units in chosen.values() for u in units]


def crawl_cmd(registry: Path, units: list[str], settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "zwgk", "crawl", "-q", "-r", str(registry)]
    for unit in units:
        cmd += ["-u", unit]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def timed(cmd: list[str], db_url: str) -> tuple[float, dict]:
    env = {**os.environ, "ZWGK_DATABASE_URL": db_url}
    began = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - began
    if done.returncode not in (0, 4):
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    with open_store(db_url) as store:
        (run,) = store.runs()
        return wall, run.stats or {}


def start_workers(count: int, slots: int, db_url: str, folder: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "ZWGK_DATABASE_URL": db_url}
    workers = []
    for i in range(count):
        cmd = [sys.executable, "-m", "zwgk", "worker", "-c", str(slots), "--broker", BROKER]
        cmd += ["--jobs", str(folder / f"jobs-{i}"), "--name", f"bench{i}"]
        log = open(folder / f"worker-{i}.log", "wb")  # noqa: SIM115 - closed with the process
        workers.append(
            subprocess.Popen(cmd, env=env, stdout=log, stderr=log, start_new_session=True)
        )
    time.sleep(8)  # started and listening before the clock starts
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units-per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-dist-") as tmp:
        folder = Path(tmp)
        write_portal(folder / "portal", *make_sample(seed=5, port=free_port(), first_address=181))
        portal = m.load_portal(folder / "portal")
        units = pick_units(portal, load_manifest(folder / "portal"), args.units_per_host)
        hosts = len({portal.index.unit[u].host for u in units})
        registry = folder / "portal" / "units.yaml"
        server = PortalServer(portal, Site(portal), latency=args.latency)
        server.start()
        polite = {"DOWNLOAD_DELAY": str(args.delay), "AUTOTHROTTLE_ENABLED": "0"}
        polite["CONCURRENT_REQUESTS_PER_DOMAIN"] = "2"
        results = []
        try:
            db = f"sqlite:///{folder / 'local.sqlite'}"
            results.append(
                ("one process (zwgk crawl)", *timed(crawl_cmd(registry, units, polite), db))
            )
            for count, slots in ((1, hosts), (2, math.ceil(hosts / 2))):
                db = f"sqlite:///{folder / f'workers-{count}.sqlite'}"
                workers = start_workers(count, slots, db, folder)
                try:
                    cmd = crawl_cmd(registry, units, polite) + ["--distributed", "--broker", BROKER]
                    label = f"{count} worker{'s' if count > 1 else ''} × -c {slots}"
                    results.append((label, *timed(cmd, db)))
                finally:
                    stop_workers(workers)
            lifted = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0"}
            lifted["CONCURRENT_REQUESTS_PER_DOMAIN"] = "8"
            db = f"sqlite:///{folder / 'unpoliced.sqlite'}"
            _, free = timed(crawl_cmd(registry, units, lifted), db)
        finally:
            server.stop()
            broker.flushdb()
    print(f"\nsmall sample portal: {len(units)} units on {hosts} hosts, "
          f"delay {args.delay} s and ≤ 2 in flight per host, pages answered in {args.latency} s; "
          f"{os.cpu_count()} CPUs (shared)")  # fmt: skip
    base = results[1][1]
    print(f"{'run':28} {'wall s':>8} {'requests':>9} {'req/s':>7} {'vs 1 worker':>12}")
    for label, wall, stats in results:
        requests = stats.get("downloader/request_count", 0)
        print(f"{label:28} {wall:8.1f} {requests:9d} {requests / wall:7.1f} {base / wall:11.2f}×")
    pages_per_s = free.get("downloader/response_count", 0) / free.get("elapsed_time_seconds", 1)
    print(
        f"one crawl process without politeness: {pages_per_s:.0f} pages/s (the table's CPU bound)"
    )
    nights = [
        Night(16, 3200, 20000), Night(100, 5000, 20000), Night(400, 8000, 50000),
        Night(1600, 16000, 100000),
    ]  # fmt: skip
    counts = [1, 2, 4, 8]
    print_tables(nights, counts, pages_per_s)


def print_tables(nights: list[Night], counts: list[int], pages_per_s: float) -> None:
    """The planning table, for workers of 16 jobs (a 4 GiB machine: each job is a crawl process
    of ≈ 200 MB) and of 64 (16 GiB)."""
    for slots in (16, 64):
        print(
            f"\nnightly crawl, hours (delay 1 s a host; {slots} jobs a worker; {pages_per_s:.0f} pages/s a process):"
        )
        header = ["hosts", "units", "new articles", "one process"]
        header += [f"{w} worker{'s' if w > 1 else ''}" for w in counts]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in planning_table(nights, counts, slots, pages_per_s=pages_per_s):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
