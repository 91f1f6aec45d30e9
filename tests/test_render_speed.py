"""Rendering speed: a figure to watch, printed, not asserted (machines differ).

The server must serve ≥ 3× faster than a Scrapy crawl consumes; the renderers aim for ≥ 1,500
pages/s single-threaded on articles and list fragments.
"""

from __future__ import annotations

import time

from demo_fixtures import fetch, synthetic_portal

from demo import urls
from demo.site import Site


def test_render_rate_of_articles_and_list_pages(capsys):
    portal = synthetic_portal(20_000)
    started = time.perf_counter()
    site = Site(portal)
    setup = time.perf_counter() - started
    articles = [urls.article_url(portal, a) for a in portal.articles[::10]][:2000]
    lists = []
    for column in portal.columns:
        host = portal.index.host[portal.index.unit[column.unit_id].host]
        size = urls.LONSUN_PAGE_SIZE if host.platform == "lonsun" else urls.TRS_PAGE_SIZE
        pages = -(-len(portal.index.articles_of[column.id]) // size)
        lists += [urls.list_page_url(portal, column, k) for k in range(0, pages, 3)]
    lists = lists[:2000]
    rates = {}
    for name, batch in (("article pages", articles), ("list pages", lists)):
        started = time.perf_counter()
        statuses = {fetch(site, url).status for url in batch}
        rates[name] = len(batch) / (time.perf_counter() - started)
        assert statuses == {200}, name
    assert len(articles) == 2000
    with capsys.disabled():
        print(
            f"\nrender speed ({len(portal.articles)} articles, Site() {setup:.2f} s): "
            + ", ".join(f"{n} {r:,.0f}/s" for n, r in rates.items())
        )
