"""The round report's summary paragraph (情况通报), counted honestly:

    本轮扣分问题31个，其中新发现9个、未整改19个、反弹3个，涉及16家单位；与上一轮（2025年第二季度）
    相比，已整改7个（其中回头看时已整改4个）。扣分问题主要集中在……

- the problems that deduct (new / open / regressed, not dismissed) are never called "found this
  quarter": only the new ones were;
- 已整改 counts this round's fixed problems and the previous round's fixed at its 回头看
  (`reports.round_followup.recheck_fixed`), so scores that rose have their fixes beside them;
- a round that has had its own 回头看 still counts what it deducted: the problems 回头看 fixed
  since (their stored status is now fixed) are said as such — the round's totals keep the count
  at evaluation (`round_totals.problems`);
- a level with one scored unit is not an average and is not compared: its unit's score is
  stated as such (市政府仅1家单位，得94分), the lowest average is named among levels of two or
  more units only.

A pure function of the round's frames; ties are broken by name, so a round always reads the same.
"""

from __future__ import annotations

import pandas as pd

from common.vocabulary import PRESENT
from reports.wording import points, round_label
from scoring.summary import cn_count, counted_problems, group_label


def _live(problems: pd.DataFrame) -> pd.DataFrame:
    decided = problems["decision"].astype(object).fillna("") if len(problems) else ""
    return problems[decided != "dismissed"] if len(problems) else problems


def fixed_since(problems: pd.DataFrame, totals: pd.DataFrame | None) -> int:
    """Problems this round deducted that its own 回头看 has fixed since: per unit, what the
    round counted at evaluation (`round_totals.problems`) less what still counts."""
    if totals is None or totals.empty:
        return 0
    live = counted_problems(problems)
    now = live.groupby("unit_id").size() if len(live) else pd.Series(dtype=int)
    then = totals.set_index("unit_id")["problems"].astype(int)
    return int((then - now.reindex(then.index, fill_value=0)).clip(lower=0).sum())


def counts_sentence(
    kind: str,
    problems: pd.DataFrame,
    credit: pd.DataFrame,
    previous_round: str | None,
    totals: pd.DataFrame | None = None,
) -> str:
    period = "本次专项检查" if kind == "special" else "本轮"
    live = counted_problems(problems)
    since = fixed_since(problems, totals)
    if live.empty and not since:
        text = f"{period}未发现扣分问题"
    else:
        status = live["status"].value_counts()
        text = f"{period}扣分问题{len(live) + since}个"
        parts = [
            f"{zh}{int(status.get(code, 0))}个"
            for code, zh in (("new", "新发现"), ("open", "未整改"), ("regressed", "反弹"))
        ]
        since_text = f"测评后经回头看已整改{since}个"
        if previous_round:
            text += "，其中" + "、".join([*parts, since_text] if since else parts)
        else:
            text += "（首轮测评，均为新发现）" + (f"，其中{since_text}" if since else "")
        units = set(live["unit_id"])
        if totals is not None and len(totals):
            units |= set(totals.loc[totals["problems"].astype(int) > 0, "unit_id"])
        text += f"，涉及{len(units)}家单位"
    if not previous_round:
        return text + "。"
    others = _live(problems)
    if len(others) and "rechecked_at" in others:
        # Fixed at this round's own 回头看: deducted by this round (said above), not a fix
        # since the previous one.
        others = others[~(others["status"].eq("fixed") & others["rechecked_at"].notna())]
    statuses = others["status"].value_counts() if len(others) else pd.Series(dtype=int)
    fixed_now, recheck = int(statuses.get("fixed", 0)), len(credit)
    text += f"；与上一轮（{round_label(previous_round)}）相比，已整改{fixed_now + recheck}个"
    if recheck:
        text += f"（其中回头看时已整改{recheck}个）"
    unseen, expired = int(statuses.get("not_comparable", 0)), int(statuses.get("expired", 0))
    if unseen:
        text += f"，另有{unseen}个问题因本轮未能采集而无法复核"
    if expired:
        text += f"，{expired}个已超出测评期（不再考查，不计为整改）"
    return text + "。"


def one_time_sentence(problems: pd.DataFrame) -> str:
    live = counted_problems(problems)
    if live.empty or "rectifiable" not in live:
        return ""
    once = int(live["rectifiable"].astype(object).eq(False).sum())
    if not once:
        return ""
    return (
        f"扣分问题中有{once}个是已经发生、无法整改的一次性问题（如信息公开超出时限），"
        "在整改清单中列为“今后注意”，不要求单位答复。"
    )


def groups_sentence(groups: pd.DataFrame, top: int = 3) -> str:
    if groups.empty:
        return ""
    lead = groups.head(top)
    labels = [group_label(groups, r.group1, r.group2) for r in lead.itertuples()]
    detail = "、".join(
        f"{label}方面{r.problems}个（占{r.share * 100:.1f}%）"
        for label, r in zip(labels, lead.itertuples(), strict=True)
    )
    return f"扣分问题主要集中在{'、'.join(labels)}{cn_count(len(lead))}个方面，其中{detail}。"


def units_sentence(levels: pd.DataFrame, not_evaluated_units: int) -> str:
    if levels.empty:
        return ""
    units = int(levels["units"].sum())
    text = f"参评单位{units}家，合格{int(levels['passed'].sum())}家、不合格{int(levels['failed'].sum())}家"
    vetoed = int(levels["vetoed"].sum())
    if vetoed:
        text += f"（其中单项否决{vetoed}家）"
    unread = units - int(levels["observed"].sum())
    if unread:
        text += f"，另有{unread}家单位网站本轮未能正常访问，未予评分"
    text += "。"
    if not_evaluated_units:
        text += (
            f"{not_evaluated_units}家单位有部分指标因所需网页未能读取而未能评估，"
            "按其余指标折算得分（见“本轮未能评估”）。"
        )
    return text


def levels_sentence(levels: pd.DataFrame, scores_of_single: dict[str, float]) -> str:
    """Averages of levels with two or more scored units, the lowest named among them; a level
    with one scored unit as that unit's score."""
    if levels.empty:
        return ""
    scored = levels.dropna(subset=["average"])
    single = scored[scored["level"].isin(list(scores_of_single))]
    many = scored[~scored["level"].isin(list(scores_of_single))]
    parts = []
    if len(many):
        parts.append("，".join(f"{r.level}平均{points(r.average)}分" for r in many.itertuples()))
        if len(many) > 1:
            low = many.sort_values(["average", "level"], kind="stable").iloc[0]
            parts[-1] += f"，{low.level}平均得分最低"
    for r in single.itertuples():
        parts.append(f"{r.level}仅1家单位参与评分，得{points(scores_of_single[r.level])}分")
    return ("分层级看，" + "；".join(parts) + "。") if parts else ""


def paragraph(
    kind: str,
    groups: pd.DataFrame,
    levels: pd.DataFrame,
    totals: pd.DataFrame,
    problems: pd.DataFrame,
    credit: pd.DataFrame,
    previous_round: str | None,
    not_evaluated_units: int = 0,
) -> str:
    """The whole paragraph (see the module's docstring)."""
    scored = totals[totals["total"].notna()]
    sizes = scored.groupby("level")["total"].agg(["size", "first"])
    singles = {lv: float(r["first"]) for lv, r in sizes.iterrows() if r["size"] == 1}
    present = problems[problems["status"].isin(PRESENT)] if len(problems) else problems
    return "".join(
        [
            counts_sentence(kind, problems, credit, previous_round, totals),
            one_time_sentence(present),
            groups_sentence(groups),
            units_sentence(levels, not_evaluated_units),
            levels_sentence(levels, singles),
        ]
    )
