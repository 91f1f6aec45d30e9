"""consultation_too_short: a public consultation (意见征集) open for fewer than 30 days."""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import Planter, feedback_of, quoted
from demo.defects._registry import Kind, register


def consultation_too_short(p: Planter) -> list[dict]:
    candidates = [a for a in p.articles(m.CONSULTATION) if feedback_of(p, a)]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.open_until = a.open_from + dt.timedelta(days=p.rng.randint(9, 19))
    days = (a.open_until - a.open_from).days + 1
    return [
        p.entry(
            a.unit_id,
            "consultation_too_short",
            urls.article_url(p.portal, a),
            f"意见征集{quoted(a)}征求意见期为{a.open_from:%Y-%m-%d}至{a.open_until:%Y-%m-%d}，"
            f"共{days}天，少于30天",
            article_id=a.id,
            open_from=a.open_from.isoformat(),
            open_until=a.open_until.isoformat(),
            days=days,
        )
    ]


register(
    Kind(
        "consultation_too_short",
        consultation_too_short,
        0.04,
        no_fix="a consultation that has closed cannot be given a longer period afterwards",
        no_regression="it has no fix to undo",
    )
)
