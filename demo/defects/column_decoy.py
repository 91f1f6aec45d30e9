"""column_decoy: columns that look stale, blank or missing at a glance and are none (nothing
may be reported):

- `dated_in_list`: the newest item's page prints no date, its column's list does (a template
  that dates items only in lists); without it the column would look stale (`column_freshness`);
- `statement`: a column with nothing new for longer than its window, whose newest item is a
  published 规范性说明 "本栏目暂无新增信息" — an update the tests accept (docs/domain.md §2)
  (`column_freshness`);
- `statement_only`: a column whose only item is such a 说明 ("本栏目暂无信息") — not blank
  (`blank_column`);
- `other_names`: a unit whose 财政预决算 and 公开制度 columns go by other real names (财政资金,
  政务公开工作制度) — present, not missing (`required_columns`).
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import FRESHNESS, Planter, column_label, quoted
from demo.defects._registry import register_decoy
from demo.model import Column

OTHER_NAMES = {m.BUDGET: "财政资金", m.RULES: "政务公开工作制度"}


def _free(p: Planter, column: Column) -> bool:
    return not any(a.id in p.used_articles for a in p.portal.index.articles_of.get(column.id, []))


def _statement(p: Planter, column: Column, title: str, day: dt.date) -> m.Article:
    """A 规范性说明 published in `column` on `day` (the articles removed before are dropped
    first, so the index rebuilt after the new one does not bring them back)."""
    p.finish()
    unit = p.portal.index.unit[column.unit_id]
    writer = timeline._Writer(p.portal, p.rng)
    statement = writer.add(unit, column, writer.unique_title(unit, lambda: title), day, day)
    p.portal.reindex()
    return p.take(statement)


def dated_in_list(p: Planter) -> list[dict]:
    for category in (m.NOTICE, m.PERSONNEL, m.PLAN):
        _, days, words = FRESHNESS[category]
        columns = [c for c in p.columns(category) if _free(p, c)]
        p.rng.shuffle(columns)
        for column in columns:
            items = [a for a in p.portal.index.articles_of.get(column.id, []) if a.published]
            if len(items) < 3 or (p.as_of - items[0].published).days > days // 3:
                continue
            newest = items[0]
            # Nothing else in the window: the newest item alone keeps the column fresh.
            cutoff = p.as_of - dt.timedelta(days=days + 20)
            doomed = [a for a in items[1:] if a.published > cutoff]
            if not any(a.published <= cutoff for a in items[1:]):
                continue
            p.remove_articles(doomed)
            newest.page_undated = True
            p.take(newest)
            p.used_columns.add(column.id)
            older = max(a.published for a in items[1:] if a.published <= cutoff)
            return [
                p.entry(
                    column.unit_id,
                    "column_decoy",
                    urls.column_url(p.portal, column),
                    f"不应判为栏目更新不及时：{column_label(column)}最新信息{quoted(newest)}的页面未标日期，"
                    f"但栏目列表标明发布于{newest.published:%Y-%m-%d}，未超过{words}",
                    column_id=column.id,
                    article_id=newest.id,
                    listed=newest.published.isoformat(),
                    older=older.isoformat(),
                    threshold_days=days,
                    variant="dated_in_list",
                    check="column_freshness",
                    decoy=True,
                )
            ]
    return []


def statement(p: Planter) -> list[dict]:
    _, days, words = FRESHNESS[m.PERSONNEL]
    cutoff = p.as_of - dt.timedelta(days=days + 30)
    columns = [
        c
        for c in p.columns(m.PERSONNEL, m.PLAN)
        if _free(p, c)
        and any(a.published and a.published <= cutoff for a in p.portal.index.articles_of[c.id])
    ]
    if not columns:
        return []
    column = p.rng.choice(columns)
    items = p.portal.index.articles_of[column.id]
    p.remove_articles([a for a in items if a.published is None or a.published > cutoff])
    day = timeline.on_or_after(p.as_of - dt.timedelta(days=p.rng.randint(10, 30)))
    note = _statement(p, column, "关于本栏目暂无新增信息的说明", day)
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    older = max(a.published for a in p.portal.index.articles_of[column.id] if a is not note)
    return [
        p.entry(
            column.unit_id,
            "column_decoy",
            urls.column_url(p.portal, column),
            f"不应判为栏目更新不及时：{column_label(column)}此前最新信息发布于{older:%Y-%m-%d}，"
            f"但{day:%Y-%m-%d}发布了{quoted(note)}（规范性说明），栏目有维护",
            column_id=column.id,
            article_id=note.id,
            published=day.isoformat(),
            older=older.isoformat(),
            threshold_days=days,
            variant="statement",
            check="column_freshness",
            decoy=True,
        )
    ]


def statement_only(p: Planter) -> list[dict]:
    columns = [c for c in p.columns(m.TOWNSHIP_AREA, m.PLAN) if _free(p, c)]
    # Not beside another 说明 of the same unit (two would be one text published twice).
    noted = {a.unit_id for a in p.portal.articles if "暂无" in a.title}
    columns = [c for c in columns if c.unit_id not in noted]
    if not columns:
        return []
    column = p.rng.choice(columns)
    p.remove_articles(list(p.portal.index.articles_of.get(column.id, [])))
    day = timeline.on_or_after(p.as_of - dt.timedelta(days=p.rng.randint(20, 60)))
    note = _statement(p, column, "关于本栏目暂无信息的说明", day)
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    return [
        p.entry(
            column.unit_id,
            "column_decoy",
            urls.column_url(p.portal, column),
            f"不应判为空白栏目：{column_label(column)}只有一条{quoted(note)}，是单位发布的规范性说明",
            column_id=column.id,
            article_id=note.id,
            variant="statement_only",
            check="blank_column",
            decoy=True,
        )
    ]


def other_names(p: Planter) -> list[dict]:
    units = [
        u
        for u in p.units()
        if all(
            any(c.category == cat and c.id not in p.used_columns and not c.hidden
                for c in p.portal.index.columns_of.get(u.id, []))
            for cat in OTHER_NAMES
        )
    ]  # fmt: skip
    if not units:
        return []
    unit = p.rng.choice(units)
    renamed = {}
    for column in p.portal.index.columns_of[unit.id]:
        if column.category in OTHER_NAMES and column.id not in p.used_columns:
            renamed[column.category] = (column.name, OTHER_NAMES[column.category])
            column.name = OTHER_NAMES[column.category]
            p.used_columns.add(column.id)
    return [
        p.entry(
            unit.id,
            "column_decoy",
            urls.unit_entry(p.portal, unit),
            "不应判为缺少必设栏目：" + "，".join(
                f"「{old}」栏目名为「{new}」" for old, new in renamed.values()
            ) + "，是同一类栏目的常见名称",
            renamed={cat: new for cat, (_, new) in renamed.items()},
            variant="other_names",
            check="required_columns",
            decoy=True,
        )
    ]  # fmt: skip


for _variant, _plant, _check in (
    ("dated_in_list", dated_in_list, "column_freshness"),
    ("statement", statement, "column_freshness"),
    ("statement_only", statement_only, "blank_column"),
    ("other_names", other_names, "required_columns"),
):
    register_decoy("column_decoy", _plant, _check, variant=_variant)
