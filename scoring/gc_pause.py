"""Cyclic garbage collection paused while a round is built (`paused`, restored after).

A round on a million articles holds large object arrays (URLs, titles: each a million
references) and builds tens of thousands of findings — evidence dicts and lists that all live
until the round is stored. Every full collection walks all of them again: seconds of a round
spent finding no garbage, while the crawl is read (the driver's rows), while the checks run and
while the round is tracked and stored. Nothing here relies on cycles being freed early;
reference counting frees the rest as usual, and the collector runs again once the round is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Collection off inside the block, on again after it if it was on before (so the blocks
    nest: only the outermost turns it back on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
