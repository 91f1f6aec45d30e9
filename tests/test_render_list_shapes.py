"""The sample portal's TRS list pages in the other real shapes (demo/render/list_shapes.py):
the class-less 信息公开目录 table, a JSON array in a script, a bare `ul/li` beside a 最新信息 side
box. Each is rendered for the columns that have it, read by `parse_listing` with the trs profile
exactly as the model lists it (page 1 and a later page), and crawled end to end.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import lxml.html
import pandas as pd
import pytest
from demo_fixtures import page, small_portal
from parsel import Selector

from crawler.extract import parse_listing
from crawler.extract.dom import parse_document
from crawler.extract.selectors import first_elements
from crawler.profile_model import get_profile
from demo import model as m
from demo import urls
from demo.generate import LIST_SHAPE_EVERY, generate_portal
from demo.registry import write_registry
from demo.server import PortalServer
from demo.site import Site
from store import open_store

TRS = get_profile("trs")
SHAPES = m.LIST_SHAPES


def shaped_portal(shape: str):
    """The hand-built small portal with the 41-row 其他文件 of 木厂镇 (3 pages: 20 + 20 + 1) and
    its blank 人事信息 in `shape`."""
    portal, named = small_portal()
    d = named["jh-ja-mdz"]
    d["policy"].list_shape = shape
    d["personnel"].list_shape = shape
    return portal, named, Site(portal)


@pytest.fixture(scope="module", params=SHAPES)
def shaped(request):
    return request.param, *shaped_portal(request.param)


def text_of(site, url: str) -> str:
    return page(site, url).body.decode("gbk")


def expected_rows(portal, column, number: int) -> list[tuple[str, str, dt.date | None]]:
    items = portal.index.articles_of[column.id]
    size = urls.TRS_PAGE_SIZE
    return [
        (urls.article_url(portal, a), a.title, a.published)
        for a in items[number * size : (number + 1) * size]
    ]


# -- the shapes are chosen by column id, not by a random number --------------------------------
def test_trs_list_columns_get_their_shape_from_their_id_alone():
    portal = generate_portal(7, "small")
    trs = {h.id for h in portal.hosts if h.platform == "trs"}
    seen = set()
    for c in portal.columns:
        on_trs = portal.index.unit[c.unit_id].host in trs
        if not on_trs or c.category == m.GROUP or c.rows_in_comment:
            assert c.list_shape == "", c
            continue
        slot = c.id % LIST_SHAPE_EVERY
        assert c.list_shape == (SHAPES[slot] if slot < len(SHAPES) else "")
        seen.add(c.list_shape)
    assert seen == {"", *SHAPES}


# -- each shape as rendered ------------------------------------------------------------------
def test_each_shape_is_rendered_for_its_column_and_no_other(shaped):
    shape, portal, named, site = shaped
    d = named["jh-ja-mdz"]
    doc = Selector(text=text_of(site, urls.column_url(portal, d["policy"])))
    assert not doc.css("ul.list_ul")
    tables, scripts = (
        doc.css("div.xxgk_right table"),
        doc.xpath("//script[contains(., 'listData')]"),
    )
    bare, side = doc.css("div.xxgk_right > ul:not([class]) > li"), doc.css("div.side_news li")
    if shape == m.LIST_TABLE:
        assert len(tables) == 1 and tables[0].attrib.get("class") is None
        header = [c.xpath("string()").get() for c in tables[0].xpath("./tr[1]/*")]
        assert header == ["序号", "名称", "索引号", "发布机构", "发布日期"]
        assert len(tables[0].xpath("./tr")) == 21
        assert not scripts and not bare and not side
    elif shape == m.LIST_SCRIPT:
        assert doc.css("ul#listBox > li") == [] and len(scripts) == 1
        assert not doc.css("div.xxgk_right a[href*='/t2']")  # no row in the markup at all
        assert not tables and not bare and not side
    else:
        assert len(bare) == 20 and not tables and not scripts
        assert len(side) == 5  # 最新信息 of the unit's other columns
    # Another column of the same unit keeps ul.list_ul.
    other = Selector(text=text_of(site, urls.column_url(portal, d["normative"])))
    assert other.css("ul.list_ul > li")


def test_the_table_cells_show_what_the_article_page_shows():
    portal, named, site = shaped_portal(m.LIST_TABLE)
    column = named["jh-ja-mdz"]["policy"]
    url = urls.list_page_url(portal, column, 1)
    tree = lxml.html.fromstring(text_of(site, url))
    cells = [[td.text_content() for td in tr.findall("td")] for tr in tree.xpath("//table/tr")[1:]]
    items = portal.index.articles_of[column.id][20:40]
    assert cells == [
        [
            str(21 + n),
            a.title,
            "" if "index_no" in a.blank_fields else a.index_no,
            "" if "publisher" in a.blank_fields else a.publisher,
            a.published.isoformat() if a.published else "",
        ]
        for n, a in enumerate(items)
    ]


def test_the_trs_profiles_selectors_do_not_match_any_new_shape(shaped):
    """The shapes are met by the crawler's fallbacks (tables, scripts, auto rows), never by a
    selector written for them."""
    _shape, portal, named, site = shaped
    url = urls.column_url(portal, named["jh-ja-mdz"]["policy"])
    doc = parse_document(text_of(site, url), url)
    assert first_elements(TRS.listing.rows, doc.index) == []


# -- read by the crawler's list reader, page by page ---------------------------------------
@pytest.mark.parametrize("number", [0, 1, 2])
def test_parse_listing_gives_the_models_rows_and_pages(shaped, number):
    _shape, portal, named, site = shaped
    column = named["jh-ja-mdz"]["policy"]
    url = urls.list_page_url(portal, column, number)
    listing = parse_listing(page(site, url).body, url, TRS)
    got = [(r.url, r.title, r.date) for r in listing.rows]
    assert got == expected_rows(portal, column, number)
    assert (listing.page, listing.page_count) == (number + 1, 3)
    following = [urls.list_page_url(portal, column, k) for k in range(number + 1, 3)]
    assert listing.page_urls == following
    assert listing.next_url == (following[0] if following else None)
    assert listing.article_links == []


def test_a_blank_column_in_each_shape_has_no_rows_and_no_article_evidence(shaped):
    """The side box of the bare shape links to five dated articles: on an empty column's page
    they are neither rows nor a sign of rows not read (the blank column stays a blank column)."""
    shape, portal, named, site = shaped
    column = named["jh-ja-mdz"]["personnel"]
    url = urls.column_url(portal, column)
    text = text_of(site, url)
    assert "暂无信息" in text
    if shape == m.LIST_BARE:
        side = Selector(text=text).css("div.side_news a::attr(href)").getall()
        assert len(side) == 5 and all("/t2" in h for h in side)
    listing = parse_listing(text.encode("gbk"), url, TRS)
    assert (listing.rows, listing.page_count, listing.article_links) == ([], 1, [])


@pytest.mark.parametrize("unit_id, name", [("jh-ja-mdz", "news"), ("jh-ja", "notice")])
def test_a_short_bare_list_wins_over_its_longer_side_box(unit_id, name):
    """Two short lists, one with a row that shows no date (a planted no-publish-date): the
    row is still read, and the side box of five dated links is not."""
    portal, named = small_portal()
    column = named[unit_id][name]
    column.list_shape = m.LIST_BARE
    site = Site(portal)
    items = portal.index.articles_of[column.id]
    assert 0 < len(items) < 5  # fewer rows than the side box holds
    url = urls.column_url(portal, column)
    listing = parse_listing(page(site, url).body, url, TRS)
    assert [(r.url, r.title, r.date) for r in listing.rows] == expected_rows(portal, column, 0)


# -- end to end: a crawl of the two TRS units ------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_crawl_stores_every_article_of_every_shaped_column(store_url, tmp_path):
    portal, named = small_portal()
    for host in portal.hosts:
        host.port = _free_port()
    ja, mdz = named["jh-ja"], named["jh-ja-mdz"]
    # Every shape on a 3-page column and on a blank one; the rest on short lists.
    ja["policy"].rows_in_comment = False
    shapes = [
        (mdz["policy"], m.LIST_TABLE), (ja["policy"], m.LIST_SCRIPT), (mdz["news"], m.LIST_BARE),
        (mdz["personnel"], m.LIST_TABLE), (ja["personnel"], m.LIST_BARE),
        (ja["notice"], m.LIST_BARE), (mdz["notice"], m.LIST_SCRIPT), (ja["normative"], m.LIST_TABLE),
    ]  # fmt: skip
    for column, shape in shapes:
        column.list_shape = shape
    portal.reindex()
    m.save_portal(portal, tmp_path)
    write_registry(portal, tmp_path)
    server = PortalServer(portal, Site(portal))
    server.start()
    db_url = store_url
    try:
        command = [sys.executable, "-m", "zwgk", "crawl", "-r", str(tmp_path / "units.yaml"), "-q"]
        command += ["-u", "jh-ja", "-u", "jh-ja-mdz"]
        command += ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"]
        result = subprocess.run(
            command,
            env={**os.environ, "ZWGK_DATABASE_URL": db_url},
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open_store(db_url, create=True) as store:
        articles = store.articles_frame().set_index("url")
        issues = store.crawl_issues_frame()
        columns = store.columns_frame().set_index("url")
    assert list(issues["kind"]) == []  # no extraction_anomaly, nor anything else
    for column, shape in shapes:
        items = portal.index.articles_of.get(column.id, [])
        column_url = urls.column_url(portal, column)
        assert columns.loc[column_url, "last_row_count"] == len(items), (shape, column.name)
        for a in items:
            url = urls.article_url(portal, a)
            assert url in articles.index, (shape, url)
            assert articles.loc[url, "title"] == a.title
            stored = articles.loc[url, "publish_date"]
            stored = None if stored is None or pd.isna(stored) else pd.Timestamp(stored).date()
            assert stored == a.published, (shape, url)
    stored = {u for u in articles.index if "/xxgk/" in u}
    expected = {
        urls.article_url(portal, a)
        for a in portal.articles
        if a.unit_id in ("jh-ja", "jh-ja-mdz") and not portal.index.column[a.column_id].hidden
    }
    assert stored == expected
