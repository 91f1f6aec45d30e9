"""consultation_decoy: items of a consultation column that look like a defect of the
`consultation` check and are none (nothing may be reported):

- `notice`: a 公示 filed in the 意见征集 column (拟表彰对象的公示, 公示期 7 days) — no draft, no
  feedback due, so neither "open fewer than 30 days" nor "no feedback";
- `extended`: a consultation first open for 15 days whose page says the deadline was extended
  ("征求意见截止时间延长至…"), 30 days or more in all;
- `feedback_in_column`: a consultation whose feedback is filed in the consultation column itself
  rather than in the feedback column.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls, vocab
from demo.defects._common import CONSULTATION_DAYS, Planter, feedback_of, quoted
from demo.defects._registry import register_decoy
from demo.render.common import cn_date

CHECK = "consultation"


def _entry(p: Planter, a: m.Article, variant: str, expected: str, **details) -> list[dict]:
    return [
        p.entry(
            a.unit_id,
            "consultation_decoy",
            urls.article_url(p.portal, a),
            "不应判为意见征集问题：" + expected,
            article_id=a.id,
            variant=variant,
            check=CHECK,
            decoy=True,
            **details,
        )
    ]


def publicity_notice(p: Planter) -> list[dict]:
    columns = p.columns(m.CONSULTATION)
    if not columns:
        return []
    column = p.rng.choice(columns)
    unit = p.portal.index.unit[column.unit_id]
    writer = timeline._Writer(p.portal, p.rng)
    day = timeline.on_or_after(p.as_of - dt.timedelta(days=p.rng.randint(60, 100)))
    until = day + dt.timedelta(days=6)
    place = timeline.jurisdiction(p.portal, unit)
    title = writer.unique_title(
        unit,
        lambda: f"关于{place}{day.year}年度{p.rng.choice(vocab.TOPICS)}先进集体拟表彰对象的公示",
    )
    a = p.take(writer.add(unit, column, title, day, day, keywords="公示"))
    a.lead = f"公示时间：{cn_date(day)}至{cn_date(until)}。"
    p.portal.reindex()
    return _entry(
        p, a, "notice",
        f"{quoted(a)}是放在意见征集栏目中的公示（公示期7天），不是征求意见稿，不适用30天征求意见期和意见反馈要求",
        open_from=day.isoformat(), open_until=until.isoformat(),
    )  # fmt: skip


def extended_deadline(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.CONSULTATION,
        where=lambda a: (
            a.open_from is not None
            and (a.open_until - a.open_from).days + 1 >= CONSULTATION_DAYS
            and feedback_of(p, a) is not None
        ),
    )
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    extended_to, a.open_until = a.open_until, a.open_from + dt.timedelta(days=14)
    noted = a.open_from + dt.timedelta(days=10)
    a.lead = f"（{cn_date(noted)}更新：征求意见截止时间延长至{cn_date(extended_to)}。）"
    days = (extended_to - a.open_from).days + 1
    return _entry(
        p, a, "extended",
        f"{quoted(a)}页面所载征求意见期为15天，但已发布延期说明，截止时间延长至{extended_to:%Y-%m-%d}，共{days}天",
        open_from=a.open_from.isoformat(), open_until=a.open_until.isoformat(),
        extended_to=extended_to.isoformat(), days=days,
    )  # fmt: skip


def feedback_in_column(p: Planter) -> list[dict]:
    limit = p.as_of - dt.timedelta(days=45)

    def fits(a: m.Article) -> bool:
        feedback = feedback_of(p, a)
        if a.open_until is None or a.open_until >= limit or feedback is None:
            return False
        return len(p.portal.index.articles_of.get(feedback.column_id, [])) >= 2

    candidates = [a for a in p.articles(m.CONSULTATION, where=fits)]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    feedback = p.take(feedback_of(p, a))
    feedback.column_id = a.column_id
    p.portal.reindex()
    return _entry(
        p, a, "feedback_in_column",
        f"{quoted(a)}的意见采纳情况反馈{quoted(feedback)}发布在意见征集栏目中，不在意见反馈栏目，但已发布",
        feedback_url=urls.article_url(p.portal, feedback),
    )  # fmt: skip


for _variant, _plant in (
    ("notice", publicity_notice),
    ("extended", extended_deadline),
    ("feedback_in_column", feedback_in_column),
):
    register_decoy("consultation_decoy", _plant, CHECK, variant=_variant)
