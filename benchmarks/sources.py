"""What recording field sources (字段来源) costs: extraction time per page and stored bytes.

Extracts every article page of a synthetic sample portal (Lonsun and TRS/GBK, rendered in
memory by `demo.site.Site`, no server) and the saved real pages of ../shared/realpages, and
prints: milliseconds per page (best of ``--repeat`` passes), the mean size of an article's
``extra["sources"]`` as stored (compact JSON, UTF-8) and the mean size of what the store keeps
per article (``html_gz`` + body text + extra JSON), so the increase is a share of the whole.

Run it from two checkouts to see the time change (a checkout without sources prints 0 bytes):

    python benchmarks/sources.py [--articles 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path (benchmarks/store.py would
# shadow the `store` package); tests/ holds the sample-portal fixtures.
HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path.pop(0)
sys.path.append(str(HERE.parent / "tests"))

REALPAGES = Path(os.environ.get("ZWGK_REALPAGES", HERE.parents[1] / "shared" / "realpages"))


def _pages(n_articles: int) -> list[tuple[bytes, str, str]]:
    """(body, url, profile) of the sample articles and the real article pages."""
    from demo_fixtures import fetch, synthetic_portal

    from demo import urls
    from demo.site import Site

    portal = synthetic_portal(n_articles)
    site = Site(portal)
    out = []
    for article in portal.articles:
        url = urls.article_url(portal, article)
        host = portal.index.host[portal.index.unit[article.unit_id].host]
        out.append((fetch(site, url).body, url, host.platform))
    if REALPAGES.is_dir():
        for path in sorted(REALPAGES.glob("*.detail*.html")):
            out.append((path.read_bytes(), f"http://real.test/{path.name}", "generic"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from crawler.extract import extract_article
    from crawler.profile_model import get_profile
    from store.rows import gzip_page

    pages = _pages(args.articles)
    profiles = {name: get_profile(name) for name in {p for _, _, p in pages}}
    passes = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        results = [extract_article(body, url, profiles[p]) for body, url, p in pages]
        passes.append(time.perf_counter() - started)
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    source_bytes, stored_bytes = [], []
    for (body, _, _), data in zip(pages, results, strict=True):
        codes = data.source_codes() if hasattr(data, "source_codes") else {}
        source_bytes.append(len(json.dumps(codes, **compact).encode()) if codes else 0)
        extra = {"metadata": data.metadata, "sources": codes}
        stored_bytes.append(
            len(gzip_page(body))
            + len(data.body_text.encode())
            + len(json.dumps(extra, **compact).encode())
        )
    per_page = min(passes) / len(pages) * 1000
    mean_sources, mean_stored = statistics.mean(source_bytes), statistics.mean(stored_bytes)
    print(
        f"{len(pages)} article pages: extraction {per_page:.3f} ms/page (best of {args.repeat}); "
        f"sources {mean_sources:.0f} B/article (max {max(source_bytes)}), "
        f"{mean_sources / mean_stored:.1%} of the {mean_stored:,.0f} B stored per article"
    )


if __name__ == "__main__":
    main()
