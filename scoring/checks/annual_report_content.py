"""annual_report_content — 年度报告内容不规范: the annual report of the year judged (as in
`annual_report`) lacks one of the six parts of the national format, or its table of applications
does not add up (国办公开办函〔2021〕30号, docs/domain.md §3.2):

- `sections`: the body names at least `min_sections` of the six parts but not all of them — a
  body naming fewer is not the report itself (it is in an attachment) and is not judged. A part
  is named under any numbering (一、 / （一） / 第一部分) and in the wordings real reports use
  (存在的问题及改进措施, 其他需要报告事项), spaces inside a heading ignored;
- `arithmetic`: 第一行（本年新收）＋第二行（上年结转）≠ 第三行（本年度办理结果）＋第四行
  （结转下年度继续办理）, each row's last number (its 总计 column) as the body text prints it; the
  third row's own number, else the 总计 line under it. A row is the table's: its label stands
  alone or after its numbering, followed by numbers only (full-width digits are digits) — a
  sentence that repeats the labels with its figures (本年新收政府信息公开申请数量为45件，上年结转…)
  is not a row. A row whose number cannot be read leaves the sum unjudged.

Subjects `annual_report/<year>#sections` and `annual_report/<year>#arithmetic`; target the report.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field, field_validator

from scoring.checks import _scope
from scoring.checks.annual_report import DEFAULT_DEADLINES, _month_day, judged_year, report_year
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

# Each part's name as the format prints it, and the pattern that finds its heading in the body
# text with its spaces removed, in the wordings real reports use.
SECTIONS = {
    "总体情况": re.compile("总体情况"),
    "主动公开政府信息情况": re.compile("主动公开政府信息的?情况"),
    "收到和处理政府信息公开申请情况": re.compile("收到和处理政府信息公开申请的?情况"),
    "政府信息公开行政复议、行政诉讼情况": re.compile("行政复议"),
    "存在的主要问题及改进情况": re.compile("存在的?(主要)?问题"),
    "其他需要报告的事项": re.compile("其他需要(报告|说明)的?事项"),
}
ROWS = {
    "new": "本年新收政府信息公开申请数量",
    "carried_in": "上年结转政府信息公开申请数量",
    "handled": "本年度办理结果",
    "carried_out": "结转下年度继续办理",
}
_NUMBER = re.compile(r"\d+")  # \d: full-width digits (４５) too; int() reads them
_ONLY_NUMBERS = re.compile(r"^[\d\s]+$")
# What may stand before a row's label: its numbering (一、 （一） 1. 第一行), nothing else.
_NUMBERING = re.compile(r"^[\s\d一二三四五六七八九十、.．()（）第行]*$")
_SPACES = re.compile(r"\s+")


class ContentParams(CheckParams):
    deadlines: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    default_deadline: str = "03-31"
    holiday_rule: Literal["next_workday", "as_written"] = "next_workday"
    categories: list[str] = Field(default=["annual_report"], min_length=1)
    min_sections: int = Field(default=3, ge=1, le=6)
    check_sections: bool = True
    check_arithmetic: bool = True

    @field_validator("deadlines")
    @classmethod
    def _days(cls, value: dict[str, str]) -> dict[str, str]:
        for day in value.values():
            _month_day(day, 2001)
        return value


def row_values(text: str) -> dict[str, int | None]:
    """The four rows of the applications table (each row's last number), None where unread."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    out: dict[str, int | None] = dict.fromkeys(ROWS)
    rows = {key: _row_line(lines, label) for key, label in ROWS.items()}
    for key, label in ROWS.items():
        at = rows[key]
        if at is None:
            continue
        numbers = _numbers_after(lines, at, label)
        if not numbers and key == "handled":
            # The third row has no number of its own: its 总计 line, before the fourth row.
            end = rows["carried_out"]
            total = next((i for i in range(at + 1, end or len(lines)) if "总计" in lines[i]), None)
            numbers = _numbers_after(lines, total, "总计") if total is not None else []
        out[key] = numbers[-1] if numbers else None
    return out


def _row_line(lines: list[str], label: str) -> int | None:
    """The table's line of the row `label`: the label after its numbering at most, then numbers
    only (or nothing, its numbers on the lines below). A sentence naming the label is not it."""
    for i, line in enumerate(lines):
        before, found, after = line.partition(label)
        if found and _NUMBERING.match(before) and (not after or _ONLY_NUMBERS.match(after)):
            return i
    return None


def _numbers_after(lines: list[str], at: int, label: str) -> list[int]:
    """Numbers on the label's line after the label, else on the lines of numbers below it."""
    tail = lines[at].split(label, 1)[1]
    numbers = [int(n) for n in _NUMBER.findall(tail)]
    if numbers:
        return numbers
    for line in lines[at + 1 :]:
        if not _ONLY_NUMBERS.match(line):
            break
        numbers += [int(n) for n in _NUMBER.findall(line)]
    return numbers


@register
class AnnualReportContent(Check):
    name: ClassVar[str] = "annual_report_content"
    Params = ContentParams
    description: ClassVar[str] = "annual report missing parts of the format or not adding up"

    def find(self, data: CrawlData, params: ContentParams, ctx: CheckContext) -> pd.DataFrame:
        units = data.units[data.units["id"].isin(_scope.unit_ids(data, ctx))]
        arts = _scope.articles(
            data, ctx, None, dated=False, columns=["id", "unit_id", "url", "title", "publish_date"]
        )
        in_column = _scope.member(data, "category", params.categories)[arts.index.to_numpy()]
        arts = arts[in_column | _scope.rows_containing(arts["title"], ["政府信息公开"])]
        reports = arts.assign(year=arts["title"].map(report_year)).dropna(subset=["year"])
        reports = reports.sort_values("publish_date", na_position="last", kind="stable")
        earliest = reports.drop_duplicates(["unit_id", "year"], keep="first")
        # Each unit's reports by year, gathered once (not a selection per unit).
        by_year: dict[tuple, list] = {}
        for report, year in zip(
            _scope.rows(earliest, ["id", "unit_id", "url", "title"]),
            earliest["year"].to_numpy(dtype=object),
            strict=True,
        ):
            by_year.setdefault((report.unit_id, year), []).append(report)
        wanted = []
        for unit in units.itertuples(index=False):
            text = params.deadlines.get(unit.level, params.default_deadline)
            year = judged_year(ctx.as_of, text, params.holiday_rule, ctx.calendar)
            wanted += [(year, r) for r in by_year.get((unit.id, year), [])]
        bodies = _scope.as_dict(data.body_text([int(r.id) for _, r in wanted]))
        rows = []
        for year, report in wanted:
            body = _scope.text(bodies.get(int(report.id), ""))
            compact = _SPACES.sub("", body)
            found = [name for name, heading in SECTIONS.items() if heading.search(compact)]
            if params.check_sections and params.min_sections <= len(found) < len(SECTIONS):
                missing = [name for name in SECTIONS if name not in found]
                rows.append(_finding(report, year, "sections", missing=missing))
            values = row_values(body)
            if params.check_arithmetic and None not in values.values():
                left = values["new"] + values["carried_in"]
                right = values["handled"] + values["carried_out"]
                if left != right:
                    rows.append(
                        _finding(report, year, "arithmetic", left=left, right=right, **values)
                    )
        return findings(rows)


def _finding(report: object, year: float, problem: str, **evidence: object) -> dict:
    """A finding on the report; its subject names the year, as `annual_report`'s do."""
    out = _scope.article_finding(report, problem=problem, year=int(year), **evidence)
    out["subject"] = f"annual_report/{int(year)}#{problem}"
    return out
