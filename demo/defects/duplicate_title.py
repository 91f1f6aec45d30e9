"""duplicate_title: the same item published in two columns of one unit (重复发布)."""

from __future__ import annotations

from demo import model as m
from demo import timeline, urls, vocab
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def duplicate_title(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        cols = {c.category: c for c in p.portal.index.columns_of.get(unit.id, [])}
        if (
            m.NOTICE not in cols
            or m.NEWS not in cols
            or {cols[m.NOTICE].id, cols[m.NEWS].id} & p.used_columns
        ):
            continue
        notices = [
            a for a in p.portal.index.articles_of[cols[m.NOTICE].id] if a.id not in p.used_articles
        ]
        news = [
            a
            for a in p.portal.index.articles_of[cols[m.NEWS].id]
            if a.id not in p.used_articles
            and (not p.recent or (a.published or p.recent) > p.recent)
        ]
        if not notices or not news:
            continue
        original, copy = p.take(p.rng.choice(notices)), p.take(p.rng.choice(news))
        own_title, copy.title = copy.title, original.title
        return [
            p.entry(
                unit.id,
                "duplicate_title",
                urls.article_url(p.portal, copy),
                f"同一信息{quoted(copy)}在「{cols[m.NOTICE].name}」和「{cols[m.NEWS].name}」两个栏目重复发布",
                article_id=copy.id,
                other_article_id=original.id,
                other_url=urls.article_url(p.portal, original),
                original=own_title,
            )
        ]
    return []


def retitle(change: Change, entry: dict) -> None:
    a = change.article(entry)
    unit = change.portal.index.unit[a.unit_id]
    a.title = change.writer.unique_title(
        unit,
        lambda: timeline._fill(
            change.writer.rng.choice(vocab.NEWS_TITLES), unit, change.writer, a.written.year, 1
        ),
    )


register(
    Kind(
        "duplicate_title",
        duplicate_title,
        0.04,
        fix=retitle,
        no_regression="not modelled: a copy given its own title is not renamed back",
        between_crawls=True,
    )
)
