"""interpretation_late: an interpretation published more than 3 working days after its document."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import INTERPRETATION_LAG, Planter, quoted
from demo.defects._registry import Kind, register
from scoring.workdays import default_calendar


def interpretation_late(p: Planter) -> list[dict]:
    cal = default_calendar()
    candidates = p.articles(
        m.INTERPRETATION,
        where=lambda a: (
            len(a.interprets) == 1
            and p.portal.index.article[a.interprets[0]].id not in p.used_articles
        ),
    )
    p.rng.shuffle(candidates)
    for interp in candidates:
        doc = p.portal.index.article[interp.interprets[0]]
        lag = p.rng.randint(INTERPRETATION_LAG + 2, 15)
        published = cal.add(doc.published, lag)
        if published > p.as_of or len(doc.interpretations) != 1:
            continue
        p.take(interp)
        p.take(doc)
        interp.published = published
        p.portal.index.resort(interp.column_id)
        return [
            p.entry(
                interp.unit_id,
                "interpretation_late",
                urls.article_url(p.portal, interp),
                f"政策解读{quoted(interp)}发布于{published:%Y-%m-%d}，晚于所解读文件{quoted(doc)}"
                f"（{doc.published:%Y-%m-%d}）{lag}个工作日，超过3个工作日",
                article_id=interp.id,
                document_id=doc.id,
                workdays=lag,
            )
        ]
    return []


register(
    Kind(
        "interpretation_late",
        interpretation_late,
        0.05,
        no_fix="a late interpretation cannot be made on time afterwards",
        no_regression="it has no fix to undo",
        between_crawls=True,
    )
)
