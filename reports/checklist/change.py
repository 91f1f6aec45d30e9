"""得分变化说明 on a unit's checklist: its total last round → this round, the change split into
what the indicator set's change did (指标体系调整), what its site did (网站自身变化) and what the
evaluators decided (测评人员核定), each part's indicators by name, biggest first, and a pass/fail
that flipped said in words (a veto by name).

Read from what the round stored (`store.explanations`: written with the round by
`scoring.explain`, so it changes only when the round is evaluated again). A first round, a
round stored without its explanation (before revision 0019, or its previous inputs could not
be read again) and a unit not scored in either round get one sentence saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from reports.checklist.rows import clean_text, missing
from reports.wording import points, round_label, signed
from scoring.explain import PART_ZH, PARTS

if TYPE_CHECKING:
    from store import Store
    from store.rounds import RoundInfo

HEADERS = ("变化原因", "指标", "分值变化")
FIRST_ROUND = "本轮为首次测评，无上轮得分可比。"
NOT_STORED = "本轮测评未保存与上轮相比的得分变化分解，无法说明得分变化的原因。"
NOT_BOTH = "你单位{which}未予评分，无法与上轮比较得分变化。"
OTHER_INDICATOR = "其他指标"
DIGITS = 2


@dataclass(frozen=True)
class PartChange:
    """One part of the change: its name, points, and its lines (what, points), biggest first."""

    name: str
    change: float
    lines: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ScoreChange:
    """A unit's change against the previous round; ``note`` alone when it cannot be said."""

    previous: str = ""  # the previous round's label
    before: float | None = None
    after: float | None = None
    parts: tuple[PartChange, ...] = ()
    flip: str = ""  # the result that changed, in words
    note: str = ""

    @property
    def change(self) -> float:
        return round((self.after or 0.0) - (self.before or 0.0), DIGITS)


def sentences(sc: ScoreChange) -> tuple[str, ...]:
    """The block's text: the totals and the parts; the flip; or the one sentence."""
    if sc.note:
        return (sc.note,)
    change = sc.change
    moved = (
        "未变化"
        if change == 0
        else (f"上升{points(change)}分" if change > 0 else f"下降{points(-change)}分")
    )
    head = (
        f"与上轮（{sc.previous}）相比，你单位得分由{points(sc.before)}分变为{points(sc.after)}分，"
        f"{moved}"
    )
    shown = [p for p in sc.parts if round(p.change, DIGITS) != 0]
    if shown:
        head += "，其中" + "、".join(f"{p.name}{signed(p.change)}分" for p in shown)
    out = [head + "。"]
    if sc.flip:
        out.append(sc.flip)
    return tuple(out)


def table_rows(sc: ScoreChange) -> tuple[tuple[str, str, str], ...]:
    """(变化原因, 指标, 分值变化) per line, part by part, biggest first within a part."""
    return tuple(
        (part.name, what, f"{signed(value)}分")
        for part in sc.parts
        for what, value in part.lines
        if round(value, DIGITS) != 0
    )


def _flip(before: Mapping[str, Any] | None, after: Mapping[str, Any], vetoes: Sequence[str]) -> str:
    if before is None or missing(before["passed"]) or missing(after["passed"]):
        return ""
    was, now = bool(before["passed"]), bool(after["passed"])
    if was == now:
        return ""
    if now:
        return "测评结果由不合格变为合格。"
    if bool(after["vetoed"]) and vetoes:
        return f"测评结果由合格变为不合格（单项否决：{'、'.join(vetoes)}）。"
    return "测评结果由合格变为不合格。"


def _parts(lines: pd.DataFrame, names: Mapping[str, str]) -> tuple[PartChange, ...]:
    from scoring.explain_cli import LINE_ZH

    out = []
    for part in PARTS:
        mine = lines[lines["part"] == part]
        if not mine["change"].astype(float).round(DIGITS).ne(0).any():
            continue
        what: dict[str, float] = {}
        for indicator_id, value in zip(
            mine["indicator_id"], mine["change"].astype(float), strict=True
        ):
            label = LINE_ZH.get(indicator_id) or names.get(indicator_id, OTHER_INDICATOR)
            what[label] = what.get(label, 0.0) + value
        ordered = sorted(what.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        out.append(PartChange(PART_ZH[part], float(mine["change"].sum()), tuple(ordered)))
    return tuple(out)


def load_changes(
    store: Store,
    info: RoundInfo,
    totals: pd.DataFrame,
    unit_ids: Sequence[str],
    names: Mapping[str, str],
    vetoes: Mapping[str, Sequence[str]],
) -> dict[str, ScoreChange]:
    """Unit → its 得分变化说明. ``totals``: this round's totals; ``names``: indicator id →
    name in this round's and the previous round's sets; ``vetoes``: unit → the names of the
    veto indicators that failed it this round."""
    from store import explanations
    from store import rounds as round_store

    if not info.previous_round:
        return {u: ScoreChange(note=FIRST_ROUND) for u in unit_ids}
    previous = round_label(info.previous_round)
    if not explanations.has_explanation(store, info.id):
        return {u: ScoreChange(previous=previous, note=NOT_STORED) for u in unit_ids}
    before = round_store.round_totals_frame(store, info.previous_round).set_index("unit_id")
    after = totals.set_index("unit_id")
    lines = explanations.explanation_lines(store, info.id, unit_ids)
    by_unit = {u: part for u, part in lines.groupby("unit_id")}
    out = {}
    for unit in unit_ids:
        old = before.loc[unit] if unit in before.index else None
        new = after.loc[unit]
        if old is None or missing(old["total"]) or missing(new["total"]):
            which = "本轮" if missing(new["total"]) else "上轮"
            out[unit] = ScoreChange(previous=previous, note=NOT_BOTH.format(which=which))
            continue
        mine = by_unit.get(unit, lines.iloc[0:0])
        out[unit] = ScoreChange(
            previous=previous,
            before=float(old["total"]),
            after=float(new["total"]),
            parts=_parts(mine, names),
            flip=_flip(old, new, vetoes.get(unit, ())),
        )
    return out


def indicator_names(*indicator_sets: Any) -> dict[str, str]:
    """Indicator id → name over the sets, the later set's name winning."""
    return {i.id: clean_text(i.name) for s in indicator_sets for i in s.indicators}
