"""回头看 (recheck): look again at a round's open problems and update their status in place.

1. The round's open problems (new / open / regressed, and not_comparable ones) that can be
   rectified (not one-time events) name their units and the pages they point at: an article (target URL), or the article holding a broken link.
2. `zwgk crawl` runs in a subprocess restricted to those units, with those articles listed in
   ZWGK_REFETCH so they are fetched again even when the list row looks unchanged (their links
   are checked again with them). Column lists and directories are read as in any crawl.
3. The round's frozen indicator set is evaluated on that crawl, and each open problem becomes
   *fixed* (its subject was observed and the problem is gone), stays *open*, or — when the recheck
   could not look at it (unit or column unreadable) — keeps its status, marked not rechecked.

The round's scores are not changed: they record the quarter as evaluated; the recheck records
what happened since. Problems the recheck finds that the round did not have are counted but not
added (they belong to the next round).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from common.vocabulary import UNRESOLVED
from scoring import tracking
from scoring.data import load_crawl
from scoring.round import frozen_set
from scoring.scorer import score_crawl
from scoring.workdays import default_calendar
from store import moves as unit_moves
from store import rounds as round_store
from store.refetch import refetch_rows, write_rows
from store.types import utcnow

if TYPE_CHECKING:
    import datetime as dt

    from scoring.data import CrawlData
    from scoring.indicator_model import IndicatorSet
    from store import Store

log = logging.getLogger(__name__)

LOOKED_AT = UNRESOLVED  # the statuses a recheck can change


class RecheckError(RuntimeError):
    """The recheck could not run (nothing open, the crawl failed, …)."""


@dataclass(frozen=True)
class RecheckOutcome:
    run_id: int
    changes: (
        pd.DataFrame
    )  # fingerprint, unit_id, indicator_id, subject, target_url, before, after, rechecked
    outside: int  # problems found by the recheck crawl that the round does not list

    def summary(self) -> str:
        done = self.changes[self.changes["rechecked"]]
        fixed = int((done["after"] == "fixed").sum())
        aged = int((done["after"] == "expired").sum())
        still = len(done) - fixed - aged
        unseen = int((~self.changes["rechecked"]).sum())
        text = f"回头看复查问题{len(self.changes)}个：已整改{fixed}个，仍未整改{still}个"
        if aged:
            text += f"，{aged}个已超出测评期（不再计入）"
        if unseen:
            text += f"，{unseen}个因未能采集而未能复查"
        if self.outside:
            text += f"；另发现本轮清单以外的问题{self.outside}个，留待下一轮测评"
        return text + "。"


def open_problems(store: Store, round_id: str, unit_ids: Sequence[str] | None) -> pd.DataFrame:
    """The round's open problems a unit can rectify: a one-time event (a document published
    late) cannot be fixed, so a recheck has nothing to look at there."""
    problems = round_store.problems_frame(store, round_id, unit_ids, statuses=LOOKED_AT)
    problems = problems[problems["rectifiable"].astype(bool)] if len(problems) else problems
    if problems.empty:
        scope = f" of units {', '.join(unit_ids)}" if unit_ids else ""
        raise RecheckError(f"round {round_id} has no open problems{scope} to recheck")
    return problems


def run_crawl(
    registry: Path | None,
    unit_ids: Sequence[str],
    refetch_file: Path,
    settings: Sequence[str],
    database_url: str | None,
) -> subprocess.CompletedProcess[str]:
    """`zwgk crawl` restricted to ``unit_ids`` in a subprocess (a Twisted reactor runs once per
    process). Without ``registry`` the crawl's own default (zwgk.toml's crawl.registry)."""
    env = dict(os.environ)
    if database_url:
        env["ZWGK_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "zwgk", "crawl", "-q"]
    if registry is not None:
        command += ["-r", str(registry)]
    for unit in unit_ids:
        command += ["-u", unit]
    command += ["-s", f"ZWGK_REFETCH={refetch_file}"]
    for item in settings:
        command += ["-s", item]
    log.info("recheck crawl: %s", " ".join(command))
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def recheck(
    store: Store,
    round_id: str,
    *,
    registry: Path | None,
    as_of: dt.date,
    unit_ids: Sequence[str] | None = None,
    settings: Sequence[str] = (),
    database_url: str | None = None,
    crawl: Callable[..., subprocess.CompletedProcess[str]] = run_crawl,
) -> RecheckOutcome:
    """Re-crawl what the round's open problems point at, then update their status."""
    info = round_store.get_round(store, round_id)  # RoundNotFound before any crawling
    problems = open_problems(store, round_id, unit_ids)
    units = sorted(set(problems["unit_id"]))
    before = max((r.id for r in store.runs()), default=0)
    with tempfile.TemporaryDirectory(prefix="zwgk-recheck-") as tmp:
        refetch = Path(tmp) / "refetch.jsonl"
        rows = refetch_rows(store, problems, info.crawl_run)
        write_rows(rows, refetch)
        log.info(
            "recheck %s: %d units, %d articles to fetch again", round_id, len(units), len(rows)
        )
        url = database_url or store.engine.url.render_as_string(hide_password=False)
        done = crawl(registry, units, refetch, settings, url)
    new_runs = [r for r in store.runs() if r.id > before]
    if not new_runs:
        raise RecheckError(
            f"the recheck crawl stored no run (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    run = new_runs[-1]
    if run.status != "finished":
        raise RecheckError(
            f"the recheck crawl (run {run.id}) ended {run.status}; statuses left as they were"
        )
    data = load_crawl(store, run.id)
    return apply_recheck(store, round_id, problems, data, as_of, indicator_set=frozen_set(info))


def apply_recheck(
    store: Store,
    round_id: str,
    problems: pd.DataFrame,
    data: CrawlData,
    as_of: dt.date,
    *,
    indicator_set: IndicatorSet | None = None,
) -> RecheckOutcome:
    """Evaluate the round's set (default: its frozen one) on ``data`` and update ``problems``'
    statuses."""
    if indicator_set is None:
        indicator_set = frozen_set(round_store.get_round(store, round_id))
    decisions = {fp: d.decision for fp, d in round_store.latest_decisions(store).items()}
    scored_calendar = default_calendar()
    scored = score_crawl(data, indicator_set, as_of, calendar=scored_calendar, decisions=decisions)
    found = set(scored.problems["fingerprint"])
    evaluated = tracking.evaluated_pairs(scored.scores)
    # A unit whose site moved since the round's crawl: its problems at the new addresses.
    read_by = round_store.get_round(store, round_id).crawl_run
    moves = unit_moves.between(unit_moves.list_moves(store), read_by, int(data.run_id))
    now_at = tracking.moved(problems.assign(moved_from=None), moves)
    looked = tracking.comparable(now_at, data, evaluated).reindex(problems.index, fill_value=False)
    changes = problems[["fingerprint", "unit_id", "indicator_id", "subject", "target_url"]].copy()
    changes["before"] = problems["status"]
    still = now_at["fingerprint"].reindex(problems.index).isin(found)
    judged = tracking.still_judged(now_at, indicator_set, data.units, as_of, scored_calendar)
    judged = judged.reindex(problems.index, fill_value=True)
    changes["rechecked"] = still | looked | ~judged
    after = problems["status"].where(~looked, "fixed")
    after = after.where(judged | still, "expired")  # no longer judged: not the unit's fix
    changes["after"] = after.where(~still, "open")
    now = utcnow()
    updates = [
        {"fingerprint": r.fingerprint, "status": r.after, "rechecked_at": now}
        for r in changes[changes["rechecked"]].itertuples()
    ]
    round_store.update_problems(store, round_id, updates)
    units = sorted(set(problems["unit_id"]))
    listed = set(round_store.problems_frame(store, round_id, units, evidence=False)["fingerprint"])
    mine = scored.problems[scored.problems["unit_id"].isin(units)]
    outside = int((~mine["fingerprint"].isin(listed)).sum())
    return RecheckOutcome(int(data.run_id), changes.reset_index(drop=True), outside)
