"""The daily patrol's parts on hand-made data (issue 14): warnings are what the checks would find
on a day within the horizon and do not find today, each on its first day; only checks whose
findings come with time warn, `warn: false` silences one, a quarter's events are not warned past
its quarter (its states are); and what changed since the previous patrol — new, gone, unread, open, warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
import pytest
from round_fixtures import (
    PLANTED,
    HandMadeCrawl,
    HandMadeIndicator,
    HandMadeSet,
    PlantedFindings,
    columns,
    planted,
    units,
)
from round_fixtures import planted_check as planted_check  # noqa: F401
from test_windows import FIELDS, HEAD

from patrol.forecast import forecast, horizon
from patrol.run import compare
from scoring.checks import base
from scoring.checks.base import CheckParams
from scoring.indicators import IndicatorError, load_indicator_set
from scoring.scorer import score_crawl
from scoring.windows import AS_OF_WINDOW, Window
from scoring.workdays import default_calendar
from store.patrols import FINDING_COLUMNS

DUE = "due_findings"
FRIDAY = dt.date(2025, 6, 27)  # the next working days: Mon 30 June, Tue 1 July (Q3), Wed 2 July


class DueFindings(PlantedFindings):
    """Reports the planted rows of the running indicator whose evidence `due` has come: a
    finding that comes by the passage of time alone."""

    name = DUE
    Params = CheckParams
    forecasts: ClassVar[bool] = True

    def find(self, data: Any, params: Any, ctx: base.CheckContext) -> pd.DataFrame:
        rows = data.planted[data.planted["indicator_id"] == ctx.indicator_id]
        come = [dt.date.fromisoformat(e["due"]) <= ctx.as_of for e in rows["evidence"]]
        return base.findings(rows[come].drop(columns=["indicator_id"]))


@pytest.fixture
def due_check(planted_check, monkeypatch):
    monkeypatch.setitem(base._REGISTRY, DUE, DueFindings)
    return DueFindings


@dataclass(frozen=True)
class Watched(HandMadeIndicator):
    warn: bool | None = None
    window: Window | None = AS_OF_WINDOW


def crawl(*rows: tuple[str, str, str]) -> HandMadeCrawl:
    """(indicator, unit, due) → a crawl of units a and b where each row comes due that day."""
    return HandMadeCrawl(
        units=units(("a", "市直部门", None, True), ("b", "市直部门", None, True)),
        columns=columns((1, "a", "http://a/c", True), (2, "b", "http://b/c", True)),
        planted=planted(
            *(
                (ind, unit, f"http://{unit}/{due}", {"due": due, "what": due})
                for ind, unit, due in rows
            )
        ),
    )


def warned(data, indicators, as_of=FRIDAY, within="2 workdays") -> dict[str, dt.date]:
    """subject → due of the warnings, given today's problems as `run_patrol` does."""
    chosen, calendar = HandMadeSet(indicators), default_calendar()
    today = set(score_crawl(data, chosen, as_of, calendar=calendar).problems["fingerprint"])
    found = forecast(data, chosen, as_of, today, within=within, calendar=calendar)
    assert not today & set(found["fingerprint"])
    return dict(zip(found["subject"], found["due"], strict=True))


def test_the_horizon_counts_working_days_or_calendar_days():
    calendar = default_calendar()
    assert horizon(FRIDAY, "2 workdays", calendar) == dt.date(2025, 7, 1)
    assert horizon(FRIDAY, "3 days", calendar) == dt.date(2025, 6, 30)


def test_a_warning_is_what_comes_due_within_the_horizon_on_its_first_day(due_check):
    data = crawl(
        ("fresh", "a", "2025-06-27"),  # a problem today, not a warning
        ("fresh", "a", "2025-06-28"),  # Saturday: comes due over the weekend
        ("fresh", "b", "2025-07-01"),  # the second working day: the horizon's last day
        ("fresh", "b", "2025-07-02"),  # the third: beyond it
    )
    assert warned(data, [Watched("fresh", points=10, check=DUE)]) == {
        "http://a/2025-06-28": dt.date(2025, 6, 28),
        "http://b/2025-07-01": dt.date(2025, 7, 1),
    }


def test_problems_found_today_are_never_warnings(due_check):
    data = crawl(("fresh", "a", "2025-06-30"))
    ind = [Watched("fresh", points=10, check=DUE)]
    fp = forecast(
        data, HandMadeSet(ind), FRIDAY, set(), within="2 workdays", calendar=default_calendar()
    )
    again = forecast(
        data, HandMadeSet(ind), FRIDAY, set(fp["fingerprint"]), within="2 workdays",
        calendar=default_calendar(),
    )  # fmt: skip
    assert len(fp) == 1 and again.empty


def test_only_checks_whose_findings_come_with_time_warn_and_warn_false_silences(due_check):
    data = crawl(
        ("state", "a", "2025-06-30"), ("silent", "a", "2025-06-30"), ("on", "b", "2025-06-30")
    )
    indicators = [
        Watched("state", points=10, check=PLANTED),  # a state: found or not, whatever the day
        Watched("silent", points=10, check=DUE, warn=False),
        Watched("on", points=10, check=DUE),
    ]
    assert set(warned(data, indicators)) == {"http://b/2025-06-30"}


class DatedDueFindings(DueFindings):
    """As `DueFindings`, each finding dated by its `due` (an event, placed in a window)."""

    name = "dated_due_findings"
    dated_by: ClassVar[dict[str, str]] = {"*": "due"}


def test_a_quarter_windows_events_are_not_warned_past_its_quarter_its_states_are(
    due_check, monkeypatch
):
    monkeypatch.setitem(base._REGISTRY, DatedDueFindings.name, DatedDueFindings)
    data = crawl(
        ("quarterly", "a", "2025-07-01"), ("as_of", "b", "2025-06-28"), ("state", "b", "2025-07-01")
    )
    indicators = [
        Watched("quarterly", points=10, check=DatedDueFindings.name, window=Window("quarter")),
        Watched("as_of", points=10, check=DUE),
        # Undated: a state judged whatever the window (a consultation's missing feedback).
        Watched("state", points=10, check=DUE, window=Window("quarter")),
    ]
    # An event dated into the next quarter is the next quarter's; a state coming due is not.
    assert warned(data, indicators) == {
        "http://b/2025-06-28": dt.date(2025, 6, 28),
        "http://b/2025-07-01": dt.date(2025, 7, 1),
    }
    # Inside the quarter, the quarter's indicator warns like any other.
    data = crawl(("quarterly", "a", "2025-06-30"))
    assert set(warned(data, indicators[:1])) == {"http://a/2025-06-30"}


def finding(fp: str, kind: str, unit: str = "a", due: dt.date | None = None) -> dict:
    return {"fingerprint": fp, "kind": kind, "unit_id": unit, "indicator_id": "i", "subject": fp,
            "target_url": None, "evidence": {}, "suggestion": "", "deduction": 1.0, "due": due}  # fmt: skip


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=FINDING_COLUMNS)


def test_what_changed_since_the_previous_patrol():
    before = frame(
        finding("open", "problem"),
        finding("fixed", "problem"),
        finding("unread", "problem", unit="b"),
        finding("came", "warning"),
        finding("still", "warning", due=dt.date(2025, 7, 1)),
        finding("went", "warning"),
    )
    now = frame(
        finding("open", "problem"),
        finding("came", "problem"),
        finding("fresh", "problem"),
        finding("still", "warning", due=dt.date(2025, 7, 1)),
        finding("ahead", "warning", due=dt.date(2025, 7, 2)),
    )
    changes = compare(before, now, observed={"a"}).set_index("fingerprint")
    assert changes["change"].to_dict() == {
        "open": "open",
        "came": "new",
        "fresh": "new",
        "still": "still_warned",
        "ahead": "warning",
        "fixed": "gone",
        "unread": "unread",  # unit b not read by today's crawl: never called fixed
    }
    assert changes.loc["came", "warned"] and not changes.loc["fresh", "warned"]
    assert changes.loc["ahead", "due"] == dt.date(2025, 7, 2)


def test_a_problem_fixed_today_and_warned_again_is_gone_and_a_warning():
    """A column updated today after going stale: no longer a problem (gone), stale again by
    its due day if nothing more is done (a warning) — not just a warning, never 'open'."""
    before = frame(finding("stale", "problem"))
    now = frame(finding("stale", "warning", due=dt.date(2025, 7, 9)))
    changes = compare(before, now, observed={"a"})
    assert sorted(changes["change"]) == ["gone", "warning"]
    warned = changes.set_index("change").loc["warning"]
    assert warned["due"] == dt.date(2025, 7, 9) and not warned["warned"]


def test_the_first_patrol_finds_everything_new():
    now = frame(finding("x", "problem"), finding("y", "warning", due=dt.date(2025, 7, 1)))
    changes = compare(frame(), now, observed={"a"})
    assert sorted(changes["change"]) == ["new", "warning"]


WARN_ON_A_STATE = HEAD + FIELDS.replace(
    "    window: as_of\n", "    window: as_of\n    warn: true\n"
)


def test_warn_true_on_a_check_that_cannot_foresee_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(WARN_ON_A_STATE, encoding="utf-8")
    with pytest.raises(IndicatorError) as refused:
        load_indicator_set(path)
    [(where, line, message)] = refused.value.problems
    warn_line = WARN_ON_A_STATE.splitlines().index("    warn: true") + 1
    assert (where.endswith("t.yaml"), line) == (True, warn_line)
    assert "check required_fields finds nothing by the passage of time alone" in message
    path.write_text(WARN_ON_A_STATE.replace("warn: true", "warn: false"), encoding="utf-8")
    assert load_indicator_set(path).indicators[0].warn is False


def test_the_shipped_sets_warn_on_the_checks_that_foresee():
    from patrol.forecast import warning_set
    from scoring.indicators import newest_set

    shipped = load_indicator_set(newest_set())
    checks = {i.check for i in warning_set(shipped).indicators}
    assert "column_freshness" in checks and "annual_report" in checks
    assert not checks & {"broken_links", "required_fields", "disclosure_lag"}


def test_the_set_says_how_far_ahead_to_warn_inherited_and_a_bad_horizon_is_refused(tmp_path):
    with_horizon = HEAD.replace("pass_line: 60\n", "pass_line: 60\nwarn_within: 3 workdays\n")
    (tmp_path / "t.yaml").write_text(with_horizon + FIELDS, encoding="utf-8")
    assert load_indicator_set(tmp_path / "t.yaml").warn_within == "3 workdays"
    child = tmp_path / "c.yaml"
    child.write_text('id: c\nversion: "2"\nextends: t\nindicators: []\n', encoding="utf-8")
    assert load_indicator_set(child).warn_within == "3 workdays"
    child.write_text('id: c\nversion: "2"\nextends: t\nwarn_within: 7 days\n', encoding="utf-8")
    assert load_indicator_set(child).warn_within == "7 days"
    (tmp_path / "t.yaml").write_text(with_horizon.replace("3 workdays", "soon") + FIELDS, "utf-8")
    with pytest.raises(IndicatorError) as refused:
        load_indicator_set(tmp_path / "t.yaml")
    [(where, line, message)] = refused.value.problems
    assert (where.endswith("t.yaml"), line) == (True, 5) and "soon" in message


def test_the_shipped_base_set_warns_five_working_days_ahead():
    from scoring.indicators import newest_set

    assert load_indicator_set(newest_set()).warn_within == "5 workdays"


def test_a_patrol_says_itself_in_one_chinese_sentence():
    from patrol.run import PatrolResult
    from store.patrols import PatrolInfo

    def info(pid: int, within: str = "5 workdays") -> PatrolInfo:
        return PatrolInfo(pid, FRIDAY, 3, "base", "1", within, dt.datetime(2025, 6, 27), None)

    before = frame(finding("open", "problem"), finding("fixed", "problem"),
                   finding("came", "warning"), finding("unread", "problem", unit="b"))  # fmt: skip
    now = frame(finding("open", "problem"), finding("came", "problem"),
                finding("ahead", "warning", due=dt.date(2025, 7, 1)))  # fmt: skip
    result = PatrolResult(info(2), info(1), now, compare(before, now, observed={"a"}))
    assert result.summary() == (
        "日巡查（2025-06-27）：问题2个，其中新发现1个（1个此前已预警），较上次巡查已整改1个，"
        "1个因未能采集而未能比较；预警1个（5个工作日内将成为问题）。"
    )
    first = PatrolResult(info(1, "7 days"), None, before, compare(frame(), before, {"a", "b"}))
    assert (
        first.summary() == "日巡查（2025-06-27）：问题3个（首次巡查）；预警1个（7天内将成为问题）。"
    )
