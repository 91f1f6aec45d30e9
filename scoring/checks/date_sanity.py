"""date_sanity — 日期异常: an article without a publish date (an undated item counts as not
published, domain.md §3.1), published before it was written, or dated after the round's day.

Subjects: `<url>#no_date`, `<url>#before_written`, `<url>#future`.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class DateSanityParams(CheckParams):
    no_date: bool = True
    before_written: bool = True
    future: bool = True


@register
class DateSanity(Check):
    name: ClassVar[str] = "date_sanity"
    Params = DateSanityParams
    description: ClassVar[str] = "publish date missing, before the written date, or in the future"

    def find(self, data: CrawlData, params: DateSanityParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(data, ctx)
        published = _scope.to_dates(arts["publish_date"])
        written = _scope.to_dates(arts["written_date"])
        as_of = pd.Timestamp(ctx.as_of)
        problems = []
        if params.no_date:
            problems.append(("no_date", published.isna()))
        if params.before_written:
            problems.append(("before_written", (published < written).fillna(False)))
        if params.future:
            problems.append(("future", ((published > as_of) | (written > as_of)).fillna(False)))
        rows = []
        for problem, mask in problems:
            for row in arts[mask.to_numpy(dtype=bool)].itertuples(index=False):
                rows.append(
                    {
                        "unit_id": row.unit_id,
                        "subject": f"{row.url}#{problem}",
                        "target_url": row.url,
                        "evidence": {
                            "url": row.url,
                            "title": _scope.text(row.title),
                            "problem": problem,
                            "published": _scope.iso(row.publish_date),
                            "written": _scope.iso(row.written_date),
                            "as_of": ctx.as_of.isoformat(),
                        },
                    }
                )
        return findings(rows)
