"""A unit's history across rounds (历次测评) for the evaluator pages: its result — total, rank
within its level, problems, verdict — in every stored round that evaluated it, oldest first.
(A problem's history is `portal.problem_detail`'s.)

Each round's result is `portal.unit_results`' (the checklist's words and rank), read from the
stored totals: no round is scored or compared again here.
"""

from __future__ import annotations

from portal.unit_results import UnitResult, unit_result
from store import Store
from store.rounds import list_rounds


def unit_history(store: Store, unit_id: str) -> list[UnitResult]:
    """The unit's result in every stored round that evaluated it, oldest first."""
    found = (unit_result(store, info.id, unit_id) for info in list_rounds(store))
    return [result for result in found if result is not None]
