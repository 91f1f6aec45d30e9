"""stale_column: a column whose newest item is older than its freshness window (docs/domain.md §3.1).

Planted by removing the column's recent items and freezing it; fixed by publishing in it again.
`zwgk demo advance` also makes one news column go stale between crawls (`stop_a_news_column`):
on a short step one whose newest item passes the window within the step, as the patrol foresees.
"""

from __future__ import annotations

import datetime as dt
import random

from demo import model as m
from demo import urls
from demo.defects._common import FRESHNESS, Change, Planter, column_label
from demo.defects._registry import Kind, register
from demo.model import Column


def stale_column(p: Planter, category: str) -> list[dict]:
    klass, days, words = FRESHNESS[category]
    cutoff = p.as_of - dt.timedelta(days=days + p.rng.randint(12, 60))
    # Only a column with an item older than the cutoff can be made stale (a young or sparse
    # yearly column may have none): choosing among those plants the kind whenever it can be.
    candidates = [
        c
        for c in p.columns(category)
        if len(p.portal.index.articles_of.get(c.id, [])) >= 4
        and not any(a.id in p.used_articles for a in p.portal.index.articles_of[c.id])
        and any(a.published and a.published <= cutoff for a in p.portal.index.articles_of[c.id])
    ]
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    items = p.portal.index.articles_of[column.id]
    doomed = [a for a in items if a.published and a.published > cutoff]
    kept = [a for a in items if a.published and a.published <= cutoff]
    if not kept:
        return []
    p.remove_articles(doomed)
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    return stale_entry(p, column)


def stale_entry(p: Planter, column: Column) -> list[dict]:
    """The manifest entry of a column whose newest item is past its freshness window."""
    klass, days, words = FRESHNESS[column.category]
    newest = _newest(p, column)
    if newest is None:
        return []
    age = (p.as_of - newest).days
    return [
        p.entry(
            column.unit_id,
            "stale_column",
            urls.column_url(p.portal, column),
            f"{column_label(column)}最新信息发布于{newest:%Y-%m-%d}，距评估日{age}天，超过{words}未更新",
            column_id=column.id,
            freshness=klass,
            newest=newest.isoformat(),
            threshold_days=days,
            due=(newest + dt.timedelta(days=days + 1)).isoformat(),  # the first day it is stale
        )
    ]


def stop_a_news_column(
    planter: Planter, rng: random.Random, goes_stale_by: dt.date | None = None
) -> Column | None:
    """A unit stops updating its news column: frozen before the new items are written. With
    ``goes_stale_by`` (a short step), only a column whose newest item passes the freshness
    window by that day: it goes stale within the step, on the day its entry's `due` says — a
    day the patrol before the step could foresee (None: no news column would)."""
    columns = planter.columns(m.NEWS)
    if goes_stale_by is not None:
        was = planter.recent  # the step's first day: a column stale by then is no news
        columns = [
            c
            for c in columns
            if (due := _due(planter, c)) and (was is None or due > was) and due <= goes_stale_by
        ]
    if not columns:
        return None
    column = rng.choice(columns)
    planter.used_columns.add(column.id)
    planter.frozen.add(column.id)
    return column


def _due(planter: Planter, column: Column) -> dt.date | None:
    """The first day ``column`` is stale if nothing is published in it: its newest item past
    the freshness window (age above it, `column_freshness`)."""
    _, days, _ = FRESHNESS[column.category]
    newest = _newest(planter, column)
    return None if newest is None else newest + dt.timedelta(days=days + 1)


def _newest(planter: Planter, column: Column) -> dt.date | None:
    """The publish date of ``column``'s newest dated item (None: none is dated)."""
    return max(
        (a.published for a in planter.portal.index.articles_of.get(column.id, []) if a.published),
        default=None,
    )


def publish_again(change: Change, entry: dict) -> None:
    """The fix of a stale or blank column: it is no longer frozen and gets two items now."""
    column = change.portal.index.column[entry["details"]["column_id"]]
    change.planter.frozen.discard(column.id)
    change.column_items_now(column, 2)


NO_REGRESSION = (
    "a column updated again goes stale only after its whole freshness window; advance makes "
    "new stale columns instead (stop_a_news_column)"
)
for _variant, _category, _rate in (
    ("news", m.NEWS, 0.08),
    ("notice", m.NOTICE, 0.05),
    ("personnel", m.PERSONNEL, 0.04),
):
    register(
        Kind(
            "stale_column",
            lambda p, category=_category: stale_column(p, category),
            _rate,
            fix=publish_again,
            no_regression=NO_REGRESSION,
            variant=_variant,
        )
    )
