"""blank_column: a column that has never held an item (空白栏目)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, column_label
from demo.defects._registry import Kind, register
from demo.defects.stale_column import publish_again


def blank_column(p: Planter) -> list[dict]:
    candidates = p.columns(m.PERSONNEL, m.PLAN, m.TOWNSHIP_AREA)
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    p.remove_articles(list(p.portal.index.articles_of.get(column.id, [])))
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    return [
        p.entry(
            column.unit_id,
            "blank_column",
            urls.column_url(p.portal, column),
            f"{column_label(column)}自开设以来无任何信息，属空白栏目",
            column_id=column.id,
        )
    ]


register(
    Kind(
        "blank_column",
        blank_column,
        0.04,
        fix=publish_again,
        no_regression="a column that has held items is no longer blank, even if it stops again",
    )
)
