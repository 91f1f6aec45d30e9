"""A unit's result in a round as its notice states it: rank, points lost by 一级指标, the
indicators not evaluated and why, and — for a unit whose site could not be read — what the crawl
met.

Read from the stored round (`round_scores`, `round_totals`, `crawl_issues`); NULL states of
rounds stored before `round_scores.state` existed read as scored or not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from common.vocabulary import NO_VALUE, RESCALED_AWAY
from reports.checklist.rows import clean_text, missing, num, score_state

NOT_EVALUATED_REASON = "本轮未能读取评估该指标所需的栏目或网页"
# What a crawl issue of a unit means, in words a unit's webmaster can act on.
ISSUE_ZH = {
    "host_unreachable": "网站无法连接（域名无法解析、服务器无响应或拒绝连接）",
    "anti_bot": "网站返回了人机验证或安全防护拦截页面，正常访问被阻挡",
    "robots_blocked": "网站设置的访问协议禁止自动访问",
    "http_error": "网页返回错误（如页面不存在、服务器内部错误）",
    "timeout": "网站长时间无响应",
    "too_large": "网页过大，无法读取",
    "extraction_anomaly": "网页内容无法识别（信息列表或正文未能正常显示）",
}
CHECK_ITEMS = (
    "网站能否从互联网正常访问（可换用不同网络、不同地区测试）",
    "是否设置了验证码、访问频率限制、防火墙或地域限制，阻挡了正常访问",
    "域名、备案和网站地址是否有变更（如已变更，请告知新地址）",
)


@dataclass(frozen=True)
class GroupLoss:
    """Points of one 一级指标 for the unit: its applicable points, what was deducted, and the
    problems that deducted them."""

    group1: str
    points: float
    lost: float
    problems: int


@dataclass(frozen=True)
class NotEvaluated:
    """An indicator the round could not evaluate for the unit, and why (for the unit)."""

    group1: str
    name: str
    reason: str


def ranked_per_level(totals: pd.DataFrame) -> dict[str, int]:
    """How many units are ranked (have a total) in each level — counted once for a loop over
    a round's units, rather than filtering the totals again for each."""
    return {
        str(k): int(v)
        for k, v in totals.loc[totals["total"].notna(), "level"].value_counts().items()
    }


def rank_position(
    total: Mapping[str, Any], totals: pd.DataFrame, ranked: Mapping[str, int] | None = None
) -> tuple[int, int] | None:
    """(rank, units ranked) in the unit's level; None when it is not ranked. ``ranked``:
    `ranked_per_level` of ``totals``, when the caller has counted it."""
    if missing(total["rank_in_level"]):
        return None
    counts = ranked_per_level(totals) if ranked is None else ranked
    return int(total["rank_in_level"]), counts.get(total["level"], 0)


def rank_text(
    total: Mapping[str, Any], totals: pd.DataFrame, ranked: Mapping[str, int] | None = None
) -> str:
    """3/12（市直部门）; a unit alone in its level is not ranked against anyone."""
    position = rank_position(total, totals, ranked)
    if position is None:
        return NO_VALUE
    if position[1] == 1:
        return f"本层级仅此1家（{total['level']}），不排名"
    return f"{position[0]}/{position[1]}（{total['level']}）"


def group_losses(
    indicators: Sequence[Any], scores: Mapping[str, Mapping[str, Any]]
) -> tuple[GroupLoss, ...]:
    """Per 一级指标 (in the set's order): the deduction indicators scored for the unit."""
    sums: dict[str, list[float]] = {}
    for ind in indicators:
        score = scores.get(ind.id)
        if ind.kind != "deduction" or score is None or score_state(score) in RESCALED_AWAY:
            continue
        row = sums.setdefault(str(ind.group[0]), [0.0, 0.0, 0])
        row[0] += float(score["points"])
        row[1] += float(score["deduction"])
        row[2] += int(score["problems"])
    return tuple(
        GroupLoss(clean_text(g), num(p), num(lost), int(n)) for g, (p, lost, n) in sums.items()
    )


def not_evaluated(
    indicators: Sequence[Any], scores: Mapping[str, Mapping[str, Any]]
) -> tuple[NotEvaluated, ...]:
    """The indicators in state not_evaluated for the unit, with their reasons."""
    out = []
    for ind in indicators:
        score = scores.get(ind.id)
        if score is None or score_state(score) != "not_evaluated":
            continue
        reason = score.get("reason")
        out.append(
            NotEvaluated(
                clean_text(ind.group[0]),
                clean_text(ind.name),
                clean_text(NOT_EVALUATED_REASON if missing(reason) else reason),
            )
        )
    return tuple(out)


def unreachable_reasons(issues: pd.DataFrame, unit_id: str) -> tuple[str, ...]:
    """What the crawl met on a unit's site (its crawl issues), in words; known kinds only."""
    if issues.empty or "unit_id" not in issues:
        return ()
    kinds = issues.loc[issues["unit_id"] == unit_id, "kind"]
    return tuple(ISSUE_ZH[k] for k in dict.fromkeys(kinds) if k in ISSUE_ZH)
