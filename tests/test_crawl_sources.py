"""Field sources (字段来源) in the store and in `zwgk crawl`'s summary (需核对的字段).

Sources are stored with each article (``extra["sources"]``), made inert like all stored text,
left out of the content hash (a new reading of an unchanged page is no new version, and an
article stored before sources existed hashes as it did), refreshed on every re-fetch; the
summary lists per unit the fields a fallback read — none for the sample portal's units, every
field for a hand-made site only the `generic` profile reads (a real `zwgk crawl`).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest_scoring import FAST, _free_port
from rich.console import Console
from scrapy.http import HtmlResponse

from crawler import items
from crawler.extract import extract_article
from crawler.fallbacks import fallback_counts
from crawler.profile_model import get_profile
from crawler.run import print_summary
from store import BatchWriter, open_store
from store.rows import normalise_article
from store.testing import backend_url

ROOT = Path(__file__).resolve().parents[1]

ARTICLE = """<html><head><meta charset="utf-8"><title>{title}_某县人民政府</title>
<meta name="PubDate" content="2025-03-2{n} 08:00"></head><body>
<div class="crumb">首页 &gt; 通知公告</div>
<p class="kv">索引号：113300/2025-0001{n}</p>
<p class="kv">发布机构：某县林业局</p>
<div class="post"><p>各乡镇：为做好春季植树工作，现将有关事项通知如下。</p>
<p>请各单位按时组织实施，确保成效。第{n}号。</p></div>
</body></html>"""
TITLES = ["关于开展春季植树活动的通知", "关于做好森林防火工作的通知", "关于公布古树名木名录的通知"]
# Every field of these pages is read by a rule of `generic`: the <title>, loose labels,
# <meta name="PubDate">, the densest <p> cluster.
GENERIC_FIELDS = ["body", "index_no", "publish_date", "publisher", "title"]


def _article_item(unit_id: str, url: str, html: str, profile: str, **headers) -> dict:
    response = HtmlResponse(url, body=html.encode("utf-8"), headers=headers)
    data = extract_article(response.body, url, get_profile(profile))
    return items.article(unit_id, "", None, data, response, items.links_of(data, url))


def _store_unit(store, unit_id: str, profile: str) -> None:
    store.upsert_units(
        [{"id": unit_id, "name": "某县林业局", "level": "县直部门", "profile": profile,
          "entry_url": "http://x.test/"}]
    )  # fmt: skip


def _write(store, run_id: int, *item_rows: dict) -> dict:
    writer = BatchWriter(store, run_id)
    for item in item_rows:
        writer.add_article(item["row"])
    writer.close()
    return writer.counts


# -- storage -----------------------------------------------------------------------------------
def test_the_item_carries_the_sources_in_extra():
    url = "http://x.test/tzgg/1.html"
    item = _article_item("u", url, ARTICLE.format(title=TITLES[0], n=1), "generic")
    assert item["row"]["extra"]["sources"]["publish_date"] == "meta:PubDate@generic"


def test_sources_are_not_content_a_new_reading_is_no_new_version(store_url):
    url = "http://x.test/tzgg/1.html"
    html = ARTICLE.format(title=TITLES[0], n=1)
    item = _article_item("u", url, html, "generic")
    with open_store(store_url, create=True) as store:
        _store_unit(store, "u", "generic")
        first = store.start_run("incremental", ["u"], "h")
        _write(store, first, item)
        store.finish_run(first, "finished", {})
        # The same page read by rules written elsewhere: same values, other sources.
        again = _article_item("u", url, html, "generic")
        again["row"]["extra"]["sources"] = {"title": "sel:h1.title@city-x"}
        second = store.start_run("incremental", ["u"], "h")
        counts = _write(store, second, again)
        frame = store.articles_frame(columns=["url", "extra", "version_run"])
    assert counts.get("changed", 0) == 0
    assert list(frame["version_run"]) == [first]  # no new version, no history row
    assert frame["extra"][0]["sources"] == {"title": "sel:h1.title@city-x"}  # the latest


def test_an_article_stored_before_sources_hashes_as_it_did():
    row = {"url": "http://x.test/a.html", "unit_id": "u", "title": "通知", "extra": {"a": 1}}
    with_sources = {**row, "extra": {"a": 1, "sources": {"title": "sel:h1@lonsun"}}}
    assert normalise_article(row)["content_hash"] == normalise_article(with_sources)["content_hash"]
    changed = {**row, "extra": {"a": 2, "sources": {"title": "sel:h1@lonsun"}}}
    assert normalise_article(changed)["content_hash"] != normalise_article(row)["content_hash"]


def test_stored_sources_are_made_inert():
    row = {"url": "http://x.test/a.html", "unit_id": "u", "title": "通知",
           "extra": {"sources": {"title": "text:标\x1b[2J题@generic"}}}  # fmt: skip
    assert normalise_article(row)["extra"]["sources"]["title"] == "text:标[2J题@generic"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_fallback_counts_per_unit_on_both_backends(backend, tmp_path):
    lonsun_page = (
        '<html><body><h1 class="newstitle">关于印发方案的通知</h1><table class="table_suoyin">'
        "<tr><td>索引号：</td><td>0001/2025-00001</td><td>发布机构：</td><td>江淮市林业局</td></tr>"
        '</table><div class="j-fontContent"><p>正文。</p></div></body></html>'
    )
    with backend_url(backend, tmp_path) as url, open_store(url, create=True) as store:
        _store_unit(store, "hand", "generic")
        _store_unit(store, "own", "lonsun")
        run = store.start_run("incremental", ["hand", "own"], "h")
        _write(
            store,
            run,
            *(
                _article_item("hand", f"http://x.test/{i}.html", ARTICLE.format(title=t, n=i),
                              "generic")
                for i, t in enumerate(TITLES)
            ),
            _article_item("own", "http://y.test/public/1/2.html", lonsun_page, "lonsun"),
        )  # fmt: skip
        store.finish_run(run, "finished", {})
        counts = fallback_counts(store, run, ["hand", "own"])
        console = Console(record=True, width=200)
        print_summary(store, run, console)
    total, fields = counts["hand"]
    assert total == 3 and dict(fields) == {f: 3 for f in GENERIC_FIELDS}
    assert counts["own"][0] == 1 and not counts["own"][1]
    text = console.export_text()
    section = text.split("需核对的字段")[1]
    assert "hand  body 3/3, index_no 3/3, publish_date 3/3, publisher 3/3, title 3/3" in section
    assert "own" not in section


# -- a real crawl: the sample portal's units and a hand-made generic site -------------------------
class _HandMadeSite:
    """A county site no profile knows, served on 127.0.0.1: entry page → one column → three
    articles, every field of which only `generic` can read."""

    def __init__(self, folder: Path) -> None:
        pages = {
            "xxgk/index.html": '<html><body><div class="nav"><ul>'
            '<li><a href="/xxgk/tzgg/index.html">通知公告</a></li></ul></div></body></html>',
            "xxgk/tzgg/index.html": '<html><body><ul class="list">'
            + "".join(
                f'<li><a href="/xxgk/tzgg/202503/t2025032{i}_{i}.html">{t}</a>'
                f"<span>2025-03-2{i}</span></li>"
                for i, t in enumerate(TITLES)
            )
            + "</ul></body></html>",
        }
        for i, title in enumerate(TITLES):
            pages[f"xxgk/tzgg/202503/t2025032{i}_{i}.html"] = ARTICLE.format(title=title, n=i)
        for name, html in pages.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
def test_crawl_summary_flags_only_the_hand_made_generic_unit(store_url, tmp_path):
    from demo import model as m
    from demo.generate import make_sample, write_portal
    from demo.server import PortalServer
    from demo.site import Site

    portal_dir = tmp_path / "portal"
    portal_dir.mkdir()
    write_portal(portal_dir, *make_sample(seed=11, port=_free_port(), first_address=221))
    registry = (portal_dir / "units.yaml").read_text(encoding="utf-8")
    site = _HandMadeSite(tmp_path / "hand")
    registry = registry.replace("owned_hosts:\n", "owned_hosts:\n- 127.0.0.1\n", 1)
    registry += (
        "- id: hand\n  name: 某县林业局\n  level: 县直部门\n  parent: null\n"
        f"  profile: generic\n  entry: http://127.0.0.1:{site.port}/xxgk/index.html\n"
    )
    (portal_dir / "units.yaml").write_text(registry, encoding="utf-8")
    loaded = m.load_portal(portal_dir)
    server = PortalServer(loaded, Site(loaded))
    server.start()
    db = store_url
    units = ["jh-d01", "jh-c02-d01", "hand"]  # lonsun, trs, generic
    try:
        done = subprocess.run(
            [sys.executable, "-m", "zwgk", "crawl", "-r", str(portal_dir / "units.yaml"),
             *(o for u in units for o in ("-u", u)), *FAST, "-s", "RETRY_TIMES=0"],
            env={**os.environ, "ZWGK_DATABASE_URL": db, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        server.stop()
        site.close()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    section = done.stdout.split("需核对的字段")[1]
    assert "hand  body 3/3, index_no 3/3, publish_date 3/3, publisher 3/3, title 3/3" in section
    assert "jh-d01" not in section and "jh-c02-d01" not in section
    with open_store(db) as store:
        run = store.latest_run()
        counts = fallback_counts(store, run.id, units)
    assert counts["jh-d01"][0] > 5 and not counts["jh-d01"][1]  # lonsun: its own rules only
    assert counts["jh-c02-d01"][0] > 5 and not counts["jh-c02-d01"][1]  # trs: the same
