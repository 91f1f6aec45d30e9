"""Extraction on the sample portal's rendered pages, checked against the model they came from.

The model is the ground truth: every field of every article kind on both platforms (Lonsun and
TRS, UTF-8 and GBK with and without a declared charset), every column list followed page by
page, every unit directory. Planted defects (blank metadata, a 文号 that differs in the body, no
publish date, repealed documents, interpretations without a link back) must come out as they are.
"""

from __future__ import annotations

import pytest

pytest.importorskip("demo.site")

from demo_fixtures import fetch, small_portal  # noqa: E402

from crawler.extract import (  # noqa: E402
    decode_html,
    extract_article,
    is_anti_bot,
    parse_directory,
    parse_listing,
)
from crawler.profile_model import get_profile  # noqa: E402
from demo import urls  # noqa: E402
from demo.model import GROUP  # noqa: E402
from demo.render.common import column_path, related  # noqa: E402
from demo.render.content import embedded_media  # noqa: E402
from demo.site import Site  # noqa: E402

KIND = {"解读": "interpretation", "文件": "document"}
FIELDS = (
    "title", "index_no", "publisher", "source", "doc_no", "written_date", "publish_date", "validity",
    "subject", "keywords", "category", "repealed", "attachments", "related", "date_source",
    "body_doc_no",
)  # fmt: skip


def expected_article(portal, article) -> dict:
    column = portal.index.column[article.column_id]
    blank = set(article.blank_fields)

    def shown(key, value):
        return None if key in blank or not value else value

    inline = embedded_media(article, column)
    word, targets = related(portal, article)
    return {
        "title": article.title,
        "index_no": shown("index_no", article.index_no),
        "publisher": shown("publisher", article.publisher),
        # 来源 is printed beside the font-size widget on both platforms: the value only.
        "source": article.publisher,
        "doc_no": shown("doc_no", article.doc_no),
        "written_date": shown("written", article.written),
        "publish_date": article.published,
        "validity": shown("validity", article.validity),
        "subject": shown("subject", article.subject),
        "keywords": shown("keywords", article.keywords),
        "category": shown("category_path", column_path(portal, column)),
        "repealed": article.validity == "废止",
        "attachments": sorted(
            (urls.attachment_url(portal, article, f), f.ext)
            for f in article.attachments
            if f is not inline
        ),
        "related": sorted((urls.article_url(portal, t), KIND[word]) for t in targets),
        "date_source": "metadata" if article.published else None,
        "body_doc_no": article.body_doc_no or None,
    }


def got_article(data, article) -> dict:
    return {
        **{f: getattr(data, f) for f in FIELDS},
        "attachments": sorted((a.url, a.type) for a in data.attachments),
        "related": sorted((r.url, r.kind) for r in data.related),
        # Only policy documents print a 文号 in the body; others may cite someone else's.
        "body_doc_no": data.body_doc_no if article.body_doc_no else None,
    }


def platform_of(portal, article) -> str:
    return portal.index.host[portal.index.unit[article.unit_id].host].platform


def extract_all(portal, site, articles, profile_for):
    """{field: [mismatch, …]} over the article pages of `articles`."""
    wrong: dict[str, list] = {f: [] for f in FIELDS}
    for article in articles:
        if portal.index.column[article.column_id].hidden:
            continue
        url = urls.article_url(portal, article)
        page = fetch(site, url)
        assert page.status == 200, url
        data = extract_article(page.body, url, profile_for(platform_of(portal, article)))
        expected, got = expected_article(portal, article), got_article(data, article)
        for field in FIELDS:
            if expected[field] != got[field]:
                wrong[field].append((url, expected[field], got[field]))
    return wrong


@pytest.fixture(scope="module")
def world():
    portal, named = small_portal()
    return portal, named, Site(portal)


@pytest.fixture(scope="module")
def own_profile_results(world):
    portal, _, site = world
    return extract_all(portal, site, portal.articles, get_profile)


@pytest.fixture(scope="module")
def generic_results(world):
    portal, _, site = world
    return extract_all(portal, site, portal.articles, lambda _: get_profile("generic"))


@pytest.mark.parametrize("field", FIELDS)
def test_every_article_field_with_the_platform_profile(own_profile_results, field):
    assert own_profile_results[field] == []


@pytest.mark.parametrize("field", FIELDS)
def test_every_article_field_with_the_generic_profile(generic_results, field):
    assert generic_results[field] == []


def test_the_fixture_covers_the_hard_cases(world):
    portal, named, _ = world
    kinds = [a for a in portal.articles]
    assert any(a.blank_fields for a in kinds)
    assert any(a.body_doc_no and a.body_doc_no != a.doc_no for a in kinds)
    assert any(a.published is None for a in kinds)
    assert any(a.validity == "废止" for a in kinds)
    assert any(not a.links_back for a in kinds if a.interprets)
    hosts = {(h.platform, h.encoding, h.declare_charset) for h in portal.hosts}
    assert ("trs", "gbk", False) in hosts and ("lonsun", "utf-8", True) in hosts


@pytest.mark.parametrize("unit_id", ["jh-ja", "jh-ja-mdz"])
def test_gbk_hosts_decode_with_and_without_a_declared_charset(world, unit_id):
    portal, named, site = world
    article = named[unit_id]["doc"]
    page = fetch(site, urls.article_url(portal, article))
    text, encoding = decode_html(page.body, page.content_type)
    assert (encoding, article.title in text) == ("gb18030", True)


# -- lists, followed page by page as the spider will -----------------------------------------
def crawl_column(portal, site, column, profile):
    """Rows of one column: the list page, its data endpoint if any, then next pages."""
    url = urls.column_url(portal, column)
    first = parse_listing(fetch(site, url).body, url, profile)
    rows, pages = [], []
    if first.data_url:
        url, page = first.data_url, None
    else:
        rows += first.rows
        pages.append(first)
        url = first.next_url
    while url:
        page = parse_listing(fetch(site, url).body, url, profile)
        rows += page.rows
        pages.append(page)
        url = page.next_url
        assert len(pages) < 50, "pagination does not end"
    return first, rows, pages


def listable(portal):
    return [c for c in portal.columns if not c.hidden and c.category != GROUP]


def test_every_column_lists_every_article_in_order(world):
    portal, _, site = world
    wrong = []
    for column in listable(portal):
        profile = get_profile(platform_of_column(portal, column))
        _, rows, _ = crawl_column(portal, site, column, profile)
        expected = [
            urls.article_url(portal, a) for a in portal.index.articles_of.get(column.id, [])
        ]
        if [r.url for r in rows] != expected:
            wrong.append(column.name)
    assert wrong == []


def platform_of_column(portal, column) -> str:
    return portal.index.host[portal.index.unit[column.unit_id].host].platform


def test_list_rows_carry_title_date_index_repealed_and_cross_links(world):
    portal, _, site = world
    wrong = []
    for column in listable(portal):
        profile = get_profile(platform_of_column(portal, column))
        _, rows, _ = crawl_column(portal, site, column, profile)
        for row, a in zip(rows, portal.index.articles_of.get(column.id, []), strict=True):
            word, targets = related(portal, a)
            expected, got = (a.title, a.published), (row.title, row.date)
            if column.section == 4 and profile.name == "lonsun":  # the fragment's extra columns
                expected += (
                    a.index_no,
                    a.validity == "废止",
                    sorted(urls.article_url(portal, t) for t in targets),
                )
                got += (row.index_no, row.repealed, sorted(r.url for r in row.related))
            elif row.repealed:  # TRS lists print no 废止 tag: nothing may be invented
                got += ("repealed",)
            if expected != got:
                wrong.append((row.url, expected, got))
    assert wrong == []


def test_lonsun_column_pages_point_at_the_label_fragment(world):
    portal, named, site = world
    column = named["jh-fgw"]["policy"]
    first, _, pages = crawl_column(portal, site, column, get_profile("lonsun"))
    assert first.data_url == urls.list_page_url(portal, column, 0)
    assert [p.url for p in pages] == [urls.list_page_url(portal, column, n) for n in range(3)]


def test_trs_rows_inside_a_comment_are_listed_over_all_pages(world):
    portal, named, site = world
    column = named["jh-ja"]["policy"]
    assert column.rows_in_comment
    _, rows, pages = crawl_column(portal, site, column, get_profile("trs"))
    assert (len(rows), pages[0].page_count) == (41, 3)


# -- directories -----------------------------------------------------------------------------
def test_every_unit_directory_lists_its_visible_columns_with_parents(world):
    portal, _, site = world
    wrong = []
    for unit in portal.units:
        profile = get_profile(portal.index.host[unit.host].platform)
        entry = urls.unit_entry(portal, unit)
        found = {c.url: c.parent for c in parse_directory(fetch(site, entry).body, entry, profile)}
        expected = {
            urls.column_url(portal, c): (
                portal.index.column[c.parent].name if c.parent is not None else None
            )
            for c in portal.index.columns_of[unit.id]
            if not c.hidden and c.category != GROUP
        }
        if found != expected:
            wrong.append(unit.id)
    assert wrong == []


def test_hazard_anti_bot_page_is_detected_and_real_pages_are_not(world):
    portal, named, site = world
    hazards = pytest.importorskip("demo.hazards")
    article = named["jh-szf"]["doc"]
    url = urls.article_url(portal, article)
    assert (is_anti_bot(hazards.anti_bot_page(url)), is_anti_bot(fetch(site, url).body)) == (
        True,
        False,
    )


# -- the generated sample (planted defects at their real rates), a deterministic sample --------
@pytest.fixture(scope="module")
def generated():
    generate = pytest.importorskip("demo.generate")
    portal, _ = generate.make_sample(seed=1, scale="small")
    return portal, Site(portal)


def test_generated_portal_sample_extracts_exactly(generated):
    portal, site = generated
    sample = portal.articles[::9]
    wrong = extract_all(portal, site, sample, get_profile)
    assert {f: w[:3] for f, w in wrong.items() if w} == {}


def test_generic_profile_finds_every_column_of_both_platforms(world):
    portal, _, site = world
    missing = []
    for unit in portal.units:
        entry = urls.unit_entry(portal, unit)
        found = {
            c.url for c in parse_directory(fetch(site, entry).body, entry, get_profile("generic"))
        }
        missing += [
            urls.column_url(portal, c)
            for c in portal.index.columns_of[unit.id]
            if not c.hidden and c.category != GROUP and urls.column_url(portal, c) not in found
        ]
    assert missing == []
