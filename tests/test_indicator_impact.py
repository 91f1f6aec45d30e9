"""What a new indicator set would do (issue 17, point 3): one crawl scored under set A and set B —
totals, ranks, pass/fail, flips and the indicators behind each unit's movement — on hand-made
findings whose arithmetic is worked out below. The same on a stored round, against evaluating
it under B, is in tests/test_rounds_advance.py."""

from __future__ import annotations

import datetime as dt

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

from scoring.explain import BASE
from scoring.impact import TO_FAIL, TO_PASS, compare
from scoring.scorer import fingerprint, score_crawl
from scoring.workdays import default_calendar

pytestmark = pytest.mark.usefixtures("planted_check")
CAL = default_calendar()
DAY = dt.date(2025, 6, 30)
A = HandMadeSet([HandMadeIndicator("fresh", 6, per_problem=3), HandMadeIndicator("links", 4)])
B = HandMadeSet(
    [
        HandMadeIndicator("fresh", 6, per_problem=2),  # the rule softened: 2 a problem, not 3
        HandMadeIndicator("links", 4),
        HandMadeIndicator("meta", 10, per_problem=5),  # new in B
    ]
)
L2 = fingerprint("d2", "links", "l2")


def crawl(found: list[tuple[str, str, str]]) -> HandMadeCrawl:
    return HandMadeCrawl(
        units=units(
            ("d1", "市直部门", "city", True),
            ("d2", "市直部门", "city", True),
            ("d3", "市直部门", "city", True),
            ("d4", "市直部门", "city", False),  # not read: no total under either set
        ),
        columns=columns(
            (1, "d1", "http://a/", True),
            (2, "d2", "http://b/", True),
            (3, "d3", "http://c/", True),
            (4, "d4", "http://d/", False),
        ),
        planted=planted(*[(i, u, s, {"what": s}) for i, u, s in found]),
    )


FOUND_ROWS = [("fresh", "d1", "p1"), ("fresh", "d1", "p2"), ("links", "d1", "l1"),
              ("links", "d2", "l1"), ("links", "d2", "l2"), ("meta", "d3", "m1"), ("meta", "d3", "m2")]  # fmt: skip
FOUND = crawl(FOUND_ROWS)


def lines_of(got, unit: str) -> dict[str, float]:
    rows = got.lines[got.lines["unit_id"] == unit]
    return {r.indicator_id: round(r.change, 4) for r in rows.itertuples()}


def test_totals_ranks_flips_and_causes_as_worked_out_by_hand():
    """d1: A loses fresh 6 (capped) + links 1 of 10 → 30; B fresh 4 + links 1 of 20 → 75 (+45:
    fresh +10, the 7 points lost before now weigh half: base +35), 不合格 → 合格. d2: l2
    dismissed, links 1 of 10 → 90; of 20 → 95 (+5, base). d3: nothing under A → 100; B's
    new meta takes 10 of 20 → 50 (−50, meta), 合格 → 不合格. Ranks A: d3 d2 d1; B: d2 d1 d3."""
    got = compare(FOUND, DAY, {L2: "dismissed"}, A, B, calendar=CAL)
    u = got.units.set_index("unit_id")
    assert list(u.loc[["d1", "d2", "d3"], "total_a"]) == [30, 90, 100]
    assert list(u.loc[["d1", "d2", "d3"], "total_b"]) == [75, 95, 50]
    assert list(u.loc[["d1", "d2", "d3"], "change"]) == [45, 5, -50]
    assert list(u.loc[["d1", "d2", "d3"], "rank_a"]) == [3, 2, 1]
    assert list(u.loc[["d1", "d2", "d3"], "rank_b"]) == [2, 1, 3]
    assert list(u.loc[["d1", "d2", "d3"], "rank_change"]) == [1, 1, -2]
    assert list(u.loc[["d1", "d2", "d3"], "flip"]) == [TO_PASS, "", TO_FAIL]
    assert lines_of(got, "d1") == {"fresh": 10, BASE: 35}
    assert lines_of(got, "d2") == {BASE: 5}
    assert lines_of(got, "d3") == {"meta": -50}
    assert u.loc["d1", "causes"] == ((BASE, 35.0), ("fresh", 10.0))  # the largest first
    assert u.loc["d3", "causes"] == (("meta", -50.0),)
    assert list(got.flips["unit_id"]) == ["d3", "d1"]  # becoming 不合格 first
    assert list(got.movers()["unit_id"]) == ["d3", "d1", "d2"]
    movement = got.indicators.set_index("indicator_id")["movement"].to_dict()
    assert movement == {"meta": -50, BASE: 40, "fresh": 10, "links": 0}
    assert list(got.indicators["indicator_id"][:3]) == ["meta", BASE, "fresh"]
    meta = got.indicators.set_index("indicator_id").loc["meta"]
    assert (meta["in_a"], meta["in_b"], meta["units_up"], meta["units_down"]) == (
        False, True, 0, 1
    )  # fmt: skip


def test_a_unit_the_crawl_could_not_read_has_no_result_under_either_set():
    got = compare(FOUND, DAY, {}, A, B, calendar=CAL)
    d4 = got.units.set_index("unit_id").loc["d4"]
    assert d4[["total_a", "total_b", "change"]].isna().all()
    assert d4["flip"] == "" and d4["causes"] == ()
    assert "d4" not in set(got.lines["unit_id"])
    level = got.by_level().iloc[0]
    assert (level["units"], level["compared"]) == (4, 3)


def test_without_the_decision_the_dismissed_problem_counts():
    got = compare(FOUND, DAY, {}, A, B, calendar=CAL).units.set_index("unit_id")
    assert (got.loc["d2", "total_a"], got.loc["d2", "total_b"]) == (80, 90)


def test_a_veto_flips_a_pass_without_moving_points():
    """单项否决 in B: d2 keeps its points and fails; its rank sinks below every other unit's."""
    vetoing = HandMadeSet([*A.indicators, HandMadeIndicator("banned", 5, veto=True)])
    found = crawl([("links", "d2", "l1"), ("banned", "d2", "x"), ("fresh", "d1", "p1")])
    got = compare(found, DAY, {}, A, vetoing, calendar=CAL)
    d2 = got.units.set_index("unit_id").loc["d2"]
    assert (d2["passed_a"], d2["passed_b"], d2["flip"]) == (True, False, TO_FAIL)
    assert d2["vetoed_b"] == "banned" and d2["rank_b"] == 3
    assert got.by_level().iloc[0][TO_FAIL] == 1


def test_the_sides_are_what_scoring_under_each_set_gives():
    got = compare(FOUND, DAY, {L2: "dismissed"}, A, B, calendar=CAL).units.set_index("unit_id")
    for side, chosen in (("a", A), ("b", B)):
        scored = score_crawl(FOUND, chosen, DAY, calendar=CAL, decisions={L2: "dismissed"})
        totals = scored.totals.set_index("unit_id")
        assert got[f"total_{side}"].equals(totals["total"].astype(float).reindex(got.index))
        assert (got[f"rank_{side}"] == totals["rank_in_level"].reindex(got.index)).dropna().all()


ITEMS = [("fresh", 6, 3), ("links", 4, 1), ("meta", 10, 5), ("cap", 8, 3), ("extra", 5, 1)]


@st.composite
def pairs(draw):
    def a_set():
        chosen = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=5, unique=True))
        return HandMadeSet(
            [HandMadeIndicator(i, p, per_problem=draw(st.sampled_from([1, q, 2 * q])),
                               max=draw(st.sampled_from([None, 4])), bonus=i == "extra")
             for i, p, q in chosen]
        )  # fmt: skip

    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from([i for i, _, _ in ITEMS]),
                st.sampled_from(["d1", "d2", "d3"]),
                st.sampled_from(["s1", "s2", "s3"]),
            ),
            unique=True,
        )
    )
    return crawl(rows), a_set(), a_set()


@settings(max_examples=60, deadline=None)
@given(pairs())
def test_each_units_lines_sum_to_its_change_and_indicators_to_the_whole(drawn):
    found, set_a, set_b = drawn
    got = compare(found, DAY, {}, set_a, set_b, calendar=CAL)
    compared = got.units[got.units["change"].notna()]
    for row in compared.itertuples():
        assert sum(lines_of(got, row.unit_id).values()) == pytest.approx(row.change, abs=1e-3)
    assert got.indicators["movement"].sum() == pytest.approx(compared["change"].sum(), abs=1e-3)
    flips = compared[compared["flip"] != ""]
    assert (flips["passed_a"] != flips["passed_b"]).all()


def test_the_workbook_holds_every_unit_flip_and_indicator_as_values(tmp_path):
    """The XLSX for the office's meeting: Chinese sheets and headers, the numbers of `compare`,
    and a unit name that reads like a formula stays text."""
    from openpyxl import load_workbook

    from scoring.impact_xlsx import SHEETS, write_impact

    hostile = crawl(FOUND_ROWS)
    hostile.units.loc[hostile.units["id"] == "d3", "name"] = '=HYPERLINK("http://x","y")'
    got = compare(hostile, DAY, {L2: "dismissed"}, A, B, calendar=CAL)
    path = write_impact(got, tmp_path / "impact.xlsx", changed={"fresh"})
    book = load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formulas"
    rows = list(book["单位"].iter_rows(values_only=True))
    assert rows[0][:6] == ("单位名称", "单位代码", "单位层级", "总分（A）", "总分（B）", "分值变化")
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["d3"][0] == '=HYPERLINK("http://x","y")'
    assert by_id["d1"][3:6] == (30, 75, 45) and by_id["d1"][11] == "变为合格"
    assert by_id["d3"][11] == "变为不合格" and by_id["d3"][12] == "meta -50.00"
    assert by_id["d4"][3] is None and by_id["d4"][10].startswith("未评分")
    flips = list(book["结果变化的单位"].iter_rows(values_only=True))
    assert [r[1] for r in flips[1:]] == ["d3", "d1"]
    indicators = {r[0]: r for r in book["指标影响"].iter_rows(min_row=2, values_only=True)}
    assert indicators["meta"][2:4] == ("新增", -50) and indicators["fresh"][2] == "修改"
    assert indicators["links"][2] == "未变"
    overview = dict(r[:2] for r in book["概况"].iter_rows(max_row=12, values_only=True))
    assert (overview["结果变化的单位数"], overview["变为不合格"], overview["变为合格"]) == (2, 1, 1)
