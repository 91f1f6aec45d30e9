"""normative_without_interpretation: a normative document (行政规范性文件) has no interpretation
(政策解读). Planted only in units that keep another form of interpretation, so that the unit is not
also "text only".
"""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import Kind, register


def _has_other_form(p: Planter, unit_id: str, dropping: set[int]) -> bool:
    forms = [
        a.form
        for c in p.portal.index.columns_of.get(unit_id, [])
        if c.category == m.INTERPRETATION
        for a in p.portal.index.articles_of.get(c.id, [])
        if a.id not in dropping
    ]
    return not forms or any(f != m.FORM_TEXT for f in forms)


def normative_without_interpretation(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.NORMATIVE,
        where=lambda a: (
            bool(a.interpretations)
            and a.unit_id not in p.form_units
            and not any(i in p.used_articles for i in a.interpretations)
        ),
    )
    p.rng.shuffle(candidates)
    for doc in candidates:
        if _has_other_form(p, doc.unit_id, set(doc.interpretations)):
            p.take(doc)
            p.remove_articles([p.portal.index.article[i] for i in doc.interpretations])
            return [
                p.entry(
                    doc.unit_id,
                    "normative_without_interpretation",
                    urls.article_url(p.portal, doc),
                    f"行政规范性文件{quoted(doc)}未发布政策解读",
                    article_id=doc.id,
                )
            ]
    return []


register(
    Kind(
        "normative_without_interpretation",
        normative_without_interpretation,
        0.05,
        no_fix="an interpretation published now would be late: another kind (interpretation_late)",
        no_regression="it has no fix to undo",
        between_crawls=True,
    )
)
