"""Units' results in a round as the portal shows them: total, 合格/不合格, rank within the level
and how many units the level ranks — one shape for the unit pages and the JSON API.

The words and the rank are the checklist's own (`reports.checklist.data.verdict`,
`reports.checklist.result.rank_position` / `rank_text`), so the page, the API and the 整改清单
a unit downloads say the same. Ranks are counted over every unit of the level, whoever asks:
a unit sees "3/12" without seeing the other eleven.

A round's results are read once per version and kept (a problem's page, a unit's page and the
API ask for them on every request): the key is the round's ``evaluated_at`` — publishing
re-scores, so it changes it — and ``rewritten_at``, which `zwgk recheck` stamps when it
rewrites units' totals in place.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal._memo import Memo
from reports.checklist.data import verdict
from reports.checklist.result import rank_position, rank_text, ranked_per_level
from reports.checklist.rows import missing, num
from store import Store
from store.rounds import ROUNDS, round_totals_frame

_RESULTS: Memo[dict[str, UnitResult]] = Memo(size=16)


@dataclass(frozen=True)
class UnitResult:
    """One unit's line of a round's totals (``total`` None: not scored this round)."""

    round_id: str
    unit_id: str
    name: str
    level: str
    parent: str | None
    observed: bool
    total: float | None
    rescaled: float | None
    bonus: float
    points: float
    score: float
    problems: int
    vetoed: bool
    passed: bool | None
    verdict: str  # 合格 / 不合格 / 不合格（单项否决）/ 未评分（…）
    rank: int | None  # within the level
    ranked: int | None  # units ranked in the level
    rank_text: str  # 3/12（市直部门）, 本层级仅此1家…, —


def _number(value: Any) -> float | None:
    return None if missing(value) else num(value)


def round_results(
    store: Store, round_id: str, unit_ids: Collection[str] | None = None
) -> list[UnitResult]:
    """The results of round ``round_id`` for ``unit_ids`` (None: every unit), by unit id."""
    r = ROUNDS.c
    with store.reader.connect() as conn:
        version = conn.execute(
            select(r.evaluated_at, r.rewritten_at).where(r.id == round_id)
        ).first()
    key = (store.url, round_id, *(version or ()))
    every = _RESULTS.get(key, lambda: _read_results(store, round_id))
    if unit_ids is None:
        return list(every.values())
    return [result for unit_id, result in every.items() if unit_id in unit_ids]  # by unit id


def _read_results(store: Store, round_id: str) -> dict[str, UnitResult]:
    totals = round_totals_frame(store, round_id)
    ranked = ranked_per_level(totals)
    out = []
    for total in totals.to_dict("records"):
        position = rank_position(total, totals, ranked)
        out.append(
            UnitResult(
                round_id=round_id,
                unit_id=total["unit_id"],
                name=total["name"],
                level=total["level"],
                parent=None if missing(total["parent"]) else total["parent"],
                observed=bool(total["observed"]),
                total=_number(total["total"]),
                rescaled=_number(total["rescaled"]),
                bonus=num(total["bonus"]),
                points=num(total["points"]),
                score=num(total["score"]),
                problems=int(total["problems"]),
                vetoed=bool(total["vetoed"]),
                passed=None if missing(total["passed"]) else bool(total["passed"]),
                verdict=verdict(total),
                rank=position[0] if position else None,
                ranked=position[1] if position else None,
                rank_text=rank_text(total, totals, ranked),
            )
        )
    return {r.unit_id: r for r in out}


def unit_result(store: Store, round_id: str, unit_id: str) -> UnitResult | None:
    """One unit's result in round ``round_id``; None when the round did not include it."""
    found = round_results(store, round_id, {unit_id})
    return found[0] if found else None
