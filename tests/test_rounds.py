"""Round arithmetic (`scoring.scorer.score_crawl`): deductions, caps, decisions, not applicable,
veto, bonus, pass line, ranks, suggestions and fingerprints — on hand-made findings."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest
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

from scoring.scorer import RoundError, fingerprint, score_crawl

AS_OF = dt.date(2025, 6, 30)
pytestmark = pytest.mark.usefixtures("planted_check")


def crawl(findings: pd.DataFrame, unit_rows=None) -> HandMadeCrawl:
    unit_rows = unit_rows or (
        ("dept1", "市直部门", "city", True),
        ("dept2", "市直部门", "city", True),
    )
    return HandMadeCrawl(
        units=units(*unit_rows),
        columns=columns((1, "dept1", "http://a/c1", True)),
        planted=findings,
    )


def score(findings, indicators, unit_rows=None, decisions=None, pass_line=60):
    return score_crawl(
        crawl(findings, unit_rows),
        HandMadeSet(indicators, pass_line=pass_line),
        AS_OF,
        decisions=decisions,
    )


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for key, value in where.items():
        mask &= frame[key] == value
    assert mask.sum() == 1, f"{where}: {int(mask.sum())} rows"
    return frame[mask].iloc[0]


def test_deduction_is_per_problem_times_weight_and_never_more_than_the_points():
    found = planted(*[("fresh", "dept1", f"http://a/c{i}", {"what": i}) for i in range(4)])
    found.loc[0, "weight"] = 0.5
    out = score(found, [HandMadeIndicator("fresh", points=6, per_problem=3)])
    s = row(out.scores, unit_id="dept1", indicator_id="fresh")
    # 0.5×3 + 3 + 3 + 3 = 10.5, capped at the indicator's 6 points.
    assert (s.deduction, s.score, s.problems) == (6.0, 0.0, 4)
    mine = out.problems[out.problems.unit_id == "dept1"]
    assert mine["nominal"].tolist() == [1.5, 3.0, 3.0, 3.0]
    # Shares are proportional and add up to the capped deduction.
    assert mine["deduction"].sum() == pytest.approx(6.0)
    assert mine["deduction"].iloc[0] == pytest.approx(6.0 * 1.5 / 10.5, abs=1e-4)
    clean = row(out.scores, unit_id="dept2", indicator_id="fresh")
    assert (clean.deduction, clean.score, clean.problems) == (0.0, 6.0, 0)


def test_deduct_max_caps_below_the_points():
    found = planted(*[("links", "dept1", f"http://a/x{i}", {"what": i}) for i in range(30)])
    out = score(found, [HandMadeIndicator("links", points=10, per_problem=0.1, max=2)])
    assert row(out.scores, unit_id="dept1").deduction == pytest.approx(2.0)


def test_dismissed_problem_deducts_nothing_and_is_not_counted():
    found = planted(
        ("fresh", "dept1", "http://a/c1", {"what": 1}),
        ("fresh", "dept1", "http://a/c2", {"what": 2}),
    )
    dismissed = fingerprint("dept1", "fresh", "http://a/c1")
    out = score(
        found,
        [HandMadeIndicator("fresh", points=6, per_problem=3)],
        decisions={dismissed: "dismissed"},
    )
    s = row(out.scores, unit_id="dept1")
    assert (s.deduction, s.problems) == (3.0, 1)
    p = row(out.problems, fingerprint=dismissed)
    assert (p.decision, p.deduction, p.nominal) == ("dismissed", 0.0, 3.0)


def test_not_applicable_unit_is_rescaled_over_the_points_that_apply():
    found = planted(("basic", "dept1", "http://a/c1", {"what": 1}))
    indicators = [
        HandMadeIndicator("basic", points=10, per_problem=2),
        HandMadeIndicator("service", points=30, per_problem=30, not_applicable=("dept1",)),
    ]
    found = pd.concat(
        [found, planted(("service", "dept2", "http://b/s", {"what": "s"}))], ignore_index=True
    )
    out = score(found, indicators)
    na = row(out.scores, unit_id="dept1", indicator_id="service")
    assert na.not_applicable
    t1 = row(out.totals, unit_id="dept1")
    assert (t1.points, t1.score, t1.rescaled) == (10.0, 8.0, 80.0)
    t2 = row(out.totals, unit_id="dept2")
    assert (t2.points, t2.score) == (40.0, 10.0)
    assert t2.rescaled == pytest.approx(25.0)
    assert (t1.rank_in_level, t2.rank_in_level) == (1, 2)
    assert (t1.passed, t2.passed) == (True, False)


def test_indicator_applies_only_to_its_levels():
    unit_rows = (("dept1", "市直部门", "city", True), ("town1", "乡镇街道", "county1", True))
    out = score(
        planted(("town", "town1", "http://t/c", {"what": 1})),
        [HandMadeIndicator("town", points=5, levels=("乡镇街道",))],
        unit_rows=unit_rows,
    )
    assert out.scores["unit_id"].tolist() == ["town1"]
    assert row(out.totals, unit_id="dept1").points == 0.0
    assert pd.isna(row(out.totals, unit_id="dept1").rescaled)


def test_veto_indicator_fails_the_unit_and_ranks_it_last_in_its_level():
    found = planted(("forged", "dept1", "http://a/forged", {"what": "日期"}))
    out = score(
        found,
        [HandMadeIndicator("forged", points=0, veto=True), HandMadeIndicator("base", points=10)],
    )
    t1, t2 = row(out.totals, unit_id="dept1"), row(out.totals, unit_id="dept2")
    assert t1.total == t2.total == 100.0  # the veto costs no points …
    assert t1.vetoed and not t1.passed  # … it fails the unit
    assert (t1.rank_in_level, t2.rank_in_level) == (2, 1)


def test_veto_count_counts_other_indicators_counted_problems():
    blank = [("blank", "dept1", f"http://a/b{i}", {"what": i}) for i in range(5)]
    blank += [("blank", "dept2", f"http://b/b{i}", {"what": i}) for i in range(4)]
    indicators = [
        HandMadeIndicator("blank", points=10, per_problem=1),
        HandMadeIndicator(
            "veto.blank",
            points=0,
            check="veto_count",
            params=VetoCountParams(indicators=("blank",), at_least=5),
            veto=True,
            suggestion="空白栏目{count}个（≥{at_least}），单项否决。",
        ),
    ]
    out = score(planted(*blank), indicators)
    assert row(out.totals, unit_id="dept1").vetoed
    assert not row(out.totals, unit_id="dept2").vetoed
    v = row(out.problems, indicator_id="veto.blank")
    assert v.unit_id == "dept1" and v.suggestion == "空白栏目5个（≥5），单项否决。"
    # A dismissed blank-column problem no longer counts towards the veto.
    fp = fingerprint("dept1", "blank", "http://a/b0")
    again = score(planted(*blank), indicators, decisions={fp: "dismissed"})
    assert not row(again.totals, unit_id="dept1").vetoed


def test_unobserved_unit_gets_no_total_no_pass_no_rank_and_no_problem():
    unit_rows = (("dept1", "市直部门", "city", True), ("down", "市直部门", "city", False))
    found = planted(
        ("fresh", "dept1", "http://a/c1", {"what": 1}),
        ("fresh", "down", "http://down/c1", {"what": 1}),  # a check bug: dropped, not deducted
    )
    out = score(found, [HandMadeIndicator("fresh", points=6, per_problem=3)], unit_rows=unit_rows)
    down = row(out.totals, unit_id="down")
    assert not down.observed
    assert pd.isna(down.total) and down.passed is None and pd.isna(down.rank_in_level)
    assert set(out.problems["unit_id"]) == {"dept1"}
    assert row(out.totals, unit_id="dept1").rank_in_level == 1


def test_bonus_counts_only_above_80_and_at_most_20():
    found = planted(
        ("base", "dept2", "http://b/1", {"what": 1}),
        ("base", "dept2", "http://b/2", {"what": 2}),
    )
    indicators = [
        HandMadeIndicator("base", points=10, per_problem=1),
        HandMadeIndicator("extra", points=25, bonus=True),
    ]
    out = score(found, indicators)
    t1, t2 = row(out.totals, unit_id="dept1"), row(out.totals, unit_id="dept2")
    assert (t1.rescaled, t1.bonus, t1.total) == (100.0, 20.0, 120.0)
    assert (t2.rescaled, t2.bonus, t2.total) == (80.0, 0.0, 80.0)  # not above 80: no bonus


def test_equal_totals_share_a_rank_within_each_level():
    unit_rows = (
        ("a", "市直部门", "city", True),
        ("b", "市直部门", "city", True),
        ("c", "市直部门", "city", True),
        ("t", "乡镇街道", "county", True),
    )
    found = planted(("base", "c", "http://c/1", {"what": 1}))
    out = score(found, [HandMadeIndicator("base", points=10)], unit_rows=unit_rows)
    ranks = out.totals.set_index("unit_id")["rank_in_level"].to_dict()
    assert ranks == {"a": 1, "b": 1, "c": 3, "t": 1}


def test_pass_line_comes_from_the_set():
    found = planted(*[("base", "dept1", f"http://a/{i}", {"what": i}) for i in range(3)])
    out = score(found, [HandMadeIndicator("base", points=10, per_problem=1)], pass_line=75)
    t = row(out.totals, unit_id="dept1")
    assert t.total == 70.0 and not t.passed


def test_suggestion_is_filled_from_the_evidence():
    found = planted(("fresh", "dept1", "http://a/c1", {"column_name": "工作动态", "age_days": 40}))
    ind = HandMadeIndicator(
        "fresh", points=6, suggestion="「{column_name}」栏目已{age_days}天未更新，请及时发布。"
    )
    out = score(found, [ind])
    p = row(out.problems, unit_id="dept1")
    assert p.suggestion == "「工作动态」栏目已40天未更新，请及时发布。"
    assert p.evidence["column_name"] == "工作动态" and p.evidence["crawl_run"] == 1


def test_a_template_key_missing_from_the_evidence_names_the_indicator():
    found = planted(("fresh.news", "dept1", "http://a/c1", {"age_days": 40}))
    ind = HandMadeIndicator("fresh.news", points=6, suggestion="「{column_name}」未更新")
    with pytest.raises(RoundError, match=r"fresh\.news.*column_name.*age_days"):
        score(found, [ind])


def test_evidence_dates_are_stored_as_iso_text():
    found = planted(("fresh", "dept1", "http://a/c1", {"what": 1, "newest": dt.date(2025, 3, 1)}))
    out = score(found, [HandMadeIndicator("fresh", points=6)])
    assert row(out.problems, unit_id="dept1").evidence["newest"] == "2025-03-01"


def test_fingerprint_is_sha1_of_unit_indicator_subject_and_ignores_row_order():
    expected = hashlib.sha1(b"dept1|fresh|http://a/c1").hexdigest()[:16]
    assert fingerprint("dept1", "fresh", "http://a/c1") == expected
    rows = [("fresh", "dept1", f"http://a/c{i}", {"what": i}) for i in range(3)]
    one = score(planted(*rows), [HandMadeIndicator("fresh", points=6)])
    two = score(planted(*reversed(rows)), [HandMadeIndicator("fresh", points=6)])
    assert set(one.problems["fingerprint"]) == set(two.problems["fingerprint"])
    assert expected in set(one.problems["fingerprint"])
    pd.testing.assert_frame_equal(one.totals, two.totals)


# -- summary -----------------------------------------------------------------------------------
def summary_fixture():
    from types import SimpleNamespace

    groups = {
        "a": ("栏目建设", "更新维护"),
        "b": ("政策解读", "解读覆盖"),
        "c": ("政策文件", "元数据规范"),
        "d": ("互动交流", "意见征集"),
    }
    indicator_set = SimpleNamespace(
        indicators=[SimpleNamespace(id=k, name=k, group=g) for k, g in groups.items()]
    )
    rows = [  # (indicator, unit, status, decision)
        ("a", "u1", "new", None),
        ("a", "u1", "new", None),
        ("a", "u1", "open", None),
        ("a", "u1", "open", "dismissed"),
        ("b", "u2", "regressed", None),
        ("b", "u2", "new", None),
        ("c", "u2", "open", None),
        ("c", "u2", "open", None),
        ("c", "u2", "fixed", None),
        ("d", "u2", "new", None),
        ("d", "u2", "not_comparable", None),
    ]
    problems = pd.DataFrame(
        {
            "fingerprint": [f"fp{i}" for i in range(len(rows))],
            "indicator_id": [r[0] for r in rows],
            "unit_id": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            "decision": [r[3] for r in rows],
        }
    )
    scores = pd.DataFrame(
        {"unit_id": ["u1", "u2"], "indicator_id": ["a", "c"], "deduction": [3.0, 2.0]}
    )
    totals = pd.DataFrame(
        {
            "unit_id": ["u1", "u2", "c1", "t1", "t2"],
            "name": ["单位1", "单位2", "东山区", "河口街道", "王圩乡"],
            "level": ["市直部门", "市直部门", "县区政府", "乡镇街道", "乡镇街道"],
            "parent": ["city", "city", "city", "c1", "c1"],
            "observed": [True, True, True, True, False],
            "total": [90.0, 50.0, 85.0, 80.0, None],
            "vetoed": [False, False, False, True, False],
            "passed": [True, False, True, False, None],
            "problems": [3, 5, 0, 2, 0],
            "rank_in_level": [1, 2, 1, 1, None],
        }
    )
    info = SimpleNamespace(kind="quarterly", previous_round="2025Q1")
    result = SimpleNamespace(info=info, problems=problems, scores=scores, totals=totals)
    return result, indicator_set


def test_summary_paragraph_in_the_offices_style():
    from scoring.summary import summarize

    result, indicator_set = summary_fixture()
    summary = summarize(result, indicator_set)
    assert summary.paragraph == (
        "本轮扣分问题8个，其中新发现4个、未整改3个、反弹1个，涉及2家单位，主要集中在更新维护、元数据规范、解读覆盖三个方面，"
        "其中更新维护方面问题3个（占37.5%）、元数据规范方面问题2个（占25.0%）、"
        "解读覆盖方面问题2个（占25.0%）。"
        "参评单位5家，合格2家、不合格2家（其中单项否决1家），"
        "另有1家单位网站本轮未能正常访问，未予评分。"
        # One scored unit is no average, and one level of several units has no lower one.
        "分层级看，市直部门平均70分，县区政府仅1家单位评分，得85分，乡镇街道仅1家单位评分，得80分。"
        "与上一轮（2025Q1）相比，已整改问题1个，新发现问题4个，整改后反弹问题1个，"
        "另有1个问题因本轮未能采集而无法比对。"
    )
    # Same input, same text; a special round says so.
    assert summarize(result, indicator_set).paragraph == summary.paragraph
    result.info.kind = "special"
    assert summarize(result, indicator_set).paragraph.startswith(
        "本次专项检查扣分问题8个，其中新发现4个"
    )


def test_summary_by_group_and_counties_with_their_townships():
    from scoring.summary import summarize

    result, indicator_set = summary_fixture()
    summary = summarize(result, indicator_set)
    groups = summary.by_group.set_index("group2")
    assert groups["problems"].to_dict() == {
        "更新维护": 3,
        "元数据规范": 2,
        "解读覆盖": 2,
        "意见征集": 1,
    }
    assert groups.loc["更新维护", "points_lost"] == 3.0
    county = summary.counties.set_index("unit_id").loc["c1"]
    assert (county.townships, county.township_average, county.township_passed) == (2, 80.0, 0)
    assert (county.township_problems, county.with_townships_problems) == (2, 2)
    levels = summary.by_level.set_index("level")
    assert levels.loc["乡镇街道", ["units", "observed", "vetoed"]].tolist() == [2, 1, 1]


def test_the_summary_names_a_second_level_group_with_its_first_when_the_name_repeats():
    import pandas as pd

    from scoring.summary import paragraph

    groups = pd.DataFrame(
        {
            "group1": ["栏目建设", "重点领域", "解读回应"],
            "group2": ["栏目设置", "栏目设置", "解读时效"],
            "problems": [3, 2, 1],
            "units": [2, 1, 1],
            "points_lost": [3.0, 2.0, 1.0],
            "share": [0.5, 1 / 3, 1 / 6],
        }
    )
    problems = pd.DataFrame(
        {
            "fingerprint": list("abcdef"),
            "unit_id": ["u1", "u1", "u2", "u1", "u2", "u1"],
            "deduction": [1.0] * 6,
            "status": ["new"] * 6,
            "decision": [None] * 6,
        }
    )
    text = paragraph("quarterly", groups, pd.DataFrame(), problems, None)
    assert "主要集中在栏目建设·栏目设置、重点领域·栏目设置、解读时效三个方面" in text


def test_summary_names_the_lowest_average_among_levels_of_several_units_only():
    from scoring.summary import paragraph

    levels = pd.DataFrame(
        {
            "level": ["市政府", "市直部门", "县区政府"],
            "units": [1, 3, 2],
            "observed": [1, 3, 2],
            "passed": [1, 3, 1],
            "failed": [0, 0, 1],
            "vetoed": [0, 0, 0],
            "average": [60.0, 90.0, 80.0],
            "problems": [0, 0, 0],
        }
    )
    text = paragraph("quarterly", pd.DataFrame(), levels, pd.DataFrame(), None)
    # The city government scores lowest, but it is one unit: not an average, not compared.
    assert (
        "市政府仅1家单位评分，得60分，市直部门平均90分，县区政府平均80分，县区政府平均得分最低。"
        in text
    )
    assert "本轮无扣分问题" in text
