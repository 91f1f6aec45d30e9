"""disclosure_lag — 公开不及时: published more than `max_workdays` working days after the
information was formed (条例 art. 26: 20 working days, 生成日期/成文日期 → 发布日期, on the State
Council calendar with make-up workdays 调休). Counted with `WorkCalendar.lags`, vectorised; each
late item's count is explained (`WorkCalendar.explain`: the 调休 workdays and holidays inside).

"形成或者变更之日": a page whose 成文日期 is the original's while it publishes a revised version
says so ("（2025年5月12日修订）", "根据2025年5月8日《…的决定》修正"); the lag of a late-looking
page is counted from the latest change its title or body states (read for those pages only).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData


class DisclosureLagParams(CheckParams):
    max_workdays: int = Field(default=20, ge=0, le=250)  # a year of working days
    from_: Literal["written_date"] = Field(default="written_date", alias="from")
    to: Literal["publish_date"] = "publish_date"


@register
class DisclosureLag(Check):
    name: ClassVar[str] = "disclosure_lag"
    Params = DisclosureLagParams
    description: ClassVar[str] = "published more than max_workdays working days after written"
    # A late publication happened on its publish date: judged in the round whose window holds
    # it, never rectifiable (docs/indicators.md §2.5).
    dated_by: ClassVar[dict[str, str]] = {"*": "published"}
    one_time: ClassVar[frozenset[str]] = frozenset({"*"})

    def find(self, data: CrawlData, params: DisclosureLagParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(
            data, ctx, columns=["id", "unit_id", "url", "title", params.from_, params.to]
        )
        start = _scope.to_dates(arts[params.from_])
        end = _scope.to_dates(arts[params.to])
        both = (start.notna() & end.notna()).to_numpy()
        arts, start, end = arts[both], start[both], end[both]
        if arts.empty:
            return findings([])
        lags = ctx.calendar.lags(start.to_numpy(), end.to_numpy())
        late = lags > params.max_workdays
        arts, written, end, lags = arts[late], start[late], end[late], lags[late]
        # Only the late-looking pages: did they change later than written?
        start = _changed(data, arts, written, end)
        lags = ctx.calendar.lags(start.to_numpy(), end.to_numpy()) if len(arts) else lags
        late = lags > params.max_workdays
        days = (end - start).dt.days.to_numpy()
        return findings(
            _scope.article_finding(
                row,
                written=_scope.iso(w),
                **({"changed": _scope.iso(s)} if s != w else {}),
                published=_scope.iso(e),
                calendar_days=int(span),
                max_workdays=params.max_workdays,
                **ctx.calendar.explain(s.date(), e.date()).evidence(),
            )
            for row, w, s, e, lag, span in zip(
                _scope.rows(arts.loc[late], ["unit_id", "url", "title"]),
                written[late],
                start[late],
                end[late],
                lags[late],
                days[late],
                strict=True,
            )
        )


# A change the page states: a date, then (within the clause) 修订/修正/修改/变更.
_CHANGED = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[^。；;\n]{0,40}?(?:修订|修正|修改|变更)"
)


def changed_on(text: str, until: dt.date) -> dt.date | None:
    """The latest change (修订/修正/修改/变更) a text dates on or before `until`, or None."""
    days = []
    for year, month, day in (m.groups() for m in _CHANGED.finditer(text or "")):
        try:
            found = dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
        if found <= until:
            days.append(found)
    return max(days) if days else None


def _changed(data: CrawlData, late: pd.DataFrame, start: pd.Series, end: pd.Series) -> pd.Series:
    """`start` with each late page's start moved to the latest change it states, if later."""
    out = start.copy()
    if late.empty:
        return out
    texts = _scope.as_dict(data.body_text(late["id"].astype("int64")))
    for idx, article_id, title in zip(late.index, late["id"], late["title"], strict=True):
        text = f"{_scope.text(title)}\n{texts.get(int(article_id), '') or ''}"
        day = changed_on(text, end[idx].date())
        if day is not None and pd.Timestamp(day) > start[idx]:
            out[idx] = pd.Timestamp(day)
    return out
