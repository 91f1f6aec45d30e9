"""A unit's checklist rows (整改清单): one per problem, as the unit sees it.

Which problems are rows:
- new / open / regressed (新发现 / 未整改 / 反弹): to be fixed, the unit answers;
- not_comparable (未能复核): reported before, and this round could not read the page again — the
  office cannot call it fixed, so it stays on the list and the unit answers it like an open one;
- a one-time event (`problems.rectifiable` false: a document published late, a consultation
  too short): deducted, but nothing can be fixed — shown as 今后注意, no answer asked;
- fixed (已整改) and expired (超出测评期: the indicator no longer judges it, e.g. a key-area
  month that left the 12-month window): shown at the end for the record, without answer cells;
- dismissed (驳回, the decision stored with the round): not a problem, not listed.

失分原因 and 整改建议 are the two halves of the problem's suggestion text: the indicator templates
state the finding first and the advice from the first sentence starting with 请/今后/建议 on
(「工作动态」栏目…未更新。请及时发布…). 内容要求 and 依据 are the indicator's `requirement` and
`basis` (its description without source tags where it has no requirement).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common.vocabulary import NO_VALUE, RESCALED_AWAY, SCORE_STATE_ZH, STATUS_ZH, UNRESOLVED
from reports.wording import points as points_text
from reports.wording import round_label
from scoring.unit_text import shown_text

ANSWER_ZH = {"rectified": "已整改", "in_progress": "整改中", "cannot_rectify": "无法整改"}
ANSWER_CODES = {zh: code for code, zh in ANSWER_ZH.items()}
FUTURE_ZH = "今后注意"  # the status shown for a one-time event: nothing to fix, not to repeat
EXCEL_MAX_TEXT = 32_767  # characters an Excel cell holds
FALLBACK_ADVICE = "请对照内容要求整改。"
FUTURE_ADVICE = "此问题已发生，无法整改，今后请注意避免。"

_ADVICE_START = ("请", "今后", "建议")
_OPEN, _CLOSE = "《「“（(『", "》」”）)』"


@dataclass(frozen=True)
class ChecklistRow:
    """One problem as the unit sees it. ``points``/``score`` are numbers or a word (单项否决,
    未评, —); ``url`` is the page (http/https only) the 失分原因 cell links to."""

    fingerprint: str
    number: int
    group1: str
    group2: str
    group3: str
    requirement: str
    basis: str
    points: float | str
    score: float | str
    reason: str
    url: str | None
    status: str
    status_zh: str
    first_seen: str
    advice: str
    answer: str | None = None  # 整改情况 in Chinese (已整改/整改中/无法整改), as recorded
    note: str | None = None  # 整改说明, as recorded
    rectifiable: bool = True  # False: a one-time event (今后注意)
    priority: int | None = None  # 优先级: fix-first order (1 first); None: nothing a fix recovers

    @property
    def answerable(self) -> bool:
        """The unit answers this row: still to fix, and something can be fixed."""
        return self.rectifiable and self.status in UNRESOLVED

    @property
    def for_the_future(self) -> bool:
        """A one-time event deducted now: 今后注意, no answer."""
        return not self.rectifiable and self.status in UNRESOLVED


# -- text ---------------------------------------------------------------------------------------
def clean_text(value: Any) -> str:
    """Text safe for any cell: no characters XML forbids (crawled titles carry them), ``\\n``
    line ends, at most what an Excel cell holds."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > EXCEL_MAX_TEXT:
        text = text[: EXCEL_MAX_TEXT - 1] + "…"
    return text


def requirement_text(description: str) -> str:
    """An indicator's description without the source tags ([V], [L: 霍邱], [?])."""
    return shown_text(description)


def split_suggestion(text: str) -> tuple[str, str]:
    """(失分原因, 整改建议): the text up to the first sentence that starts with 请/今后/建议,
    and that sentence on. Sentence ends inside 《》「」“”（） — a quoted title — do not count."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif ch == "。" and depth == 0 and text[i + 1 :].lstrip().startswith(_ADVICE_START):
            return text[: i + 1].strip(), text[i + 1 :].strip()
    if text.lstrip().startswith(_ADVICE_START):
        return "", text.strip()
    return text.strip(), ""


def web_url(url: Any) -> str | None:
    """``url`` when it is an http(s) address (a crawled link may be anything)."""
    if isinstance(url, str) and re.match(r"https?://", url.strip(), re.I):
        return url.strip()
    return None


def num(value: float) -> float | int:
    rounded = round(float(value), 2)
    return int(rounded) if rounded == int(rounded) else rounded


def missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def rectifiable(value: Any) -> bool:
    """`problems.rectifiable`; NULL (rounds stored before it existed) reads as rectifiable."""
    return True if missing(value) else bool(value)


def score_state(score: Mapping[str, Any]) -> str:
    """`round_scores.state`; NULL (rounds stored before it existed) reads from the flag."""
    state = score.get("state")
    if missing(state):
        return "not_applicable" if bool(score["not_applicable"]) else "scored"
    return str(state)


# -- assembly -----------------------------------------------------------------------------------
def _indicator_cells(indicator: Any, score: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """分值 and 得分 of one indicator for the unit."""
    if indicator is None:
        return NO_VALUE, NO_VALUE
    if indicator.kind == "veto":
        return "单项否决", ("否决" if score is not None and score["veto"] else NO_VALUE)
    points = num(indicator.points)
    if score is None:
        return points, NO_VALUE
    state = score_state(score)
    if state in RESCALED_AWAY:
        return points, SCORE_STATE_ZH[state]
    return points, num(score["score"])


def _groups(indicator: Any) -> tuple[str, str, str]:
    """一级/二级/三级指标: the indicator's group path; its name when the path has no third part."""
    if indicator is None:  # not in the round's set: never shown as its id
        return "其他", "", "其他"
    group = tuple(indicator.group)
    third = group[2] if len(group) > 2 else indicator.name
    return group[0], group[1] if len(group) > 1 else "", third


def unit_facing(indicator: Any) -> tuple[str, str]:
    """(内容要求, 依据) of an indicator: its requirement (or description) and basis."""
    if indicator is None:
        return "", ""
    requirement = getattr(indicator, "requirement", None) or indicator.description
    return shown_text(str(requirement or "")), shown_text(
        str(getattr(indicator, "basis", "") or "")
    )


def _reason(problem: Mapping[str, Any], indicator: Any, url: str | None) -> tuple[str, str]:
    text = "" if missing(problem["suggestion"]) else str(problem["suggestion"])
    reason, advice = split_suggestion(text)
    if not reason:
        name = indicator.name if indicator is not None else "其他"
        reason = f"「{name}」：{problem['subject']}"
    if problem["status"] in UNRESOLVED and float(problem["deduction"] or 0) > 0:
        reason += f"（扣{points_text(problem['deduction'])}分）"
    if url:
        reason += f"\n网页：{url}"
    if not advice:
        advice = FALLBACK_ADVICE if rectifiable(problem.get("rectifiable")) else FUTURE_ADVICE
    return clean_text(reason), clean_text(advice)


def _order(p: Mapping[str, Any], order: Mapping[str, int]) -> tuple:
    """Rows to answer first, then 今后注意, then the records; each in the set's order."""
    if p["status"] not in UNRESOLVED:
        part = 2
    else:
        part = 0 if rectifiable(p.get("rectifiable")) else 1
    return (part, order.get(p["indicator_id"], len(order)), p["indicator_id"], str(p["subject"]))


def build_rows(
    problems: pd.DataFrame,
    indicators: Mapping[str, Any],
    scores: Mapping[str, Mapping[str, Any]],
    answers: Mapping[str, Any],
    priorities: Mapping[str, int] | None = None,
) -> tuple[ChecklistRow, ...]:
    """A unit's rows: answerable ones, then 今后注意, then fixed and expired — each part in the
    set's indicator order. ``priorities``: fingerprint → 优先级 (`reports.checklist.fix_order`),
    shown on the rows the unit answers."""
    priorities = priorities or {}
    order = {ind_id: i for i, ind_id in enumerate(indicators)}
    live = problems[problems["decision"].astype(object).fillna("") != "dismissed"]
    records = sorted(live.to_dict("records"), key=lambda p: _order(p, order))
    rows = []
    for number, p in enumerate(records, start=1):
        indicator = indicators.get(p["indicator_id"])
        url = web_url(None if missing(p["target_url"]) else p["target_url"])
        reason, advice = _reason(p, indicator, url)
        points, score = _indicator_cells(indicator, scores.get(p["indicator_id"]))
        fixable = rectifiable(p.get("rectifiable"))
        answer_row = fixable and p["status"] in UNRESOLVED
        answer = answers.get(p["fingerprint"]) if answer_row else None
        g1, g2, g3 = _groups(indicator)
        requirement, basis = unit_facing(indicator)
        future = not fixable and p["status"] in UNRESOLVED
        rows.append(
            ChecklistRow(
                fingerprint=p["fingerprint"],
                number=number,
                group1=clean_text(g1),
                group2=clean_text(g2),
                group3=clean_text(g3),
                requirement=clean_text(requirement),
                basis=clean_text(basis),
                points=points,
                score=score,
                reason=reason,
                url=url,
                status=p["status"],
                status_zh=FUTURE_ZH if future else STATUS_ZH[p["status"]],
                first_seen=round_label(p["first_seen_round"]),
                advice=advice,
                answer=ANSWER_ZH[answer.status] if answer is not None else None,
                note=answer.note if answer is not None else None,
                rectifiable=fixable,
                priority=priorities.get(p["fingerprint"]) if answer_row else None,
            )
        )
    return tuple(rows)
