"""Extraction reports where each field came from (字段来源, crawler/extract/sources.py).

One assertion per field on the saved real pages in ../shared/realpages (read with `generic` and
with `trs`), on every article of the sample portal (lonsun and trs: every field the platform's
own rule, no fallback), and on a hand-made page only `generic` can read (every field a
fallback); plus the code's round trip, the profile origin through `extends:`, and
`zwgk extract`'s JSON.
"""

from __future__ import annotations

import json

import pytest
from test_extract_realpages import FZGG, GONGBAO, GOVCN, MOE, SHANXI, URLS, _page_bytes
from typer.testing import CliRunner

from crawler.extract import extract_article
from crawler.extract.sources import FieldSource, fallback_fields, is_fallback
from crawler.profile_model import Profile, get_profile, load_profile
from zwgk.cli import app


def _sources(name: str, profile: str) -> dict[str, str]:
    return extract_article(_page_bytes(name), URLS[name], get_profile(profile)).source_codes()


# -- the code ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        FieldSource("table", "发文字号", "trs"),
        FieldSource("sel", "xpath://div[@class='a:b']/h1", "city-x"),  # ':' and '@' inside
        FieldSource("page_title", "", "generic"),
    ],
)
def test_a_source_code_reads_back_as_the_same_source(source):
    assert FieldSource.parse(source.code()) == source


@pytest.mark.parametrize(
    ("code", "fallback"),
    [
        ("sel:h1.newstitle::text@lonsun", False),
        ("table:发文字号@trs", False),
        ("byline:来源@lonsun", False),
        ("table:发文字号@generic", True),  # the base profile's table: written for no platform
        ("sel:.article-title@generic", True),
        ("text:日期@lonsun", True),
        ("meta:PubDate@trs", True),
        ("page_title@generic", True),
        ("densest@trs", True),
    ],
)
def test_fallback_is_a_guessing_rule_or_a_generic_one(code, fallback):
    assert is_fallback(code) is fallback


def test_fallback_fields_lists_only_the_fallback_ones_sorted():
    codes = {"title": "sel:h1@lonsun", "source": "text:来源@labels", "body": "densest@lonsun"}
    assert fallback_fields(codes) == ["body", "source"]
    assert fallback_fields(None) == []


# -- which profile wrote the rule ------------------------------------------------------------
def test_a_rule_is_the_profile_that_wrote_it_or_the_one_it_inherits_from():
    lonsun = get_profile("lonsun")
    assert lonsun.rule_origin("article", "metadata", "containers") == "lonsun"
    assert lonsun.rule_origin("article", "title") == "lonsun"
    assert lonsun.rule_origin("article", "meta", "publish_date") == "generic"
    # labels come from the label vocabulary (crawler/labels.yaml), under every profile
    assert lonsun.rule_origin("article", "metadata", "labels", "doc_no") == "labels"


def test_a_city_profile_over_lonsun_owns_what_it_overrides_and_inherits_the_rest(tmp_path):
    path = tmp_path / "city-x.yaml"
    path.write_text(
        "name: city-x\nextends: lonsun\narticle:\n  title: ['h2.city-title']\n", encoding="utf-8"
    )
    city = load_profile(path)
    assert city.rule_origin("article", "title") == "city-x"
    assert city.rule_origin("article", "metadata", "containers") == "lonsun"
    assert city.rule_origin("article", "meta", "title") == "generic"


def test_a_profile_not_loaded_from_files_owns_all_its_rules():
    bare = Profile.model_validate({"name": "bare", "article": {"title": ["h1"]}})
    page = "<html><body><h1>标题</h1><p>正文</p></body></html>"
    assert extract_article(page, "http://x.test/a.html", bare).source_codes() == {
        "title": "sel:h1@bare"
    }


# -- real pages ----------------------------------------------------------------------------------
GOVCN_TRS = {  # the gov.cn 2016–19 template's table.bd1, named by the trs profile
    "title": "table:标题@trs",
    "index_no": "table:索引号@trs",
    "publisher": "table:发文机关@trs",
    "doc_no": "table:发文字号@trs",
    "subject": "table:主题分类@trs",
    "written_date": "table:成文日期@trs",
    "publish_date": "table:发布日期@trs",
    "body": "sel:#UCAP-CONTENT@trs",
}


@pytest.mark.parametrize(("field", "expected"), GOVCN_TRS.items())
def test_govcn_fragment_fields_come_from_the_trs_metadata_table(field, expected):
    assert _sources(GOVCN, "trs")[field] == expected


@pytest.mark.parametrize(("field", "expected"), GOVCN_TRS.items())
def test_govcn_fragment_read_by_generic_is_the_same_rule_but_a_fallback(field, expected):
    code = _sources(GOVCN, "generic")[field]
    assert code == expected.replace("@trs", "@generic") and is_fallback(code)


def test_govcn_fragment_has_no_fallback_with_trs():
    assert fallback_fields(_sources(GOVCN, "trs")) == []


@pytest.mark.parametrize(("field", "expected"), GOVCN_TRS.items())
def test_govcn_fragment_fields_come_from_the_govcn_profile_own_rules(field, expected):
    assert _sources(GOVCN, "govcn")[field] == expected.replace("@trs", "@govcn")


def test_govcn_fragment_has_no_fallback_with_govcn():
    assert fallback_fields(_sources(GOVCN, "govcn")) == []


FZGG_TRS = {
    "title": "sel:div.main h1@trs",
    # The visible 日期：2025-02-26 in the byline, not <meta name="PubDate"> 2025-03-27.
    "publish_date": "byline:日期@trs",
    # The byline's 来源： is empty; <meta name="ContentSource"> fills it — a fallback.
    "source": "meta:ContentSource@generic",
    "body": "sel:#detailContent@trs",
}


@pytest.mark.parametrize(("field", "expected"), FZGG_TRS.items())
def test_fzgg_fields(field, expected):
    assert _sources(FZGG, "trs")[field] == expected


def test_fzgg_publish_date_read_by_generic_is_visible_text_not_the_meta_tag():
    assert _sources(FZGG, "generic")["publish_date"] == "text:日期@labels"


SHANXI_TRS = {
    "title": "sel:.detail-article-title h2@trs",
    "publish_date": "byline:时间@trs",  # ul.detail-article-infos
    "source": "byline:来源@trs",
    "body": "sel:div.TRS_Editor@trs",
}


@pytest.mark.parametrize(("field", "expected"), SHANXI_TRS.items())
def test_shanxi_fields(field, expected):
    assert _sources(SHANXI, "trs")[field] == expected


GONGBAO_TRS = {
    "title": "page_title@generic",  # no heading, no label, no ArticleTitle: the <title>
    "publish_date": "meta:firstpublishedtime@generic",  # only in <meta>: a fallback
    "body": "sel:#UCAP-CONTENT@trs",
}


@pytest.mark.parametrize(("field", "expected"), GONGBAO_TRS.items())
def test_gongbao_fields(field, expected):
    assert _sources(GONGBAO, "trs")[field] == expected


def test_gongbao_with_govcn_body_is_the_profile_rule_and_title_date_stay_fallbacks():
    # the page prints no metadata table: only the body is the template's own
    sources = _sources(GONGBAO, "govcn")
    assert sources["body"] == "sel:#UCAP-CONTENT@govcn"
    assert fallback_fields(sources) == ["publish_date", "title"]


def test_gongbao_date_and_title_are_listed_as_fallbacks():
    assert fallback_fields(_sources(GONGBAO, "trs")) == ["publish_date", "title"]


MOE_GENERIC = {  # no profile knows the ministry template yet: labels loose in the page text
    "title": "text:信息名称@labels",
    "index_no": "text:信息索引@labels",
    "publisher": "text:发文机构@labels",
    "doc_no": "text:发文字号@labels",
    "category": "text:信息类别@labels",
    "written_date": "text:生成日期@labels",
    "publish_date": "text:发布日期@labels",
    "body": "densest@generic",
}


@pytest.mark.parametrize(("field", "expected"), MOE_GENERIC.items())
def test_moe_fields(field, expected):
    assert _sources(MOE, "generic")[field] == expected


MOE_GOVCN = {  # the ministry template: table#moe-policy-table and the div.moe-detail-shuxing line
    "title": "table:信息名称@govcn",
    "index_no": "table:信息索引@govcn",
    "publisher": "table:发文机构@govcn",
    "doc_no": "table:发文字号@govcn",
    "category": "table:信息类别@govcn",
    "summary": "table:内容概述@govcn",
    "written_date": "table:生成日期@govcn",
    "publish_date": "byline:发布日期@govcn",
    "source": "byline:来源@govcn",
    "body": "sel:#downloadContent@govcn",
}


@pytest.mark.parametrize(("field", "expected"), MOE_GOVCN.items())
def test_moe_fields_with_govcn_are_the_profile_own_rules(field, expected):
    assert _sources(MOE, "govcn")[field] == expected


def test_moe_has_no_fallback_with_govcn():
    assert fallback_fields(_sources(MOE, "govcn")) == []


READ_FIELDS = (
    "title", "index_no", "publisher", "source", "doc_no", "written_date", "publish_date",
    "validity", "subject", "keywords", "category", "disclosure_mode", "summary",
    "effective_date", "expiry_date",
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(n for n in URLS if ".detail" in n))
@pytest.mark.parametrize("profile", ["generic", "trs", "govcn"])
def test_every_field_with_a_value_has_a_source_and_no_other(name, profile):
    data = extract_article(_page_bytes(name), URLS[name], get_profile(profile))
    valued = {f for f in READ_FIELDS if getattr(data, f)} | ({"body"} if data.body_text else set())
    assert set(data.sources) == valued


# -- the sample portal ---------------------------------------------------------------------------
def test_sample_portal_fields_all_come_from_the_platform_profile():
    pytest.importorskip("demo.site")
    from demo_fixtures import fetch, small_portal

    from demo import urls
    from demo.site import Site

    portal, _ = small_portal()
    site = Site(portal)
    read, fallbacks, foreign = 0, [], []
    for article in portal.articles:
        if portal.index.column[article.column_id].hidden:
            continue
        platform = portal.index.host[portal.index.unit[article.unit_id].host].platform
        url = urls.article_url(portal, article)
        page = fetch(site, url)
        if page.status != 200:
            continue
        data = extract_article(page.body, url, get_profile(platform))
        read += 1
        fallbacks += [(url, f) for f in fallback_fields(data.source_codes())]
        foreign += [(url, s.code()) for s in data.sources.values() if s.profile != platform]
        assert {"title", "publisher", "index_no", "source", "body"} <= set(data.sources), url
    assert read > 100
    assert fallbacks == [] and foreign == []


# -- a page only generic reads -------------------------------------------------------------------
HAND_MADE = """<html><head><meta charset="utf-8"><title>关于开展春季植树活动的通知_某县人民政府</title>
<meta name="PubDate" content="2025-03-20 08:00"></head><body>
<div class="crumb">首页 &gt; 通知公告</div>
<p class="kv">索引号：113300/2025-00012</p>
<p class="kv">发布机构：某县林业局</p>
<div class="post"><p>各乡镇：为做好春季植树工作，现将有关事项通知如下。</p>
<p>请各单位按时组织实施，确保成效。</p></div>
</body></html>"""

HAND_MADE_SOURCES = {
    "title": "page_title@generic",
    "index_no": "text:索引号@labels",
    "publisher": "text:发布机构@labels",
    "publish_date": "meta:PubDate@generic",
    "body": "densest@generic",
}


@pytest.mark.parametrize(("field", "expected"), HAND_MADE_SOURCES.items())
def test_hand_made_page_only_generic_reads(field, expected):
    data = extract_article(HAND_MADE, "http://x.test/tzgg/1.html", get_profile("generic"))
    assert data.source_codes()[field] == expected


def test_hand_made_page_every_field_is_a_fallback():
    data = extract_article(HAND_MADE, "http://x.test/tzgg/1.html", get_profile("generic"))
    assert data.to_dict()["fallback_fields"] == sorted(HAND_MADE_SOURCES)


# -- zwgk extract --------------------------------------------------------------------------------
def test_zwgk_extract_prints_sources_and_fallback_fields(tmp_path):

    page = tmp_path / "gongbao.html"
    page.write_bytes(_page_bytes(GONGBAO))
    result = CliRunner().invoke(
        app, ["extract", str(page), "--profile", "trs", "--url", URLS[GONGBAO]]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["sources"] == GONGBAO_TRS
    assert printed["fallback_fields"] == ["publish_date", "title"]
