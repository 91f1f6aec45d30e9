"""What the store already knows about articles, for incremental runs.

Loaded once per crawl (one query over url, title, list date and validators). A listed article is
*new* (never stored), *changed* (its list row's title or date differs from the stored one) or
*same*. scrapy-deltafetch did this with a local DB; it no longer works on current Scrapy, and our
store already has the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store import Store


# A page that failed in one of this many latest runs is asked for again (see `failed`).
RECENT_RUNS = 10


class SeenIndex:
    def __init__(
        self,
        rows: dict[str, tuple[str | None, dt.date | None, str | None, str | None]],
        failed: frozenset[str] = frozenset(),
        incomplete: frozenset[str] = frozenset(),
    ) -> None:
        self.rows = rows
        # URLs with a crawl issue in the latest RECENT_RUNS runs. An incremental run stops paging
        # at a list page whose rows are all known; when page 2 failed one night, the nights after
        # would stop at page 1 and never list what page 2 and beyond hold. A list page in here is
        # followed whatever the page before it says.
        self.failed = failed
        # Column URLs listing an article that failed lately and is not stored: read whole, since
        # which list page holds it is not known (the article is then fetched as new).
        self.incomplete = incomplete

    @classmethod
    def from_store(cls, store: Store) -> SeenIndex:
        frame = store.articles_frame(
            columns=["url", "title", "listed_date", "etag", "last_modified"]
        )
        dates = frame["listed_date"]
        listed = dates.dt.date.astype(object).where(dates.notna(), None)
        rows = {
            url: (title, day, _text(etag), _text(modified))
            for url, title, day, etag, modified in zip(
                frame["url"],
                frame["title"],
                listed,
                frame["etag"],
                frame["last_modified"],
                strict=True,
            )
        }
        failed: set[str] = set()
        for run in store.runs()[-RECENT_RUNS:]:
            failed.update(store.crawl_issues_frame(run.id)["url"].dropna())
        missing = failed - rows.keys()
        incomplete: frozenset[str] = frozenset()
        if missing:  # rare: the listings are read only then
            listed = store.listings_frame()
            column_ids = set(listed.loc[listed["url"].isin(missing), "column_id"])
            columns = store.columns_frame()
            incomplete = frozenset(columns.loc[columns["id"].isin(column_ids), "url"])
        return cls(rows, frozenset(failed), incomplete)

    def state(self, url: str, title: str | None, listed: dt.date | None) -> str:
        known = self.rows.get(url)
        if known is None:
            return "new"
        return "same" if (known[0], known[1]) == (title, listed) else "changed"

    def validators(self, url: str) -> tuple[str | None, str | None]:
        known = self.rows.get(url)
        return (known[2], known[3]) if known else (None, None)

    def __len__(self) -> int:
        return len(self.rows)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
