"""duplicate_body: a notice published a second time in the unit's 工作动态 column under a tagged
title ("【通知公告】…") — another title, the same text, the same days (重复发布)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, column_label, quoted
from demo.defects._registry import Kind, register
from demo.defects.duplicate_doc_no import _column, link_to_original, publish_copy


def duplicate_body(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, where=lambda a: a.published is not None)
    p.rng.shuffle(candidates)
    for original in candidates:
        column = _column(p, original.unit_id, m.NEWS)
        if column is None:
            continue
        copy = publish_copy(p, original, column, f"【通知公告】{original.title}", 0)
        return [
            p.entry(
                original.unit_id,
                "duplicate_body",
                urls.article_url(p.portal, copy),
                f"{column_label(column)}的{quoted(copy)}与{quoted(original)}正文相同，是同一信息重复发布",
                article_id=copy.id,
                other_article_id=original.id,
                other_url=urls.article_url(p.portal, original),
            )
        ]
    return []


register(
    Kind(
        "duplicate_body",
        duplicate_body,
        0.03,
        fix=link_to_original,
        no_regression="not modelled: a deleted copy is not published again",
    )
)
