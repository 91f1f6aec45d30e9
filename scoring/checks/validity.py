"""validity — 有效性标注不规范: a document (by default every 行政规范性文件) whose 有效性 is not one of
有效、失效、废止, or contradicts the page's own 废止(失效)日期 (docs/domain.md §3.4):

- `unknown`: the value is none of `accepted` (after dropping a leading 现行/已: 现行有效 is 有效,
  已废止 is 废止). An empty 有效性 is `required_fields`' business, not this one's;
- `expired_still_valid`: marked 有效 while the page's 废止日期 is on or before the round's day;
- `ended_before_date`: marked 失效/废止 while the page's 废止日期 is after the round's day (a
  document may be repealed early, but then the page must not print a later end date).

The dates are the page's 生效日期 and 废止日期 as extracted (`extra`); a page without them is
judged on its value alone. Subject `<url>#validity`.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

VALID = "有效"
ENDED = ("失效", "废止")


class ValidityParams(CheckParams):
    categories: list[str] = Field(default=["normative"], min_length=1)
    accepted: list[str] = Field(default=[VALID, *ENDED], min_length=1)


def normalise_validity(value: str) -> str:
    """有效性 as compared: spaces dropped, a leading 现行 or 已 dropped (现行有效 → 有效)."""
    text = "".join(str(value).split())
    for prefix in ("现行", "已"):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    return text


def _day(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@register
class Validity(Check):
    name: ClassVar[str] = "validity"
    forecasts: ClassVar[bool] = True
    Params = ValidityParams
    description: ClassVar[str] = "有效性 not 有效/失效/废止, or contradicting the page's end date"

    def find(self, data: CrawlData, params: ValidityParams, ctx: CheckContext) -> pd.DataFrame:
        arts = _scope.articles(
            data, ctx, params.categories, columns=["id", "unit_id", "url", "title", "validity"]
        )
        arts = arts[arts["validity"].notna().to_numpy(dtype=bool)]
        values = arts["validity"].astype(str).map(normalise_validity)
        arts, values = arts[values.ne("")], values[values.ne("")]
        if arts.empty:
            return findings([])
        extras = _scope.as_dict(data.extra(arts["id"]))
        accepted = set(params.accepted)
        rows = []
        for row, value in zip(
            _scope.rows(arts, ["id", "unit_id", "url", "title", "validity"]), values, strict=True
        ):
            extra = extras.get(int(row.id), {})
            ends, starts = _day(extra.get("expiry_date")), _day(extra.get("effective_date"))
            if value not in accepted:
                problem = "unknown"
            elif value == VALID and ends is not None and ends <= ctx.as_of:
                problem = "expired_still_valid"
            elif value in ENDED and ends is not None and ends > ctx.as_of:
                problem = "ended_before_date"
            else:
                continue
            rows.append(
                _scope.article_finding(
                    row,
                    "#validity",
                    problem=problem,
                    validity=str(row.validity),
                    accepted="、".join(params.accepted),
                    effective_date=None if starts is None else starts.isoformat(),
                    expiry_date=None if ends is None else ends.isoformat(),
                    as_of=ctx.as_of.isoformat(),
                )
            )
        return findings(rows)
