"""key_area_decoy: a monthly key-area column that publishes January and February together
("2025年1-2月…", as statistics publish them) — no month is missing."""

from __future__ import annotations

import datetime as dt

from demo import urls
from demo.defects._common import Planter, column_label
from demo.defects._registry import register_decoy
from demo.model import KEY_AREA


def key_area_decoy(p: Planter) -> list[dict]:
    window = p.as_of - dt.timedelta(days=330)
    for column in p.rng.sample(p.columns(KEY_AREA), len(p.columns(KEY_AREA))):
        if column.cadence != "month":
            continue
        items = {a.period: a for a in p.portal.index.articles_of.get(column.id, [])}
        year = next(
            (y for y in (p.as_of.year, p.as_of.year - 1) if dt.date(y, 2, 28) > window), None
        )
        if year is None:
            continue
        january, february = items.get(f"{year}-01"), items.get(f"{year}-02")
        if january is None or february is None or {january.id, february.id} & p.used_articles:
            continue
        if february.published is None or february.published > p.as_of:
            continue
        p.take(january)
        p.remove_articles([february])
        p.skip.add(("period", column.id, february.period))
        p.used_columns.add(column.id)
        unit = p.portal.index.unit[column.unit_id]
        january.title = f"{unit.short}{year}年1-2月{column.name}状况"
        january.published = january.written = february.published
        january.lead = f"本期为{year}年1月、2月合并发布。"
        p.portal.index.resort(column.id)
        return [
            p.entry(
                column.unit_id,
                "key_area_decoy",
                urls.column_url(p.portal, column),
                f"不应判为缺期：{column_label(column)}{year}年1月、2月合并为一期"
                f"“{january.title}”发布，两个月都有信息",
                column_id=column.id,
                article_id=january.id,
                months=[f"{year}-01", f"{year}-02"],
                check="periodic_publication",
                decoy=True,
            )
        ]
    return []


register_decoy("key_area_decoy", key_area_decoy, "periodic_publication")
