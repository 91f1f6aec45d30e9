"""Indicator sets: the shipped sets encode docs/domain.md §3 in step with the sample portal, every
kind of mistake stops with FILE:LINE (all at once), `extends:`/patch/`remove:` resolve as
documented, a set freezes into text and loads back, and `zwgk indicators …` prints what it says.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.vocabulary import LEVELS
from demo import defects, timeline
from demo import model as m
from demo.generate import make_sample
from scoring.indicators import (
    SHIPPED_DIR,
    Deduction,
    IndicatorError,
    SuggestionError,
    load_indicator_set,
    newest_set,
    set_from_text,
    shipped_sets,
    version_key,
)
from zwgk.cli import app

runner = CliRunner()
DOC = Path(__file__).resolve().parent.parent / "docs" / "indicators.md"

EVERY_UNIT = ["rules", "guide", "annual_report", "news", "notice", "personnel", "plan", "budget"]
ISSUERS = ["normative", "policy", "interpretation"]
# Each kind of planted defect (demo/defects/ KINDS) and the one indicator that must report it.
KIND_TO_INDICATOR = {
    "stale_column/news": "freshness.news",
    "stale_column/notice": "freshness.notice_policy",
    "stale_column/personnel": "freshness.personnel_plan",
    "blank_column": "columns.blank",
    "missing_column": "columns.required",
    "key_area_missing_period": "key_area.monthly",
    "missing_field": "normative.required_fields",
    "malformed_index_no": "metadata.index_no_format",
    "doc_no_mismatch": "metadata.doc_no_consistency",
    "no_publish_date": "metadata.undated",
    "late_disclosure": "timeliness.disclosure_lag",
    "normative_without_interpretation": "interpretation.coverage",
    "interpretation_late": "interpretation.lag",
    "interpretation_no_backlink": "interpretation.backlink",
    "interpretation_text_only": "interpretation.forms",
    "consultation_too_short": "consultation.process",
    "consultation_without_feedback": "consultation.process",
    "annual_report_missing": "annual_report.deadline",
    "annual_report_late": "annual_report.deadline",
    "broken_attachment": "links.broken",
    "broken_link": "links.broken",
    "duplicate_doc_no": "duplicates.same_information",
    "duplicate_body": "duplicates.same_information",
    # Issue 14: deadlines not passed on the portal's day, reported once they are (`due`).
    "consultation_without_feedback/coming": "consultation.process",
    "key_area_missing_period/coming": "key_area.monthly",
    "annual_report_missing/coming": "annual_report.deadline",
}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, fragment: str, nth: int = 1) -> int:
    """1-based line of the `nth` line containing `fragment`."""
    hits = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if fragment in line]
    return hits[nth - 1]


def problems(path: Path | str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(IndicatorError) as exc:
        load_indicator_set(path)
    return exc.value.problems


HEAD = """\
id: t
version: "1"
name: 测试指标
pass_line: 60
indicators:
"""
NEWS = """\
  - id: freshness.news
    name: 动态栏目更新
    group: [栏目建设, 更新维护]
    applies_to: {categories: [news]}
    check: column_freshness
    window: as_of
    params: {max_age: 2 weeks}
    points: 6
    deduct: {per_problem: 3}
    suggestion: "「{column_name}」已{age_days}天未更新"
    description: 动态栏目2周未更新
    source: domain.md §3.1
"""
BLANK = """\
  - id: columns.blank
    name: 空白栏目
    group: [栏目建设]
    check: blank_column
    window: as_of
    points: 4
    deduct: {per_problem: 2, max: 4}
    suggestion: "「{column_name}」为空白栏目"
    description: 空白栏目
    source: domain.md §3.1
"""
VETO = """\
  - id: veto.blank
    name: 空白栏目否决
    group: [单项否决]
    check: veto_count
    window: as_of
    params: {indicators: [columns.blank], at_least: 5}
    veto: true
    description: 空白栏目达5个
    source: domain.md §3.1
"""


# -- the shipped sets ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base():
    return load_indicator_set("base")


@pytest.fixture(scope="module")
def q2():
    return load_indicator_set("2025Q2")


@pytest.fixture(scope="module")
def sample():
    return make_sample(seed=1, scale="small")


def test_shipped_sets_validate_and_the_newest_is_2025Q2(base, q2):
    assert [(p.name, i) for p, i, _ in shipped_sets()] == [
        ("2025Q2.yaml", "2025Q2"),
        ("base.yaml", "base"),
    ]
    assert newest_set() == SHIPPED_DIR / "2025Q2.yaml"
    assert version_key("2025Q2") > version_key("2025.1")
    assert q2.extends == ("base",)
    for loaded in (base, q2):
        assert loaded.total_points == 100
        assert sorted(i.id for i in loaded.indicators if i.veto) == [
            "veto.blank_columns", "veto.stale_columns", "veto.stale_news_notice",
        ]  # fmt: skip
        # Every params object is the check's validated model, not the raw mapping.
        assert all(not isinstance(i.params, dict) for i in loaded.indicators)
        assert all(len(i.group) == 3 and i.source and i.description for i in loaded.indicators)


def test_rules_tagged_local_or_unconfirmed_say_so_in_their_description(base):
    for indicator in base.indicators:
        if re.search(r"\[(L|\?)", indicator.source):
            assert re.search(r"\[(L|\?)", indicator.description), indicator.id
    lag = base.get("interpretation.lag")
    assert lag.params.max_workdays == 3 and "[L]" in lag.description


def test_base_encodes_the_freshness_windows_and_vetoes(base):
    windows = {
        "freshness.news": ("2 weeks", 3, {"news"}),
        "freshness.notice_policy": ("6 months", 4, {"notice", "policy", "normative"}),
        "freshness.personnel_plan": ("1 year", 5, {"personnel", "plan"}),
    }
    for iid, (age, per, categories) in windows.items():
        i = base.get(iid)
        assert (str(i.params.max_age), i.deduct.per_problem, set(i.applies_to.categories)) == (
            age, per, categories,
        )  # fmt: skip
        assert i.params.count_undated_as_stale
    vetoes = {
        i.id: (set(i.params.indicators), i.params.at_least) for i in base.indicators if i.veto
    }
    assert vetoes == {
        "veto.blank_columns": ({"columns.blank"}, 5),
        "veto.stale_news_notice": ({"freshness.news", "freshness.notice_policy"}, 5),
        "veto.stale_columns": (set(windows), 10),
    }
    assert base.get("timeliness.disclosure_lag").params.max_workdays == 20
    assert base.get("consultation.process").params.min_days == 30
    assert str(base.get("consultation.process").params.feedback_within) == "30 days"
    assert base.get("links.broken").params.on_site_only


def test_required_columns_follow_the_levels_and_hold_on_the_sample_portal(base, sample):
    by_level = base.get("columns.required").params.by_level
    assert {level: set(c) for level, c in by_level.items()} == {
        level: set(EVERY_UNIT + (["township_area"] if level == m.TOWNSHIP else ISSUERS))
        for level in LEVELS
    }
    portal, manifest = sample
    missing = {(d["unit_id"], d["details"]["category"]) for d in manifest["defects"]
               if d["kind"] == "missing_column"}  # fmt: skip
    for unit in portal.units:
        have = {c.category for c in portal.index.columns_of.get(unit.id, [])}
        lacking = {(unit.id, c) for c in by_level[unit.level] if c not in have}
        assert lacking <= missing, unit.id


def test_index_no_pattern_accepts_the_portal_and_rejects_every_planted_form(base, sample):
    pattern = re.compile(base.get("metadata.index_no_format").params.pattern)
    portal, manifest = sample
    planted = {d["details"]["article_id"]: d["details"]["index_no"]
               for d in manifest["defects"] if d["kind"] == "malformed_index_no"}  # fmt: skip
    assert planted
    for article in portal.articles:
        assert bool(pattern.fullmatch(article.index_no)) == (article.id not in planted), (
            article.index_no
        )
    for good in (
        "11341702486344515H/202110-00013",
        "003257952/201908-00401",
        "11341500MB0W/2021-00001",
        "000014349/2024-00123",  # 中国政府网
        "360A12-07-2024-0008-1",  # 教育部
    ):
        assert pattern.fullmatch(good)
    for bad in ("11341702486344515H-202110-00013", "/202110-00013", "11341702486344515H/202110-13"):
        assert not pattern.fullmatch(bad)


def test_annual_report_deadlines_match_the_sample_timeline(base):
    deadlines = base.get("annual_report.deadline").params.deadlines
    for level in LEVELS:
        assert deadlines[level] == f"{timeline.annual_report_deadline(level, 2024):%m-%d}"


def test_every_planted_defect_kind_has_its_indicator_in_every_shipped_set(base, q2):
    assert set(KIND_TO_INDICATOR) == {k for k, kind in defects.KINDS.items() if not kind.decoy}
    for loaded in (base, q2):
        ids = {i.id for i in loaded.indicators}
        assert set(KIND_TO_INDICATOR.values()) <= ids, loaded.id


def test_quarterly_set_patches_adds_and_removes(base, q2):
    forms, old = q2.get("interpretation.forms"), base.get("interpretation.forms")
    assert (old.points, forms.points, forms.deduct.per_problem) == (4, 6, 3)
    assert forms.params == old.params and forms.suggestion == old.suggestion  # untouched keys kept
    assert "metadata.date_order" not in {i.id for i in q2.indicators}
    terms = q2.get("wording.terms")
    assert terms.params.terms["做为"] == "作为" and terms.check == "term_list"
    assert q2.pass_line == base.pass_line == 60
    assert q2.origins["interpretation.forms"]["points"] == "2025Q2.yaml:20"
    assert q2.origins["interpretation.forms"][""].startswith("base.yaml:")


# -- mistakes -----------------------------------------------------------------------------------
ERRORS = [
    # (name, indicator text with the mistake, fragment of the line to blame, message fragment)
    ("unknown key", NEWS.replace("    points: 6", "    pionts: 6\n    points: 6"), "pionts",
     "unknown key 'pionts'"),
    ("unknown check type", NEWS.replace("check: column_freshness", "check: column_freshnes"),
     "check: column_freshnes", "unknown check type 'column_freshnes' (did you mean 'column_freshness'?)"),
    ("unknown parameter", NEWS.replace("{max_age: 2 weeks}", "{max_age: 2 weeks, maxage: 1}"),
     "params:", "params: unknown key 'maxage'"),
    ("wrong parameter type", NEWS.replace("{max_age: 2 weeks}", "{max_age: 2 weeks, count_undated_as_stale: often}"),
     "params:", "params.count_undated_as_stale: Input should be a valid boolean"),
    ("bad duration", NEWS.replace("2 weeks", "2 fortnights"), "params:",
     "params.max_age: '2 fortnights' is not a duration"),
    ("duration without unit", NEWS.replace("2 weeks", "14"), "params:",
     "params.max_age: 14 is not a duration"),
    ("per problem above the points", NEWS.replace("per_problem: 3", "per_problem: 8"), "per_problem: 8",
     "deduct.per_problem 8 is more than the points 6"),
    ("cap above the points", NEWS.replace("per_problem: 3}", "per_problem: 3, max: 9}"), "max: 9",
     "deduct.max 9 is more than the points 6"),
    ("no deduct rule", NEWS.replace("    deduct: {per_problem: 3}\n", ""), "- id: freshness.news",
     "missing key 'deduct'"),
    ("no points", NEWS.replace("    points: 6\n", ""), "- id: freshness.news", "points must be above 0"),
    ("missing source", NEWS.replace("    source: domain.md §3.1\n", ""), "- id: freshness.news",
     "missing key 'source'"),
    ("positional template field", NEWS.replace("{age_days}", "{0}"), "{0}",
     "suggestion: {0} is not a plain field"),
    ("attribute template field", NEWS.replace("{age_days}", "{age.days}"), "{age.days}",
     "{age.days} is not a plain field"),
    ("unbalanced brace", NEWS.replace("{age_days}天", "{age_days天"), "{age_days天",
     "suggestion: bad template"),
    ("unknown level", NEWS.replace("{categories: [news]}", "{levels: [市直部], categories: [news]}"),
     "applies_to:", "unknown level '市直部' (did you mean '市直部门'?)"),
    ("unknown category", NEWS.replace("[news]", "[nwes]"), "applies_to:",
     "unknown column category 'nwes' (did you mean 'news'?)"),
    ("dates out of order", NEWS.replace("{categories: [news]}", "{categories: [news], date_from: 2024-01-01, date_until: 2023-01-01}"),
     "applies_to:", "date_from 2024-01-01 is after date_until 2023-01-01"),
    ("veto and bonus", VETO.replace("veto: true", "veto: true\n    bonus: true"), "bonus: true",
     "an indicator is a veto or a bonus, not both"),
    ("veto with points", VETO.replace("veto: true", "veto: true\n    points: 2"), "points: 2",
     "a veto indicator has no points"),
    ("veto counting an unknown indicator", VETO.replace("[columns.blank]", "[columns.blnk]"),
     "params:", "params.indicators: unknown indicator 'columns.blnk' (did you mean 'columns.blank'?)"),
    ("bad id", NEWS.replace("id: freshness.news", "id: Freshness News"), "- id: Freshness News",
     "id: String should match pattern"),
    ("unknown category in params", BLANK.replace("columns.blank", "columns.required").replace("check: blank_column", "check: required_columns\n    params: {by_level: {市直部门: [budgt]}}"),
     "params:", "params.by_level.市直部门[0]: unknown column category 'budgt' (did you mean 'budget'?)"),
    ("unknown level in params", BLANK.replace("columns.blank", "columns.required").replace("check: blank_column", "check: required_columns\n    params: {by_level: {市直: [budget]}}"),
     "params:", "params.by_level: unknown level '市直'"),
    ("applies_to categories a check ignores",
     BLANK.replace("columns.blank", "coverage").replace("check: blank_column", "applies_to: {categories: [policy]}\n    check: interpretation_coverage"),
     "applies_to:", "applies_to.categories is not used by check interpretation_coverage"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragment", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_each_mistake_names_its_file_and_line(tmp_path, text, fragment, message):
    path = write(tmp_path, "set.yaml", HEAD + BLANK + text)
    found = problems(path)
    line = line_of(path, fragment)
    assert any(p == str(path) and ln == line and message in msg for p, ln, msg in found), found


def test_set_level_mistakes(tmp_path):
    path = write(
        tmp_path, "set.yaml", HEAD.replace("pass_line: 60", "pass_line: 160\ncolour: red") + NEWS
    )
    found = [(ln, msg) for _, ln, msg in problems(path)]
    assert (
        line_of(path, "pass_line"),
        "pass_line: Input should be less than or equal to 100 (got 160)",
    ) in found
    assert (line_of(path, "colour"), "(top level): unknown key 'colour'") in found
    path = write(tmp_path, "v.yaml", HEAD.replace('"1"', "2025.1") + NEWS)
    assert problems(path)[0][1:] == (2, "version: Input should be a valid string (got 2025.1)")
    path = write(
        tmp_path, "nobase.yaml", HEAD.replace("name: 测试指标\npass_line: 60\n", "") + NEWS
    )
    assert {msg for _, _, msg in problems(path)} == {
        "missing key 'name'", "missing key 'pass_line' (e.g. pass_line: 60)",
    }  # fmt: skip


def test_duplicate_ids_and_yaml_errors(tmp_path):
    path = write(tmp_path, "dup.yaml", HEAD + NEWS + NEWS)
    assert problems(path) == [
        (
            str(path),
            line_of(path, "- id: freshness.news", 2),
            "duplicate indicator id 'freshness.news' in this file",
        )
    ]
    path = write(tmp_path, "bad.yaml", HEAD + NEWS.replace("points: 6", "points: [6"))
    ((where, line, message),) = problems(path)
    assert (where, line) == (str(path), line_of(path, "deduct:")) and message.startswith(
        "invalid YAML"
    )
    path = write(
        tmp_path, "twice.yaml", HEAD + NEWS.replace("    points: 6", "    points: 6\n    points: 7")
    )
    assert problems(path) == [(str(path), line_of(path, "points: 7"), "duplicate key 'points'")]


def test_all_problems_of_the_chain_are_reported_at_once(tmp_path):
    write(
        tmp_path,
        "parent.yaml",
        HEAD.replace("id: t", "id: parent") + NEWS.replace("2 weeks", "2 wks") + BLANK,
    )
    child = write(
        tmp_path,
        "child.yaml",
        """
        id: child
        version: "2"
        extends: parent
        remove: [columns.blnk]
        indicators:
          - id: freshness.news
            points: 1
          - id: new.one
            name: 新指标
            group: [其他]
            check: no_such_check
            points: 1
            deduct: {per_problem: 1}
            suggestion: 建议
            description: d
            source: s
    """,
    )
    found = problems(child)
    parent = tmp_path / "parent.yaml"
    assert [(Path(p).name, ln) for p, ln, _ in found] == [  # base file first, then by line
        ("parent.yaml", line_of(parent, "params: {max_age")),
        ("child.yaml", line_of(child, "remove:")),
        ("child.yaml", line_of(child, "points: 1")),  # per_problem 3 > patched points 1
        ("child.yaml", line_of(child, "check: no_such_check")),
    ]
    assert (
        found[1][2]
        == "remove: no indicator 'columns.blnk' to remove (did you mean 'columns.blank'?)"
    )
    assert "deduct.per_problem 3 is more than the points 1" in found[2][2]


def test_extends_problems(tmp_path):
    path = write(tmp_path, "a.yaml", 'id: a\nversion: "1"\nextends: nowhere\nindicators: []\n')
    ((where, line, message),) = problems(path)
    assert (where, line) == (str(path), 3) and message.startswith(
        "extends: no indicator set 'nowhere'"
    )
    write(tmp_path, "b.yaml", 'id: b\nversion: "1"\nextends: c\nindicators: []\n')
    write(tmp_path, "c.yaml", 'id: c\nversion: "1"\nextends: b.yaml\nindicators: []\n')
    ((where, line, message),) = problems(tmp_path / "b.yaml")
    assert (Path(where).name, line, message) == (
        "c.yaml",
        3,
        "extends: cycle b.yaml → c.yaml → b.yaml",
    )
    write(tmp_path, "d1.yaml", 'id: d\nversion: "1"\nindicators: []\n')
    write(tmp_path, "d2.yaml", 'id: d\nversion: "2"\nindicators: []\n')
    path = write(tmp_path, "e.yaml", 'id: e\nversion: "1"\nextends: d\nindicators: []\n')
    assert problems(path)[0][2].startswith("extends: several sets have id 'd'")
    path = write(tmp_path, "f.yaml", HEAD.replace("id: t", "id: f") + VETO)
    assert (
        problems(path)[0][2]
        == "indicator veto.blank: params.indicators: unknown indicator 'columns.blank'"
    )
    path = write(
        tmp_path,
        "g.yaml",
        f'id: g\nversion: "1"\nextends: {tmp_path / "h.yaml"}\nremove: [columns.blank]\n',
    )
    write(tmp_path, "h.yaml", HEAD.replace("id: t", "id: h") + BLANK + VETO)
    ((where, line, message),) = problems(path)
    assert Path(where).name == "h.yaml" and line == line_of(
        tmp_path / "h.yaml", "params: {indicators"
    )
    assert (
        message
        == f"indicator veto.blank: params.indicators: 'columns.blank' was removed at {path}:4"
    )


# -- resolution ---------------------------------------------------------------------------------
def test_patch_merges_mappings_replaces_lists_and_null_clears(tmp_path):
    write(tmp_path, "p.yaml", HEAD.replace("id: t", "id: p") + NEWS + BLANK)
    child = write(
        tmp_path,
        "q.yaml",
        """
        id: q
        version: "2"
        extends: p.yaml
        pass_line: 70
        indicators:
          - id: freshness.news
            params: {count_undated_as_stale: false}
            applies_to: {levels: [乡镇街道]}
            group: [新组]
          - id: columns.blank
            deduct: {max: null}
    """,
    )
    loaded = load_indicator_set(child)
    news = loaded.get("freshness.news")
    assert str(news.params.max_age) == "2 weeks" and news.params.count_undated_as_stale is False
    assert news.applies_to.levels == ("乡镇街道",) and news.applies_to.categories == ("news",)
    assert news.group == ("新组",)
    assert loaded.get("columns.blank").deduct == Deduction(per_problem=2)
    assert (loaded.name, loaded.pass_line, loaded.version, loaded.extends) == (
        "测试指标",
        70,
        "2",
        ("p",),
    )
    assert [i.id for i in loaded.indicators] == ["freshness.news", "columns.blank"]


def test_remove_then_redefine_replaces_and_a_new_check_drops_old_params(tmp_path):
    write(tmp_path, "p.yaml", HEAD.replace("id: t", "id: p") + NEWS + BLANK)
    child = write(tmp_path, "q.yaml", 'id: q\nversion: "2"\nextends: p\nremove: [freshness.news]\nindicators:\n'
                  + NEWS.replace("points: 6", "points: 3").replace("    applies_to: {categories: [news]}\n", "")
                  + "  - id: columns.blank\n    check: date_sanity\n    params: {future: false}\n")  # fmt: skip
    loaded = load_indicator_set(child)
    news = loaded.get("freshness.news")
    assert news.points == 3 and news.applies_to.categories is None  # nothing left from the parent
    assert loaded.get("columns.blank").params.model_dump() == {
        "no_date": True,
        "before_written": True,
        "future": False,
    }
    assert [i.id for i in loaded.indicators] == ["columns.blank", "freshness.news"]


def test_a_bonus_needs_points_and_deduct_but_no_suggestion(tmp_path):
    bonus = BLANK.replace("columns.blank", "bonus.forms").replace(
        '    suggestion: "「{column_name}」为空白栏目"\n', "    bonus: true\n"
    )
    loaded = load_indicator_set(write(tmp_path, "b.yaml", HEAD + BLANK + bonus))
    assert loaded.get("bonus.forms").kind == "bonus" and loaded.total_points == 4
    path = write(
        tmp_path, "c.yaml", HEAD + bonus.replace("    deduct: {per_problem: 2, max: 4}\n", "")
    )
    assert (
        problems(path)[0][2]
        == "indicator bonus.forms: missing key 'deduct' (e.g. deduct: {per_problem: 1})"
    )


def test_chain_of_three_by_id_and_path(tmp_path):
    write(tmp_path, "one.yaml", HEAD.replace("id: t", "id: one") + NEWS + BLANK)
    write(
        tmp_path,
        "two.yaml",
        'id: two\nversion: "2"\nextends: one\nindicators:\n  - {id: freshness.news, points: 9}\n',
    )
    three = write(
        tmp_path,
        "three.yaml",
        'id: three\nversion: "3"\nextends: ./two.yaml\nremove: [columns.blank]\n',
    )
    loaded = load_indicator_set(three)
    assert loaded.extends == ("two", "one")
    four = write(tmp_path, "four.yaml", 'id: four\nversion: "4"\nextends: three\n')  # by id
    assert load_indicator_set(four).extends == ("three", "two", "one")
    assert newest_set(tmp_path) == four
    assert [(i.id, i.points) for i in loaded.indicators] == [("freshness.news", 9)]


def test_text_and_hash_freeze_the_set_and_load_back(tmp_path, q2):
    assert q2.text.startswith("# zwgk-indicator-file: base.yaml\n")
    assert "\n# zwgk-indicator-file: 2025Q2.yaml\n" in q2.text
    thawed = set_from_text(q2.text)
    assert thawed.sha256 == q2.sha256 and thawed.indicators == q2.indicators
    assert (thawed.id, thawed.version, thawed.extends) == ("2025Q2", "2025Q2", ("base",))
    # A one-character change anywhere in the chain is a different set.
    edited = q2.text.replace(
        "points: 6\n    deduct: {per_problem: 3}", "points: 5\n    deduct: {per_problem: 3}"
    )
    assert edited != q2.text and set_from_text(edited).get("interpretation.forms").points == 5
    assert set_from_text(edited).sha256 != q2.sha256
    with pytest.raises(IndicatorError):
        set_from_text("id: x\n")


# -- scoring helpers ----------------------------------------------------------------------------
def test_deduction_never_exceeds_the_cap():
    partial = Deduction(per_problem=0.64)
    assert partial.amount(2, points=2.0) == 1.28
    assert partial.amount(10, points=2.0) == 2.0
    assert Deduction(per_problem=2, max=3).amount(5, points=6) == 3
    assert Deduction(per_problem=1).amount(1.5, points=6) == 1.5  # weighted findings


def test_suggestions_fill_from_evidence_with_derived_keys(base):
    index = base.get("metadata.index_no_format")
    text = index.suggest({"title": "关于印发《办法》的通知", "value": "X/1"})
    # Every suggestion leads with the rule (依据) the unit can look up.
    assert text.startswith(f"依据{index.basis}，“关于印发《办法》的通知”的索引号为「X/1」，不符合")
    assert "没有「财政预决算」类栏目" in base.get("columns.required").suggest(
        {"category": "budget", "entry_url": "http://u/"}
    )
    dup = base.get("duplicates.same_information").suggest(
        {"problem": "doc_no", "title": "防汛预案", "column_name": "工作动态",
         "other_title": "关于印发《防汛预案》的通知", "other_column_name": "通知公告",
         "doc_no": "江政〔2025〕3号"}
    )  # fmt: skip
    assert "「工作动态」栏目的《防汛预案》与「通知公告」栏目的“关于印发《防汛预案》的通知”" in dup
    assert "文号同为江政〔2025〕3号" in dup
    report = base.get("annual_report.deadline")
    missing = {
        "problem": "missing",
        "year": 2024,
        "deadline_zh": "2025-01-31（春节假期，顺延至2025-02-05）",
    }
    assert report.suggest(missing) == (
        "依据《中华人民共和国政府信息公开条例》第四十九条，评估日前未发布2024年政府信息公开工作年度"
        "报告（应于2025-01-31（春节假期，顺延至2025-02-05）前发布）。请尽快发布。"
    )
    with pytest.raises(SuggestionError, match=r"no suggestion for problem kind 'odd'"):
        report.suggest({"problem": "odd"})
    with pytest.raises(SuggestionError, match=r"suggestion uses \{newest_title\}"):
        base.get("freshness.news").suggest(
            {"problem": "stale", "column_name": "工作动态", "newest": "2025-01-01"}
        )


def test_folded_chinese_lines_join_without_spaces(q2):
    assert "形式单一问题普遍" in q2.get("interpretation.forms").description


# -- the command line ---------------------------------------------------------------------------
def test_cli_validate(tmp_path):
    result = runner.invoke(app, ["indicators", "validate"])
    assert result.exit_code == 0, result.output
    assert re.search(r"2025Q2\.yaml: OK — 2025Q2 2025Q2 \(extends base\): 29 indicators "
                     r"\(26 deduction, 3 veto\), 100 points, pass line 60", result.output)  # fmt: skip
    path = write(
        tmp_path,
        "set.yaml",
        HEAD + NEWS.replace("2 weeks", "2 wks").replace("per_problem: 3", "per_problem: 7"),
    )
    result = runner.invoke(app, ["indicators", "validate", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:{line_of(path, 'params:')}: indicator freshness.news: params.max_age:"
        in result.output
    )
    assert (
        f"{path}:{line_of(path, 'deduct:')}: indicator freshness.news: deduct.per_problem 7"
        in result.output
    )
    assert "2 problem(s)" in result.output


def test_cli_list(base):
    result = runner.invoke(app, ["indicators", "list", "base"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for i in base.indicators:
        row = next(line for line in result.output.splitlines() if f" {i.id} " in line)
        assert i.check in row and " / ".join(i.group[:2]) in row
    assert "扣分项合计 100 分，合格线 60 分" in result.output
    assert re.search(r"veto\.blank_columns .*veto_count .*否决", result.output)
    assert re.search(r"interpretation\.coverage .* 6 │ 全部层级; 2018-01-01~", result.output)


def test_cli_explain():
    result = runner.invoke(app, ["indicators", "explain", "interpretation.forms"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "指标 interpretation.forms：解读形式多样" in out
    assert "分值：6分；每个问题扣3分" in out
    assert "  non_text_required: true\n" in out and "  min_forms: null  （默认值）" in out
    assert "出处（编写者）：docs/domain.md §3.3；涡阳县测评表 [V][L]" in out
    assert (
        "依据（对单位）：《国务院办公厅印发〈关于全面推进政务公开工作的意见〉实施细则的通知》"
        in out
    )
    assert "内容要求（对单位）：政策解读应采用文字、图解、音视频" in out
    assert re.search(
        r"定义位置：base\.yaml:\d+\n修改：2025Q2\.yaml（deduct、points、description）", out
    )
    lag = runner.invoke(app, ["indicators", "explain", "timeliness.disclosure_lag"]).output
    assert "  from: written_date\n" in lag and "  max_workdays: 20\n" in lag  # YAML names
    result = runner.invoke(app, ["indicators", "explain", "freshness.new", "--set", "base"])
    assert result.exit_code == 1
    assert "no indicator 'freshness.new' in base (did you mean 'freshness.news'?)" in result.output


def test_cli_diff():
    result = runner.invoke(app, ["indicators", "diff", "base", "2025Q2"])
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert "+ wording.terms  用语规范 (term_list, 3)" in out
    assert "- metadata.date_order  成文和发布日期合理 (date_sanity, 1)" in out
    i = out.index("~ interpretation.forms  解读形式多样")
    assert out[i + 1 : i + 3] == ["    points: 4 → 6", "    deduct.per_problem: 2 → 3"]
    assert "~ links.broken  无失效链接和附件" in out and "    points: 4 → 2" in out
    assert not any(line.startswith("~ freshness") for line in out)
    same = runner.invoke(app, ["indicators", "diff", "base", "base"])
    assert "no differences in the indicators" in same.output


# -- docs/indicators.md -------------------------------------------------------------------------
def doc_block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n", text.index("```", text.index(marker))) + 1
    return text[start : text.index("```", start)]


def test_docs_worked_example_validates(tmp_path, base):
    path = tmp_path / "2025Q3.yaml"
    path.write_text(doc_block("<!-- indicators-example -->"), encoding="utf-8")
    loaded = load_indicator_set(path)
    assert loaded.extends == ("2025Q2", "base") and loaded.total_points == 100
    assert loaded.get("key_area.monthly").not_applicable == ("jh-sthjj",)
    doc_no = loaded.get("metadata.doc_no_format")
    assert doc_no.params.field == "doc_no" and doc_no.params.pattern.startswith("^")
    assert doc_no.suggest({"title": "通知", "value": "江政办[2025]3号"}).startswith(
        "依据本轮测评指标（文号格式），《通知》的文号为「江政办[2025]3号」"
    )
    result = runner.invoke(app, ["indicators", "diff", "2025Q2", str(path)])
    assert (
        result.output.splitlines()[1:] == doc_block("<!-- indicators-example-diff -->").splitlines()
    )


def test_docs_describe_every_check_type_and_its_parameters():
    from scoring.checks.base import available_checks, get_check

    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## 6. 检查类型及参数") : text.index("## 7.")]
    for name in available_checks():
        start = section.index(f"\n### {name}\n")
        body = section[start : section.find("\n### ", start + 1)]
        for key, field in get_check(name).Params.model_fields.items():
            assert f"`{field.alias or key}`" in body, (name, key)


def test_docs_error_output_is_what_validate_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("broken.yaml").write_text(doc_block("<!-- indicators-broken -->"), encoding="utf-8")
    result = runner.invoke(app, ["indicators", "validate", "broken.yaml"])
    assert result.exit_code == 1
    assert result.output == doc_block("<!-- indicators-broken-output -->")
