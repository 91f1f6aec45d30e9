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


class SeenIndex:
    def __init__(
        self, rows: dict[str, tuple[str | None, dt.date | None, str | None, str | None]]
    ) -> None:
        self.rows = rows

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
        return cls(rows)

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
