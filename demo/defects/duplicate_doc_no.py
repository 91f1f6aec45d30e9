"""duplicate_doc_no: a policy document published a second time, as its own page in the unit's
通知公告 column under the document's name — the same 文号, the same text (重复发布).

`publish_copy` is shared with `duplicate_body`: a copy is a page of its own whose body reprints
the original's (`Article.copy_of`). The fix turns the copy into a pointer to the original (改为
链接, as the suggestion offers): its page stays, without the reprint or the 文号. (Deleting it is
the other fix a unit may choose, but a page gone from a site stays in the store and is judged
still — a crawl does not yet mark a page that now answers 404 as gone.)
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Change, Planter, column_label, quoted
from demo.defects._registry import Kind, register
from demo.model import Article, Column, Link


def publish_copy(
    p: Planter, original: Article, column: Column, title: str, workdays: int, **fields
) -> Article:
    """A page in `column` reprinting `original`'s body under `title`, `workdays` after it."""
    writer = timeline._Writer(p.portal, p.rng)
    unit = p.portal.index.unit[original.unit_id]
    day = writer.cal.add(original.published, workdays) if workdays else original.published
    copy = writer.add(
        unit,
        column,
        writer.unique_title(unit, lambda: title),
        original.written,
        day,
        copy_of=original.id,
        keywords=original.keywords,
        **fields,
    )
    p.take(copy)
    p.take(original)
    p.used_columns.add(column.id)
    p.portal.reindex()
    return copy


def _column(p: Planter, unit_id: str, category: str) -> Column | None:
    return next(
        (
            c
            for c in p.portal.index.columns_of.get(unit_id, [])
            if c.category == category and c.id not in p.used_columns and not c.hidden
        ),
        None,
    )


def duplicate_doc_no(p: Planter) -> list[dict]:
    latest = p.as_of - dt.timedelta(days=10)
    candidates = p.articles(
        m.POLICY, where=lambda a: bool(a.doc_no) and a.published and a.published <= latest
    )
    p.rng.shuffle(candidates)
    for original in candidates:
        column = _column(p, original.unit_id, m.NOTICE)
        if column is None:
            continue
        name = timeline._doc_short(original.title)
        copy = publish_copy(p, original, column, name, p.rng.randint(1, 4), doc_no=original.doc_no)
        return [
            p.entry(
                original.unit_id,
                "duplicate_doc_no",
                urls.article_url(p.portal, copy),
                f"{column_label(column)}的{quoted(copy)}与{quoted(original)}文号同为{original.doc_no}，"
                "是同一文件重复发布",
                article_id=copy.id,
                other_article_id=original.id,
                other_url=urls.article_url(p.portal, original),
                doc_no=original.doc_no,
            )
        ]
    return []


def link_to_original(change: Change, entry: dict) -> None:
    """The fix: the copy no longer reprints the original, it links to it."""
    copy = change.article(entry)
    original = change.portal.index.article[entry["details"]["other_article_id"]]
    column = change.portal.index.column[original.column_id]
    copy.copy_of, copy.doc_no, copy.body_doc_no = None, "", ""
    copy.lead = f"本信息已在「{column.name}」栏目发布，请通过下方链接查看原文。"
    copy.links = [
        Link(text=f"原文：{original.title}", target=urls.article_url(change.portal, original))
    ]
    change.touch(entry)


register(
    Kind(
        "duplicate_doc_no",
        duplicate_doc_no,
        0.03,
        fix=link_to_original,
        no_regression="not modelled: a deleted copy is not published again",
    )
)
