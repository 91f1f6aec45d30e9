"""annual_report — 政府信息公开工作年度报告: last year's report missing, or published after the
deadline of the unit's level (条例 art. 49: departments by 31 Jan, governments by 31 Mar).

"Last year" is the latest year whose deadline has passed at the round's day: on 2025-02-15 a
department's 2024 report is due, a government's is not yet, so its 2023 report is judged.
A report is an item of the annual-report columns whose title names the year and 年度报告/年报,
or 工作报告 with 公开, the year before or after (`report_year`: units word it differently).
Subject `annual_report/<year>` (missing) or `annual_report/<year>#late`; target the report
(late) or the annual-report column (missing; the unit's entry page when it has no such column).

A deadline that falls on a weekend or holiday moves to the next working day with
`holiday_rule: next_workday` (the default: 民法典 art. 203, a period whose last day is a
法定休假日 ends the day after the holiday; the reference gives no rule of its own [?]) — the
2024 reports of departments were due 2025-01-31, inside the Spring Festival holiday, so on
2025-02-05. A late report costs `late_weight` of a missing one (weight of the finding).

A missing report is a state, rectifiable (publish it), judged while its year is judged; a late
one is a one-time event on its publish date, judged in the round whose window holds that day
(docs/indicators.md §2.5). A unit whose report columns could not be read and whose report was
found nowhere else is not evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, ClassVar, Literal

import pandas as pd
from pydantic import Field, field_validator

from scoring.checks import _coverage, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

if TYPE_CHECKING:
    from scoring.workdays import WorkCalendar

DEFAULT_DEADLINES = {
    "市政府": "03-31",
    "县区政府": "03-31",
    "乡镇街道": "03-31",
    "市直部门": "01-31",
    "县直部门": "01-31",
}
# How units word the report's title: 2024年政府信息公开工作年度报告, 2024年度政府信息公开工作报告,
# 政府信息公开工作年度报告（2024年度）, 二〇二四年度政府信息公开年报.
_YEAR = r"(\d{4}|二[〇○零][〇○零一二三四五六七八九]{2})"
_WORDS = r"(年度报告|年报|工作报告)"
_REPORT = re.compile(_YEAR + r"\s*年度?.*?" + _WORDS)
_REPORT_YEAR_AFTER = re.compile(
    _WORDS + r"[^（(【\[]{0,6}[（(【\[]\s*" + _YEAR + r"\s*年?度?\s*[)）】\]]"
)
_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")


class AnnualReportParams(CheckParams):
    deadlines: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    default_deadline: str = "03-31"  # levels not listed
    categories: list[str] = Field(default=["annual_report"], min_length=1)
    # A late report costs this share of a missing one (8 days late is not "none at all").
    late_weight: float = Field(default=0.5, gt=0, le=1)
    # A deadline on a weekend or holiday: moved to the next working day, or kept as written.
    holiday_rule: Literal["next_workday", "as_written"] = "next_workday"

    @field_validator("default_deadline")
    @classmethod
    def _day(cls, value: str) -> str:
        _month_day(value, 2001)
        return value

    @field_validator("deadlines")
    @classmethod
    def _days(cls, value: dict[str, str]) -> dict[str, str]:
        for day in value.values():
            _month_day(day, 2001)
        return value


def _month_day(text: str, year: int) -> dt.date:
    try:
        month, day = (int(p) for p in text.split("-"))
        return dt.date(year, month, day)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"deadline {text!r} is not MM-DD (e.g. 03-31)") from exc


def deadline_of(
    year: int, deadline_text: str, rule: str = "as_written", calendar: WorkCalendar | None = None
) -> dt.date:
    """The day the report of ``year`` is due: MM-DD of the next year, moved to the next working
    day when it is a day off and ``rule`` is next_workday."""
    day = _month_day(deadline_text, year + 1)
    if rule == "next_workday" and calendar is not None:
        while not calendar.is_workday(day):
            day += dt.timedelta(days=1)
    return day


def judged_year(
    as_of: dt.date,
    deadline_text: str,
    rule: str = "as_written",
    calendar: WorkCalendar | None = None,
) -> int:
    """The latest year whose report deadline (MM-DD of the next year) has passed on ``as_of``."""
    year = as_of.year - 1
    if as_of <= deadline_of(year, deadline_text, rule, calendar):
        year -= 1  # this year's deadline has not passed yet
    return year


def deadline_zh(written: dt.date, due: dt.date, calendar: WorkCalendar | None) -> str:
    """2025-03-31, or 2025-01-31（春节假期，顺延至2025-02-05） when the rule moved it."""
    if due == written:
        return written.isoformat()
    name = calendar.holiday_name(written) if calendar is not None else None
    return (
        f"{written.isoformat()}（{f'{name}假期' if name else '休息日'}，顺延至{due.isoformat()}）"
    )


def report_year(title: str) -> int | None:
    """The year an annual report's title names (江淮市…2024年政府信息公开工作年度报告 → 2024;
    also 2024年度政府信息公开工作报告, …工作年度报告（2024年）, 二〇二四年度…年报). A 工作报告 is
    the annual report only when its title says 公开 (a 政府工作报告 is another document)."""
    title = title or ""
    match = _REPORT.search(title)
    year, word = (match.group(1), match.group(2)) if match else (None, None)
    if match is None and (after := _REPORT_YEAR_AFTER.search(title)):
        year, word = after.group(2), after.group(1)
    if year is None or (word == "工作报告" and "公开" not in title):
        return None
    return int(year.translate(_DIGITS))


@register
class AnnualReport(Check):
    name: ClassVar[str] = "annual_report"
    forecasts: ClassVar[bool] = True
    Params = AnnualReportParams
    description: ClassVar[str] = "last year's annual report missing or after the level's deadline"
    judges: ClassVar[str] = "units"
    dated_by: ClassVar[dict[str, str]] = {"late": "published"}
    one_time: ClassVar[frozenset[str]] = frozenset({"late"})

    def in_scope(
        self, problems: pd.DataFrame, params: AnnualReportParams, ctx: CheckContext
    ) -> pd.Series:
        """A missing report only while its year is judged (a missing 2024 report stops being
        judged in 2026); a late one while the window holds its publication."""
        windowed = super().in_scope(problems, params, ctx)

        def judged(row) -> bool:
            evidence = row.evidence if isinstance(row.evidence, dict) else {}
            if evidence.get("problem") == "late":
                return True  # the window decides
            deadline = params.deadlines.get(evidence.get("level"), params.default_deadline)
            year = judged_year(ctx.as_of, deadline, params.holiday_rule, ctx.calendar)
            return str(row.subject) == f"annual_report/{year}"

        mine = pd.Series([judged(r) for r in problems.itertuples()], index=problems.index)
        return (mine & windowed).astype(bool)

    def coverage(
        self, data: CrawlData, params: AnnualReportParams, ctx: CheckContext
    ) -> pd.DataFrame:
        """Not evaluated: the unit's report columns were all unread and its report of the judged
        year was found nowhere else (it may be there, unseen)."""
        cols = self.wanted_columns(data, params, ctx)
        read = cols.groupby("unit_id")["observed"].any()
        cols = cols[cols["unit_id"].isin(read.index[~read.astype(bool)])]
        if cols.empty:  # every unit read a report column: nothing to look up
            return _coverage.empty()
        seen = _reports(data, ctx, params)
        whys = _coverage.unread_reasons(data)
        units = data.units.set_index("id")["level"]
        out = []
        for unit_id, mine in cols.groupby("unit_id", sort=True):
            deadline = params.deadlines.get(units.get(unit_id), params.default_deadline)
            year = judged_year(ctx.as_of, deadline, params.holiday_rule, ctx.calendar)
            if (unit_id, year) in seen:
                continue
            names = [_scope.text(n) for n in mine["name"]]
            text = _coverage.unread_text(
                names, [whys.get(str(u).rstrip("/"), "") for u in mine["url"]]
            )
            out.append({"unit_id": unit_id, "state": _coverage.NOT_EVALUATED, "reason": text,
                        "unseen": len(mine)})  # fmt: skip
        return _coverage.rows(out)

    def find(self, data: CrawlData, params: AnnualReportParams, ctx: CheckContext) -> pd.DataFrame:
        units = data.units[data.units["id"].isin(_scope.unit_ids(data, ctx))]
        earliest = _earliest(data, ctx, params)
        by_unit_year = {
            (unit_id, year): pos
            for pos, (unit_id, year) in enumerate(
                zip(earliest["unit_id"], earliest["year"], strict=True)
            )
        }
        report_cols = data.columns[data.columns["category"].isin(params.categories)]
        cols_of = {u: g for u, g in report_cols.groupby("unit_id", sort=False)}
        rows = []
        for unit in units.itertuples(index=False):
            deadline_text = params.deadlines.get(unit.level, params.default_deadline)
            rule, calendar = params.holiday_rule, ctx.calendar
            year = judged_year(ctx.as_of, deadline_text, rule, calendar)
            deadline = deadline_of(year, deadline_text, rule, calendar)
            written = _month_day(deadline_text, year + 1)
            own = by_unit_year.get((unit.id, year))
            evidence = {
                "year": year,
                "deadline": deadline.isoformat(),
                "deadline_written": written.isoformat(),
                "deadline_zh": deadline_zh(written, deadline, calendar),
                "level": unit.level,
            }
            if own is None:
                cols = cols_of.get(unit.id, report_cols.iloc[:0])
                if len(cols) and not cols["observed"].any():
                    continue  # the column exists but could not be read: not observed
                target = cols["url"].iloc[0] if len(cols) else unit.entry_url
                rows.append(
                    {
                        "unit_id": unit.id,
                        "subject": f"annual_report/{year}",
                        "target_url": target,
                        "evidence": {**evidence, "problem": "missing", "column_url": target},
                        "weight": 1.0,
                    }
                )
                continue
            first = earliest.iloc[own]  # the earliest publication of that year's report
            published = first["publish_date"]
            if pd.notna(published) and published.date() > deadline:
                rows.append(
                    {
                        "unit_id": unit.id,
                        "subject": f"annual_report/{year}#late",
                        "target_url": first["url"],
                        "evidence": {
                            **evidence,
                            "problem": "late",
                            "url": first["url"],
                            "title": _scope.text(first["title"]),
                            "published": _scope.iso(published),
                            "days_late": (published.date() - deadline).days,
                        },
                        "weight": params.late_weight,
                    }
                )
        return findings(rows)


def _earliest(data: CrawlData, ctx: CheckContext, params: AnnualReportParams) -> pd.DataFrame:
    """The earliest publication of each unit's report of each year, public by the round's day
    (whatever the window: whether a report exists at all is judged on the day)."""
    # The report column first; a report published elsewhere (e.g. under 通知公告) counts too
    # when its title says what it is.
    arts = _scope.articles(
        data, ctx, None, dated=False, windowed=False,
        columns=["unit_id", "url", "title", "publish_date"],
    )  # fmt: skip
    in_column = _scope.member(data, "category", params.categories)[arts.index.to_numpy()]
    arts = arts[in_column | _scope.rows_containing(arts["title"], ["政府信息公开"])]
    reports = arts.assign(year=arts["title"].map(report_year)).dropna(subset=["year"])
    reports = reports.sort_values("publish_date", na_position="last", kind="stable")
    return reports.drop_duplicates(["unit_id", "year"], keep="first")


def _reports(data: CrawlData, ctx: CheckContext, params: AnnualReportParams) -> set:
    """(unit id, year) of every report found."""
    found = _earliest(data, ctx, params)
    return set(zip(found["unit_id"], found["year"].astype(int), strict=True))
