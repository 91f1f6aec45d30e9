"""Fix these first (优先整改): a unit's open problems ordered by the points their fix recovers,
and the smallest set of fixes that reaches the pass line, the next rank or the full score.

A fix recovers what the round's own arithmetic gives back (`scoring.scorer`, `scoring.totals`):
- an indicator loses min(Σ per_problem × weight, its cap); under a cap with slack, fixing one of
  six problems may recover nothing, fixing all of them recovers the whole cap;
- the total is 100 × (P − Σ lost) / P over the P points judged, so a point recovered weighs
  100 / P;
- an indicator whose every problem is fixed, where the round could read only part of what it
  needs (its reason says so), is not evaluated next time: it leaves P, and recovers nothing
  (never credited full marks for what was unseen);
- a veto (单项否决) fails the unit whatever its total: to pass, every problem of a veto indicator
  must go, and a `veto_count` indicator's counted problems must fall below its line;
- a one-time event (published late) cannot be fixed, a dismissed problem costs nothing, a bonus
  item (加分项) is outside the 100: none of them is a fix here.

The smallest set is exact: per indicator, fixing j problems recovers most with its j largest;
a dynamic programme over indicators keeps, for each number of fixes, the least points lost for
each P. Vetoes are lifted first (their fixes are forced), the rest chosen by the programme.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from common.vocabulary import PRESENT
from scoring.states import ENDINGS, SCORED
from scoring.totals import ROUND_DIGITS

PASS, NEXT_RANK, FULL = "pass", "next_rank", "full"
TARGET_ZH = {PASS: "达到合格线", NEXT_RANK: "前进一个名次", FULL: "得满分"}
VETO_COUNT = "veto_count"


@dataclass(frozen=True)
class Plan:
    """One target's smallest set of fixes: the fingerprints, and the total they give."""

    target: str
    goal: float
    fixes: tuple[str, ...]
    total: float
    reachable: bool  # False: no set of fixes this round reaches it (a one-time veto, …)


@dataclass(frozen=True)
class FixFirst:
    """A unit's fixes (`problems`: fingerprint, indicator_id, alone — the points fixing it alone
    recovers —, indicator_all — fixing every problem of its indicator —, lifts_veto, priority,
    sorted by priority) and a plan for each target it has not reached."""

    unit_id: str
    total: float
    passed: bool
    problems: pd.DataFrame
    plans: list[Plan] = field(default_factory=list)


@dataclass(frozen=True)
class _Indicator:
    id: str
    points: float
    cap: float
    fixable: list[tuple[float, str]]  # (nominal, fingerprint), largest first
    fixed_nominal: float  # counted nominal that cannot be fixed (one-time events)
    leaves_when_clean: bool  # partly unread: not evaluated once nothing is found


def plan_fixes(
    unit_id: str,
    scores: pd.DataFrame,
    problems: pd.DataFrame,
    indicator_set: Any,
    *,
    pass_line: float,
    next_total: float | None = None,
) -> FixFirst:
    """``scores``/``problems``: the unit's rows of a round (stored or just scored: round_scores
    and problems columns). ``next_total``: the total of the unit ranked just above it (None: it
    ranks first, or is not ranked)."""
    scores = scores[scores["unit_id"] == unit_id]
    problems = problems[problems["unit_id"] == unit_id]
    counted = problems[_counted(problems)]
    by_id = {i.id: i for i in indicator_set.indicators}
    live = scores[~scores["not_applicable"].astype(bool) & ~scores["bonus"].astype(bool)]
    per_indicator: dict[str, list[tuple[float, str, bool]]] = {}
    for indicator_id, nominal, fp, can in zip(
        counted["indicator_id"], counted["nominal"].astype(float), counted["fingerprint"],
        _rectifiable(counted), strict=True,
    ):  # fmt: skip
        per_indicator.setdefault(indicator_id, []).append((nominal, fp, bool(can)))
    indicators = [
        _indicator(r, per_indicator.get(r.indicator_id, []), by_id)
        for r in live.itertuples(index=False)
        if r.indicator_id in by_id
    ]
    points = float(live["points"].sum())
    lost = sum(_lost(i, 0) for i in indicators)
    total = _total(points, lost)
    vetoes = _vetoes(scores, counted, by_id)
    passed = not vetoes.vetoed and total >= pass_line
    gains = _single_gains(indicators, points, lost)
    frame = _problem_frame(counted, gains, vetoes.forced, indicators, points, lost)
    plans = []
    wanted = [(PASS, pass_line)] if not passed else []
    if next_total is not None and next_total > total:
        wanted.append((NEXT_RANK, next_total))
    if total < 100:
        wanted.append((FULL, 100.0))
    for target, goal in wanted:
        plans.append(_plan(target, goal, indicators, points, vetoes))
    frame = _prioritised(frame, plans)
    return FixFirst(unit_id, round(total, ROUND_DIGITS), passed, frame, plans)


def next_totals(totals: pd.DataFrame) -> dict[str, float | None]:
    """Unit → the total of the unit ranked just above it — the nearest better rank within its
    level and city (`scoring.totals`: a vetoed unit ranks below every other, whatever its
    total) — for `plan_fixes`' ``next_total``; None for a unit ranked first or not ranked.
    ``totals``: a round's totals (unit_id, level, parent, total, rank_in_level)."""
    from scoring.cities import city_of

    ranked = totals[totals["total"].notna() & totals["rank_in_level"].notna()]
    city = city_of(totals.rename(columns={"unit_id": "id"})[["id", "level", "parent"]])
    group = dict(zip(totals["unit_id"], zip(totals["level"], city, strict=True), strict=True))
    by_group: dict[Any, list[tuple[int, float]]] = {}
    for unit, rank, total in zip(ranked["unit_id"], ranked["rank_in_level"].astype(int),
                                 ranked["total"].astype(float), strict=True):  # fmt: skip
        by_group.setdefault(group[unit], []).append((rank, total))
    out: dict[str, float | None] = {}
    for unit, rank in zip(ranked["unit_id"], ranked["rank_in_level"].astype(int), strict=True):
        above = [(r, t) for r, t in by_group[group[unit]] if r < rank]
        nearest = max((r for r, _ in above), default=None)
        out[unit] = None if nearest is None else min(t for r, t in above if r == nearest)
    return out


def _of(frame: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    units = frame["unit_id"]
    return frame if len(frame) == 0 or (units == unit_id).all() else frame[units == unit_id]


def _counted(problems: pd.DataFrame) -> pd.Series:
    """Problems the round counted: found this round (just-scored rows have no status yet) and
    not dismissed."""
    decision = problems["decision"].astype(object)
    found = problems["status"].isin(PRESENT) if "status" in problems else True
    return found & (decision != "dismissed")


def _rectifiable(rows: pd.DataFrame) -> pd.Series:
    if "rectifiable" not in rows:
        return pd.Series(True, index=rows.index)
    return rows["rectifiable"].astype(object).where(rows["rectifiable"].notna(), True).astype(bool)


def _indicator(
    row: Any, mine: list[tuple[float, str, bool]], by_id: Mapping[str, Any]
) -> _Indicator:
    """One live indicator of the unit; ``mine``: its counted problems (nominal, fingerprint,
    rectifiable)."""
    indicator = by_id[row.indicator_id]
    cap = float(row.points)
    maximum = getattr(getattr(indicator, "deduct", None), "max", None)
    if maximum is not None:
        cap = min(cap, float(maximum))
    if indicator.check == VETO_COUNT:
        mine = []  # its finding is the count of others': lifted by fixing them
    fixable = sorted(((n, fp) for n, fp, can in mine if can), key=lambda nf: (-nf[0], nf[1]))
    stuck = [n for n, _, can in mine if not can]
    partly_unread = row.state == SCORED and str(row.reason or "").endswith(ENDINGS[SCORED])
    return _Indicator(
        row.indicator_id, float(row.points), cap, fixable, float(sum(stuck)),
        partly_unread and not stuck,
    )  # fmt: skip


def _lost(indicator: _Indicator, fixed: int) -> float:
    """Points ``indicator`` loses with its ``fixed`` largest fixable problems gone."""
    left = sum(n for n, _ in indicator.fixable[fixed:]) + indicator.fixed_nominal
    return min(left, indicator.cap)


def _leaves(indicator: _Indicator, fixed: int) -> bool:
    return indicator.leaves_when_clean and fixed == len(indicator.fixable)


def _total(points: float, lost: float) -> float:
    return 100 * (points - lost) / points if points > 0 else 0.0


@dataclass(frozen=True)
class _Vetoes:
    forced: frozenset[str]  # fixes needed to lift every veto that fixing can lift
    blocked: bool  # a veto no fix lifts this round (a one-time event)
    vetoed: bool


def _vetoes(scores: pd.DataFrame, counted: pd.DataFrame, by_id: Mapping[str, Any]) -> _Vetoes:
    """The fixes that lift the unit's vetoes: every problem of a veto indicator; for a
    `veto_count` indicator, enough of its counted problems to fall below the line (the ones
    whose fix recovers most points go first: the largest nominal)."""
    hit = scores[scores["veto"].astype(bool) & ~scores["not_applicable"].astype(bool)]
    forced: set[str] = set()
    blocked = False
    for indicator_id in hit["indicator_id"]:
        indicator = by_id.get(indicator_id)
        if indicator is None:
            continue
        if indicator.check == VETO_COUNT:
            watched = list(_param(indicator.params, "indicators"))
            at_least = int(_param(indicator.params, "at_least"))
            rows = counted[counted["indicator_id"].isin(watched)]
            can = rows[_rectifiable(rows)].sort_values(["nominal", "fingerprint"],
                                                       ascending=[False, True])  # fmt: skip
            need = len(rows) - at_least + 1
            blocked |= need > len(can)
            forced.update(can["fingerprint"].iloc[: max(need, 0)])
        else:
            rows = counted[counted["indicator_id"] == indicator_id]
            can = _rectifiable(rows)
            blocked |= not can.all()
            forced.update(rows.loc[can, "fingerprint"])
    return _Vetoes(frozenset(forced), blocked, len(hit) > 0)


def _param(params: Any, key: str) -> Any:
    return params[key] if isinstance(params, Mapping) else getattr(params, key)


def _single_gains(indicators: Sequence[_Indicator], points: float, lost: float) -> dict[str, float]:
    """Fingerprint → the total's rise when only that problem is fixed."""
    now = _total(points, lost)
    out = {}
    for ind in indicators:
        base = lost - _lost(ind, 0)
        for k, (_, fp) in enumerate(ind.fixable):
            rest = ind.fixable[:k] + ind.fixable[k + 1 :]
            if ind.leaves_when_clean and not rest:  # not evaluated next time: leaves P
                out[fp] = _total(points - ind.points, base) - now
                continue
            alone = dataclasses.replace(ind, fixable=rest, leaves_when_clean=False)
            out[fp] = _total(points, base + _lost(alone, 0)) - now
    return out


def _problem_frame(
    counted: pd.DataFrame,
    gains: Mapping[str, float],
    forced: frozenset[str],
    indicators: Sequence[_Indicator],
    points: float,
    lost: float,
) -> pd.DataFrame:
    now = _total(points, lost)
    whole = {}
    for ind in indicators:
        left_p = points - (ind.points if _leaves(ind, len(ind.fixable)) else 0.0)
        left_lost = (
            lost
            - _lost(ind, 0)
            + (0.0 if _leaves(ind, len(ind.fixable)) else _lost(ind, len(ind.fixable)))
        )
        whole[ind.id] = _total(left_p, left_lost) - now
    fixable = {fp for ind in indicators for _, fp in ind.fixable}
    rows = counted[counted["fingerprint"].isin(fixable)]
    return pd.DataFrame(
        {
            "fingerprint": rows["fingerprint"].to_numpy(),
            "indicator_id": rows["indicator_id"].to_numpy(),
            "alone": [round(gains.get(fp, 0.0), ROUND_DIGITS) for fp in rows["fingerprint"]],
            "indicator_all": [round(whole.get(i, 0.0), ROUND_DIGITS) for i in rows["indicator_id"]],
            "lifts_veto": rows["fingerprint"].isin(forced).to_numpy(),
        }
    )


def _plan(
    target: str, goal: float, indicators: Sequence[_Indicator], points: float, vetoes: _Vetoes
) -> Plan:
    """The fewest fixes whose total reaches ``goal`` (with the vetoes lifted, for the pass)."""
    must = vetoes.forced if (target == PASS or vetoes.vetoed) else frozenset()
    if target == PASS and vetoes.blocked:
        return Plan(target, goal, (), _total(points, sum(_lost(i, 0) for i in indicators)), False)
    # states: fixes → {P: (lost, choice)}; each indicator's option: its j largest fixes, at
    # least those the vetoes force.
    states: dict[int, dict[float, tuple[float, tuple[tuple[str, int], ...]]]] = {
        0: {points: (0.0, ())}
    }
    for ind in indicators:
        least = max((k + 1 for k, (_, fp) in enumerate(ind.fixable) if fp in must), default=0)
        nxt: dict[int, dict[float, tuple[float, tuple[tuple[str, int], ...]]]] = {}
        for count, by_p in states.items():
            for p, (lost, choice) in by_p.items():
                for j in range(least, len(ind.fixable) + 1):
                    leaves = _leaves(ind, j)
                    key_p = p - ind.points if leaves else p
                    key_lost = lost + (0.0 if leaves else _lost(ind, j))
                    slot = nxt.setdefault(count + j, {})
                    if key_p not in slot or key_lost < slot[key_p][0] - 1e-12:
                        slot[key_p] = (key_lost, (*choice, (ind.id, j)))
        states = nxt
    by_id = {i.id: i for i in indicators}
    for count in sorted(states):
        best = max(states[count].items(), key=lambda kv: _total(kv[0], kv[1][0]))
        p, (lost, choice) = best
        total = round(_total(p, lost), ROUND_DIGITS)
        if total >= goal - 1e-9:
            fixes = tuple(fp for iid, j in choice for _, fp in by_id[iid].fixable[:j])
            return Plan(target, goal, fixes, total, True)
    p, (lost, choice) = max(states[max(states)].items(), key=lambda kv: _total(kv[0], kv[1][0]))
    fixes = tuple(fp for iid, j in choice for _, fp in by_id[iid].fixable[:j])
    return Plan(target, goal, fixes, round(_total(p, lost), ROUND_DIGITS), False)


def _prioritised(frame: pd.DataFrame, plans: Sequence[Plan]) -> pd.DataFrame:
    """Priority: the first plan's fixes first (the pass, else the next rank, else full
    marks), vetoes before points; then by the points a fix recovers alone, then with its
    indicator's other problems."""
    first = set(plans[0].fixes) if plans else set()
    out = frame.assign(in_plan=frame["fingerprint"].isin(first))
    out = out.sort_values(
        ["in_plan", "lifts_veto", "alone", "indicator_all", "fingerprint"],
        ascending=[False, False, False, False, True],
        ignore_index=True,
    )
    out["priority"] = range(1, len(out) + 1)
    return out
