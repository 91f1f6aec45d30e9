"""interpretation_decoy: interpretations that look like a defect of an interpretation check and
are none (nothing may be reported):

- `picture_only`: a unit whose interpretations are all text but one, a 一图读懂 page under a
  plain title ("解读《…》") that shows only its picture — not 形式单一;
- `second_form`: a document interpreted on time in text, and again three weeks later in another
  form (a 图解) — an addition, not a late interpretation;
- `url_variant`: a 规范性文件 whose page lists no interpretation, interpreted by a page whose
  title does not quote it in 《》 and whose 相关文件 link spells the document's address with a
  query string its CMS adds (`…html?from=zcjd`) — the document is interpreted
  (`interpretation_coverage`);
- `body_link`: an interpretation without a 相关文件 block whose body ends with a link to its
  document's original text ("详见：《…》原文") — it links back (`interpretation_backlink`).
"""

from __future__ import annotations

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Planter, column_label, quoted
from demo.defects._registry import register_decoy
from demo.model import Link
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


def url_variant(p: Planter) -> list[dict]:
    cal = default_calendar()
    candidates = p.articles(
        m.INTERPRETATION,
        where=lambda a: (
            len(a.interprets) == 1
            and a.form == m.FORM_TEXT
            and a.links_back
            and p.portal.index.article[a.interprets[0]].interpretations == [a.id]
            and p.portal.index.article[a.interprets[0]].id not in p.used_articles
            and p.portal.index.column[p.portal.index.article[a.interprets[0]].column_id].category
            == m.NORMATIVE
        ),
    )
    p.rng.shuffle(candidates)
    for interp in candidates:
        doc = p.portal.index.article[interp.interprets[0]]
        if cal.lag(doc.published, interp.published) > 3:
            continue
        unit = p.portal.index.unit[interp.unit_id]
        short = timeline._doc_short(doc.title)
        interp.title = timeline._Writer(p.portal, p.rng).unique_title(
            unit, lambda s=short: f"{s}政策问答"
        )
        interp.link_query = "from=zcjd"
        doc.interpretations = []  # the document's page lists no interpretation
        p.take(interp), p.take(doc)
        doc_url = urls.article_url(p.portal, doc)
        return [
            p.entry(
                unit.id,
                "interpretation_decoy",
                doc_url,
                f"不应判为未发布政策解读：{quoted(doc)}由{quoted(interp)}解读，解读页的“相关文件”链接为"
                f"{doc_url}?{interp.link_query}（同一页面，地址带参数）",
                article_id=interp.id,
                document_id=doc.id,
                linked=f"{doc_url}?{interp.link_query}",
                variant="url_variant",
                check="interpretation_coverage",
                decoy=True,
            )
        ]
    return []


def body_link(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.INTERPRETATION,
        where=lambda a: (
            len(a.interprets) == 1
            and a.links_back
            and not a.links
            and a.id in p.portal.index.article[a.interprets[0]].interpretations
            and p.portal.index.article[a.interprets[0]].id not in p.used_articles
        ),
    )
    if not candidates:
        return []
    interp = p.take(p.rng.choice(candidates))
    doc = p.take(p.portal.index.article[interp.interprets[0]])
    doc_url = urls.article_url(p.portal, doc)
    interp.links_back = False  # no 相关文件 block, no "| 文件" in the list
    interp.links.append(Link(text=f"《{timeline._doc_short(doc.title)}》原文", target=doc_url))
    return [
        p.entry(
            interp.unit_id,
            "interpretation_decoy",
            urls.article_url(p.portal, interp),
            f"不应判为未双向关联：{quoted(interp)}页面没有“相关文件”栏，但正文末尾链接了所解读的文件"
            f"{quoted(doc)}",
            article_id=interp.id,
            document_id=doc.id,
            document_url=doc_url,
            variant="body_link",
            check="interpretation_backlink",
            decoy=True,
        )
    ]


for _variant, _plant, _check in (
    ("picture_only", picture_only, "interpretation_forms"),
    ("second_form", second_form, "interpretation_lag"),
    ("url_variant", url_variant, "interpretation_coverage"),
    ("body_link", body_link, "interpretation_backlink"),
):
    register_decoy("interpretation_decoy", _plant, _check, variant=_variant)
