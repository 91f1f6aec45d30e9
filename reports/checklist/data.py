"""What a unit's checklist (整改清单) says: the notice's facts (issue date, 整改期限, the office),
the unit's result in a round and one row per problem (`reports.checklist.rows`).

Everything the XLSX, CSV and HTML show — and everything `zwgk responses import` compares a
returned sheet with — comes from `load_checklists`, so the three files and the import agree.
The import rebuilds a checklist from the round and the issue date and deadline its ``_meta``
sheet names, without the office: the checklist sheet holds nothing the office file says (that is
on the notice sheet), so a returned sheet reads back whatever the office file says by then.

整改期限 is the `Office.deadline_workdays`-th working day after the issue date (State Council
calendar with 调休, `scoring.workdays`); the issue date defaults to today in Beijing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from common import vocabulary
from reports.checklist import change as score_change
from reports.checklist import fix_order
from reports.checklist.change import ScoreChange
from reports.checklist.office import Office
from reports.checklist.result import (
    GroupLoss,
    NotEvaluated,
    group_losses,
    not_evaluated,
    rank_position,
    rank_text,
    ranked_per_level,
    unreachable_reasons,
)
from reports.checklist.rows import (
    ANSWER_CODES,
    ANSWER_ZH,
    FUTURE_ZH,
    ChecklistRow,
    build_rows,
    clean_text,
    missing,
    num,
    requirement_text,
    split_suggestion,
    web_url,
)
from reports.checklist.snapshots import stored_pages
from reports.wording import round_label, today_in_beijing

if TYPE_CHECKING:
    import pandas as pd

    from scoring.indicator_model import IndicatorSet
    from scoring.workdays import WorkCalendar
    from store import Store
    from store.rounds import RoundInfo

__all__ = [
    "ANSWER_CODES", "ANSWER_ZH", "FUTURE_ZH", "NO_VALUE", "Checklist", "ChecklistError",
    "ChecklistRow", "clean_text", "default_deadline", "load_checklists", "requirement_text",
    "split_suggestion", "web_url",
]  # fmt: skip

NO_VALUE = vocabulary.NO_VALUE


class ChecklistError(LookupError):
    """No such unit in the round (the message names the round's units)."""


@dataclass(frozen=True)
class Checklist:
    """A unit's checklist for one round: its result (title block, notice) and its rows."""

    round_id: str
    as_of: dt.date
    indicator_set: str  # name and version, e.g. 政务公开测评基础指标（2025.1）
    indicator_set_sha256: str
    unit_id: str
    unit_name: str
    level: str
    observed: bool  # False: the site could not be read — no score, a notice saying so
    total: float | None  # None: not scored this round
    rank: str  # "3/12（市直部门）", "本层级仅此1家（市政府），不排名" or —
    rank_position: tuple[int, int] | None  # (rank, units ranked in the level)
    verdict: str  # 合格 / 不合格 / 不合格（单项否决）/ 未评分（…）
    issued: dt.date  # 印发日期
    deadline: dt.date  # 整改期限
    rows: tuple[ChecklistRow, ...]
    dismissed: frozenset[str] = frozenset()  # fingerprints left out as 驳回
    groups: tuple[GroupLoss, ...] = ()  # points lost by 一级指标
    not_evaluated: tuple[NotEvaluated, ...] = ()
    unreachable: tuple[str, ...] = ()  # what the crawl met on an unread site, in words
    office: Office = field(default_factory=Office)
    points: float | None = None  # applicable points, before rescaling to 100
    score: float | None = None  # points kept, before rescaling
    snapshots: frozenset[str] = frozenset()  # fingerprints whose page is kept (网页快照)
    change: ScoreChange = field(default_factory=ScoreChange)  # 得分变化说明
    fix_advice: str = ""  # 优先整改建议 (`reports.checklist.fix_order`)

    @property
    def round_label(self) -> str:
        return round_label(self.round_id)

    @property
    def to_answer(self) -> int:
        return sum(r.answerable for r in self.rows)

    @property
    def for_the_future(self) -> int:
        return sum(r.for_the_future for r in self.rows)


def default_deadline(
    issued: dt.date,
    workdays: int = Office().deadline_workdays,
    calendar: WorkCalendar | None = None,
) -> dt.date:
    """The ``workdays``-th working day after ``issued`` (holidays and 调休 counted)."""
    from scoring.workdays import default_calendar

    return (calendar or default_calendar()).add(issued, workdays)


def verdict(total: dict) -> str:
    passed = None if missing(total["passed"]) else bool(total["passed"])
    return vocabulary.verdict(bool(total["observed"]), bool(total["vetoed"]), passed)


def load_checklists(
    store: Store,
    round_id: str,
    unit_ids: Sequence[str] | None = None,
    *,
    issued: dt.date | None = None,
    deadline: dt.date | None = None,
    office: Office | None = None,
    with_answers: bool = True,
) -> list[Checklist]:
    """The checklists of round ``round_id`` for ``unit_ids`` (default: every unit of the round),
    issued on ``issued`` (default: today in Beijing), due ``deadline`` (default: the office's
    ``deadline_workdays``-th working day after), with the answers recorded so far
    (``with_answers``). Raises `RoundNotFound` or `ChecklistError` (a unit the round does not
    have)."""
    from scoring.round import frozen_set
    from store import responses as response_store
    from store import rounds as round_store

    office = office or Office()
    info = round_store.get_round(store, round_id)
    totals = round_store.round_totals_frame(store, round_id)
    known = list(totals["unit_id"])
    wanted = list(dict.fromkeys(unit_ids)) if unit_ids is not None else known
    missing_units = [u for u in wanted if u not in set(known)]
    if missing_units:
        shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
        raise ChecklistError(
            f"round {round_id} has no unit {', '.join(missing_units)} (units: {shown or 'none'})"
        )
    indicator_set = frozen_set(info)
    indicators = {ind.id: ind for ind in indicator_set.indicators}
    # Only the wanted units' scores: one unit's checklist (a portal download) reads its own
    # rows, not the round's units × indicators.
    scores = round_store.round_scores_frame(store, round_id, wanted if unit_ids else None)
    scores = scores[scores["unit_id"].isin(wanted)]
    problems = round_store.problems_frame(store, round_id, wanted, evidence=False)
    answers = response_store.latest_responses(store, round_id, wanted) if with_answers else {}
    by_unit_scores = {u: part for u, part in scores.groupby("unit_id")}
    by_unit_problems = {u: part for u, part in problems.groupby("unit_id")}
    unread = ~totals.set_index("unit_id").loc[wanted, "observed"].astype(bool)
    issues = store.crawl_issues_frame(info.crawl_run) if unread.any() else None
    issued = issued or today_in_beijing()
    deadline = deadline or default_deadline(issued, office.deadline_workdays)
    ranked = ranked_per_level(totals)
    pictured = stored_pages(store, round_id, wanted)
    above = fix_order.next_totals(totals)
    changes = _changes(store, info, totals, wanted, indicator_set, scores)
    out = []
    for total in totals.set_index("unit_id", drop=False).loc[wanted].to_dict("records"):
        unit = total["unit_id"]
        unit_problems = by_unit_problems.get(unit, problems.iloc[0:0])
        unit_scores = by_unit_scores.get(unit, scores.iloc[0:0])
        # A unit the crawl could not read has score rows but was not judged: no 得分.
        observed = bool(total["observed"])
        score_rows = (
            {r["indicator_id"]: r for r in unit_scores.to_dict("records")} if observed else {}
        )
        fixes = fix_order.fix_first(
            unit, unit_scores if observed and not missing(total["total"]) else scores.iloc[0:0],
            unit_problems, indicator_set, pass_line=info.pass_line, next_total=above.get(unit),
        )  # fmt: skip
        rows = build_rows(
            unit_problems, indicators, score_rows, answers, fix_order.priorities(fixes)
        )
        out.append(
            Checklist(
                round_id=info.id,
                as_of=info.as_of,
                indicator_set=f"{indicator_set.name}（{indicator_set.version}）",
                indicator_set_sha256=info.indicator_set_sha256,
                unit_id=unit,
                unit_name=clean_text(total["name"]),
                level=total["level"],
                observed=observed,
                total=None if missing(total["total"]) else num(total["total"]),
                rank=rank_text(total, totals, ranked),
                rank_position=rank_position(total, totals, ranked),
                verdict=verdict(total),
                issued=issued,
                deadline=deadline,
                rows=rows,
                dismissed=frozenset(
                    unit_problems.loc[unit_problems["decision"] == "dismissed", "fingerprint"]
                ),
                groups=group_losses(indicator_set.indicators, score_rows),
                not_evaluated=not_evaluated(indicator_set.indicators, score_rows),
                unreachable=() if observed else unreachable_reasons(issues, unit),
                office=office,
                points=None if not observed else num(total["points"]),
                score=None if not observed else num(total["score"]),
                snapshots=pictured & frozenset(unit_problems["fingerprint"]),
                change=changes[unit],
                fix_advice=fix_order.advice(fixes, rows),
            )
        )
    return out


def _changes(
    store: Store,
    info: RoundInfo,
    totals: pd.DataFrame,
    wanted: Sequence[str],
    indicator_set: IndicatorSet,
    scores: pd.DataFrame,
) -> dict[str, ScoreChange]:
    """Each wanted unit's 得分变化说明, its indicators named by this round's set and the
    previous round's (an indicator the new set dropped is named by the old one)."""
    from scoring.round import frozen_set
    from store import rounds as round_store

    sets = [indicator_set]
    if info.previous_round:
        with suppress(round_store.RoundNotFound):  # pruned: this round's names only
            sets.insert(0, frozen_set(round_store.get_round(store, info.previous_round)))
    names = score_change.indicator_names(*sets)
    hit = scores[scores["veto"].astype(bool) & ~scores["not_applicable"].astype(bool)]
    vetoes = {
        u: [names.get(i, score_change.OTHER_INDICATOR) for i in part["indicator_id"]]
        for u, part in hit.groupby("unit_id")
    }
    return score_change.load_changes(store, info, totals, wanted, names, vetoes)
