"""What a new indicator set would do (新指标体系影响评估), before it is published: a round's frozen
crawl scored under set A and under set B — each unit's total, rank and pass/fail under both, the
change, whether the result flips (合格 ↔ 不合格), and the indicators that cause the movement.

Everything but the set is held as the round had it: its crawl run as that run left it, its day
(as_of) and the evaluators' decisions it applied (the decision column of its stored problems).
So when A is the round's own frozen set (`scoring.round.frozen_set`), the A side reproduces the
round's stored totals, ranks and passes; and the B side is what evaluating the round's crawl run
on its day under B (`scoring.round.evaluate(..., run_id=R's run)`) stores, as long as no decision
was made since the round (tests/test_rounds_advance.py checks both).

Each unit's change is split per indicator by `scoring.explain.part_lines` (the rules part of
得分变化说明, with its `BASE` line — 计分基数, an indicator judged in one set and not the
other reweighs the points lost — and its `BONUS` line — 加分), so the lines sum exactly to the
change; summed over units they give each indicator's whole movement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from common import vocabulary
from common.vocabulary import LEVELS
from scoring.explain import BASE, BONUS, _vetoes, applied_decisions, part_lines
from scoring.scorer import Scored, score_crawl
from scoring.totals import ROUND_DIGITS

if TYPE_CHECKING:
    from scoring.workdays import WorkCalendar
    from store import Store

TO_PASS, TO_FAIL = "to_pass", "to_fail"  # a flip: 不合格 → 合格, 合格 → 不合格
FLIP_ZH = {TO_PASS: "变为合格", TO_FAIL: "变为不合格"}
LINE_ZH = {BASE: "计分基数变化", BONUS: "加分项"}  # the lines that are not one indicator's
CAUSES = 3  # the indicators named per unit as the cause of its movement
UNIT_COLUMNS = [
    "unit_id",
    "name",
    "level",
    "observed",  # read by the crawl (a unit not read has no total under either set)
    "total_a",
    "total_b",
    "change",
    "rank_a",
    "rank_b",
    "rank_change",  # places gained under B (positive: up)
    "passed_a",
    "passed_b",
    "flip",  # "", TO_PASS or TO_FAIL
    "vetoed_a",  # the veto indicators (单项否决) that failed the unit, comma-separated
    "vetoed_b",
    "causes",  # up to CAUSES (indicator id, points) pairs, the largest movement first
]
LINE_COLUMNS = ["unit_id", "indicator_id", "change"]
INDICATOR_COLUMNS = [
    "indicator_id",
    "name",
    "in_a",
    "in_b",
    "movement",  # the points it moved, summed over the units compared
    "mean",  # movement / the units compared (with a total under both sets)
    "units_up",
    "units_down",
]
LEVEL_COLUMNS = [
    "level",
    "units",
    "compared",
    "mean_a",
    "mean_b",
    "mean_change",
    "passed_a",
    "passed_b",
    TO_PASS,
    TO_FAIL,
]


class ImpactError(ValueError):
    """The impact cannot be computed (the round is not found)."""


@dataclass(frozen=True)
class Impact:
    """Round ``round_id``'s crawl under ``set_a`` and ``set_b``.

    ``units`` (`UNIT_COLUMNS`): every unit of the crawl, ordered by level then total under B; a
    unit the crawl could not read has no total, rank or pass on either side. ``lines``
    (`LINE_COLUMNS`): per unit × indicator (or `BASE` / `BONUS`) its share of the unit's change,
    non-zero ones only, for units with a total under both sets; they sum to ``change``.
    ``indicators`` (`INDICATOR_COLUMNS`): each indicator of either set, and `BASE` / `BONUS`,
    with its movement summed over units, the largest first."""

    round_id: str
    as_of: dt.date
    set_a: Any
    set_b: Any
    units: pd.DataFrame
    lines: pd.DataFrame
    indicators: pd.DataFrame

    @property
    def flips(self) -> pd.DataFrame:
        """The units whose result flips, those that become 不合格 first, then by change."""
        flipped = self.units[self.units["flip"] != ""]
        first = flipped.assign(_f=flipped["flip"] != TO_FAIL)
        return first.sort_values(["_f", "change"], kind="stable").drop(columns="_f")

    def line_name(self, indicator_id: str) -> str:
        """An indicator's name (B's, else A's), or what a `BASE` / `BONUS` line is."""
        found = self.indicators.loc[self.indicators["indicator_id"] == indicator_id, "name"]
        return LINE_ZH.get(indicator_id) or (found.iloc[0] if len(found) else "") or indicator_id

    def causes_text(self, causes: Any) -> str:
        """A unit's `causes` in words: each indicator's name and points, e.g.
        「新闻动态更新 -5.00；计分基数变化 +2.50」."""
        return "；".join(f"{self.line_name(i)} {c:+.2f}" for i, c in causes)

    def movers(self, top: int | None = None) -> pd.DataFrame:
        """Units by the size of their change, the largest first (those that did not move out)."""
        moved = self.units[self.units["change"].fillna(0) != 0]
        moved = _largest_first(moved, "change")
        return moved if top is None else moved.head(top)

    def by_level(self) -> pd.DataFrame:
        """Per level (`LEVEL_COLUMNS`): units, units with a total under both sets, mean totals
        and change over those, passes under each set, flips each way."""
        units = self.units
        rows = []
        for level in _level_order(units["level"]):
            here = units[units["level"] == level]
            both = here[here["total_a"].notna() & here["total_b"].notna()]
            rows.append(
                {
                    "level": level,
                    "units": len(here),
                    "compared": len(both),
                    "mean_a": _mean(both["total_a"]),
                    "mean_b": _mean(both["total_b"]),
                    "mean_change": _mean(both["change"]),
                    "passed_a": int((here["passed_a"] == True).sum()),  # noqa: E712 (None too)
                    "passed_b": int((here["passed_b"] == True).sum()),  # noqa: E712
                    TO_PASS: int((here["flip"] == TO_PASS).sum()),
                    TO_FAIL: int((here["flip"] == TO_FAIL).sum()),
                }
            )
        return pd.DataFrame(rows, columns=LEVEL_COLUMNS)


def result_zh(row: Any, side: str) -> str:
    """A unit's result under set ``side`` ("a" / "b") in the office's words (合格 / 不合格 /
    不合格（单项否决） / 未评分…), from its row of `Impact.units`."""
    passed = getattr(row, f"passed_{side}")
    passed = None if passed is None or pd.isna(passed) else bool(passed)
    return vocabulary.verdict(bool(row.observed), bool(getattr(row, f"vetoed_{side}")), passed)


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), ROUND_DIGITS) if len(values) else None


def _level_order(levels: pd.Series) -> list[str]:
    seen = list(dict.fromkeys(levels.dropna()))
    return [lv for lv in LEVELS if lv in seen] + [lv for lv in seen if lv not in LEVELS]


def impact(
    store: Store,
    round_id: str,
    set_a: Any,
    set_b: Any,
    *,
    calendar: WorkCalendar | None = None,
) -> Impact:
    """Round ``round_id``'s crawl (as its run left it), as of its day, with its decisions,
    scored under ``set_a`` and under ``set_b`` (see the module: with A the round's own frozen
    set, the A side is the round's stored totals)."""
    from scoring.data import load_crawl
    from scoring.workdays import default_calendar
    from store import rounds as round_store

    info = round_store.find_round(store, round_id)
    if info is None:
        raise ImpactError(f"round {round_id!r} not found (see `zwgk problems rounds`)")
    data = load_crawl(store, info.crawl_run)
    return compare(
        data,
        info.as_of,
        applied_decisions(store, round_id),
        set_a,
        set_b,
        calendar=calendar or default_calendar(),
        round_id=round_id,
    )


def compare(
    data: Any,
    as_of: dt.date,
    decisions: Mapping[str, str],
    set_a: Any,
    set_b: Any,
    *,
    calendar: WorkCalendar,
    round_id: str = "",
) -> Impact:
    """One crawl, as of one day, with one set of decisions, scored under ``set_a`` and
    ``set_b`` (`Impact`)."""
    a = score_crawl(data, set_a, as_of, calendar=calendar, decisions=decisions)
    b = score_crawl(data, set_b, as_of, calendar=calendar, decisions=decisions)
    ta, tb = a.totals.set_index("unit_id"), b.totals.set_index("unit_id")
    ids = list(ta.index)
    both = [u for u in ids if pd.notna(ta.at[u, "total"]) and pd.notna(tb.at[u, "total"])]
    lines = _lines(a, b, both)
    units = pd.DataFrame({"unit_id": ids, "name": ta["name"].to_numpy()})
    units["level"] = ta["level"].to_numpy()
    units["observed"] = ta["observed"].astype(bool).to_numpy()
    units["total_a"] = ta["total"].astype(float).to_numpy()
    units["total_b"] = tb["total"].reindex(ids).astype(float).to_numpy()
    units["change"] = (units["total_b"] - units["total_a"]).round(ROUND_DIGITS)
    units["rank_a"] = ta["rank_in_level"].astype("Int64").array
    units["rank_b"] = tb["rank_in_level"].reindex(ids).astype("Int64").array
    units["rank_change"] = units["rank_a"] - units["rank_b"]
    units["passed_a"] = ta["passed"].to_numpy()
    units["passed_b"] = tb["passed"].reindex(ids).to_numpy()
    units["flip"] = [_flip(x, y) for x, y in zip(units["passed_a"], units["passed_b"], strict=True)]
    units["vetoed_a"] = _vetoes(a, ids)
    units["vetoed_b"] = _vetoes(b, ids)
    units["causes"] = _causes(lines, ids)
    order = {lv: i for i, lv in enumerate(_level_order(units["level"]))}
    units = units.assign(_o=units["level"].map(order), _t=-units["total_b"].fillna(-1e9))
    units = units.sort_values(["_o", "_t", "unit_id"], kind="stable").drop(columns=["_o", "_t"])
    return Impact(
        round_id,
        as_of,
        set_a,
        set_b,
        units[UNIT_COLUMNS].reset_index(drop=True),
        lines,
        _indicators(lines, set_a, set_b, len(both)),
    )


def _lines(a: Scored, b: Scored, units: list[str]) -> pd.DataFrame:
    if not units:
        return pd.DataFrame(columns=LINE_COLUMNS)
    lines = part_lines("impact", a, b, units)[LINE_COLUMNS]
    lines = lines[lines["change"].round(ROUND_DIGITS) != 0]
    return lines.sort_values(["unit_id", "indicator_id"]).reset_index(drop=True)


def _flip(passed_a: Any, passed_b: Any) -> str:
    if passed_a is None or passed_b is None or bool(passed_a) == bool(passed_b):
        return ""
    return TO_PASS if passed_b else TO_FAIL


def _causes(lines: pd.DataFrame, ids: list[str]) -> list[tuple[tuple[str, float], ...]]:
    ordered = lines.assign(size=-lines["change"].abs()).sort_values(
        ["unit_id", "size", "indicator_id"], kind="stable"
    )
    top = {
        unit: tuple(
            (i, round(float(c), ROUND_DIGITS))
            for i, c in zip(rows["indicator_id"], rows["change"], strict=True)
        )[:CAUSES]
        for unit, rows in ordered.groupby("unit_id", sort=False)
    }
    return [top.get(u, ()) for u in ids]


def _indicators(lines: pd.DataFrame, set_a: Any, set_b: Any, compared: int) -> pd.DataFrame:
    in_a = {i.id: i for i in set_a.indicators}
    in_b = {i.id: i for i in set_b.indicators}
    ids = list(dict.fromkeys([*in_b, *in_a]))
    ids += [x for x in (BASE, BONUS) if x in set(lines["indicator_id"])]
    grouped = lines.groupby("indicator_id")["change"]
    movement = grouped.sum().reindex(ids).fillna(0.0).round(ROUND_DIGITS)
    up = grouped.apply(lambda c: int((c > 0).sum())).reindex(ids).fillna(0).astype(int)
    down = grouped.apply(lambda c: int((c < 0).sum())).reindex(ids).fillna(0).astype(int)
    out = pd.DataFrame(
        {
            "indicator_id": ids,
            "name": [getattr(in_b.get(i) or in_a.get(i), "name", "") or "" for i in ids],
            "in_a": [i in in_a for i in ids],
            "in_b": [i in in_b for i in ids],
            "movement": movement.to_numpy(),
            "mean": (movement / compared).round(ROUND_DIGITS).to_numpy() if compared else 0.0,
            "units_up": up.to_numpy(),
            "units_down": down.to_numpy(),
        }
    )
    return _largest_first(out, "movement")[INDICATOR_COLUMNS].reset_index(drop=True)


def _largest_first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` by the size of ``column``, the largest first, ties in their order."""
    size = -frame[column].abs()
    return frame.iloc[size.reset_index(drop=True).argsort(kind="stable").to_numpy()]
