"""`BatchWriter`: buffer a crawl's rows and write them in one transaction per batch.

Meant for the Scrapy item pipeline: rows are validated when added (a bad row fails at once,
naming its URL), and written every ``size`` rows. A failed batch rolls back whole and is
dropped (its rows are logged); batches written before it stay.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from store import writes
from store.rows import (
    normalise_article,
    normalise_crawl_issue,
    normalise_link_check,
    normalise_listing,
)

if TYPE_CHECKING:
    from store.core import Store

log = logging.getLogger(__name__)


class BatchWriter:
    """Buffers articles, listings, sightings, link checks and crawl issues of one run.

    Not thread-safe: use one per thread (Scrapy pipelines run in one thread).
    """

    def __init__(self, store: Store, run_id: int, size: int = 500) -> None:
        if size < 1:
            raise ValueError(f"batch size must be ≥ 1, got {size}")
        self.store, self.run_id, self.size = store, run_id, size
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "batches": 0}
        self._clear()

    def _clear(self) -> None:
        self._articles: list[dict[str, Any]] = []
        self._listings: list[dict[str, Any]] = []
        self._touched: list[str] = []
        self._checks: list[dict[str, Any]] = []
        self._issues: list[dict[str, Any]] = []

    @property
    def pending(self) -> int:
        return sum(
            map(len, (self._articles, self._listings, self._touched, self._checks, self._issues))
        )

    def _added(self) -> None:
        if self.pending >= self.size:
            self.flush()

    def add_article(self, row: Mapping[str, Any]) -> None:
        """An article row as for `Store.upsert_articles` (may carry its ``links``)."""
        self._articles.append(normalise_article(row))
        self._added()

    def add_listing(self, row: Mapping[str, Any]) -> None:
        self._listings.append(normalise_listing(row))
        self._added()

    def touch(self, url: str) -> None:
        """The article at ``url`` was listed again and is unchanged."""
        self._touched.append(url)
        self._added()

    def add_link_check(self, row: Mapping[str, Any]) -> None:
        self._checks.append(normalise_link_check(row))
        self._added()

    def add_crawl_issue(self, row: Mapping[str, Any]) -> None:
        self._issues.append(normalise_crawl_issue(row))
        self._added()

    def flush(self) -> None:
        """Write everything buffered in one transaction."""
        if not self.pending:
            return
        articles, listings, touched = self._articles, self._listings, self._touched
        checks, issues = self._checks, self._issues
        self._clear()
        try:
            with self.store.engine.begin() as conn:
                counts = writes.write_articles(conn, self.run_id, articles)
                writes.write_listings(conn, self.run_id, listings)
                writes.touch_articles(conn, self.run_id, touched)
                writes.write_link_checks(conn, self.run_id, checks)
                writes.write_crawl_issues(conn, self.run_id, issues)
        except Exception:
            log.error(
                "run %s: batch of %d articles (first %s), %d listings, %d sightings, "
                "%d link checks, %d crawl issues rolled back",
                self.run_id,
                len(articles),
                articles[0]["url"] if articles else None,
                len(listings),
                len(touched),
                len(checks),
                len(issues),
            )
            raise
        for key, n in counts.items():
            self.counts[key] += n
        self.counts["batches"] += 1

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.flush()
            return
        # The block failed, but what it buffered was read correctly: keep it, without
        # letting a second error hide the first.
        try:
            self.flush()
        except Exception:
            log.exception("run %s: could not write the last batch", self.run_id)
