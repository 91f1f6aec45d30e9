"""需核对的字段: per unit, the fields of a crawl run's articles that a fallback rule read.

Each stored article says which rule read each field (``extra["sources"]``,
`crawler.extract.sources`). A value read by the unit's own platform profile — its selector, a
label in its metadata table — is as good as the page; one read by a fallback (a rule of the
`generic` profile, a `<meta>` tag, a label in the page text, the `<title>`) may be wrong, so
`zwgk crawl`'s summary lists, per unit, how many of the run's articles had each field read
that way: the values an evaluator should double-check first (docs/crawl.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawler.extract.sources import fallback_fields
from store.text import shown

if TYPE_CHECKING:
    from rich.console import Console

    from store import Store

HEADING = "需核对的字段 (fields read by a fallback rule: check these values; docs/crawl.md)"


def fallback_counts(
    store: Store, run_id: int, unit_ids: Sequence[str] | None = None
) -> dict[str, tuple[int, Counter[str]]]:
    """unit → (articles of the run that record their sources, field → how many of them had
    that field read by a fallback). Articles seen by the run count, as in the summary's
    "seen" column; articles stored before sources were recorded are left out."""
    out: dict[str, tuple[int, Counter[str]]] = {}
    for unit_id, sources in store.article_sources(run_id, unit_ids):
        total, fields = out.get(unit_id, (0, Counter()))
        fields.update(fallback_fields(sources))
        out[unit_id] = (total + 1, fields)
    return out


def print_fallbacks(
    store: Store, run_id: int, unit_ids: Sequence[str] | None, console: Console
) -> None:
    """The 需核对的字段 section of the crawl summary: one line per unit with fallback fields
    (``jh-d01  publish_date 3/40, title 1/40``), or one line saying there are none."""
    counts = fallback_counts(store, run_id, unit_ids)
    flagged = {unit: entry for unit, entry in counts.items() if entry[1]}
    if not counts:
        return  # no article of this run records its sources: nothing to say either way
    if not flagged:
        console.print("需核对的字段: none — every field was read by the units' own profile rules")
        return
    console.print(HEADING, style="yellow", highlight=False)
    for unit_id in sorted(flagged):
        total, fields = flagged[unit_id]
        listed = ", ".join(f"{name} {n}/{total}" for name, n in sorted(fields.items()))
        console.print(shown(f"  {unit_id}  {listed}"))
