"""`zwgk demo` end to end, as a newcomer runs it: the whole loop in a fresh folder, timed.

    python benchmarks/demo.py [--runs 1]

Target (issue 5): within 2 minutes on our 2-core machines. Prints the wall time of each run,
the time of each step as the demo reports it, and the machine's load before the run (another
busy process on a 2-core machine slows the crawls, which dominate).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

TARGET = 120.0
STEP = re.compile(r"✓ (.+?) \((\d+(?:\.\d+)?) s\)")


def run_once() -> tuple[float, list[tuple[str, float]]]:
    with tempfile.TemporaryDirectory(prefix="zwgk-demo-bench-") as cwd:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "zwgk", "demo"],
            cwd=cwd,
            env={**os.environ, "COLUMNS": "200"},
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(
            f"zwgk demo failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return took, [(m.group(1), float(m.group(2))) for m in STEP.finditer(done.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}")
    times = []
    for i in range(args.runs):
        took, steps = run_once()
        times.append(took)
        print(f"run {i + 1}: {took:.1f} s")
        for name, seconds in steps:
            print(f"  {seconds:6.1f} s  {name}")
    best, worst = min(times), max(times)
    verdict = "met" if worst <= TARGET else ("met by the best run" if best <= TARGET else "NOT met")
    print(f"zwgk demo: {best:.1f}–{worst:.1f} s (target ≤ {TARGET:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
