"""date_sanity — 日期异常: an article without a publish date (an undated item counts as not
published, docs/domain.md §3.1), published before it was written, or dated after the day its page
was read (a forged or mistyped date; the round's day when the read time is unknown).

Subjects: `<url>#no_date`, `<url>#before_written`, `<url>#future`.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

CHINA = "Asia/Shanghai"


class DateSanityParams(CheckParams):
    no_date: bool = True
    before_written: bool = True
    future: bool = True


def _seen_on(arts: pd.DataFrame) -> pd.Series:
    """The day (China time) each page was read; NaT where unknown."""
    if "fetched_at" not in arts:
        return pd.Series(pd.NaT, index=arts.index, dtype="datetime64[s]")
    fetched = pd.to_datetime(arts["fetched_at"], utc=True)
    return fetched.dt.tz_convert(CHINA).dt.tz_localize(None).dt.normalize()


@register
class DateSanity(Check):
    name: ClassVar[str] = "date_sanity"
    Params = DateSanityParams
    description: ClassVar[str] = "publish date missing, before the written date, or in the future"

    def find(self, data: CrawlData, params: DateSanityParams, ctx: CheckContext) -> pd.DataFrame:
        # Every article the run read, also those published after the round's day: a date
        # later than the day the page was read is a forged or mistyped date.
        wanted = ["unit_id", "url", "title", "publish_date", "written_date", "fetched_at"]
        wanted = [c for c in wanted if c in data.articles]
        arts = _scope.articles(data, ctx, public_by_as_of=False, columns=wanted)
        published = _scope.to_dates(arts["publish_date"])
        written = _scope.to_dates(arts["written_date"])
        as_of = pd.Timestamp(ctx.as_of)
        seen_on = _seen_on(arts).fillna(as_of)
        public = (published.isna() | (published <= as_of)).to_numpy(dtype=bool)
        problems = []
        if params.no_date:
            problems.append(("no_date", published.isna().to_numpy(dtype=bool)))
        if params.before_written:
            problems.append(("before_written", public & (published < written).to_numpy(bool)))
        if params.future:
            late = (published > seen_on).fillna(False) | (written > seen_on).fillna(False)
            problems.append(("future", late.to_numpy(dtype=bool)))
        rows = []
        for problem, mask in problems:
            found = _scope.rows(
                arts.loc[mask], ["unit_id", "url", "title", "publish_date", "written_date"]
            )
            for row, seen in zip(found, seen_on[mask], strict=True):
                rows.append(
                    _scope.article_finding(
                        row,
                        f"#{problem}",
                        problem=problem,
                        published=_scope.iso(row.publish_date),
                        written=_scope.iso(row.written_date),
                        as_of=ctx.as_of.isoformat(),
                        seen_on=_scope.iso(seen),
                    )
                )
        return findings(rows)
