"""date_sanity — 日期异常: an article without a publish date (an undated item counts as not
published, docs/domain.md §3.1), published before it was written, or dated after the day its page
was read (a forged or mistyped date; the round's day when the read time is unknown).

Subjects: `<url>#no_date`, `<url>#before_written`, `<url>#future`.

What is no such problem: an item whose page prints no date but whose column's list shows one is
dated (`_list_dates`); a page whose 成文日期 is a revision's, later than the original's publication
date it keeps, and that states the revision ("2024年3月1日修订") is not published before it was
written (the change dates are read as `disclosure_lag` reads them, for those pages only).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from scoring.checks import _list_dates, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.checks.disclosure_lag import changed_on
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
        wanted = ["id", "unit_id", "url", "title", "publish_date", "written_date", "fetched_at"]
        wanted = [c for c in wanted if c in data.articles]
        arts = _scope.articles(data, ctx, public_by_as_of=False, columns=wanted)
        published = _scope.to_dates(arts["publish_date"])
        written = _scope.to_dates(arts["written_date"])
        as_of = pd.Timestamp(ctx.as_of)
        seen_on = _seen_on(arts).fillna(as_of)
        public = (published.isna() | (published <= as_of)).to_numpy(dtype=bool)
        problems = []
        if params.no_date:
            undated = published.isna().to_numpy(dtype=bool).copy()
            undated[undated] = _list_dates.list_dates(data, arts.loc[undated]).isna().to_numpy()
            problems.append(("no_date", undated))
        if params.before_written:
            early = public & (published < written).to_numpy(bool).copy()
            early[early] = ~_revised(data, arts.loc[early], published[early], written[early])
            problems.append(("before_written", early))
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


def _revised(
    data: CrawlData, arts: pd.DataFrame, published: pd.Series, written: pd.Series
) -> np.ndarray:
    """Which pages state a change (修订/修正/修改/变更) dated after their publish date and on or
    before their 成文日期: that date is the revision's, the publish date the original's."""
    if arts.empty:
        return np.zeros(0, dtype=bool)
    texts = _scope.as_dict(data.body_text(arts["id"].astype("int64")))
    out = []
    for article_id, title, pub, wrote in zip(
        arts["id"], arts["title"], published, written, strict=True
    ):
        text = f"{_scope.text(title)}\n{texts.get(int(article_id), '') or ''}"
        change = changed_on(text, wrote.date())
        out.append(change is not None and pd.Timestamp(change) > pub)
    return np.array(out, dtype=bool)
