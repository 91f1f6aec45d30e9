"""demo/render/hanweb.py: the Hanweb county's pages keep the markup contract its docstring
promises, page by page, and the same model renders the same bytes."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from demo import urls
from demo.generate import make_sample
from demo.model import GROUP
from demo.site import Site


@pytest.fixture(scope="module")
def world():
    portal, _manifest = make_sample(seed=3, scale="small")
    (host,) = [h for h in portal.hosts if h.platform == "hanweb"]
    return portal, Site(portal), host


def get(site, host, url):
    parts = urlsplit(url)
    return site.respond(host.id, parts.path, parts.query)


def _long_column(portal, host):
    return next(
        c
        for u in portal.index.units_on[host.id]
        for c in portal.index.columns_of[u.id]
        if len(portal.index.articles_of.get(c.id, [])) > urls.HANWEB_RECORDS
    )


def test_the_column_page_holds_the_first_group_in_a_datastore_and_the_jpage_call(world):
    portal, site, host = world
    column = _long_column(portal, host)
    items = portal.index.articles_of[column.id]
    text = get(site, host, urls.column_url(portal, column)).body.decode("utf-8")
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text, re.S)
    assert len(records) == urls.HANWEB_RECORDS
    first = Selector(text=records[0]).css("a")[0]
    assert host.base_url + first.attrib["href"] == urls.article_url(portal, items[0])
    assert f"totalRecord: {len(items)}, perPage: 15, groupSize: 3" in text
    assert f"columnid:{urls.hanweb_column_number(column)}" in text


def test_dataproxy_serves_each_later_range_and_nothing_past_the_end(world):
    portal, site, host = world
    column = _long_column(portal, host)
    items = portal.index.articles_of[column.id]
    page = get(site, host, urls.list_page_url(portal, column, 1))
    assert (page.status, page.content_type) == (200, "text/xml;charset=UTF-8")
    text = page.body.decode("utf-8")
    hrefs = re.findall(r'<li><a href="([^"]+)"', text)
    assert [host.base_url + h for h in hrefs] == [
        urls.article_url(portal, a) for a in items[urls.HANWEB_RECORDS : 2 * urls.HANWEB_RECORDS]
    ]
    assert f"<totalrecord>{len(items)}</totalrecord>" in text
    beyond = get(site, host, urls.list_page_url(portal, column, 99)).body.decode("utf-8")
    assert "<record>" not in beyond


def test_dataproxy_for_another_site_or_without_a_range_is_not_found(world):
    portal, site, host = world
    column = _long_column(portal, host)
    url = urls.list_page_url(portal, column, 1)
    assert get(site, host, url.replace(f"webid={host.site_id}", "webid=1")).status == 404
    assert get(site, host, url.replace("startrecord=46&", "")).status == 404


def test_the_directory_tree_names_groups_and_links_every_visible_column(world):
    portal, site, host = world
    unit = portal.index.units_on[host.id][0]
    sel = Selector(text=get(site, host, urls.unit_entry(portal, unit)).body.decode("utf-8"))
    linked = {host.base_url + h for h in sel.css("ul.ml-tree a::attr(href)").getall()}
    wanted = {
        urls.column_url(portal, c)
        for c in portal.index.columns_of[unit.id]
        if c.category != GROUP and not c.hidden
    }
    assert linked == wanted
    assert sel.css("li.ml-group > span.ml-name::text").getall()


def test_the_article_prints_every_field_in_table_xxgk_and_the_body_in_zoom(world):
    portal, site, host = world
    a = next(
        a
        for u in portal.index.units_on[host.id]
        for c in portal.index.columns_of[u.id]
        for a in portal.index.articles_of.get(c.id, [])
        if a.attachments and a.published and a.doc_no
    )
    sel = Selector(text=get(site, host, urls.article_url(portal, a)).body.decode("utf-8"))
    cells = dict(td.xpath("string()").get().split(": ", 1) for td in sel.css("table.xxgk td"))
    assert (cells["索引号"], cells["文号"], cells["发布日期"]) == (
        a.index_no,
        a.doc_no,
        a.published.isoformat(),
    )
    assert sel.css("table#c td.title::text").get() == a.title
    assert sel.css("div#zoom").xpath("string()").get().strip()
    for f in a.attachments:
        url = urls.attachment_url(portal, a, f)
        assert url.startswith(f"{host.base_url}/attach/0/")
        assert get(site, host, url).status == (404 if f.broken else 200)


def test_the_same_seed_renders_the_same_bytes(world):
    portal, site, host = world
    again_portal, _ = make_sample(seed=3, scale="small")
    again = Site(again_portal)
    column = _long_column(portal, host)
    for url in (
        urls.platform_home(portal, host.id),
        urls.column_url(portal, column),
        urls.list_page_url(portal, column, 1),
        urls.article_url(portal, portal.index.articles_of[column.id][0]),
    ):
        assert get(site, host, url).body == get(again, host, url).body
