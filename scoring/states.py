"""What each unit × indicator of a round is (round_scores.state and reason): never score the unseen.

From the indicator's score rows, its counted problems and the check's coverage
(`Check.coverage`):
- **scored** (已评) — judged; a unit with counted problems is always scored (what was seen is
  deducted), and when part of what the indicator needs was unread the reason says so;
- **not_evaluated** (未评) — what the indicator needs could not be read (a column behind an
  anti-bot page, a unit whose site was down) and nothing was found in what was: rescaled away,
  so an unseen column is never credited full marks;
- **not_applicable** (不适用) — nothing to judge (a township without 规范性文件) where the
  indicator's `when_nothing` says so (the default), or a unit in its `not_applicable` list
  (规范性说明): rescaled away;
- **full_marks** (按满分计) — nothing to judge, and the set says that is full marks.

Rescaled-away rows keep `not_applicable` true, so readers of the flag alone still leave them out
of the totals (`scoring.totals`). A `veto_count` indicator that did not fire is not evaluated
when the columns its counted indicators could not read might have reached the count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from common.vocabulary import RESCALED_AWAY
from scoring.checks import _coverage

SCORED, NOT_EVALUATED, NOT_APPLICABLE, FULL_MARKS = (
    "scored", "not_evaluated", "not_applicable", "full_marks",
)  # fmt: skip
UNREAD_UNIT = "本单位网站本轮未能读取，未评分"
LISTED_NA = "单位已发布规范性说明（无此类信息），经认可本项不适用"
ENDINGS = {
    NOT_EVALUATED: "，本项未评",
    SCORED: "，本项按已读取的内容评分",
    NOT_APPLICABLE: "，本项不适用",
    FULL_MARKS: "，本项按满分计",
}


def apply(
    rows: pd.DataFrame,
    cover: pd.DataFrame,
    *,
    listed: Iterable[str],
    observed: set[str],
    when_nothing: str = NOT_APPLICABLE,
) -> pd.DataFrame:
    """``rows`` (one indicator's score rows) with state, reason, not_applicable and `looked`
    (tracking may compare earlier problems: everything but listed and unread units)."""
    out = rows.copy()
    counted = out["problems"].to_numpy() > 0
    by_unit = cover.drop_duplicates("unit_id").set_index("unit_id") if len(cover) else None
    listed = set(listed)
    states, reasons, looked = [], [], []
    for unit_id, found in zip(out["unit_id"], counted, strict=True):
        state, reason, seen = SCORED, None, True
        if unit_id not in observed:
            state, reason, seen = NOT_EVALUATED, UNREAD_UNIT, False
        elif unit_id in listed:
            state, reason, seen = NOT_APPLICABLE, LISTED_NA, False
        elif by_unit is not None and unit_id in by_unit.index:
            kind, text = by_unit.at[unit_id, "state"], by_unit.at[unit_id, "reason"]
            if found:
                state = SCORED
                reason = None if kind == _coverage.NOTHING else text + ENDINGS[SCORED]
            elif kind == _coverage.NOTHING:
                state = when_nothing
                reason = text + ENDINGS[state]
            else:
                state, reason = NOT_EVALUATED, text + ENDINGS[NOT_EVALUATED]
                seen = kind != _coverage.NOT_EVALUATED  # partly read: its columns may be compared
        states.append(state)
        reasons.append(reason)
        looked.append(seen)
    out["state"] = states
    out["reason"] = reasons
    out["looked"] = looked
    away = out["state"].isin(RESCALED_AWAY).to_numpy()
    out["not_applicable"] = away
    out.loc[away, "deduction"] = 0.0
    out.loc[away, "score"] = out.loc[away, "points"]
    return out


def veto_cover(
    units: Iterable[str],
    counted: pd.DataFrame,
    watched: list[str],
    at_least: int,
    unseen: Mapping[tuple[str, str], int],
    reason: str,
) -> pd.DataFrame:
    """Coverage of a `veto_count` indicator: a unit below ``at_least`` whose counted indicators
    left columns unread that could reach it is not evaluated (the veto may hold, unseen)."""
    per_unit = counted[counted["indicator_id"].isin(watched)].groupby("unit_id").size()
    out: list[dict[str, Any]] = []
    for unit_id in sorted(units):
        count = int(per_unit.get(unit_id, 0))
        missing = sum(unseen.get((unit_id, w), 0) for w in watched)
        if count < at_least <= count + missing:
            text = (f"相关栏目中有{missing}个本轮未能读取，无法判断是否达到单项否决标准"
                    f"（{reason or '单项否决'}）")  # fmt: skip
            out.append({"unit_id": unit_id, "state": _coverage.NOT_EVALUATED, "reason": text,
                        "unseen": missing})  # fmt: skip
    return _coverage.rows(out)


def unseen_counts(indicator_id: str, cover: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(unit, indicator) → columns (or, for unread pages only, 1) the indicator could not read."""
    out = {}
    for row in cover.itertuples(index=False):
        if row.state != _coverage.NOTHING:
            out[(row.unit_id, indicator_id)] = max(int(row.unseen), 1)
    return out
