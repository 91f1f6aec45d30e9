"""interpretation_decoy: interpretations that look like a defect of an interpretation check and
are none (nothing may be reported):

- `picture_only`: a unit whose interpretations are all text but one, a 一图读懂 page under a
  plain title ("解读《…》") that shows only its picture — not 形式单一;
- `second_form`: a document interpreted on time in text, and again three weeks later in another
  form (a 图解) — an addition, not a late interpretation.
"""

from __future__ import annotations

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Planter, column_label, quoted
from demo.defects._registry import Kind, register
from scoring.workdays import default_calendar


def picture_only(p: Planter) -> list[dict]:
    units = [u for u in p.units([m.CITY_DEPT, m.COUNTY_DEPT]) if u.id not in p.form_units]
    p.rng.shuffle(units)
    for unit in units:
        column = next(
            (
                c
                for c in p.portal.index.columns_of.get(unit.id, [])
                if c.category == m.INTERPRETATION
            ),
            None,
        )
        if column is None or column.id in p.used_columns:
            continue
        interps = p.portal.index.articles_of.get(column.id, [])
        docs = [p.portal.index.article.get(a.interprets[0]) for a in interps if a.interprets]
        if len(interps) < 3 or any(a.id in p.used_articles for a in interps + docs if a):
            continue
        # One interpretation per document, all text but the newest one.
        seen: set[int] = set()
        extra = []
        for a in sorted(interps, key=lambda a: a.id):
            if a.interprets[0] in seen:
                extra.append(a)
            seen.add(a.interprets[0])
        p.remove_articles(extra)
        kept = sorted(p.portal.index.articles_of.get(column.id, []), key=lambda a: a.id)
        writer = timeline._Writer(p.portal, p.rng)
        for a in kept:
            doc = p.portal.index.article[a.interprets[0]]
            a.form, a.attachments = m.FORM_TEXT, []
            a.title = timeline.INTERPRETATION_TITLES[m.FORM_TEXT].format(
                doc=timeline._doc_short(doc.title), short=unit.short
            )
            p.take(a)
        picture = kept[-1]
        picture.form, picture.media_only = m.FORM_GRAPHIC, True
        picture.title = (
            f"解读《{timeline._doc_short(p.portal.index.article[picture.interprets[0]].title)}》"
        )
        writer.attach(picture, "png")
        p.used_columns.add(column.id)
        p.form_units.add(unit.id)  # later interpretations stay text: the picture stays alone
        return [
            p.entry(
                unit.id,
                "interpretation_decoy",
                urls.column_url(p.portal, column),
                f"不应判为解读形式单一：{column_label(column)}中{quoted(picture)}是图解（页面只有一张解读图片），"
                "标题未写“图解”",
                column_id=column.id,
                article_id=picture.id,
                variant="picture_only",
                check="interpretation_forms",
                decoy=True,
            )
        ]
    return []


def second_form(p: Planter) -> list[dict]:
    cal = default_calendar()
    candidates = p.articles(
        m.INTERPRETATION,
        where=lambda a: (
            len(a.interprets) == 1
            and a.form == m.FORM_TEXT
            and a.unit_id not in p.form_units
            and len(p.portal.index.article[a.interprets[0]].interpretations) == 1
            and p.portal.index.article[a.interprets[0]].id not in p.used_articles
        ),
    )
    p.rng.shuffle(candidates)
    for first in candidates:
        doc = p.portal.index.article[first.interprets[0]]
        if cal.lag(doc.published, first.published) > 3 or cal.add(doc.published, 15) > p.as_of:
            continue
        unit = p.portal.index.unit[first.unit_id]
        column = p.portal.index.column[first.column_id]
        writer = timeline._Writer(p.portal, p.rng)
        second = timeline._interpretation(
            writer, unit, column, doc, m.FORM_GRAPHIC, p.as_of, lag=15
        )
        p.take(first), p.take(second), p.take(doc)
        p.portal.reindex()
        return [
            p.entry(
                unit.id,
                "interpretation_decoy",
                urls.article_url(p.portal, second),
                f"不应判为解读滞后：{quoted(doc)}已于{first.published:%Y-%m-%d}同步发布文字解读{quoted(first)}，"
                f"{second.published:%Y-%m-%d}发布的{quoted(second)}是补充的图解",
                article_id=second.id,
                first_id=first.id,
                document_id=doc.id,
                variant="second_form",
                check="interpretation_lag",
                decoy=True,
            )
        ]
    return []


for _variant, _plant, _check in (
    ("picture_only", picture_only, "interpretation_forms"),
    ("second_form", second_form, "interpretation_lag"),
):
    register(
        Kind(
            "interpretation_decoy",
            _plant,
            0.03,
            no_fix="a decoy: there is nothing to fix",
            no_regression="a decoy has no fix to undo",
            variant=_variant,
            decoy=_check,
        )
    )
