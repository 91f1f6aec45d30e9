"""interpretation_text_only: all of a unit's interpretations are plain text (解读形式单一).

Planted first of all kinds so that later planters keep the unit's forms pinned; between two
crawls the unit keeps publishing text only until fixed (`pin_forms`).
"""

from __future__ import annotations

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Change, Planter
from demo.defects._registry import Kind, register
from demo.model import Article, Unit


def interpretation_text_only(p: Planter) -> list[dict]:
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
        if len(interps) < 3 or any(a.id in p.used_articles for a in interps):
            continue
        # One interpretation per document, all plain text.
        seen: set[int] = set()
        extra = []
        for a in sorted(interps, key=lambda a: a.id):
            if a.interprets[0] in seen:
                extra.append(a)
            seen.add(a.interprets[0])
        p.remove_articles(extra)
        for a in p.portal.index.articles_of.get(column.id, []):
            doc = p.portal.index.article[a.interprets[0]]
            a.form = m.FORM_TEXT
            a.attachments = []
            a.title = timeline.INTERPRETATION_TITLES[m.FORM_TEXT].format(
                doc=timeline._doc_short(doc.title), short=unit.short
            )
        p.form_units.add(unit.id)
        count = len(p.portal.index.articles_of.get(column.id, []))
        return [
            p.entry(
                unit.id,
                "interpretation_text_only",
                urls.column_url(p.portal, column),
                f"本单位{count}条政策解读均为文字解读，解读形式单一（无图解、音视频、负责人解读等）",
                column_id=column.id,
                count=count,
            )
        ]
    return []


def pin_forms(change: Change, units: set[str], new: list[Article]) -> None:
    """Units planted as "text-only interpretations" keep publishing text only until fixed: `new`
    are the articles `zwgk demo advance` just wrote, `units` the pinned ones."""
    for a in new:
        if a.unit_id in units and a.form and a.form != m.FORM_TEXT:
            unit: Unit = change.portal.index.unit[a.unit_id]
            doc = change.portal.index.article[a.interprets[0]]
            if len(doc.interpretations) > 1:  # a second form of the same document: drop it
                change.planter.remove_articles([a])
                continue
            a.form = m.FORM_TEXT
            a.attachments = []
            a.title = change.writer.unique_title(
                unit,
                lambda doc=doc, unit=unit: timeline.INTERPRETATION_TITLES[m.FORM_TEXT].format(
                    doc=timeline._doc_short(doc.title), short=unit.short
                ),
            )


def vary_forms(change: Change, entry: dict) -> None:
    """The fix: the column's newest interpretation becomes a graphic one (图解), with its image."""
    column = change.portal.index.column[entry["details"]["column_id"]]
    unit = change.portal.index.unit[column.unit_id]
    interp = change.portal.index.articles_of[column.id][0]
    doc = change.portal.index.article[interp.interprets[0]]
    interp.form = m.FORM_GRAPHIC
    interp.title = change.writer.unique_title(
        unit,
        lambda: timeline.INTERPRETATION_TITLES[m.FORM_GRAPHIC].format(
            doc=timeline._doc_short(doc.title), short=unit.short
        ),
    )
    change.writer.attach(interp, "png")
    interp.modified = change.new_as_of
    change.planter.form_units.discard(unit.id)


register(
    Kind(
        "interpretation_text_only",
        interpretation_text_only,
        0.03,
        fix=vary_forms,
        no_regression="not modelled: a unit that publishes a graphic interpretation keeps it",
    )
)
