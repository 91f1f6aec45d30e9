"""The round report's 得分变化原因: per level, how much of the units' movement since the previous
round came from the indicator set's change (指标体系调整), from the sites (网站自身变化) and from
the evaluators' decisions (测评人员核定) — the sum of each part over the level's units and the
average per unit — with one sentence per level.

Read from what the round stored (`store.explanations.unit_changes`: the units with a total in
both rounds, the change and the sum of each part's lines). A first round or a round stored
without its explanation has none: one sentence says so. A unit's change its stored lines do not
account for (none stored for it) is counted apart as 未能分解, never spread over the parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from reports.fix_tables import in_level_order
from reports.wording import points, signed
from scoring.explain import DECISIONS, PART_ZH, PARTS, RECOMPUTED, RULES, SITE

if TYPE_CHECKING:
    from store import Store
    from store.rounds import RoundInfo

FIRST_ROUND = "本轮为首轮评估，没有上轮得分可比较。"
NOT_STORED = "本轮测评未保存与上轮相比的得分变化分解，无法说明得分变化来自指标体系调整、网站自身变化还是测评人员核定。"
NONE_IN_BOTH = "没有两轮均有得分的单位，无法比较。"
UNSPLIT = "unsplit"
UNSPLIT_ZH = "未能分解"
ALWAYS = (RULES, SITE, DECISIONS)  # said even when 0; the others only when not
COLUMNS = ["level", "units", "change", *PARTS, UNSPLIT]


@dataclass(frozen=True)
class Movement:
    """Per level (`COLUMNS`: units with a total in both rounds, the sum of their change and of
    each part), the sentences; ``note`` alone when there is nothing to compare."""

    levels: pd.DataFrame
    sentences: tuple[str, ...] = ()
    note: str = ""


def movement(store: Store, info: RoundInfo, totals: pd.DataFrame) -> Movement:
    """The movement of round ``info`` against its previous round, per level of ``totals``."""
    from store import explanations

    empty = pd.DataFrame(columns=COLUMNS)
    if not info.previous_round:
        return Movement(empty, note=FIRST_ROUND)
    if not explanations.has_explanation(store, info.id):
        return Movement(empty, note=NOT_STORED)
    changes = explanations.unit_changes(store, info)
    for part in PARTS:
        if part not in changes:
            changes[part] = 0.0
    changes[UNSPLIT] = (changes["change"] - changes[list(PARTS)].sum(axis=1)).round(4)
    level = totals.set_index("unit_id")["level"]
    changes["level"] = changes["unit_id"].map(level)
    sums = changes.groupby("level")[["change", *PARTS, UNSPLIT]].sum()
    sums.insert(0, "units", changes.groupby("level").size())
    levels = list(totals["level"].drop_duplicates())
    frame = sums.reindex(levels).fillna(0).reset_index(names="level")
    frame["units"] = frame["units"].astype(int)
    frame = in_level_order(frame).reset_index(drop=True)
    return Movement(frame[COLUMNS], tuple(sentence(r) for r in frame.to_dict("records")))


def sentence(row: dict) -> str:
    """与上轮相比，市直部门平均得分上升2.3分，其中指标体系调整−1.2分、网站自身变化+3分、测评人员
    核定0分。 — averages per unit with a total in both rounds."""
    n = int(row["units"])
    if n == 0:
        return f"{row['level']}{NONE_IN_BOTH}"
    average = row["change"] / n
    moved = (
        "平均得分未变化"
        if round(average, 2) == 0
        else (
            f"平均得分上升{points(average)}分"
            if average > 0
            else f"平均得分下降{points(-average)}分"
        )
    )
    parts = [p for p in PARTS if p in ALWAYS or round(row[p] / n, 2) != 0]
    said = [f"{PART_ZH[p]}{signed(row[p] / n)}分" for p in parts]
    if round(row[UNSPLIT] / n, 2) != 0:
        said.append(f"{UNSPLIT_ZH}{signed(row[UNSPLIT] / n)}分")
    head = f"与上轮相比，{row['level']}（{n}家两轮均有得分）{moved}"
    if all(round(row[p] / n, 2) == 0 for p in (*PARTS, UNSPLIT)):
        return head + "。"
    return head + "，其中" + "、".join(said) + "。"


def part_title(part: str) -> str:
    """A part's name in a table's header."""
    return UNSPLIT_ZH if part == UNSPLIT else PART_ZH[part]


SHOWN_PARTS = (RULES, SITE, DECISIONS, RECOMPUTED, UNSPLIT)
