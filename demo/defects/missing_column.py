"""missing_column: a column every unit must set up (the budget column) is not there."""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls, vocab
from demo.defects._common import Change, Planter
from demo.defects._registry import Kind, register
from demo.model import Column


def missing_column(p: Planter) -> list[dict]:
    candidates = p.columns(m.BUDGET)
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    unit = p.portal.index.unit[column.unit_id]
    p.remove_articles(list(p.portal.index.articles_of.get(column.id, [])))
    p.portal.columns.remove(column)
    p.portal.index.discard_column(column)
    p.used_columns.add(column.id)
    return [
        p.entry(
            unit.id,
            "missing_column",
            urls.unit_entry(p.portal, unit),
            f"公开目录中缺少必设栏目「{column.name}」",
            category=column.category,
            column_name=column.name,
        )
    ]


def set_up_column(change: Change, entry: dict) -> None:
    """The unit opens the column a week before the new as_of and publishes one item in it."""
    unit = change.portal.index.unit[entry["unit_id"]]
    category = entry["details"]["category"]
    column = Column(
        id=max(c.id for c in change.portal.columns) + 1,
        unit_id=unit.id,
        name=entry["details"]["column_name"],
        category=category,
        slug=vocab.SLUGS.get(category, "lm"),
        opened=change.new_as_of - dt.timedelta(days=7),
    )
    change.portal.columns.append(column)
    change.portal.reindex()
    change.column_items_now(column, 1)


register(
    Kind(
        "missing_column",
        missing_column,
        0.03,
        fix=set_up_column,
        no_regression="a column once set up is not taken down again in the sample portal",
    )
)
