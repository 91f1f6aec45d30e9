"""Run `zwgk` in a child process and learn that process's own peak memory.

`ru_maxrss` cannot tell it: a child's high-water mark starts from what the parent held when it
forked (Linux keeps the old mm's maximum across exec), so in a long test session every child
"peaked" at the size of the pytest process (≈ 460 MB late in the suite). The kernel's per-mm
figure `VmHWM` starts afresh at exec; the child reads it from /proc/self/status on its way out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "ZWGK_PEAK_KB"
_WRAPPER = (
    "import runpy, sys\n"
    "sys.argv = ['zwgk', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('zwgk', run_name='__main__')\n"
    "finally:\n"
    "    with open('/proc/self/status') as status:\n"
    "        peak = next(line.split()[1] for line in status if line.startswith('VmHWM:'))\n"
    f"    print('{MARK}', peak, file=sys.stderr)\n"
)


def zwgk_with_peak(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 600, **popen
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`zwgk ARGS` run to its end: the result (the peak line taken out of stderr) and the
    process's peak resident memory in MiB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **popen,
    )
    lines = done.stderr.splitlines()
    marks = [line for line in lines if line.startswith(MARK + " ")]
    assert marks, f"no {MARK} line: {done.stderr[-3000:]}"
    done.stderr = "\n".join(line for line in lines if not line.startswith(MARK + " "))
    return done, int(marks[-1].split()[1]) / 1024
