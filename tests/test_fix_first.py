"""Fix these first (issue 17, point 2): a unit's problems ordered by the points their fix
recovers, caps, vetoes and rescaling respected, and the smallest set of fixes reaching the pass
line, the next rank or full marks — each plan checked by scoring again without its problems."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from round_fixtures import (
    HandMadeCrawl,
    HandMadeIndicator,
    HandMadeSet,
    VetoCountParams,
    columns,
    planted,
    planted_check,  # noqa: F401 (fixture)
    units,
)

from scoring.fix_first import FULL, NEXT_RANK, PASS, plan_fixes
from scoring.scorer import fingerprint, score_crawl
from scoring.workdays import default_calendar

pytestmark = pytest.mark.usefixtures("planted_check")
CAL = default_calendar()
DAY = dt.date(2025, 6, 30)


@dataclasses.dataclass(frozen=True)
class OneTime(HandMadeIndicator):
    rectifiable: bool = False  # a one-time event: deducted, never fixed


def crawl(found, coverage=None) -> HandMadeCrawl:
    extra = {} if coverage is None else {"coverage": pd.DataFrame(coverage)}
    return HandMadeCrawl(
        units=units(("d1", "市直部门", "city", True)),
        columns=columns((1, "d1", "http://a/", True)),
        planted=planted(*[(i, "d1", s, {"what": s}) for i, s in found]),
        **extra,
    )


def plan_for(found, indicator_set, coverage=None, next_total=None):
    scored = score_crawl(crawl(found, coverage), indicator_set, DAY, calendar=CAL)
    got = plan_fixes("d1", scored.scores, scored.problems, indicator_set,
                     pass_line=indicator_set.pass_line, next_total=next_total)  # fmt: skip
    return got, scored


def rescored(found, fixes, indicator_set, coverage=None, *, vetoed=False):
    """The unit's total and pass (or ``vetoed``: whether a veto holds) with the problems
    ``fixes`` gone (its pages mended)."""
    gone = set(fixes)
    left = [(i, s) for i, s in found if fingerprint("d1", i, s) not in gone]
    totals = score_crawl(crawl(left, coverage), indicator_set, DAY, calendar=CAL).totals
    row = totals.set_index("unit_id").loc["d1"]
    return round(float(row["rescaled"]), 4), bool(row["vetoed" if vetoed else "passed"])


CAPPED = HandMadeSet(
    [
        HandMadeIndicator("cap", 6, per_problem=2),  # 5 problems: 10 nominal, capped at 6
        HandMadeIndicator("links", 4, per_problem=1),
    ],  # fmt: skip
    pass_line=60,
)
CAPPED_FOUND = [("cap", f"c{k}") for k in range(5)] + [("links", "l1"), ("links", "l2")]


def test_under_a_cap_one_fix_recovers_nothing_and_three_recover_points():
    got, _ = plan_for(CAPPED_FOUND, CAPPED)
    frame = got.problems.set_index("fingerprint")
    caps = frame[frame["indicator_id"] == "cap"]
    assert (caps["alone"] == 0).all()  # 8 left of 10 nominal: still 6 lost
    assert (caps["indicator_all"] == 60).all()  # all five: 6 of 10 points back
    links = frame[frame["indicator_id"] == "links"]
    assert (links["alone"] == 10).all()
    assert got.total == 20 and not got.passed
    plan = {p.target: p for p in got.plans}
    # 60 needs 4 points back: four of the five caps (2 nominal left: 2 lost) — not the two
    # links and three caps, which is five fixes.
    assert len(plan[PASS].fixes) == 4 and plan[PASS].total == 60
    assert {f[1] for f in CAPPED_FOUND if fingerprint("d1", *f) in plan[PASS].fixes} <= {
        f"c{k}" for k in range(5)
    }
    assert rescored(CAPPED_FOUND, plan[PASS].fixes, CAPPED) == (60, True)
    assert len(plan[FULL].fixes) == 7 and plan[FULL].total == 100
    # The pass's fixes come first, then the links (10 points each alone), then the fifth cap.
    assert list(got.problems["indicator_id"]) == ["cap"] * 4 + ["links"] * 2 + ["cap"]
    assert got.problems["in_plan"].sum() == 4 and list(got.problems["priority"]) == [*range(1, 8)]


def test_a_veto_is_lifted_first_and_a_one_time_veto_cannot_be():
    vetoing = HandMadeSet([HandMadeIndicator("links", 10, per_problem=1),
                           HandMadeIndicator("banned", 0, veto=True)], pass_line=60)  # fmt: skip
    found = [("links", "l1"), ("banned", "x")]
    got, _ = plan_for(found, vetoing)
    assert got.total == 90 and not got.passed
    plan = {p.target: p for p in got.plans}[PASS]
    assert plan.fixes == (fingerprint("d1", "banned", "x"),) and plan.reachable
    assert rescored(found, plan.fixes, vetoing) == (90, True)
    assert got.problems.set_index("indicator_id").loc["banned", "lifts_veto"]
    assert got.problems.iloc[0]["indicator_id"] == "banned"
    once = HandMadeSet([HandMadeIndicator("links", 10, per_problem=1),
                        OneTime("banned", 0, veto=True)], pass_line=60)  # fmt: skip
    got, _ = plan_for(found, once)
    plan = {p.target: p for p in got.plans}[PASS]
    assert not plan.reachable and plan.fixes == ()
    assert set(got.problems["indicator_id"]) == {"links"}  # a one-time event is no fix


def test_a_veto_count_needs_the_count_below_its_line():
    counting = HandMadeSet(
        [HandMadeIndicator("blank", 10, per_problem=1),
         HandMadeIndicator("too_many", 0, check="veto_count", veto=True,
                           params=VetoCountParams(("blank",), 3), suggestion="请整改空白栏目")],
        pass_line=60,
    )  # fmt: skip
    found = [("blank", f"b{k}") for k in range(4)]
    got, _ = plan_for(found, counting)
    assert not got.passed
    plan = {p.target: p for p in got.plans}[PASS]
    assert len(plan.fixes) == 2  # 4 blank columns, vetoed at 3: two must go
    assert rescored(found, plan.fixes, counting) == (plan.total, True)
    assert set(got.problems["indicator_id"]) == {"blank"}


def test_an_indicator_read_only_in_part_leaves_the_total_once_clean():
    """'links' could read only part of its columns: with its one problem fixed it is not
    evaluated next time and leaves the total with its 5 points still earned — the total falls
    from 25 (5 + 0 of 20) to 0 (0 of 10). It is never credited for what was not seen, and the
    list says what the fix does, last."""
    two = HandMadeSet([HandMadeIndicator("links", 10, per_problem=5),
                       HandMadeIndicator("fresh", 10, per_problem=5)], pass_line=60)  # fmt: skip
    cover = [{"indicator_id": "links", "unit_id": "d1", "state": "partial",
              "reason": "1个栏目未能读取", "unseen": 1}]  # fmt: skip
    found = [("links", "l1"), ("fresh", "f1"), ("fresh", "f2")]
    got, _ = plan_for(found, two, cover)
    frame = got.problems.set_index("fingerprint")
    link = fingerprint("d1", "links", "l1")
    assert got.total == 25 and frame.loc[link, "alone"] == pytest.approx(-25.0)
    assert rescored(found, [link], two, cover)[0] == 0
    assert got.problems.iloc[-1]["fingerprint"] == link
    plan = {p.target: p for p in got.plans}[FULL]
    assert rescored(found, plan.fixes, two, cover)[0] == plan.total


def test_the_next_rank():
    got, _ = plan_for(CAPPED_FOUND, CAPPED, next_total=35)
    plan = {p.target: p for p in got.plans}[NEXT_RANK]
    assert len(plan.fixes) == 2 and plan.total == 40  # the two links: 20 → 40


NAMES = ["a", "b", "c"]


@st.composite
def cases(draw):
    indicators = [
        HandMadeIndicator(n, draw(st.sampled_from([4, 6, 10])),
                          per_problem=draw(st.sampled_from([1, 2, 3])),
                          max=draw(st.sampled_from([None, 3]))) for n in NAMES
    ]  # fmt: skip
    if draw(st.booleans()):
        indicators.append(HandMadeIndicator("v", 0, veto=True))
    found = draw(st.lists(st.tuples(st.sampled_from([i.id for i in indicators]),
                                    st.sampled_from(["s1", "s2", "s3"])),
                          unique=True, max_size=6))  # fmt: skip
    partial = draw(st.sampled_from([None, "a"]))
    cover = None if partial is None else [
        {"indicator_id": partial, "unit_id": "d1", "state": "partial", "reason": "未能读取",
         "unseen": 1}]  # fmt: skip
    return HandMadeSet(indicators, pass_line=draw(st.sampled_from([60, 80, 95]))), found, cover


@settings(max_examples=25, deadline=None)
@given(cases())
def test_every_plan_gives_the_total_it_claims_and_none_smaller_reaches_it(case):
    """A plan reaches its goal, with every veto lifted when the target is the pass or the unit
    is vetoed now; no smaller set of fixes does (all smaller sets tried)."""
    indicator_set, found, cover = case
    got, scored = plan_for(found, indicator_set, cover)
    vetoed_now = bool(scored.totals["vetoed"].iloc[0])
    fixable = list(got.problems["fingerprint"])
    for plan in got.plans:
        total, vetoed = rescored(found, plan.fixes, indicator_set, cover, vetoed=True)
        assert total == pytest.approx(plan.total, abs=1e-3)
        lift = plan.target == PASS or vetoed_now
        if plan.reachable:
            assert total >= plan.goal - 1e-9 and not (lift and vetoed)
        else:
            continue
        for size in range(len(plan.fixes)):
            for fewer in itertools.combinations(fixable, size):
                t, v = rescored(found, fewer, indicator_set, cover, vetoed=True)
                assert not (t >= plan.goal - 1e-9 and not (lift and v)), (plan, fewer)


def test_the_next_rank_is_the_unit_ranked_just_above_not_a_higher_total():
    """A vetoed unit ranks below every other whatever its total: its 95 is not the total the
    unit at 70 must reach to move up; ranks are within level and city."""
    from scoring.fix_first import next_totals

    totals = pd.DataFrame(
        {
            "unit_id": ["gov", "a", "b", "v", "c", "t"],
            "level": ["市政府", "市直部门", "市直部门", "市直部门", "市直部门", "乡镇街道"],
            "parent": [None, "gov", "gov", "gov", "gov", "gov"],
            "total": [90.0, 80.0, 70.0, 95.0, None, 60.0],
            "rank_in_level": pd.array([1, 1, 2, 3, None, 1], dtype="Int64"),
        }
    )
    assert next_totals(totals) == {"gov": None, "a": None, "b": 80.0, "v": 70.0, "t": None}
