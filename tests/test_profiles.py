"""Profile loading: bundled profiles, `extends:`, and errors that name the file and line."""

from __future__ import annotations

import textwrap

import pytest

from crawler.extract.selectors import Selector
from crawler.profile_model import (
    PROFILE_PATH_ENV,
    ProfileError,
    available_profiles,
    get_profile,
    load_profile,
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["generic", "lonsun", "trs"])
def test_bundled_profiles_load_and_compile(name):
    profile = get_profile(name)
    assert profile.name == name
    assert all(isinstance(s, Selector) for s in profile.article.body)


def test_bundled_profiles_are_listed():
    assert {"generic", "lonsun", "trs"} <= set(available_profiles())


def test_extends_merges_mappings_and_replaces_lists():
    lonsun, generic = get_profile("lonsun"), get_profile("generic")
    assert lonsun.article.metadata.labels == generic.article.metadata.labels  # inherited
    assert [s.source for s in lonsun.article.metadata.containers] == ["table.table_suoyin"]


def test_profiles_are_cached_per_process():
    assert get_profile("trs") is get_profile("trs")


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(ProfileError, match=r"unknown profile 'nope' \(known: .*lonsun.*\)"):
        get_profile("nope")


# -- errors name file and line ---------------------------------------------------------------
def test_unknown_key_is_reported_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "bad",
        """
        name: bad
        listing:
          rows: [li]
          rowz: [li]
        """,
    )
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert f"{path}:4: listing: unknown key 'rowz'" in str(err.value)


def test_bad_css_selector_is_reported_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "bad",
        """
        name: bad
        article:
          body:
            - "#zoom"
            - "div..broken"
        """,
    )
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert f"{path}:5: article.body[1]:" in str(err.value)
    assert "bad CSS selector 'div..broken'" in str(err.value)


def test_bad_xpath_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "bad", "name: bad\narticle:\n  title: ['xpath://h1[']\n")
    with pytest.raises(ProfileError, match=rf"{path}:3: article.title\[0\]: bad XPath"):
        load_profile(path)


def test_bad_regex_is_reported_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "bad",
        """
        name: bad
        listing:
          pagination:
            page_count: ['pageCount:(\\d+']
        """,
    )
    with pytest.raises(
        ProfileError, match=rf"{path}:4: listing.pagination.page_count\[0\]: bad regex"
    ):
        load_profile(path)


def test_unknown_field_in_labels_is_reported(tmp_path):
    path = write(
        tmp_path,
        "bad",
        """
        name: bad
        article:
          metadata:
            labels:
              publisher: [发布机构]
              publsher: [发文机关]
        """,
    )
    with pytest.raises(ProfileError, match=rf"{path}:6: article.metadata.labels.publsher"):
        load_profile(path)


def test_endpoint_placeholder_without_a_parameter_is_reported(tmp_path):
    path = write(
        tmp_path,
        "bad",
        """
        name: bad
        listing:
          endpoint:
            applies_to: 'column'
            template: '/data?cat={catId}&site={siteId}&p={page}'
            params:
              catId: ['catId=(\\d+)']
        """,
    )
    with pytest.raises(ProfileError, match=rf"{path}:3: listing.endpoint: .*\['siteId'\]"):
        load_profile(path)


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "bad", "name: bad\narticle:\n  body: [#zoom\n")
    with pytest.raises(ProfileError, match=rf"{path}:\d+: invalid YAML"):
        load_profile(path)


def test_duplicate_key_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "bad", "name: bad\narticle:\n  body: ['#zoom']\n  body: ['.x']\n")
    with pytest.raises(ProfileError, match=rf"{path}:4: duplicate key 'body'"):
        load_profile(path)


def test_error_in_an_inherited_file_names_that_file(tmp_path):
    base = write(tmp_path, "base", "name: base\narticle:\n  date: ['span..x']\n")
    child = write(
        tmp_path, "child", "name: child\nextends: base.yaml\narticle:\n  body: ['#zoom']\n"
    )
    with pytest.raises(ProfileError, match=rf"{base}:3: article.date"):
        load_profile(child)


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, "a", "name: a\nextends: b.yaml\n")
    b = write(tmp_path, "b", "name: b\nextends: a.yaml\n")
    with pytest.raises(ProfileError, match="extends cycle"):
        load_profile(b)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ProfileError, match=r"none.yaml: cannot read"):
        load_profile(tmp_path / "none.yaml")


# -- user profiles on ZWGK_PROFILE_PATH --------------------------------------------------------
def test_user_profile_directory_extends_a_bundled_profile(tmp_path, monkeypatch):
    write(
        tmp_path,
        "lonsun-sc",
        """
        name: lonsun-sc
        extends: lonsun
        listing:
          endpoint:
            applies_to: '/public/column/'
            template: '/site/label/8888?labelName=publicInfoList&siteId={siteId}&organId={organId}&catId={catId}&file={file}&pageIndex={page}'
            params:
              siteId: ['siteId=(\\d+)']
              organId: ['/public/column/(\\d+)']
              catId: ['catId=(\\d+)']
              file: ['file=([^&"]+)']
        """,
    )
    monkeypatch.setenv(PROFILE_PATH_ENV, str(tmp_path))
    get_profile.cache_clear()
    try:
        profile = get_profile("lonsun-sc")
        assert "file" in profile.listing.endpoint.params
        assert profile.article.metadata.containers[0].source == "table.table_suoyin"  # inherited
    finally:
        get_profile.cache_clear()


# -- unit_list: (zwgk units discover) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        ("  entry_pattern: '/gk/unit/(\\w+)\\.html$'\n", "3: unit_list.entry_pattern",
         "needs a named group (?P<id>"),
        ("  entry_pattern: '/gk/unit/(?P<id>\\w+'\n", "3: unit_list.entry_pattern", "bad regex"),
        ("  links: ['a[href]', 'table..units a']\n", "3: unit_list.links[1]", "bad CSS selector"),
        ("  links: []\n", "3: unit_list.links", "at least one selector"),
        ("  heading: 'xpath:ancestor::table['\n", "3: unit_list.heading", "bad XPath"),
        ("  unit_name: '(局|委员会'\n", "3: unit_list.unit_name", "bad regex"),
        ("  entry_patern: '/gk/(?P<id>\\w+)'\n", "3: unit_list", "unknown key 'entry_patern'"),
        ("  links: {css: a}\n", "3: unit_list.links", "list"),
    ],
)  # fmt: skip
def test_unit_list_mistakes_are_reported_with_their_line(tmp_path, body, where, message):
    path = write(tmp_path, "bad", "name: bad\nunit_list:\n" + body)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert f"{path}:{where}" in str(err.value)
    assert message in str(err.value)


def test_unit_list_is_inherited_key_by_key(tmp_path):
    lonsun = get_profile("lonsun").unit_list
    assert lonsun.entry_pattern.search("http://x/public/column/1002?type=4&nav=3")["id"] == "1002"
    assert not lonsun.entry_pattern.search("http://x/public/column/1002?type=4&catId=7")
    # Neither generic nor a profile that extends nothing names an entry URL shape.
    assert get_profile("generic").unit_list.entry_pattern is None
    bare = load_profile(write(tmp_path, "bare", "name: bare\n"))
    assert bare.unit_list.entry_pattern is None
    assert [s.source for s in bare.unit_list.links] == ["a[href]"]
    assert bare.unit_list.unit_name.search("西河县教育局")
    # A child that changes only `links` keeps its parent's entry_pattern and heading.
    child = load_profile(
        write(tmp_path, "child", "name: child\nextends: trs\nunit_list:\n  links: [ul.units a]\n")
    )
    trs = get_profile("trs").unit_list
    assert [s.source for s in child.unit_list.links] == ["ul.units a"]
    assert child.unit_list.entry_pattern.pattern == trs.entry_pattern.pattern
    assert child.unit_list.heading.source == trs.heading.source
    # An error in the parent's unit_list names the parent's file.
    parent = write(tmp_path, "parent", "name: parent\nunit_list:\n  entry_pattern: '/u/(\\d+)'\n")
    kid = write(tmp_path, "kid", "name: kid\nextends: parent.yaml\n")
    with pytest.raises(ProfileError, match=rf"{parent}:3: unit_list.entry_pattern"):
        load_profile(kid)
