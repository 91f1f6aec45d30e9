"""Round summary (测评情况通报): problems by indicator group and by level, each county with its
townships, and a generated paragraph in the style of the office's own reports:

    本轮扣分问题N个，其中新发现a个、未整改b个、反弹c个，涉及M家单位，主要集中在A、B、C三个方面，
    其中A方面问题x个（占p%）……

Only the new problems were "found" this round: the others were there before (未整改) or came
back (反弹), and the paragraph says so. A level with one scored unit has no average to compare:
its unit's score is stated as such.

Everything here is a pure function of a round's frames and its indicator set, and ties are broken
by name, so the same round always gives the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from common import vocabulary
from common.vocabulary import COUNTY_GOV, LEVELS, PRESENT, TOWNSHIP

CN_DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class RoundSummary:
    """`by_group`: 一级/二级指标 → problems, units, points lost; `by_level`: units, passed, failed,
    vetoed, average total, problems; `counties`: each county with its townships' figures."""

    by_group: pd.DataFrame
    by_level: pd.DataFrame
    counties: pd.DataFrame
    paragraph: str


def verdict(row: Any) -> str:
    """A unit's result in words (`common.vocabulary.verdict`) from its row of round totals."""
    passed = None if row.passed is None or pd.isna(row.passed) else bool(row.passed)
    return vocabulary.verdict(bool(row.observed), bool(row.vetoed), passed)


def counted_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems that count this round: still there (new/open/regressed) and not dismissed."""
    if problems.empty:
        return problems
    decided = problems["decision"].astype(object).fillna("") if "decision" in problems else ""
    return problems[problems["status"].isin(PRESENT) & (decided != "dismissed")]


def groups_of(indicator_set: Any) -> pd.DataFrame:
    """indicator_id → group1 (一级指标), group2 (二级指标, or the 一级 when there is none)."""
    rows = []
    for ind in indicator_set.indicators:
        group = tuple(getattr(ind, "group", ()) or ("其他",))
        rows.append(
            {
                "indicator_id": ind.id,
                "indicator": getattr(ind, "name", "") or ind.id,
                "group1": group[0],
                "group2": group[1] if len(group) > 1 else group[0],
            }
        )
    return pd.DataFrame(rows, columns=["indicator_id", "indicator", "group1", "group2"])


def by_group(problems: pd.DataFrame, scores: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    live = counted_problems(problems).merge(groups, on="indicator_id", how="left")
    live[["group1", "group2"]] = live[["group1", "group2"]].fillna("其他")
    lost = scores.merge(groups, on="indicator_id", how="left").fillna({"group1": "其他"})
    lost = lost.fillna({"group2": lost["group1"]})
    lost = lost.groupby(["group1", "group2"])["deduction"].sum()
    out = live.groupby(["group1", "group2"]).agg(
        problems=("fingerprint", "size"), units=("unit_id", "nunique")
    )
    out = out.join(lost.rename("points_lost"), how="left").fillna({"points_lost": 0.0})
    out = out.reset_index().sort_values(
        ["problems", "group1", "group2"], ascending=[False, True, True], kind="stable"
    )
    out["share"] = out["problems"] / max(int(out["problems"].sum()), 1)
    return out.reset_index(drop=True)


def by_level(totals: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for level, part in totals.groupby("level", sort=False):
        scored = part[part["total"].notna()]
        rows.append(
            {
                "level": level,
                "units": len(part),
                "observed": int(part["observed"].astype(bool).sum()),
                "passed": int((scored["passed"] == True).sum()),  # noqa: E712 (object column)
                "failed": int((scored["passed"] == False).sum()),  # noqa: E712
                "vetoed": int(scored["vetoed"].astype(bool).sum()),
                "average": round(float(scored["total"].mean()), 2) if len(scored) else None,
                "problems": int(part["problems"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    out["_o"] = out["level"].map(order).fillna(len(order))
    return out.sort_values(["_o", "level"]).drop(columns="_o").reset_index(drop=True)


def counties(totals: pd.DataFrame) -> pd.DataFrame:
    """Each county (县区政府) with its townships' (乡镇街道, parent = the county) figures."""
    county = totals[totals["level"] == COUNTY_GOV]
    towns = totals[totals["level"] == TOWNSHIP]
    rows = []
    for c in county.sort_values("unit_id").itertuples(index=False):
        mine = towns[towns["parent"] == c.unit_id]
        scored = mine[mine["total"].notna()]
        rows.append(
            {
                "unit_id": c.unit_id,
                "name": c.name,
                "total": c.total,
                "rank_in_level": c.rank_in_level,
                "problems": int(c.problems),
                "townships": len(mine),
                "township_average": round(float(scored["total"].mean()), 2)
                if len(scored)
                else None,
                "township_passed": int((scored["passed"] == True).sum()),  # noqa: E712
                "township_problems": int(mine["problems"].sum()),
                "with_townships_problems": int(c.problems) + int(mine["problems"].sum()),
            }
        )
    return pd.DataFrame(rows)


def cn_count(n: int) -> str:
    """一 … 十 for 0–10, digits above."""
    return CN_DIGITS[n] if 0 <= n <= 10 else str(n)


def _num(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else str(int(value))


def group_label(groups: pd.DataFrame, group1: str, group2: str) -> str:
    """The 二级指标 name, with its 一级 when another 一级 has a 二级 of the same name."""
    same = groups.loc[groups["group2"] == group2, "group1"].nunique()
    return group2 if same <= 1 or group1 == group2 else f"{group1}·{group2}"


def paragraph(
    kind: str,
    groups: pd.DataFrame,
    levels: pd.DataFrame,
    problems: pd.DataFrame,
    previous_round: str | None,
    top: int = 3,
) -> str:
    """The summary paragraph (deterministic: ties are broken by group name)."""
    period = "本次专项检查" if kind == "special" else "本轮"
    live = counted_problems(problems)
    total = len(live)
    parts = []
    if total == 0:
        parts.append(f"{period}无扣分问题。")
    else:
        lead = groups.head(top)
        labels = [group_label(groups, r.group1, r.group2) for r in lead.itertuples()]
        names = "、".join(labels)
        detail = "、".join(
            f"{label}方面问题{r.problems}个（占{r.share * 100:.1f}%）"
            for label, r in zip(labels, lead.itertuples(), strict=True)
        )
        units = live["unit_id"].nunique()
        parts.append(
            f"{period}扣分问题{total}个，{_by_status(live)}，涉及{units}家单位，主要集中在{names}"
            f"{cn_count(len(lead))}个方面，其中{detail}。"
        )
    if not levels.empty:
        units = int(levels["units"].sum())
        scored = levels["passed"].sum() + levels["failed"].sum()
        failed = int(levels["failed"].sum())
        vetoed = int(levels["vetoed"].sum())
        text = f"参评单位{units}家，合格{int(levels['passed'].sum())}家、不合格{failed}家"
        if vetoed:
            text += f"（其中单项否决{vetoed}家）"
        unread = units - int(levels["observed"].sum())
        if unread:
            text += f"，另有{unread}家单位网站本轮未能正常访问，未予评分"
        parts.append(text + "。")
        ranked = levels.dropna(subset=["average"])
        if scored and len(ranked) > 1:
            parts.append(_levels_sentence(ranked))
    if previous_round and not problems.empty:
        status = problems["status"].value_counts()
        fixed, new = int(status.get("fixed", 0)), int(status.get("new", 0))
        regressed = int(status.get("regressed", 0))
        unseen = int(status.get("not_comparable", 0))
        text = (
            f"与上一轮（{previous_round}）相比，已整改问题{fixed}个，新发现问题{new}个，"
            f"整改后反弹问题{regressed}个"
        )
        if unseen:
            text += f"，另有{unseen}个问题因本轮未能采集而无法比对"
        parts.append(text + "。")
    return "".join(parts)


def _by_status(live: pd.DataFrame) -> str:
    """其中新发现a个、未整改b个、反弹c个 (the statuses present, in the vocabulary's order)."""
    counts = live["status"].value_counts()
    said = [f"{vocabulary.STATUS_ZH[s]}{int(counts[s])}个" for s in PRESENT if counts.get(s, 0)]
    return "其中" + "、".join(said)


def _levels_sentence(ranked: pd.DataFrame) -> str:
    """Levels' averages; a level with one scored unit is that unit's score, not an average, and
    the lowest average is named among levels of two or more scored units only."""
    scored = ranked["passed"] + ranked["failed"]
    said = [
        f"{r.level}平均{_num(r.average)}分"
        if n > 1
        else f"{r.level}仅1家单位评分，得{_num(r.average)}分"
        for r, n in zip(ranked.itertuples(), scored, strict=True)
    ]
    text = f"分层级看，{'，'.join(said)}"
    several = ranked[scored > 1]
    if len(several) > 1:
        low = several.sort_values(["average", "level"], kind="stable").iloc[0]
        text += f"，{low.level}平均得分最低"
    return text + "。"


def summarize(result: Any, indicator_set: Any) -> RoundSummary:
    """The summary of a `scoring.round.RoundResult` scored with ``indicator_set``."""
    groups = by_group(result.problems, result.scores, groups_of(indicator_set))
    levels = by_level(result.totals)
    text = paragraph(result.info.kind, groups, levels, result.problems, result.info.previous_round)
    return RoundSummary(groups, levels, counties(result.totals), text)
