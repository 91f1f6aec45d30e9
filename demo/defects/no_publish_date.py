"""no_publish_date: an article shows no publication date."""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def no_publish_date(p: Planter) -> list[dict]:
    candidates = [
        a for a in p.articles(m.NOTICE) if p.portal.index.articles_of[a.column_id][0].id != a.id
    ]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    original, a.published = a.published, None
    return [
        p.entry(
            a.unit_id,
            "no_publish_date",
            urls.article_url(p.portal, a),
            f"{quoted(a)}未标注发布日期",
            article_id=a.id,
            original=original.isoformat(),
        )
    ]


def restore_date(change: Change, entry: dict) -> None:
    a = change.article(entry)
    a.published = dt.date.fromisoformat(entry["details"]["original"])
    change.portal.index.resort(a.column_id)


register(
    Kind(
        "no_publish_date",
        no_publish_date,
        0.05,
        fix=restore_date,
        no_regression="not modelled: a date once shown again is not dropped from the same page",
        between_crawls=True,
    )
)
