"""Which crawl run a new round reads when none is named, why, and which run it refuses.

A round reads the latest run fit to judge (`store.runs.FIT_OUTCOMES`): finished, degraded (its
unread units are 未评分, never scored) or crawled before outcomes were recorded. A failed run —
it observed no unit, or broke — is refused in one sentence, even when named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scoring.scorer import RoundError
from store.types import beijing_time

if TYPE_CHECKING:
    from store import Store
    from store.runs import RunInfo


def choose_run(store: Store) -> RunInfo | None:
    """The crawl run a new round reads when none is named: the latest run fit to judge
    (`store.runs.FIT_OUTCOMES`: finished, degraded or from before outcomes were recorded) that
    covered every stored unit — not a recheck's crawl, which reads only the units with open
    problems; failing that, the latest fit run of any units. None: no run is fit (the caller
    says why: `refuse_failed`, or `load_crawl`'s "no crawl run")."""
    units = set(store.units_frame()["id"])
    return store.latest_fit_run(units) or store.latest_fit_run()


def run_reason(store: Store, run: RunInfo) -> str:
    """One sentence: which run `choose_run` took and why, naming the newer runs it passed over."""
    newer = [r for r in store.runs() if r.id > run.id]
    why = f"crawl run {run.id} ({run.ended}, ended {beijing_time(run.finished_at)})"
    stats = run.stats or {}
    if run.outcome == "degraded":
        why += (
            f", {len(stats.get('zwgk/units_not_observed') or [])} of {stats.get('zwgk/units')} "
            "units not observed (未评分)"
        )
    elif run.outcome == "unknown":
        why += ", crawled before zwgk recorded run outcomes"
    why += ": the latest crawl run fit to judge"
    if newer:
        why += "; newer: " + ", ".join(f"run {r.id} {r.ended}" for r in newer)
    return why


def refuse_failed(round_id: str, run: RunInfo) -> None:
    """`RoundError` for a run whose outcome is `failed`: it observed no unit or broke."""
    if run.outcome != "failed":
        return
    stats = run.stats or {}
    seen = (
        f"observed none of its {stats['zwgk/units']} unit(s)" if "zwgk/units" in stats else "broke"
    )
    raise RoundError(
        f"round {round_id} not evaluated: crawl run {run.id} failed ({seen}: 无可评分单位); "
        "name a finished or degraded run (`zwgk runs`), or crawl again when the sites answer"
    )
