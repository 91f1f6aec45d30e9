"""consultation_without_feedback: a closed consultation without the feedback on the opinions
received (意见采纳情况反馈)."""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, feedback_of, quoted
from demo.defects._registry import Kind, register


def consultation_without_feedback(p: Planter) -> list[dict]:
    limit = p.as_of - dt.timedelta(days=45)
    candidates = [
        a for a in p.articles(m.CONSULTATION) if a.open_until < limit and feedback_of(p, a)
    ]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    p.remove_articles([feedback_of(p, a)])
    p.skip.add(("feedback", a.id))
    return [
        p.entry(
            a.unit_id,
            "consultation_without_feedback",
            urls.article_url(p.portal, a),
            f"意见征集{quoted(a)}已于{a.open_until:%Y-%m-%d}截止，未发布意见采纳情况反馈",
            article_id=a.id,
            open_until=a.open_until.isoformat(),
        )
    ]


def publish_feedback(change: Change, entry: dict) -> None:
    consultation = change.article(entry)
    unit = change.portal.index.unit[consultation.unit_id]
    column = next(c for c in change.portal.index.columns_of[unit.id] if c.category == m.FEEDBACK)
    day = change.last_workday()
    name = consultation.title[consultation.title.index("《") + 1 : consultation.title.index("》")]
    title = change.writer.unique_title(unit, lambda: f"《{name}》征求意见采纳情况的反馈")
    change.writer.add(
        unit, column, title, day, day, feedback_for=consultation.id, keywords="意见反馈"
    )
    change.portal.index.resort(column.id)
    change.planter.skip.discard(("feedback", consultation.id))


register(
    Kind(
        "consultation_without_feedback",
        consultation_without_feedback,
        0.04,
        fix=publish_feedback,
        no_regression="not modelled: a feedback once published is not taken down again",
    )
)
