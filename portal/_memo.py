"""A small bounded memo shared by a server's threads: values that cost a scan or a report to
compute (a filter's count, a round's context, a round report's frames and charts), kept under
a key that names everything they depend on, for at most ``ttl`` seconds — the time bound covers
what the key cannot see (`zwgk recheck` rewrites statuses in place) — and the ``size`` most
recently used.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, size: int, ttl: float = float("inf")) -> None:
        self.size, self.ttl = size, ttl
        self._values: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept under ``key``, else ``compute()`` kept under it. Two threads missing
        at once both compute; the value is the same, so nothing is held while computing."""
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                self._values.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
