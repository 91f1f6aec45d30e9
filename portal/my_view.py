"""What a unit user's pages show (我的测评): their rounds with their result, and one round's
problems as their 整改清单 says them, with the answers in force and how they were reviewed.

A unit sees its own unit only and a round only once it is published (`portal.viewer`); the
callers check that, this module assembles. A round's problems are the rows of the unit's
checklist (`reports.checklist.load_checklists`, with the publication's dates), so the page, the
files it downloads and the import of a filled sheet agree on every row: what is to answer
(`ChecklistRow.answerable`), what is a one-time event (今后注意: shown apart, not answerable),
and what is only on record (已整改, 超出测评期). Dismissed problems are not a unit's problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.answer_states import AnswerState, answer_states
from portal.checklist_files import checklist_dates
from portal.lifecycle import RoundState, states
from portal.unit_results import UnitResult, round_results
from portal.viewer import Viewer, visible_rounds
from reports.checklist import Checklist, load_checklists
from reports.checklist.data import ANSWER_CODES, ANSWER_ZH
from reports.checklist.office import configured_office
from reports.checklist.rows import ChecklistRow
from reports.wording import round_label
from store import Store

ANSWER_CHOICES = tuple(ANSWER_ZH.items())  # (code, 已整改) …, in the checklist's order


@dataclass(frozen=True)
class MyRound:
    """One round on a unit's /my page."""

    round_id: str
    label: str  # 2025年第二季度
    state: RoundState
    result: UnitResult | None  # None: the round did not evaluate this unit


def my_rounds(store: Store, viewer: Viewer) -> list[MyRound]:
    """The rounds ``viewer``'s unit may see, newest first, with its result in each."""
    if viewer.unit_id is None:
        return []
    every = states(store)
    out = []
    for round_id in reversed(visible_rounds(store, viewer)):
        (result,) = round_results(store, round_id, {viewer.unit_id}) or (None,)
        out.append(MyRound(round_id, round_label(round_id), every[round_id], result))
    return out


@dataclass(frozen=True)
class MyProblem:
    """A checklist row with the answer in force as stored — its review among it (None: not
    answered)."""

    row: ChecklistRow
    answer: AnswerState | None = None

    @property
    def fingerprint(self) -> str:
        return self.row.fingerprint

    @property
    def reason(self) -> str:
        """失分原因 without the page address the checklist appends (the page links to it)."""
        suffix = f"\n网页：{self.row.url}"
        text = self.row.reason
        return text[: -len(suffix)] if self.row.url and text.endswith(suffix) else text

    @property
    def answer_code(self) -> str | None:
        """The answer in force as its code (rectified …), for the form's selection."""
        return ANSWER_CODES.get(self.row.answer or "")


@dataclass
class MyRoundPage:
    """A unit's round page: its checklist, split as the unit works through it."""

    checklist: Checklist
    state: RoundState
    result: UnitResult | None
    to_answer: list[MyProblem] = field(default_factory=list)
    for_the_future: list[MyProblem] = field(default_factory=list)
    on_record: list[MyProblem] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(p.row.answer is not None for p in self.to_answer)

    def problem(self, fingerprint: str) -> MyProblem | None:
        for p in (*self.to_answer, *self.for_the_future, *self.on_record):
            if p.fingerprint == fingerprint:
                return p
        return None


def unit_checklist(store: Store, round_id: str, unit_id: str, state: RoundState) -> Checklist:
    """The unit's checklist of the round with the publication's dates and the office's
    details — the one its downloads carry. `ChecklistError` when the round lacks the unit."""
    issued, deadline = checklist_dates(state)
    office, _ = configured_office()
    (checklist,) = load_checklists(
        store, round_id, [unit_id], issued=issued, deadline=deadline, office=office
    )
    return checklist


def my_round(store: Store, round_id: str, unit_id: str, state: RoundState) -> MyRoundPage:
    """Unit ``unit_id``'s page of round ``round_id``. `ChecklistError` when the round did not
    evaluate the unit."""
    checklist = unit_checklist(store, round_id, unit_id, state)
    answered = answer_states(store, round_id, unit_ids=[unit_id])
    (result,) = round_results(store, round_id, {unit_id}) or (None,)
    page = MyRoundPage(checklist, state, result)
    for row in checklist.rows:
        problem = MyProblem(row, answered.get(row.fingerprint))
        if row.answerable:
            page.to_answer.append(problem)
        elif row.for_the_future:
            page.for_the_future.append(problem)
        else:
            page.on_record.append(problem)
    return page
