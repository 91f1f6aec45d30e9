"""The JSON API's shapes (pydantic), so FastAPI documents them at /api/openapi.json.

Field names are English, values as stored (status codes like ``open``), each code with its
Chinese word beside it (``status_zh``) for a system that shows them to people. Dates are ISO
dates (China dates: 整改期限, as_of); instants are ISO datetimes in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

AnswerStatus = Literal["rectified", "in_progress", "cannot_rectify"]


class RoundOut(BaseModel):
    """A round as a viewer may see it (units: published or closed rounds only)."""

    id: str
    label: str = Field(description="轮次名称，如 2025年第二季度")
    as_of: dt.date = Field(description="测评基准日")
    state: Literal["draft", "published", "closed"]
    state_zh: str = Field(description="未发布 / 已发布 / 已截止")
    deadline: dt.date | None = Field(description="整改期限（北京时间当日为最后一天）")
    published_at: dt.datetime | None
    indicator_set_id: str
    indicator_set_version: str
    pass_line: float


class RoundSummary(BaseModel):
    """Counts over the units the viewer may see (a unit: its own)."""

    units: int = Field(description="范围内参评单位数")
    scored: int = Field(description="有总分的单位数")
    passed: int = Field(description="合格单位数")
    problems: int = Field(description="问题总数（含已整改、驳回等记录）")
    by_status: dict[str, int] = Field(description="按问题状态计数（状态代码 → 数量）")
    by_decision: dict[str, int] = Field(
        description="按评估决定计数（none / confirmed / dismissed）"
    )
    answered: int = Field(description="已有整改答复的问题数")


class RoundDetailOut(RoundOut):
    summary: RoundSummary


class TotalOut(BaseModel):
    """One unit's result in a round."""

    unit_id: str
    name: str
    level: str
    parent: str | None
    observed: bool = Field(description="false：网站本轮未能访问，未评分")
    total: float | None = Field(description="总分（百分制，含加分）")
    rescaled: float | None
    bonus: float
    points: float
    score: float
    problems: int
    vetoed: bool
    passed: bool | None
    verdict: str = Field(description="合格 / 不合格 / 不合格（单项否决）/ 未评分（…）")
    rank: int | None = Field(description="层级内排名")
    ranked: int | None = Field(description="层级内参与排名的单位数")
    rank_text: str


class ProblemOut(BaseModel):
    """One problem (问题) of a round."""

    fingerprint: str = Field(description="问题编号：同一问题在各轮次中相同")
    unit_id: str
    unit_name: str
    level: str
    indicator_id: str
    indicator_name: str
    subject: str
    title: str | None
    target_url: str | None
    deduction: float
    status: str
    status_zh: str
    first_seen_round: str
    decision: str | None = Field(description="confirmed / dismissed / null（未决定）")
    suggestion: str | None
    rectifiable: bool = Field(description="false：一次性问题（今后注意），不需答复")


class ProblemPageOut(BaseModel):
    round: str
    total: int = Field(description="符合筛选条件的问题数")
    page: int
    per_page: int
    pages: int
    rows: list[ProblemOut]


class ReviewOut(BaseModel):
    """The evaluators' review of an answer: accepted (已通过) or sent back (退回) with a comment."""

    verdict: Literal["accepted", "sent_back"]
    verdict_zh: str
    comment: str | None
    at: dt.datetime


class AnswerOut(BaseModel):
    """The answer in force to a problem (整改情况 + 整改说明) and its review."""

    fingerprint: str
    unit_id: str
    status: AnswerStatus
    status_zh: str
    note: str | None
    source: str = Field(description="来源：上传的文件名或“在线填报”")
    answered_at: dt.datetime
    review: ReviewOut | None = Field(description="null：尚未审核")


class ProblemDetailOut(ProblemOut):
    evidence: dict[str, Any] | None
    answer: AnswerOut | None


class AnswerIn(BaseModel):
    """An answer to one problem, with the XLSX import's rules: 整改情况 one of the three, a
    整改说明 of at most 2000 characters, required with cannot_rectify."""

    status: AnswerStatus = Field(
        description="rectified 已整改 / in_progress 整改中 / cannot_rectify 无法整改"
    )
    note: str | None = Field(default=None, max_length=20_000, description="整改说明（至多2000字）")


class InboxItemOut(BaseModel):
    """A problem or a warning of a daily digest, as the digest words it."""

    indicator: str  # the indicator's name
    target_url: str | None
    suggestion: str
    due: dt.date | None = None  # a warning's day: a problem from then on if nothing is done


class InboxEntryOut(BaseModel):
    """One patrol's daily digest (每日提醒) for the unit: the 今日提醒 page's entry."""

    patrol: int
    as_of: dt.date
    unit_id: str
    unit_name: str
    subject: str
    new: list[InboxItemOut]  # problems found that day
    warnings: list[InboxItemOut]  # warnings not given before, the soonest due first
    gone: int  # problems of the patrol before not found that day
    read: bool  # whether the token's (or session's) own account has opened it in the portal


class ChangeLineOut(BaseModel):
    """One line of a part of the change: an indicator, or the base / bonus line."""

    kind: Literal["indicator", "base", "bonus"] = Field(
        description="indicator：一项指标；base：计分基数变化（参与计分的指标变了，原有失分的权重随之变化）；"
        "bonus：加分"
    )
    indicator_id: str | None = Field(description="指标编号（base / bonus 为 null）")
    indicator_name: str = Field(description="指标名称，或“计分基数变化”“加分”")
    change: float = Field(description="对总分的影响（分）")


class ChangePartOut(BaseModel):
    """One part of the change (its lines sum to it), the largest line first."""

    part: Literal["rules", "site", "decisions", "recomputed"]
    part_zh: str = Field(description="指标体系调整 / 网站自身变化 / 测评人员核定 / 重新计算差异")
    change: float
    lines: list[ChangeLineOut]


class ScoreChangeOut(BaseModel):
    """得分变化说明: the unit's total against the previous round, split into parts that sum to
    the change. ``reason`` set (and the figures null, ``parts`` empty): there is no
    explanation, and why — a first round, a round stored before explanations were kept, a
    previous round the viewer may not see, a unit not scored in one of the rounds."""

    previous_round: str | None
    before: float | None = Field(description="上一轮总分")
    after: float | None = Field(description="本轮总分")
    change: float | None = Field(description="总分变化 = 各部分之和")
    parts: list[ChangePartOut]
    passed_before: bool | None
    passed_after: bool | None
    verdict: str | None = Field(description="合格 / 不合格的变化或单项否决，中文一句")
    reason: str | None = Field(description="没有得分变化说明时的原因（中文一句）")


class FixOut(BaseModel):
    """A fixable problem of the unit, in priority order (优先整改)."""

    priority: int = Field(description="优先级，1 最先")
    fingerprint: str
    indicator_id: str
    indicator_name: str
    subject: str
    title: str | None
    alone: float = Field(description="只整改这一个问题时总分的提高（分）")
    indicator_all: float = Field(description="整改该指标下全部问题时总分的提高（分）")
    lifts_veto: bool = Field(description="true：消除单项否决所必需")
    in_plan: bool = Field(description="属于第一个整改方案（合格线，否则前进一个名次，否则满分）")


class FixPlanOut(BaseModel):
    """The fewest fixes reaching a target this round, or that none does."""

    target: Literal["pass", "next_rank", "full"]
    target_zh: str = Field(description="达到合格线 / 前进一个名次 / 得满分")
    goal: float | None = Field(
        description="目标总分（前进一个名次的目标是排在前一名单位的总分，单位账号看不到：null）"
    )
    fixes: list[str] = Field(description="需整改问题的 fingerprint")
    total: float = Field(description="完成这些整改后的总分（无法达到时：最多可达的总分）")
    reachable: bool
    sentence: str = Field(description="门户显示的中文说明")


class FixFirstOut(BaseModel):
    """优先整改: ``reason`` set when there is no list (not scored, nothing to fix)."""

    total: float | None
    passed: bool | None
    problems: list[FixOut]
    plans: list[FixPlanOut]
    reason: str | None


class UnitRoundOut(TotalOut):
    """A unit's result in a round with why it changed and what to fix first."""

    score_change: ScoreChangeOut
    fix_first: FixFirstOut
