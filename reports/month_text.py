"""The monthly monitoring report's summary paragraph (月监测情况), counted honestly:

    2025年8月共有20天进行了日巡查（8月1日至8月29日）。本月新发现问题31个（其中整改后又出现3个），
    已整改24个，整改用时中位数3天，91.7%在整改期限（20个工作日）内整改；月末（8月29日巡查）仍存在
    问题45个，涉及16家单位。本月发出预警12个，截至月末已按期处理7个、未处理而成为问题3个、尚未到期
    2个。新发现问题主要集中在……

- nights are counted as the days patrolled, never as the month's days: a month patrolled on 12
  days says 12;
- when the month holds the first stored patrol, what that patrol found was there before
  patrolling began, and the paragraph says so instead of calling it found this month;
- problems still open are those the month's last patrol found: units that night's crawl could not
  read are said apart, never counted as having no problem;
- a warning's outcome is as of the month's end: pending ones are said as pending;
- a month reported before it ends says so, and counts up to its latest patrol (截至8月15日),
  never 月末.

A pure function of the month's frames; ties are broken by name.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from common.vocabulary import LEVELS
from patrol.history import HEEDED, IGNORED, PENDING
from reports.wording import percent, points
from scoring.durations import parse_duration
from scoring.summary import cn_count, group_label

if TYPE_CHECKING:
    from reports.month_data import MonthReportData

OUTCOME_WORDS = {HEEDED: "已按期处理", IGNORED: "未处理而成为问题", PENDING: "尚未到期"}


def short_date(day: dt.date) -> str:
    """8月29日 (the year is the report's)."""
    return f"{day.month}月{day.day}日"


def deadline_words(deadline: str) -> str:
    """ "20 workdays" → 20个工作日."""
    return parse_duration(deadline).zh


def until_words(data: MonthReportData) -> str:
    """截至月末, or 截至8月15日 for a month not over yet (its latest patrol so far)."""
    return f"截至{short_date(data.last_day)}" if data.in_progress else "截至月末"


def nights_sentence(data: MonthReportData) -> str:
    days = sorted(set(data.nights["as_of"]))
    text = f"{data.month.label}{'（本月尚未结束）' if data.in_progress else ''}共有{len(days)}天进行了日巡查"
    if len(days) == 1:
        text += f"（{short_date(days[0])}）"
    else:
        text += f"（{short_date(days[0])}至{short_date(days[-1])}）"
    text += "。"
    if data.first_ever:
        first = data.nights.iloc[0]
        text += (
            f"日巡查自{short_date(first['as_of'])}开始，当天首次巡查发现的{int(first['problems'])}"
            "个问题在巡查开始前已经存在，也计入本月新发现。"
        )
    return text


def found_sentence(data: MonthReportData) -> str:
    found, fixed = data.found, data.fixed
    if found.empty and fixed.empty:
        text = "本月未发现新问题，也没有问题整改"
    else:
        text = f"本月新发现问题{len(found)}个" if len(found) else "本月未发现新问题"
        back = int((found["stretch"] > 1).sum()) if len(found) else 0
        if back:
            text += f"（其中整改后又出现{back}个）"
        if len(fixed):
            total = data.by_level.iloc[-1]
            text += (
                f"，已整改{len(fixed)}个，整改用时中位数{points(total['median_days'])}天，"
                f"{percent(total['in_time_share'])}在整改期限（{deadline_words(data.deadline)}）内整改"
            )
        else:
            text += "，没有问题整改"
    end = (
        until_words(data) + "巡查"
        if data.in_progress
        else f"月末（{short_date(data.last_day)}巡查）"
    )
    if data.open_end:
        text += f"；{end}仍存在问题{data.open_end}个，涉及{data.units_open_end}家单位"
    else:
        text += f"；{end}未发现问题"
    if data.unread_end:
        text += f"，另有{len(data.unread_end)}家单位网站当天未能读取，其问题未计入"
    return text + "。"


def warnings_sentence(data: MonthReportData) -> str:
    given = data.warnings
    if given.empty:
        return "本月未发出预警。"
    counts = given["outcome"].value_counts()
    parts = [f"{words}{int(counts[o])}个" for o, words in OUTCOME_WORDS.items() if counts.get(o)]
    if len(parts) == 1 and len(counts) == 1:
        parts = [f"均{OUTCOME_WORDS[counts.index[0]]}"]
    return f"本月发出预警{len(given)}个，{until_words(data)}{'、'.join(parts)}。"


def groups_sentence(by_group: pd.DataFrame, found_total: int, top: int = 3) -> str:
    lead = by_group[by_group["found"] > 0].head(top)
    if lead.empty:
        return ""
    labels = [group_label(by_group, r.group1, r.group2) for r in lead.itertuples()]
    detail = "、".join(
        f"{label}方面{r.found}个（占{percent(r.found / found_total)}）"
        for label, r in zip(labels, lead.itertuples(), strict=True)
    )
    many = f"{cn_count(len(lead))}个方面" if len(lead) > 1 else "方面"
    return f"新发现问题主要集中在{'、'.join(labels)}{many}，其中{detail}。"


def levels_sentence(by_level: pd.DataFrame, in_progress: bool = False) -> str:
    """The level with the most problems open at the month's end (of levels with any)."""
    body = by_level.iloc[:-1]
    body = body[body["open_end"] > 0]
    if len(body) < 2:
        return ""
    order = {level: i for i, level in enumerate(LEVELS)}
    ranked = sorted(body.itertuples(), key=lambda r: (-r.open_end, order.get(r.level, 99)))
    most = ranked[0]
    return (
        f"分层级看，{'' if in_progress else '月末'}{most.level}仍存在问题最多（{most.open_end}个，"
        f"涉及{most.units_open}家单位）。"
    )


def paragraph(data: MonthReportData) -> str:
    """The whole paragraph (see the module's docstring)."""
    return "".join(
        [
            nights_sentence(data),
            found_sentence(data),
            warnings_sentence(data),
            groups_sentence(data.by_group, len(data.found)),
            levels_sentence(data.by_level, data.in_progress),
        ]
    )
