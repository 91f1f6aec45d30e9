"""The run's machine lock under xdist: each test holds it shared; a test marked `alone`, or a
stretch of a fixture inside `alone()`, holds it exclusive, so no other worker runs a test
meanwhile (tests/conftest.py says what needs it).

The lock is ``tests.lock`` in the run's common temporary folder. A worker waiting for it
exclusive holds ``tests.gate`` meanwhile, so the other workers cannot keep the lock shared
between them; they finish the test they are in and wait at the gate.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_held: IO[str] | None = None  # this worker's lock file while a test runs


@contextmanager
def held_for_test(folder: Path, exclusive: bool) -> Iterator[None]:
    """Hold the lock of ``folder`` for one test: shared, or exclusive."""
    global _held
    with open(folder / "tests.gate", "a") as gate, open(folder / "tests.lock", "a") as lock:
        _take(gate, lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        _held = lock
        try:
            yield
        finally:
            _held = None
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def alone() -> Iterator[None]:
    """Within a test (or its fixture's setup) under xdist: the lock exclusive for the ``with``
    block, then shared again. Outside xdist there is no lock and nothing to wait for."""
    lock = _held
    if lock is None:
        yield
        return
    gate_path = Path(lock.name).with_name("tests.gate")
    fcntl.flock(lock, fcntl.LOCK_UN)  # a shared hold of our own would block the exclusive one
    with open(gate_path, "a") as gate:
        _take(gate, lock, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_SH)  # let the others in again


def _take(gate: IO[str], lock: IO[str], how: int) -> None:
    fcntl.flock(gate, fcntl.LOCK_EX)
    try:
        fcntl.flock(lock, how)
    finally:
        fcntl.flock(gate, fcntl.LOCK_UN)
