"""Why a score changed (issue 17, point 1): the change of a unit's total between two rounds split
into the indicator set's change, the site's change and the evaluators' decisions, per indicator,
summing exactly to the change — on hand-made findings whose arithmetic is worked out below."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from round_fixtures import (
    HandMadeCrawl,
    HandMadeIndicator,
    HandMadeSet,
    columns,
    planted,
    planted_check,  # noqa: F401 (fixture)
    units,
)

from scoring.explain import BASE, BONUS, DECISIONS, RECOMPUTED, RULES, SITE, Side, decompose
from scoring.scorer import fingerprint
from scoring.workdays import default_calendar

pytestmark = pytest.mark.usefixtures("planted_check")
CAL = default_calendar()
Q1, Q2 = dt.date(2025, 3, 31), dt.date(2025, 6, 30)
A = HandMadeSet([HandMadeIndicator("fresh", 6, per_problem=3), HandMadeIndicator("links", 4)])
B = HandMadeSet(
    [
        HandMadeIndicator("fresh", 6, per_problem=2),  # the rule softened: 2 a problem, not 3
        HandMadeIndicator("links", 4),
        HandMadeIndicator("meta", 10, per_problem=5),  # new this quarter
    ]
)


def crawl(found: list[tuple[str, str, str]], *, d2_observed: bool = True, run: int = 1):
    return HandMadeCrawl(
        units=units(("d1", "市直部门", "city", True), ("d2", "市直部门", "city", d2_observed)),
        columns=columns((1, "d1", "http://a/", True), (2, "d2", "http://b/", d2_observed)),
        planted=planted(*[(i, u, s, {"what": s}) for i, u, s in found]),
        run_id=run,
    )


C1 = crawl([("fresh", "d1", "p1"), ("fresh", "d1", "p2"), ("links", "d1", "l1")])
C2 = crawl(
    [("fresh", "d1", "p1"), ("links", "d1", "l1"), ("links", "d1", "l2"), ("meta", "d1", "m1"),
     ("links", "d2", "l3")],
    run=2,
)  # fmt: skip
L2 = fingerprint("d1", "links", "l2")


def lines_of(explained, unit: str, part: str) -> dict[str, float]:
    rows = explained.lines[(explained.lines["unit_id"] == unit) & (explained.lines["part"] == part)]
    return {r.indicator_id: round(r.change, 4) for r in rows.itertuples()}


def test_each_part_and_line_as_worked_out_by_hand():
    """d1: A on C1 loses fresh 6 (capped) + links 1 of 10 → 30. B on C1: fresh 4, links 1 of 20
    → 75 (rules +45: fresh +10, and the 7 points lost before now weigh half: base +35). B on C2:
    fresh 2, links 2, meta 5 of 20 → 55 (site −20: fresh +10, links −5, meta −25). l2
    dismissed: links 1 → 60 (decisions +5). d2: 100 → 95, the site's new broken link."""
    got = decompose(Side(C1, A, Q1, {}), Side(C2, B, Q2, {L2: "dismissed"}), calendar=CAL)
    d1 = got.units.set_index("unit_id").loc["d1"]
    assert (d1["before"], d1["after"], d1["change"]) == (30, 60, 30)
    assert (d1[RULES], d1[SITE], d1[DECISIONS], d1[RECOMPUTED]) == (45, -20, 5, 0)
    assert not d1["passed_before"] and d1["passed_after"]
    assert lines_of(got, "d1", RULES) == {"fresh": 10, BASE: 35}
    assert lines_of(got, "d1", SITE) == {"fresh": 10, "links": -5, "meta": -25}
    assert lines_of(got, "d1", DECISIONS) == {"links": 5}
    d2 = got.units.set_index("unit_id").loc["d2"]
    assert (d2["before"], d2["after"], d2[RULES], d2[SITE], d2[DECISIONS]) == (100, 95, 0, -5, 0)
    assert lines_of(got, "d2", SITE) == {"links": -5}


def test_a_decision_carried_from_the_previous_round_is_no_change():
    kept = {L2: "dismissed"}
    got = decompose(Side(C2, B, Q2, kept), Side(C2, B, Q2, kept), calendar=CAL)
    assert (got.units[[RULES, SITE, DECISIONS, "change"]] == 0).all().all()
    assert got.lines.empty


def test_a_unit_not_read_by_either_crawl_has_no_explanation():
    unread = crawl([("links", "d1", "l1")], d2_observed=False, run=2)
    got = decompose(Side(C1, A, Q1, {}), Side(unread, A, Q2, {}), calendar=CAL)
    assert list(got.units["unit_id"]) == ["d1"]
    assert set(got.lines["unit_id"]) <= {"d1"}


def test_stored_totals_that_scoring_again_does_not_give_are_their_own_part():
    stored_before = pd.DataFrame({"unit_id": ["d1", "d2"], "total": [28.5, 100.0]})
    got = decompose(
        Side(C1, A, Q1, {}), Side(C2, B, Q2, {L2: "dismissed"}), calendar=CAL,
        stored_before=stored_before,
    )  # fmt: skip
    d1 = got.units.set_index("unit_id").loc["d1"]
    assert (d1["before"], d1["change"], d1[RECOMPUTED]) == (28.5, 31.5, 1.5)
    assert d1[RULES] + d1[SITE] + d1[DECISIONS] + d1[RECOMPUTED] == d1["change"]


def test_bonus_and_veto():
    """A bonus item (加分, above 80 only) is its own line; a veto (单项否决) costs no points, and
    is said with the pass it flips."""
    old = HandMadeSet([HandMadeIndicator("fresh", 10, per_problem=1),
                       HandMadeIndicator("extra", 5, bonus=True)])  # fmt: skip
    new = HandMadeSet([*old.indicators, HandMadeIndicator("banned", 5, veto=True)])
    before = crawl([("fresh", "d1", "p1")])
    after = crawl([("fresh", "d1", "p1"), ("banned", "d1", "x")], run=2)
    got = decompose(Side(before, old, Q1, {}), Side(after, new, Q2, {}), calendar=CAL)
    d1 = got.units.set_index("unit_id").loc["d1"]
    # before: 1 lost of 10 → 90, + 5 bonus; after: 'banned' joins the base, 1 lost of 15.
    assert (d1["before"], d1["after"]) == (95, round(100 * 14 / 15 + 5, 4))
    assert lines_of(got, "d1", RULES) == {BASE: round(100 * (1 / 10 - 1 / 15), 4)}
    assert lines_of(got, "d1", SITE) == {}
    assert d1["passed_before"] and not d1["passed_after"]
    assert (d1["vetoed_before"], d1["vetoed_after"]) == ("", "banned")
    found_bonus = crawl([("extra", "d1", "b")])  # a finding on a bonus item costs it a point
    got = decompose(Side(found_bonus, old, Q1, {}), Side(before, old, Q2, {}), calendar=CAL)
    d1 = got.units.set_index("unit_id").loc["d1"]
    assert (d1["before"], d1["after"]) == (104, 95)  # 100 + 4 → 90 + 5
    assert lines_of(got, "d1", SITE) == {"fresh": -10, BONUS: 1}


ITEMS = [("fresh", 6, 3), ("links", 4, 1), ("meta", 10, 5), ("cap", 8, 3)]


@st.composite
def sides(draw):
    def a_set():
        chosen = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4, unique=True))
        return HandMadeSet(
            [HandMadeIndicator(i, p, per_problem=draw(st.sampled_from([1, q, 2 * q])),
                               max=draw(st.sampled_from([None, 4]))) for i, p, q in chosen]
        )  # fmt: skip

    def a_crawl(run):
        rows = draw(
            st.lists(
                st.tuples(
                    st.sampled_from([i for i, _, _ in ITEMS]),
                    st.sampled_from(["d1", "d2"]),
                    st.sampled_from(["s1", "s2", "s3"]),
                ),
                unique=True,
            )
        )
        return crawl(rows, run=run), rows  # fmt: skip

    (c1, rows1), (c2, rows2) = a_crawl(1), a_crawl(2)
    fps = [fingerprint(u, i, s) for i, u, s in rows1 + rows2]
    d1 = {fp: "dismissed" for fp in fps if draw(st.booleans()) and draw(st.booleans())}
    d2 = {fp: "dismissed" for fp in fps if draw(st.booleans()) and draw(st.booleans())}
    return Side(c1, a_set(), Q1, d1), Side(c2, a_set(), Q2, d2)


@settings(max_examples=60, deadline=None)
@given(sides())
def test_the_parts_and_their_lines_always_sum_to_the_change(pair):
    got = decompose(*pair, calendar=CAL)
    for row in got.units.itertuples():
        parts = sum(getattr(row, p) for p in (RULES, SITE, DECISIONS, RECOMPUTED))
        assert parts == pytest.approx(row.change, abs=1e-9)
        for part in (RULES, SITE, DECISIONS):
            assert sum(lines_of(got, row.unit_id, part).values()) == pytest.approx(
                getattr(row, part), abs=1e-3
            )
