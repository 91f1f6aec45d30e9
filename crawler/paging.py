"""A bound on paging through a column's list: a pager that lies must not hold the crawl.

A list page's pager says how many pages there are (``pageCount:99999``,
``createPageHTML(99999, …)``) or links a next page; a broken site may claim 99,999 pages, serve
empty pages past its end, or serve page 1 for every page number. Paging stops — with a reason
for an ``extraction_anomaly`` crawl issue on that page — when a page after the first lists no
row the page before it did not (nothing new: past the end, or the same page again), or at
ZWGK_MAX_LIST_PAGES pages. The rows listed before the stop are kept as usual.

Only the previous page's row URLs are held per column, and only while its paging goes on.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_LIST_PAGES = 1000  # ≥ 15,000 rows a column at 15 a page; ZWGK_MAX_LIST_PAGES overrides


class ListPaging:
    def __init__(self, max_pages: int = MAX_LIST_PAGES) -> None:
        self.max_pages = max_pages
        self._previous: dict[str, frozenset[str]] = {}  # column URL → last page's row URLs

    def next_page(
        self,
        column_url: str,
        page: int,
        row_urls: Sequence[str],
        next_url: str | None,
        page_count: int | None = None,
    ) -> tuple[str | None, str | None]:
        """The next list page to ask for (None: stop) and, when the pager is not believed, why
        (Chinese, for the crawl issue)."""
        rows = frozenset(row_urls)
        before = self._previous.pop(column_url, None)
        if next_url is None:
            return None, None
        claimed = f"（分页声称共{page_count}页）" if page_count else ""
        if page > 1 and not rows - (before or frozenset()):
            return None, f"栏目列表第{page}页没有新条目，停止翻页{claimed}"
        if page >= self.max_pages:
            return None, f"栏目列表翻页达到上限{self.max_pages}页，停止翻页{claimed}"
        self._previous[column_url] = rows
        return next_url, None
