"""date_decoy: dates that look wrong at a glance and are right (`date_sanity` may report
nothing):

- `byline_only`: a notice whose metadata table leaves 发布日期 empty while the line under its
  title prints it (发布时间：…) — the item is dated;
- `revised`: a policy document whose 成文日期 is a revision's, later than the 发布日期 its page
  kept from the original, and whose page states the revision ("（本文件于2025年3月4日修订）")
  — not published before it was written.
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy
from demo.render.common import cn_date


def byline_only(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.NOTICE, where=lambda a: a.published is not None and not a.blank_fields
    )
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.blank_fields = ["published"]
    return [
        p.entry(
            a.unit_id,
            "date_decoy",
            urls.article_url(p.portal, a),
            f"不应判为未标注发布日期：{quoted(a)}元数据表中发布日期一栏为空，但标题下方标明发布时间"
            f"{a.published:%Y-%m-%d}",
            article_id=a.id,
            published=a.published.isoformat(),
            variant="byline_only",
            check="date_sanity",
            decoy=True,
        )
    ]


def revised(p: Planter) -> list[dict]:
    latest = p.as_of - dt.timedelta(days=20)
    candidates = p.articles(
        m.POLICY,
        where=lambda a: (
            a.published is not None
            and a.written is not None
            and a.published < latest - dt.timedelta(days=60)
            and not a.interpretations
        ),
    )
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.written = timeline.on_or_after(
        min(a.published + dt.timedelta(days=p.rng.randint(40, 200)), latest)
    )
    a.lead = f"（本文件于{cn_date(a.written)}修订，修订后全文如下。）"
    return [
        p.entry(
            a.unit_id,
            "date_decoy",
            urls.article_url(p.portal, a),
            f"不应判为发布日期早于成文日期：{quoted(a)}的成文日期{a.written:%Y-%m-%d}是修订日期（页面注明"
            f"于该日修订），发布日期{a.published:%Y-%m-%d}是原文件的发布日期",
            article_id=a.id,
            written=a.written.isoformat(),
            published=a.published.isoformat(),
            variant="revised",
            check="date_sanity",
            decoy=True,
        )
    ]


for _variant, _plant in (("byline_only", byline_only), ("revised", revised)):
    register_decoy("date_decoy", _plant, "date_sanity", variant=_variant)
