"""consultation_without_feedback: a closed consultation without the feedback on the opinions
received (意见采纳情况反馈), due within `FEEDBACK_DAYS` of its close (docs/domain.md §3.5).

The `coming` variant plants one whose feedback is not due yet: closed a few weeks before the
portal's day, its feedback missing, it becomes this defect within a short step (`due`, the
first day after the 30 days) — a deadline the daily patrol warns of before.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import (
    COMING_DAYS,
    FEEDBACK_DAYS,
    Change,
    Planter,
    comes_due,
    feedback_of,
    quoted,
)
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


def feedback_comes_due(p: Planter) -> list[dict]:
    """A consultation whose feedback is missing and falls due within a short step: closed
    between 16 and 30 days before the portal's day (its feedback, published 3–12 days after the
    close by the baseline, taken off and kept from coming). Consultations are rare (one in five
    months a column): when none closed then, a unit publishes one that did (`_closed_lately`)."""
    candidates = [
        a
        for a in p.articles(m.CONSULTATION)
        if a.open_until is not None
        and not a.feedback_for
        and comes_due(p, _first_day_late(a))
        and _feedback_column_keeps_items(p, a)
    ]
    a = p.rng.choice(candidates) if candidates else _closed_lately(p)
    if a is None:
        return []
    p.take(a)
    feedback = feedback_of(p, a)
    if feedback is not None:
        p.remove_articles([feedback])
    p.skip.add(("feedback", a.id))
    due = _first_day_late(a)
    return [
        p.entry(
            a.unit_id,
            "consultation_without_feedback",
            urls.article_url(p.portal, a),
            f"意见征集{quoted(a)}已于{a.open_until:%Y-%m-%d}截止，截止后{FEEDBACK_DAYS}日内"
            f"（至{due - dt.timedelta(days=1):%Y-%m-%d}）未发布意见采纳情况反馈",
            article_id=a.id,
            open_until=a.open_until.isoformat(),
            due=due.isoformat(),  # the first day its feedback is late
        )
    ]


def _closed_lately(p: Planter) -> m.Article | None:
    """A consultation published by a unit with a feedback column holding items, open 32–45
    days (counting both ends, as the baseline's) and closed so its feedback falls due within a
    short step."""
    columns = [
        c
        for c in p.columns(m.CONSULTATION)
        if any(
            f.category == m.FEEDBACK and p.portal.index.articles_of.get(f.id)
            for f in p.portal.index.columns_of.get(c.unit_id, [])
        )
    ]
    if not columns:
        return None
    column = p.rng.choice(columns)
    unit = p.portal.index.unit[column.unit_id]
    close = p.as_of + dt.timedelta(days=p.rng.randint(1, COMING_DAYS) - FEEDBACK_DAYS - 1)
    writer = timeline._Writer(p.portal, p.rng)
    opened = [
        day for n in range(31, 45) if writer.cal.is_workday(day := close - dt.timedelta(days=n))
    ]
    p.finish()  # removed articles first: the index rebuilt below must not bring them back
    article = timeline._consultation(writer, unit, column, p.rng.choice(opened), until=close)
    p.portal.reindex()
    return article


def _first_day_late(consultation) -> dt.date:
    """The first day a consultation without feedback is a problem: the check's deadline is the
    close plus `FEEDBACK_DAYS` (calendar days), and a problem the day after it."""
    return consultation.open_until + dt.timedelta(days=FEEDBACK_DAYS + 1)


def _feedback_column_keeps_items(p: Planter, consultation) -> bool:
    """Whether the unit's feedback column keeps an item without this consultation's feedback
    (an emptied column would be a blank column the manifest does not list)."""
    feedback = feedback_of(p, consultation)
    return any(
        a is not feedback
        for c in p.portal.index.columns_of.get(consultation.unit_id, [])
        if c.category == m.FEEDBACK
        for a in p.portal.index.articles_of.get(c.id, [])
    )


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
register(
    Kind(
        "consultation_without_feedback",
        feedback_comes_due,
        0.03,
        fix=publish_feedback,
        no_regression="not modelled: a feedback once published is not taken down again",
        variant="coming",
    )
)
