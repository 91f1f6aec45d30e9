"""End to end: `zwgk crawl` over the served sample portal, checked against the generator's model.

One crawl stores every article the generator made with exact fields; the 503 is retried; the
anti-bot page and the down host are crawl issues only; planted broken links are confirmed and the
hanging link only suspected. After `advance`, an incremental crawl fetches the listing pages plus
exactly the new and changed articles (the server counts the requests).

Crawls run as subprocesses: a Twisted reactor cannot restart in one process.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from demo import model as m
from demo import urls
from demo.advance import advance_directory
from demo.generate import make_sample, write_portal
from demo.manifest import load_manifest
from demo.render.content import embedded_media
from demo.server import PortalServer
from demo.site import Site
from store import open_store

# One xdist worker builds the module fixture (served: the sample portal crawled whole) for all its tests.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("crawl_e2e")]

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=4"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crawl(
    directory: Path, db_url: str, *extra: str, expect: int = 0
) -> subprocess.CompletedProcess:
    env = {**os.environ, "ZWGK_DATABASE_URL": db_url}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zwgk",
            "crawl",
            "-r",
            str(directory / "units.yaml"),
            "-q",
            *FAST,
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == expect, result.stdout[-3000:] + result.stderr[-3000:]
    return result


class Served:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.start()

    def start(self) -> None:
        self.portal = m.load_portal(self.directory)
        self.manifest = load_manifest(self.directory)
        self.server = PortalServer(self.portal, Site(self.portal))
        self.server.start()

    def restart(self) -> None:
        self.server.stop()
        self.start()

    def hazard(self, kind: str) -> dict:
        return next(h for h in self.manifest["hazards"] if h["kind"] == kind)


@pytest.fixture(scope="module")
def served(tmp_path_factory, module_store_urls):
    directory = tmp_path_factory.mktemp("portal")
    write_portal(directory, *make_sample(seed=11, port=free_port(), first_address=81))
    served = Served(directory)
    served.db_url = module_store_urls.new()
    served.first = crawl(directory, served.db_url)
    yield served
    served.server.stop()


def crawlable(portal: m.Portal, manifest: dict) -> list[m.Article]:
    """The articles a correct crawl can see: not on a down host, not behind the anti-bot page."""
    blocked = {h["url"] for h in manifest["hazards"] if h["kind"] == "anti_bot"}
    out = []
    for a in portal.articles:
        unit = portal.index.unit[a.unit_id]
        column = portal.index.column[a.column_id]
        if portal.index.host[unit.host].down or column.hidden:
            continue
        if urls.column_url(portal, column) in blocked:
            continue
        out.append(a)
    return out


def _value(article: m.Article, name: str, value):
    return None if name in article.blank_fields or value in ("", None) else value


def _validity(portal: m.Portal, article: m.Article):
    """An empty 有效性 cell beside the red 废止 tag the Lonsun title carries reads 废止."""
    platform = portal.index.host[portal.index.unit[article.unit_id].host].platform
    if article.validity == "废止" and platform == "lonsun":
        return "废止"
    return _value(article, "validity", article.validity)


def test_every_article_is_stored_with_exact_fields(served):
    portal = served.portal
    with open_store(served.db_url, create=True) as store:
        frame = store.articles_frame().set_index("url")
    expected = {urls.article_url(portal, a): a for a in crawlable(portal, served.manifest)}
    assert set(frame.index) == set(expected)
    wrong = []
    for url, a in expected.items():
        row = frame.loc[url]
        want = {
            "title": a.title,
            "index_no": a.index_no,
            "publisher": _value(a, "publisher", a.publisher),
            "doc_no": _value(a, "doc_no", a.doc_no),
            "written_date": a.written,
            "publish_date": None if a.page_undated else a.published,  # only its list dates it
            "validity": _validity(portal, a),
            "subject": _value(a, "subject", a.subject),
            "keywords": _value(a, "keywords", a.keywords),
            "repealed": a.validity == "废止",
        }
        for name, value in want.items():
            got = row[name]
            got = None if got is None or (not isinstance(got, str) and pd.isna(got)) else got
            if isinstance(got, pd.Timestamp | dt.datetime):
                got = got.date()
            if got != value:
                wrong.append(f"{url} {name}: {got!r} != {value!r}")
    assert wrong == []


def test_503_is_retried_and_stored(served):
    url = served.hazard("retry_503")["url"]
    assert served.server.request_count(url, method="GET") == 2
    with open_store(served.db_url, create=True) as store:
        assert url in store.known_article_urls()


def test_anti_bot_and_down_host_are_crawl_issues_only(served):
    anti_bot, down = served.hazard("anti_bot"), served.hazard("host_down")
    with open_store(served.db_url, create=True) as store:
        issues = store.crawl_issues_frame()
        columns = store.columns_frame()
        units = set(store.articles_frame()["unit_id"])
    kinds = {(row.kind, row.unit_id) for row in issues.itertuples()}
    assert ("anti_bot", anti_bot["unit_id"]) in kinds
    assert ("host_unreachable", down["unit_id"]) in kinds
    assert {k for k, _ in kinds} <= {"anti_bot", "host_unreachable"}, kinds
    # The blocked column is known but has no row count: not observed, never "blank".
    blocked = columns[columns["url"] == anti_bot["url"]]
    assert len(blocked) == 1 and pd.isna(blocked.iloc[0]["last_row_count"])
    assert down["unit_id"] not in units
    assert not (columns["unit_id"] == down["unit_id"]).any()


def test_links_are_confirmed_broken_or_only_suspected(served):
    broken = {
        d["details"]["link_url"]
        for d in served.manifest["defects"]
        if d["kind"] in ("broken_attachment", "broken_link")
    }
    hanging = served.hazard("timeout_link")["url"]
    with open_store(served.db_url, create=True) as store:
        links = store.links_frame()
    outcome = dict(zip(links["url"], links["outcome"], strict=False))
    assert {outcome.get(url) for url in broken} == {"confirmed_broken"}
    assert outcome.get(hanging) == "suspected"
    confirmed = set(links.loc[links["outcome"] == "confirmed_broken", "url"])
    # Also dead, but on another site: the off-site link decoy (not the unit's, never reported).
    off_site = {d["target_url"] for d in served.manifest["decoys"] if d["kind"] == "link_decoy"}
    assert off_site and confirmed == broken | off_site
    assert not links.loc[links["url"].isin(off_site), "on_site"].any()


def _row_date(a: m.Article) -> dt.date | None:
    return a.published


def _pages(portal: m.Portal, column: m.Column) -> list[list[m.Article]]:
    size = {
        "lonsun": urls.LONSUN_PAGE_SIZE,
        "hanweb": urls.HANWEB_RECORDS,  # one request: the column page, then each dataproxy group
    }.get(portal.index.host[portal.index.unit[column.unit_id].host].platform, urls.TRS_PAGE_SIZE)
    items = portal.index.articles_of.get(column.id, [])
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def test_hanweb_lists_are_read_across_dataproxy_groups_with_articles_and_links(served):
    """The Hanweb county: every column's rows come from the page's <datastore> block, then from
    dataproxy.jsp record ranges; each row's article is stored, and its attachments are links."""
    portal = served.portal
    (host,) = [h for h in portal.hosts if h.platform == "hanweb"]
    columns = [
        c
        for u in portal.index.units_on[host.id]
        for c in portal.index.columns_of[u.id]
        if c.category != m.GROUP and not c.hidden
    ]
    long = [c for c in columns if len(portal.index.articles_of.get(c.id, [])) > urls.HANWEB_RECORDS]
    assert long, "the sample has a Hanweb column longer than one group of records"
    with open_store(served.db_url, create=True) as store:
        listings, stored = store.listings_frame(), store.columns_frame()
        articles = set(store.articles_frame()["url"])
        links = set(store.links_frame()["url"])
    column_ids = dict(zip(stored["url"], stored["id"], strict=True))
    for column in long:
        items = portal.index.articles_of[column.id]
        rows = listings[listings["column_id"] == column_ids[urls.column_url(portal, column)]]
        assert sorted(rows["url"]) == sorted(urls.article_url(portal, a) for a in items)
        assert set(rows["page"]) == set(range(1, -(-len(items) // urls.HANWEB_RECORDS) + 1))
        second = urls.list_page_url(portal, column, 1)
        assert "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15" in second
        assert served.server.request_count(second, method="GET") >= 1
    visible = {a.id for a in crawlable(portal, served.manifest)}
    on_host = [
        a for c in columns for a in portal.index.articles_of.get(c.id, []) if a.id in visible
    ]
    assert {urls.article_url(portal, a) for a in on_host} <= articles
    files = {  # attachments listed as files; a body's embedded image or video is not a link
        urls.attachment_url(portal, a, f)
        for a in on_host
        for f in a.attachments
        if f is not embedded_media(a, portal.index.column[a.column_id])
    }
    assert files and files <= links


def test_govcn_lists_are_read_from_the_directory_table_across_index_n_htm_pages(served):
    """The department on the gov.cn template: every column's rows come from the 信息公开目录
    table under its header cells, page after page (index.htm, index_1.htm …); each row's article
    (content_N.htm) is stored with its table.bd1 fields, and its attachments are links."""
    portal = served.portal
    (host,) = [h for h in portal.hosts if h.platform == "govcn"]
    columns = [
        c
        for u in portal.index.units_on[host.id]
        for c in portal.index.columns_of[u.id]
        if c.category != m.GROUP and not c.hidden
    ]
    long = [
        c for c in columns if len(portal.index.articles_of.get(c.id, [])) > urls.GOVCN_PAGE_SIZE
    ]
    assert long, "the sample has a govcn column longer than one list page"
    with open_store(served.db_url, create=True) as store:
        listings, stored = store.listings_frame(), store.columns_frame()
        articles = store.articles_frame()
        links = set(store.links_frame()["url"])
    column_ids = dict(zip(stored["url"], stored["id"], strict=True))
    for column in long:
        items = portal.index.articles_of[column.id]
        rows = listings[listings["column_id"] == column_ids[urls.column_url(portal, column)]]
        assert sorted(rows["url"]) == sorted(urls.article_url(portal, a) for a in items)
        assert set(rows["page"]) == set(range(1, -(-len(items) // urls.GOVCN_PAGE_SIZE) + 1))
        second = urls.list_page_url(portal, column, 1)
        assert second.endswith("/index_1.htm")
        assert served.server.request_count(second, method="GET") >= 1
    visible = {a.id for a in crawlable(portal, served.manifest)}
    on_host = [
        a for c in columns for a in portal.index.articles_of.get(c.id, []) if a.id in visible
    ]
    by_url = articles.set_index("url")
    assert {urls.article_url(portal, a) for a in on_host} <= set(by_url.index)
    for a in on_host[:20]:
        assert "/zhengce/content/" in urls.article_url(portal, a)
        assert by_url.loc[urls.article_url(portal, a), "title"] == a.title
    files = {
        urls.attachment_url(portal, a, f)
        for a in on_host
        for f in a.attachments
        if f is not embedded_media(a, portal.index.column[a.column_id])
    }
    assert files and files <= links


def test_incremental_crawl_fetches_only_new_and_changed_articles(served):
    before = {
        urls.article_url(served.portal, a): (a.title, _row_date(a))
        for a in crawlable(served.portal, served.manifest)
    }
    advance_directory(served.directory, 45)
    served.restart()
    crawl(served.directory, served.db_url)

    portal = served.portal
    visible = {a.id for a in crawlable(portal, served.manifest)}
    expected: set[str] = set()
    for column in portal.columns:
        for page in _pages(portal, column):
            rows = [a for a in page if a.id in visible]
            states = [
                before.get(urls.article_url(portal, a)) == (a.title, _row_date(a)) for a in rows
            ]
            expected |= {
                urls.article_url(portal, a)
                for a, same in zip(rows, states, strict=True)
                if not same
            }
            if rows and all(states):
                break  # the crawler stops paging at a page it already knows whole
    article_urls = {urls.article_url(portal, a) for a in portal.articles}
    fetched = {
        url
        for (method, url), n in served.server.requests.snapshot().items()
        if method == "GET" and url in article_urls
    }
    new = {urls.article_url(portal, a) for a in crawlable(portal, served.manifest)} - set(before)
    assert new and new <= fetched
    assert fetched == expected
    assert len(fetched) < len(article_urls) / 5


def test_robots_refusal_is_a_crawl_issue(served, tmp_path):
    registry = (served.directory / "units.yaml").read_text(encoding="utf-8")
    base = urls.platform_home(served.portal, "h1").removesuffix("/public/index.html")
    registry += (
        "- id: jh-robots\n  name: 江淮市机关事务管理局\n  level: 市直部门\n  parent: jh\n"
        f"  profile: lonsun\n  entry: {base}/admin/xxgk/index.html\n"
    )
    (tmp_path / "units.yaml").write_text(registry, encoding="utf-8")
    crawl(tmp_path, served.db_url, "--unit", "jh-robots", expect=5)  # observed nothing: failed
    with open_store(served.db_url, create=True) as store:
        issues = store.crawl_issues_frame()
    assert list(zip(issues["kind"], issues["unit_id"], strict=True)) == [
        ("robots_blocked", "jh-robots")
    ]

    # The registry may waive robots.txt for a site: then the page is fetched (here: a 404).
    (tmp_path / "units.yaml").write_text(
        registry + "  overrides:\n    robots: ignore\n", encoding="utf-8"
    )
    crawl(tmp_path, served.db_url, "--unit", "jh-robots", expect=5)  # observed nothing: failed
    with open_store(served.db_url, create=True) as store:
        issues = store.crawl_issues_frame()
    assert list(zip(issues["kind"], issues["unit_id"], strict=True)) == [
        ("http_error", "jh-robots")
    ]
    assert "404" in issues.iloc[0]["detail"]


def test_full_crawl_rereads_every_article_of_a_unit(served):
    served.server.reset_counts()
    crawl(served.directory, served.db_url, "--unit", "jh-d01", "--full")
    portal = served.portal
    mine = {
        urls.article_url(portal, a)
        for a in crawlable(portal, served.manifest)
        if a.unit_id == "jh-d01"
    }
    fetched = {
        url
        for (method, url), n in served.server.requests.snapshot().items()
        if method == "GET" and url in mine
    }
    assert fetched == mine


def test_revalidation_reads_a_page_edited_in_place_that_an_incremental_run_skips(served):
    portal = served.portal
    mine = [a for a in crawlable(portal, served.manifest) if a.unit_id == "jh-d02"]
    edited = next(a for a in mine if a.subject and not a.blank_fields)
    url = urls.article_url(portal, edited)
    edited.subject = "城乡建设" if edited.subject != "城乡建设" else "国民经济管理"
    m.save_portal(portal, served.directory)  # the list row (title, date) stays as it was
    served.restart()

    def stored_subject() -> str:
        with open_store(served.db_url, create=True) as store:
            rows = store.articles_frame(columns=["url", "subject"], unit_ids=["jh-d02"])
        return rows.set_index("url").loc[url, "subject"]

    crawl(served.directory, served.db_url, "--unit", "jh-d02")
    assert stored_subject() != edited.subject, "an incremental run does not see in-page edits"

    served.server.reset_counts()
    crawl(served.directory, served.db_url, "--unit", "jh-d02", "--revalidate")
    fetched = {
        u
        for (method, u), n in served.server.requests.snapshot().items()
        if method == "GET" and u.split("#")[0] in {urls.article_url(portal, a) for a in mine}
    }
    assert fetched == {urls.article_url(portal, a) for a in mine}, "every known page asked for"
    assert stored_subject() == edited.subject


def test_pages_over_the_size_cap_are_crawl_issues(store_url, served):
    # jh-d02's directory and list pages weigh ≤ 38 KB, its articles ≥ 41 KB (the furniture of
    # demo/render/furniture.py): a cap between them lets the unit be read, not its articles.
    db_url = store_url
    crawl(
        served.directory,
        db_url,
        "--unit",
        "jh-d02",
        "-s",
        "DOWNLOAD_MAXSIZE=39500",
        "-s",
        "ZWGK_CHECK_LINKS=0",
    )
    with open_store(db_url) as store:
        issues = store.crawl_issues_frame()
    assert len(issues) and set(issues["kind"]) == {"too_large"}
    assert set(issues["unit_id"]) == {"jh-d02"}
