"""`common.vocabulary`: the names every folder shares, defined once and used as defined."""

from __future__ import annotations

from common import vocabulary as v
from crawler.columns import COLUMN_MAP_PATH, default_column_map
from store import models


def test_the_status_groups_are_made_of_known_statuses():
    assert set(v.PRESENT) < set(v.UNRESOLVED) < set(v.STATUSES)
    assert v.UNRESOLVED == ("new", "open", "regressed", "not_comparable")
    assert set(models.PROBLEM_STATUSES) == set(v.STATUS_ZH)  # what the store accepts


def test_a_unit_verdict_in_words():
    assert v.verdict(False, True, True) == "未评分（网站本轮未能访问）"  # not read: nothing else
    assert v.verdict(True, True, True) == "不合格（单项否决）"
    assert v.verdict(True, False, True) == "合格"
    assert v.verdict(True, False, False) == "不合格"
    assert v.verdict(True, False, None) == "—"


def test_the_bundled_column_map_lives_with_the_crawler_and_uses_the_categories():
    assert COLUMN_MAP_PATH.parent.name == "crawler" and COLUMN_MAP_PATH.is_file()
    cmap = default_column_map()
    assert cmap.categories == v.COLUMN_CATEGORIES
    assert cmap.known == {*v.COLUMN_CATEGORIES, *v.BUILT_IN_CATEGORIES}
