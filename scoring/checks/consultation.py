"""consultation — 意见征集/反馈: a consultation on a draft open for fewer than `min_days` days
(counting both ends; at least 30 [L: 霍邱, 涡阳]), or closed more than `feedback_within` before
the round's day without a matching feedback item (采纳情况及未采纳原因), docs/domain.md §3.5.

The period is read from the page ("征求意见时间：2023年2月15日至2023年3月23日"); a consultation
whose page states none is not judged here. A deadline extended later ("截止时间延长至2023年4月
10日", on the page or in an extension notice of the unit naming the draft) ends the period. A
feedback item matches when its title or body names the draft (the 《…》 of the consultation's
title) or quotes the consultation's title; units file feedback in the feedback column or in the
consultation column itself (a title with 反馈/采纳情况/征集结果).

Not a consultation on a draft, so not judged: a 公示 filed in the consultation column (拟表彰
对象、评选结果… with a 公示期 of a few days, no draft and no feedback due), a feedback, and an
extension notice.
Subjects `<url>#duration` and `<url>#feedback`.

Windows (docs/indicators.md §2.5): a too-short period is a one-time event of the day the
consultation opened, judged in the round whose window holds that day; a missing feedback is a
state the unit can rectify (publish it), judged every round once it is due, like a missing
annual report. So every consultation public by the round's day is read.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _coverage, _scope
from scoring.checks._interpretation import document_name
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData
from scoring.durations import Duration, DurationField

log = logging.getLogger(__name__)

_DATE = r"(?:(\d{4})\s*[年\-/.]\s*)?(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_PERIOD = re.compile(
    r"(?:征求意见|意见征集|征集意见|反馈意见|公示)(?:的)?(?:时间|期限|期间|日期|截止时间)?"
    r"\s*(?:为|是)?\s*[:：]?\s*(?:自|从)?\s*"
    + _DATE
    + r"\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*"
    + _DATE
)


_EXTENDED = re.compile(r"(?:延长|延期|顺延|推迟)(?:至|到)\s*" + _DATE)
# Titles of items in a consultation column that are no draft open for comment.
_NOT_A_DRAFT = re.compile(r"反馈|采纳情况|采纳意见|征集结果|意见处理|延长|延期")
_FEEDBACK_TITLE = re.compile(r"反馈|采纳情况|采纳意见|征集结果|意见处理")
_EXTENSION_TITLE = re.compile(r"延长|延期")
_DRAFT_WORDS = ("征求", "征集", "意见稿", "草案")


def open_period(text: str) -> tuple[dt.date, dt.date] | None:
    """The consultation window a page states (its end moved to a later extension the page
    states), or None."""
    match = _PERIOD.search(text or "")
    if not match or not match.group(1):
        return None
    y1, m1, d1, y2, m2, d2 = match.groups()
    try:
        start = dt.date(int(y1), int(m1), int(d1))
        year = int(y2) if y2 else start.year + (int(m2) < start.month)
        end = dt.date(year, int(m2), int(d2))
    except ValueError:
        return None
    extended = extension(text, end)
    return start, max(end, extended) if extended else end


def extension(text: str, end: dt.date) -> dt.date | None:
    """The latest deadline an extension in `text` names ("延长至2023年4月10日"), or None."""
    days = []
    for y, m, d in (match.groups() for match in _EXTENDED.finditer(text or "")):
        try:
            year = int(y) if y else end.year + (int(m) < end.month)
            days.append(dt.date(year, int(m), int(d)))
        except ValueError:
            continue
    return max(days) if days else None


def is_draft(title: str) -> bool:
    """Whether an item of a consultation column is a draft open for comment: not a feedback or
    an extension notice, and not a 公示 that names no draft (拟表彰对象的公示)."""
    if _NOT_A_DRAFT.search(title):
        return False
    return not (title.endswith("公示") and not any(w in title for w in _DRAFT_WORDS))


class ConsultationParams(CheckParams):
    min_days: int = Field(default=30, ge=1, le=365)  # more than a year is a typo
    feedback_within: DurationField = Field(default=Duration(30, "days"))
    categories: list[str] = Field(default=["consultation"], min_length=1)
    feedback_categories: list[str] = Field(default=["feedback"], min_length=1)


@register
class Consultation(Check):
    name: ClassVar[str] = "consultation"
    forecasts: ClassVar[bool] = True
    Params = ConsultationParams
    description: ClassVar[str] = "consultation open < min_days, or closed without feedback"
    dated_by: ClassVar[dict[str, str]] = {"too_short": "open_from"}
    one_time: ClassVar[frozenset[str]] = frozenset({"too_short"})

    def coverage(
        self, data: CrawlData, params: ConsultationParams, ctx: CheckContext
    ) -> pd.DataFrame:
        """As by default, but a unit has something to judge when one of its consultations opened
        within the window or its feedback is due by the round's day."""
        out = super().coverage(data, params, ctx)
        nothing = out["state"] == _coverage.NOTHING
        if not nothing.any():
            return out
        drafts, periods = _periods(data, params, ctx)
        window = self.effective_window(params, ctx)
        judged = {
            unit_id
            for unit_id, period in zip(drafts["unit_id"], periods, strict=True)
            if period is not None
            and (window.holds(period[0], ctx.as_of)
                 or params.feedback_within.after(period[1], ctx.calendar) < ctx.as_of)
        }  # fmt: skip
        return out[~(nothing & out["unit_id"].isin(judged))].reset_index(drop=True)

    def find(self, data: CrawlData, params: ConsultationParams, ctx: CheckContext) -> pd.DataFrame:
        drafts, periods = _periods(data, params, ctx)
        if drafts.empty:
            return findings([])
        unknown = sum(p is None for p in periods)
        if unknown:
            log.info("consultation: %d page(s) state no consultation period", unknown)
        answered = self._answers(data, drafts, params, ctx)
        rows = []
        for row, period in zip(drafts.itertuples(index=False), periods, strict=True):
            if period is None:
                continue
            start, end = period
            days = (end - start).days + 1
            base = {
                "url": row.url,
                "title": _scope.text(row.title),
                "open_from": start.isoformat(),
                "open_until": end.isoformat(),
                "days": days,
            }
            if days < params.min_days:
                rows.append(
                    {
                        "unit_id": row.unit_id,
                        "subject": f"{row.url}#duration",
                        "target_url": row.url,
                        "evidence": {**base, "problem": "too_short", "min_days": params.min_days},
                    }
                )
            due = params.feedback_within.after(end, ctx.calendar)
            if due < ctx.as_of and row.url not in answered:
                rows.append(
                    {
                        "unit_id": row.unit_id,
                        "subject": f"{row.url}#feedback",
                        "target_url": row.url,
                        "evidence": {
                            **base,
                            "problem": "no_feedback",
                            "feedback_due": due.isoformat(),
                            "feedback_within": str(params.feedback_within),
                            "feedback_within_zh": params.feedback_within.zh,
                        },
                    }
                )
        return findings(rows)

    @staticmethod
    def _answers(
        data: CrawlData, drafts: pd.DataFrame, params: ConsultationParams, ctx: CheckContext
    ) -> set[str]:
        """URLs of the consultations some feedback item of their unit names."""
        arts = data.articles
        mine = _scope.member(data, "unit_id", _scope.distinct(drafts["unit_id"])) & ~(
            arts["publish_date"] > pd.Timestamp(ctx.as_of)
        ).to_numpy(dtype=bool)
        in_column = _titles_matching(
            data, _scope.member(data, "category", params.categories), _FEEDBACK_TITLE
        )
        feedback = arts[
            mine & (_scope.member(data, "category", params.feedback_categories) | in_column)
        ]
        if feedback.empty:
            return set()
        bodies = _scope.as_dict(data.body_text(feedback["id"]))
        said = (
            feedback["title"].fillna("").astype(str)
            + "\n"
            + feedback["id"].map(lambda i: bodies.get(int(i), "")).astype(str)
        )
        per_unit = _scope.as_dict(said.groupby(feedback["unit_id"]).agg("\n".join))
        out = set()
        for row in drafts.itertuples(index=False):
            text = per_unit.get(row.unit_id, "")
            title = _scope.text(row.title)
            name = document_name(title)
            if (name and f"《{name}》" in text) or (title and title in text):
                out.add(row.url)
        return out


def _extended_elsewhere(
    data: CrawlData,
    drafts: pd.DataFrame,
    periods: list[tuple[dt.date, dt.date] | None],
    params: ConsultationParams,
    ctx: CheckContext,
) -> list[tuple[dt.date, dt.date] | None]:
    """The periods with their end moved to the deadline an extension notice of the unit names
    (an item of the consultation columns whose title says 延长/延期 and names the draft)."""
    arts = data.articles
    mine = _scope.member(data, "unit_id", _scope.distinct(drafts["unit_id"])) & _scope.member(
        data, "category", params.categories
    )
    notices = arts[
        _titles_matching(data, mine, _EXTENSION_TITLE)
        & ~(arts["publish_date"] > pd.Timestamp(ctx.as_of)).to_numpy(dtype=bool)
    ]
    if notices.empty:
        return periods
    bodies = _scope.as_dict(data.body_text(notices["id"]))
    said: dict[str, list[str]] = {}
    for unit, title, article_id in zip(
        notices["unit_id"], notices["title"].fillna(""), notices["id"], strict=True
    ):
        said.setdefault(unit, []).append(f"{title}\n{bodies.get(int(article_id), '')}")
    out = []
    for row, period in zip(drafts.itertuples(index=False), periods, strict=True):
        name = document_name(_scope.text(row.title))
        ends = [
            extension(text, period[1])
            for text in said.get(row.unit_id, [])
            if period is not None and name and f"《{name}》" in text
        ]
        later = max((e for e in ends if e), default=None)
        out.append((period[0], max(period[1], later)) if period and later else period)
    return out


def _titles_matching(data: CrawlData, rows: np.ndarray, pattern: re.Pattern) -> np.ndarray:
    """`rows` (a mask over the articles) where the title matches `pattern` too: the pattern is
    tried on those rows' titles only, not on a million."""
    out = rows.copy()
    where = np.flatnonzero(out)
    titles = data.articles["title"].to_numpy(dtype=object)[where]
    out[where] = [isinstance(t, str) and pattern.search(t) is not None for t in titles]
    return out


def _periods(
    data: CrawlData, params: ConsultationParams, ctx: CheckContext
) -> tuple[pd.DataFrame, list[tuple[dt.date, dt.date] | None]]:
    """Every consultation public by the round's day (whatever the window: its dates decide) and
    the period each page states (None: none stated); read once per round and indicator."""

    def read() -> tuple[pd.DataFrame, list[tuple[dt.date, dt.date] | None]]:
        drafts = _scope.articles(
            data, ctx, params.categories, columns=["id", "unit_id", "url", "title"], windowed=False
        )
        drafts = drafts[drafts["title"].map(lambda t: is_draft(_scope.text(t))).to_numpy(bool)]
        if drafts.empty:
            return drafts, []
        texts = _scope.as_dict(data.body_text(drafts["id"]))
        periods = [open_period(texts.get(int(i), "")) for i in drafts["id"]]
        return drafts, _extended_elsewhere(data, drafts, periods, params, ctx)

    key = ("consultation_periods", ctx.indicator_id, ctx.as_of, tuple(params.categories),
           frozenset(_scope.unit_ids(data, ctx)))  # fmt: skip
    return data.memo(key, read)
