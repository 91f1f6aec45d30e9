"""Column classification: every column the sample portal makes gets the category its model has,
real-world name variants land where evaluators put them, order decides overlaps, overrides win,
and names that match nothing are listed rather than guessed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from common.vocabulary import GROUP, SKIP
from crawler.columns import (
    ColumnMapError,
    default_column_map,
    load_column_map,
    normalise,
)
from crawler.extract import parse_directory
from crawler.profile_model import get_profile
from demo import model as m
from demo import urls, vocab
from demo.generate import generate_portal
from demo.site import Site


@pytest.fixture(scope="module")
def cmap():
    return default_column_map()


@pytest.fixture(scope="module")
def portal() -> m.Portal:
    return generate_portal(seed=11, scale="small")


# -- the sample portal ------------------------------------------------------------------------
def test_every_sample_column_gets_its_model_category(cmap, portal):
    holders = {c.parent for c in portal.columns if c.parent}
    seen = set()
    for c in portal.columns:
        parent = portal.index.column[c.parent].name if c.parent else None
        got = cmap.classify(c.name, parent, is_group=c.id in holders)
        assert got == c.category, (c.name, parent, c.category, cmap.match(c.name, parent))
        seen.add(c.category)
    # The small portal has every category the model knows (so the loop above covered them).
    assert seen == {*cmap.categories, GROUP}


def test_every_vocab_column_name_of_both_scales(cmap):
    # Both scales build columns from the same vocabulary (demo.generate.columns_for).
    expected = [(name, None, category) for category, name in vocab.COLUMN_NAMES.items()]
    expected += [(name, vocab.GROUP_KEY, m.KEY_AREA) for name, _ in vocab.KEY_AREAS.values()]
    expected += [(area, vocab.GROUP_TOWNSHIP, m.TOWNSHIP_AREA) for area in vocab.TOWNSHIP_AREAS]
    expected += [(vocab.GROUP_POLICY, None, m.POLICY)]  # 政策文件 as a leaf column is policy
    for name, parent, category in expected:
        assert cmap.classify(name, parent) == category, (name, parent)
    for group in (vocab.GROUP_POLICY, vocab.GROUP_KEY, vocab.GROUP_TOWNSHIP, vocab.GROUP_ORG):
        assert cmap.classify(group, is_group=True) == GROUP


def test_classify_all_on_the_crawlers_own_directory_pages(cmap, portal):
    """What the crawler really sees: parse_directory on each platform's rendered entry page."""
    site = Site(portal)
    for platform in ("lonsun", "trs"):
        unit = next(u for u in portal.units if portal.index.host[u.host].platform == platform)
        host = portal.index.host[unit.host]
        entry = urls.unit_entry(portal, unit)
        path, _, query = entry[len(host.base_url) :].partition("?")
        links = parse_directory(
            site.respond(host.id, path, query).body, entry, get_profile(platform)
        )
        classified, unmatched = cmap.classify_all(links)
        assert unmatched == []
        want = {
            (c.name, portal.index.column[c.parent].name if c.parent else None): c.category
            for c in portal.index.columns_of[unit.id]
            if c.category != m.GROUP
        }
        assert {(c.name, c.parent): c.category for c in classified} == want
        assert all(c.column is link for c, link in zip(classified, links, strict=True))


# -- real-world names -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "parent", "category"),
    [
        ("工作动态", None, m.NEWS),
        ("部门动态", None, m.NEWS),
        ("本地要闻", None, m.NEWS),
        ("政务要闻", None, m.NEWS),
        ("乡镇动态", None, m.NEWS),
        ("通知公告", None, m.NOTICE),
        ("公示公告", None, m.NOTICE),
        ("公告公示", None, m.NOTICE),
        ("行政规范性文件", None, m.NORMATIVE),
        ("规范性文件", None, m.NORMATIVE),
        ("其他文件", None, m.POLICY),
        ("政策文件", None, m.POLICY),
        ("部门文件", None, m.POLICY),
        ("政策解读", None, m.INTERPRETATION),
        ("图解政策", None, m.INTERPRETATION),
        ("人事信息", None, m.PERSONNEL),
        ("人事任免", None, m.PERSONNEL),
        ("招考录用", None, m.PERSONNEL),
        ("干部任前公示", None, m.PERSONNEL),  # 公示, but about appointments
        ("规划计划", None, m.PLAN),
        ("发展规划", None, m.PLAN),
        ("工作计划", None, m.PLAN),
        ("工作总结", None, m.PLAN),
        ("财政预决算", None, m.BUDGET),
        ("财政资金", None, m.BUDGET),
        ("部门预决算", None, m.BUDGET),
        ("环境空气质量", None, m.KEY_AREA),
        ("饮用水", None, m.KEY_AREA),
        ("重点领域信息", None, m.KEY_AREA),
        ("安全生产", None, m.KEY_AREA),
        ("意见征集", None, m.CONSULTATION),
        ("征求意见", None, m.CONSULTATION),
        ("意见反馈", None, m.FEEDBACK),
        ("征集结果", None, m.FEEDBACK),
        ("征求意见结果反馈", None, m.FEEDBACK),
        ("政府信息公开年报", None, m.ANNUAL_REPORT),
        ("公开年报", None, m.ANNUAL_REPORT),
        ("政府信息公开工作年度报告", None, m.ANNUAL_REPORT),
        ("公开指南", None, m.GUIDE),
        ("政府信息公开指南", None, m.GUIDE),
        ("公开制度", None, m.RULES),
        ("机构职能", None, "org"),
        ("机构信息", None, "org"),
        ("领导信息", None, "org"),
        ("社会救助", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("养老服务", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("涉农补贴", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("农村危房改造", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("安全生产", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("救灾", "基层政务公开标准目录", m.TOWNSHIP_AREA),
        ("社会救助", "基层政务公开标准化规范化", m.TOWNSHIP_AREA),
        ("基层政务公开标准目录", None, m.TOWNSHIP_AREA),  # listed as one column
        # Formatting seen on real directories: numbering, counts, full-width and padded text.
        ("（一）机构职能", None, "org"),
        ("1.工作动态", None, m.NEWS),
        ("通知公告(12)", None, m.NOTICE),
        ("通知公告（12）", None, m.NOTICE),
        ("政策　解读", None, m.INTERPRETATION),
        ("【意见反馈】", None, m.FEEDBACK),
    ],
)
def test_real_world_names(cmap, name, parent, category):
    assert cmap.classify(name, parent) == category


def test_rules_below_a_grandparent_see_the_whole_path(cmap):
    # 基层政务公开标准目录 > 社会救助 > 低保: the standard directory is a grandparent here.
    # Without it, 社会救助 is a key area (重点领域) and the folder's category is taken.
    assert cmap.classify("城乡低保", "社会救助") == m.KEY_AREA
    assert cmap.classify("城乡低保", "社会救助", path=["基层政务公开标准目录", "社会救助"]) == (
        m.TOWNSHIP_AREA
    )


@pytest.mark.parametrize(
    ("name", "path", "category"),
    [
        ("2024年度", ["财政预决算"], m.BUDGET),
        ("市教育局", ["财政资金"], m.BUDGET),
        ("2023年", ["人事任免"], m.PERSONNEL),
        ("2025年", ["政策文件", "市政府文件"], m.POLICY),  # nearest folder with a category
        ("其他", ["通知公告"], m.NOTICE),
        ("教育", ["重点领域信息公开"], m.KEY_AREA),
    ],
)
def test_a_name_that_says_nothing_takes_its_folders_category(cmap, name, path, category):
    found = cmap.match(name, path[-1], path=path)
    assert found is not None and found.category == category
    assert "folder" in found.reason


def test_a_folder_without_a_category_gives_none_and_an_own_name_wins(cmap):
    assert cmap.classify("2024年", "法定主动公开内容", path=["法定主动公开内容"]) is None
    assert cmap.classify("部门决算", "人事信息", path=["人事信息"]) == m.BUDGET
    _, unmatched = cmap.classify_all([("专题专栏", None), ("2024年", "专题专栏")])
    assert [c.name for c in unmatched] == ["2024年"]  # 专题专栏 is a group: no category


@pytest.mark.parametrize(
    "name", ["政务公开工作制度", "政府信息公开工作制度", "信息公开管理制度", "政务公开制度"]
)
def test_rules_columns_under_their_longer_names(cmap, name):
    assert cmap.classify(name) == m.RULES


def test_order_decides_overlapping_keywords(cmap):
    # Each name holds keywords of two categories; the more specific rule sits higher.
    assert cmap.classify("意见反馈") == m.FEEDBACK  # not consultation (意见)
    assert cmap.classify("政策解读") == m.INTERPRETATION  # not policy (政策)
    assert cmap.classify("规范性文件") == m.NORMATIVE  # not policy (文件)
    assert cmap.classify("人事公示") == m.PERSONNEL  # not notice (公示)
    assert "columns.yaml" in cmap.match("意见反馈").reason


def test_unmatched_columns_are_listed_in_order(cmap):
    columns = [("工作动态", None), ("专题专栏", None), ("通知公告", None), ("依申请公开", None)]
    classified, unmatched = cmap.classify_all(columns)
    assert [c.name for c in classified] == ["工作动态", "通知公告"]
    assert [(c.name, c.category) for c in unmatched] == [("专题专栏", None), ("依申请公开", None)]
    assert cmap.classify("专题专栏") is None


def test_classify_all_accepts_links_dicts_and_names_and_finds_groups(cmap):
    @dataclass
    class Link:
        name: str
        parent: str | None = None
        path: tuple[str, ...] = ()

    columns = [
        Link("政策文件"),  # clickable group: other columns sit below it
        Link("行政规范性文件", "政策文件", ("政策文件",)),
        {"name": "工作动态", "parent": None},
        "政策解读",
    ]
    classified, unmatched = cmap.classify_all(columns)
    assert unmatched == []
    assert [c.category for c in classified] == [GROUP, m.NORMATIVE, m.NEWS, m.INTERPRETATION]
    assert classified[0].reason == "holds other columns"


def test_overrides_win_and_skip_is_honoured(cmap):
    overrides = {"专题专栏": SKIP, "财务信息": "budget", "政策文件/其他文件": "normative"}
    assert cmap.classify("专题专栏", overrides=overrides) == SKIP
    assert cmap.classify("财务信息", overrides=overrides) == m.BUDGET
    assert cmap.classify("其他文件", "政策文件", overrides) == m.NORMATIVE  # parent/name key
    assert cmap.classify("其他文件", None, overrides) == m.POLICY  # other parents: the map
    assert cmap.classify("工作动态", overrides={"工作动态": SKIP}) == SKIP  # beats a keyword
    assert cmap.classify("政策文件", overrides={"政策文件": SKIP}, is_group=True) == SKIP
    classified, unmatched = cmap.classify_all(["专题专栏", "财务信息"], overrides)
    assert [c.category for c in classified] == [SKIP, m.BUDGET] and unmatched == []
    with pytest.raises(ValueError, match="unknown category 'money'"):
        cmap.classify("财务信息", overrides={"财务信息": "money"})
    ((name, message),) = cmap.check_overrides({"a": "news", "b": "money", "c": SKIP})
    assert name == "b" and "unknown column category 'money'" in message


def test_normalise():
    assert normalise("  （三）通知　公告（25） ") == "通知公告"
    assert normalise("【政策解读】") == "政策解读"
    assert normalise(None) == ""


# -- the map file -----------------------------------------------------------------------------
MAP_HEAD = "version: 1\ncategories:\n  news: 动态\nrules:\n"


@pytest.mark.parametrize(
    ("rules", "line", "needle"),
    [
        ("  - category: money\n    keywords: [钱]\n", 5, "unknown category 'money'"),
        ("  - category: news\n    patterns: ['(']\n", 6, "bad regex"),
        ("  - category: news\n    keyword: [动态]\n", 6, "unknown key 'keyword'"),
        ("  - category: news\n", 5, "needs `keywords` or `patterns`"),
    ],
)
def test_map_mistakes_name_file_and_line(tmp_path, rules, line, needle):
    path = tmp_path / "columns.yaml"
    path.write_text(MAP_HEAD + rules, encoding="utf-8")
    with pytest.raises(ColumnMapError) as caught:
        load_column_map(path)
    assert caught.value.path == str(path)
    assert any(p_line == line and needle in msg for p_line, msg in caught.value.problems), (
        caught.value.problems
    )


def test_a_custom_map_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "columns.yaml"
    path.write_text(MAP_HEAD + "  - category: news\n    keywords: [快讯]\n", encoding="utf-8")
    custom = load_column_map(path)
    assert custom.classify("今日快讯") == m.NEWS
    assert custom.classify("通知公告") is None
    assert custom.known == {"news", GROUP, SKIP}
