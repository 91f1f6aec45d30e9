"""What a unit's checklist (整改清单) says: the unit's result in a round and one row per problem.

Everything the XLSX, CSV and HTML show — and everything `zwgk responses import` compares a
returned sheet with — comes from `load_checklists`, so the three files and the import agree.

Which problems are rows:
- new / open / regressed (新发现 / 未整改 / 反弹): to be fixed, the unit answers;
- not_comparable (未能复核): reported before, and this round could not read the page again — the
  office cannot call it fixed, so it stays on the list and the unit answers it like an open one;
- fixed (已整改) and expired (超出测评期: the indicator no longer judges it, e.g. a key-area
  month that left the 12-month window): shown at the end for the record, without answer cells;
- dismissed (驳回, the decision stored with the round): not a problem, not listed.

失分原因 and 整改建议 are the two halves of the problem's suggestion text: the indicator templates
state the finding first and the advice from the first sentence starting with 请/今后/建议 on
(「工作动态」栏目…未更新。请及时发布…).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common import vocabulary
from common.vocabulary import NO_VALUE, STATUS_ZH, UNRESOLVED

if TYPE_CHECKING:
    from store import Store

ANSWER_ZH = {"rectified": "已整改", "in_progress": "整改中", "cannot_rectify": "无法整改"}
ANSWER_CODES = {zh: code for code, zh in ANSWER_ZH.items()}
DEADLINE_DAYS = 30  # default 整改期限: the round's as_of + 30 days (`--deadline` overrides)
EXCEL_MAX_TEXT = 32_767  # characters an Excel cell holds
FALLBACK_ADVICE = "请对照内容要求整改。"

_TAGS = re.compile(r"\s*\[(?:V|L|\?)(?:[:：][^\]]*)?\]")  # source tags, docs/domain.md
_ADVICE_START = ("请", "今后", "建议")
_OPEN, _CLOSE = "《「“（(『", "》」”）)』"


class ChecklistError(LookupError):
    """No such unit in the round (the message names the round's units)."""


@dataclass(frozen=True)
class ChecklistRow:
    """One problem as the unit sees it. ``points``/``score`` are numbers or a word (单项否决,
    —); ``url`` is the page (http/https only) the 失分原因 cell links to."""

    fingerprint: str
    number: int
    group1: str
    group2: str
    group3: str
    requirement: str
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

    @property
    def answerable(self) -> bool:
        return self.status in UNRESOLVED


@dataclass(frozen=True)
class Checklist:
    """A unit's checklist for one round: its result (title block) and its rows."""

    round_id: str
    as_of: dt.date
    indicator_set: str  # name and version, e.g. 政务公开测评基础指标（2025.1）
    indicator_set_sha256: str
    unit_id: str
    unit_name: str
    level: str
    total: float | None  # None: the unit could not be read this round
    rank: str  # "3/12（市直部门）" or —
    verdict: str  # 合格 / 不合格 / 不合格（单项否决）/ 未评分（…）
    deadline: dt.date
    rows: tuple[ChecklistRow, ...]
    dismissed: frozenset[str] = frozenset()  # fingerprints left out as 驳回

    @property
    def to_answer(self) -> int:
        return sum(r.answerable for r in self.rows)


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
    return _TAGS.sub("", description).strip()


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


def _num(value: float) -> float | int:
    rounded = round(float(value), 2)
    return int(rounded) if rounded == int(rounded) else rounded


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


# -- assembly -----------------------------------------------------------------------------------
def default_deadline(as_of: dt.date) -> dt.date:
    return as_of + dt.timedelta(days=DEADLINE_DAYS)


def verdict(total: Mapping[str, Any]) -> str:
    passed = None if _missing(total["passed"]) else bool(total["passed"])
    return vocabulary.verdict(bool(total["observed"]), bool(total["vetoed"]), passed)


def _rank(total: Mapping[str, Any], totals: pd.DataFrame) -> str:
    if _missing(total["rank_in_level"]):
        return NO_VALUE
    ranked = totals[(totals["level"] == total["level"]) & totals["total"].notna()]
    return f"{int(total['rank_in_level'])}/{len(ranked)}（{total['level']}）"


def _indicator_cells(indicator: Any, score: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """分值 and 得分 of one indicator for the unit."""
    if indicator is None:
        return NO_VALUE, NO_VALUE
    if indicator.kind == "veto":
        return "单项否决", ("否决" if score is not None and score["veto"] else NO_VALUE)
    points = _num(indicator.points)
    if score is None or score["not_applicable"]:
        return points, NO_VALUE
    return points, _num(score["score"])


def _groups(indicator: Any, indicator_id: str) -> tuple[str, str, str]:
    """一级/二级/三级指标: the indicator's group path; its name when the path has no third part."""
    if indicator is None:
        return "其他", "", indicator_id
    group = tuple(indicator.group)
    third = group[2] if len(group) > 2 else indicator.name
    return group[0], group[1] if len(group) > 1 else "", third


def _reason(problem: Mapping[str, Any], indicator: Any, url: str | None) -> tuple[str, str]:
    text = "" if _missing(problem["suggestion"]) else str(problem["suggestion"])
    reason, advice = split_suggestion(text)
    if not reason:
        name = indicator.name if indicator is not None else problem["indicator_id"]
        reason = f"「{name}」：{problem['subject']}"
    if problem["status"] in UNRESOLVED and float(problem["deduction"] or 0) > 0:
        reason += f"（扣{_num(problem['deduction'])}分）"
    if url:
        reason += f"\n网页：{url}"
    return clean_text(reason), clean_text(advice or FALLBACK_ADVICE)


def build_rows(
    problems: pd.DataFrame,
    indicators: Mapping[str, Any],
    scores: Mapping[str, Mapping[str, Any]],
    answers: Mapping[str, Any],
) -> tuple[ChecklistRow, ...]:
    """A unit's rows: answerable ones first, then fixed; each part in the set's indicator order."""
    order = {ind_id: i for i, ind_id in enumerate(indicators)}
    live = problems[problems["decision"].astype(object).fillna("") != "dismissed"]
    records = sorted(
        live.to_dict("records"),
        key=lambda p: (
            p["status"] not in UNRESOLVED,
            order.get(p["indicator_id"], len(order)),
            p["indicator_id"],
            str(p["subject"]),
        ),
    )
    rows = []
    for number, p in enumerate(records, start=1):
        indicator = indicators.get(p["indicator_id"])
        url = web_url(None if _missing(p["target_url"]) else p["target_url"])
        reason, advice = _reason(p, indicator, url)
        points, score = _indicator_cells(indicator, scores.get(p["indicator_id"]))
        answer = answers.get(p["fingerprint"]) if p["status"] in UNRESOLVED else None
        g1, g2, g3 = _groups(indicator, p["indicator_id"])
        rows.append(
            ChecklistRow(
                fingerprint=p["fingerprint"],
                number=number,
                group1=clean_text(g1),
                group2=clean_text(g2),
                group3=clean_text(g3),
                requirement=clean_text(
                    requirement_text(indicator.description) if indicator else ""
                ),
                points=points,
                score=score,
                reason=reason,
                url=url,
                status=p["status"],
                status_zh=STATUS_ZH[p["status"]],
                first_seen=str(p["first_seen_round"]),
                advice=advice,
                answer=ANSWER_ZH[answer.status] if answer is not None else None,
                note=answer.note if answer is not None else None,
            )
        )
    return tuple(rows)


def load_checklists(
    store: Store,
    round_id: str,
    unit_ids: Sequence[str] | None = None,
    *,
    deadline: dt.date | None = None,
    with_answers: bool = True,
) -> list[Checklist]:
    """The checklists of round ``round_id`` for ``unit_ids`` (default: every unit of the round),
    with the answers recorded so far (``with_answers``). Raises `RoundNotFound` or
    `ChecklistError` (a unit the round does not have)."""
    from scoring.round import frozen_set
    from store import responses as response_store
    from store import rounds as round_store

    info = round_store.get_round(store, round_id)
    totals = round_store.round_totals_frame(store, round_id)
    known = list(totals["unit_id"])
    wanted = list(dict.fromkeys(unit_ids)) if unit_ids is not None else known
    missing = [u for u in wanted if u not in set(known)]
    if missing:
        shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
        raise ChecklistError(
            f"round {round_id} has no unit {', '.join(missing)} (units: {shown or 'none'})"
        )
    indicator_set = frozen_set(info)
    indicators = {ind.id: ind for ind in indicator_set.indicators}
    scores = round_store.round_scores_frame(store, round_id)
    scores = scores[scores["unit_id"].isin(wanted)]
    problems = round_store.problems_frame(store, round_id, wanted, evidence=False)
    answers = response_store.latest_responses(store, round_id, wanted) if with_answers else {}
    by_unit_scores = {u: part for u, part in scores.groupby("unit_id")}
    by_unit_problems = {u: part for u, part in problems.groupby("unit_id")}
    deadline = deadline or default_deadline(info.as_of)
    out = []
    for total in totals.set_index("unit_id", drop=False).loc[wanted].to_dict("records"):
        unit = total["unit_id"]
        unit_problems = by_unit_problems.get(unit, problems.iloc[0:0])
        unit_scores = by_unit_scores.get(unit, scores.iloc[0:0])
        # A unit the crawl could not read has score rows but was not judged: no 得分.
        score_rows = (
            {r["indicator_id"]: r for r in unit_scores.to_dict("records")}
            if total["observed"]
            else {}
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
                total=None if _missing(total["total"]) else _num(total["total"]),
                rank=_rank(total, totals),
                verdict=verdict(total),
                deadline=deadline,
                rows=build_rows(unit_problems, indicators, score_rows, answers),
                dismissed=frozenset(
                    unit_problems.loc[unit_problems["decision"] == "dismissed", "fingerprint"]
                ),
            )
        )
    return out
