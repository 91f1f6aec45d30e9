"""same_title_decoy: two different items of one unit under one title, in two columns — not a
duplicate (重复发布 is the same information twice, not the same title twice).

A news item is given the title of one of the unit's notices: its page still reports its own
event. Nothing may be reported. (Until issue 12 this planting was the `duplicate_title` defect:
a title-only match called the two pages "同一信息" and asked the unit to delete real news.)
"""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy


def same_title_decoy(p: Planter) -> list[dict]:
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
                "same_title_decoy",
                urls.article_url(p.portal, copy),
                f"不应判为重复发布：「{cols[m.NEWS].name}」栏目的{quoted(copy)}与「{cols[m.NOTICE].name}」"
                "栏目的同名信息标题相同，但正文是各自的内容，不是同一信息",
                article_id=copy.id,
                other_article_id=original.id,
                other_url=urls.article_url(p.portal, original),
                original=own_title,
                check="duplicate_information",
                decoy=True,
            )
        ]
    return []


register_decoy(
    "same_title_decoy", same_title_decoy, "duplicate_information", rate=0.04, between_crawls=True
)
