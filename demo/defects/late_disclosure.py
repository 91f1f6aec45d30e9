"""late_disclosure: an item published more than 20 working days after it was made (条例 art. 26).

Three cases: plainly late; late only because of a make-up workday (调休), which a weekends-only
count misses; and a decoy (`late_disclosure_decoy`) that looks late in calendar days but is not.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import urls
from demo.defects._common import LATE_WORKDAYS, Planter, quoted
from demo.defects._registry import Kind, register
from scoring.workdays import default_calendar


def _weekdays(start: dt.date, end: dt.date) -> int:
    return sum(
        1 for i in range(1, (end - start).days + 1) if (start + dt.timedelta(days=i)).weekday() < 5
    )


def late_disclosure(p: Planter) -> list[dict]:
    cal = default_calendar()
    entries: list[dict] = []
    candidates = p.articles(m.NOTICE)
    p.rng.shuffle(candidates)
    wanted = ["plain", "makeup_workday", "calendar_only"]
    for a in candidates:
        if not wanted:
            break
        variant = wanted[0]
        written = _find_written(cal, a.published, variant)
        if written is None:
            continue
        wanted.pop(0)
        p.take(a)
        a.written = written
        lag = cal.lag(written, a.published)
        span = (a.published - written).days
        if variant == "calendar_only":
            entries.append(
                p.entry(
                    a.unit_id,
                    "late_disclosure_decoy",
                    urls.article_url(p.portal, a),
                    f"不应判为迟发：{quoted(a)}生成于{written:%Y-%m-%d}、发布于{a.published:%Y-%m-%d}，"
                    f"相隔{span}个自然日但仅{lag}个工作日（含节假日），未超过20个工作日",
                    article_id=a.id,
                    written=written.isoformat(),
                    published=a.published.isoformat(),
                    workdays=lag,
                    calendar_days=span,
                    check="disclosure_lag",
                    decoy=True,
                )
            )
            continue
        extra = (
            "（期间含调休上班日，按周一至周五计仅" + str(_weekdays(written, a.published)) + "天）"
            if variant == "makeup_workday"
            else ""
        )
        entries.append(
            p.entry(
                a.unit_id,
                "late_disclosure",
                urls.article_url(p.portal, a),
                f"{quoted(a)}生成于{written:%Y-%m-%d}、发布于{a.published:%Y-%m-%d}，"
                f"相隔{lag}个工作日{extra}，超过20个工作日公开时限",
                article_id=a.id,
                written=written.isoformat(),
                published=a.published.isoformat(),
                workdays=lag,
                variant=variant,
            )
        )
    return entries


def _find_written(cal, published: dt.date, variant: str) -> dt.date | None:
    for back in range(1, 80):
        day = published - dt.timedelta(days=back)
        if not cal.is_workday(day):
            continue
        lag = cal.lag(day, published)
        weekdays = _weekdays(day, published)
        if variant == "plain" and 24 <= lag <= 40 and weekdays == lag:
            return day
        if variant == "makeup_workday" and lag == LATE_WORKDAYS + 1 and weekdays <= LATE_WORKDAYS:
            return day
        if variant == "calendar_only" and 17 <= lag <= LATE_WORKDAYS and back >= 32:
            return day
    return None


register(
    Kind(
        "late_disclosure",
        late_disclosure,
        0.03,
        no_fix="a late publication cannot be made on time afterwards",
        no_regression="it has no fix to undo",
    )
)
