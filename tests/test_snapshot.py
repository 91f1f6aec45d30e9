"""The picture of a problem's stored page (portal/snapshot.py, portal/snapshot_render.py,
portal/pages_snapshot.py) in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright — no browser download): the named element highlighted, nothing live fetched and no
script of the page run, drawn once and kept, each viewer's scope as on the problem's page, a
clear error for a page that cannot be drawn; and the HTML checklist's link to it, only when
the portal's address is configured (reports/checklist/snapshots.py).

The world is the portal's (tests/portal_fixtures.py, 2025Q2 published) with one of dept1's
articles stored in a later crawl that the problem's evidence names; its page refers to a
local HTTP server for every image, script, stylesheet and frame, which must hear nothing.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy
import pytest
from portal_fixtures import article_url
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from portal_unit_fixtures import published_fixture as published_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import update

from portal import snapshot, snapshot_render
from portal.snapshot import SnapshotError, problem_snapshot, snapshot_png
from portal.snapshot_render import HIGHLIGHT_BACKGROUND, Target, draw
from reports.checklist import load_checklists
from reports.checklist.html_page import render_html
from scoring.scorer import fingerprint
from store.rounds import PROBLEMS

CHROMIUM = Path("/usr/bin/chromium")
pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (.ci/run installs Debian's chromium)"
)
PIL = pytest.importorskip("PIL.Image")

ROUND = "2025Q2"
TITLE = "关于印发2025年工作要点的通知"
PAGE_URL = article_url("dept1", 2)
PLAN = fingerprint("dept1", "undated", PAGE_URL)  # dept1's: its page stored below
T1_PROBLEM = fingerprint("t1", "undated", article_url("t1", 1))  # no page stored
RED = (255, 0, 0)


class Heard(http.server.BaseHTTPRequestHandler):
    """Records every request; the page's images, scripts and styles all point here."""

    heard: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.heard.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body{background:#ff0000}")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    heard: list[str] = []
    handler = type("H", (Heard,), {"heard": heard})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", heard
    server.shutdown()
    server.server_close()


def page_html(base: str) -> bytes:
    """dept1's article as a GBK page: every outside resource on ``base``, a script that would
    paint the page red and rewrite the title, and the title the evidence names."""
    return f"""<html><head><meta charset="gbk"><title>通知</title>
<link rel="stylesheet" href="{base}/style.css"><script src="{base}/app.js"></script>
<link rel="preconnect" href="{base}"><link rel="icon" href="{base}/favicon.ico">
<meta http-equiv="refresh" content="1;url={base}/moved.html"></head>
<body><p>江淮市教育局</p><h1>{TITLE}</h1><p>正文第一段。</p>
<img src="{base}/photo.png" width="200" height="100"><iframe src="{base}/frame.html"></iframe>
<p style="background-image:url({base}/bg.png)">附件</p>
<script>document.body.style.background="#ff0000";
document.querySelector("h1").textContent="被脚本改过";</script></body></html>""".encode("gbk")


@pytest.fixture
def world(published, local_server, tmp_path, monkeypatch):  # noqa: F811
    """The published portal world with dept1's article 2 stored (in a crawl after the round's,
    which the problem's evidence names), pictures kept under tmp_path."""
    monkeypatch.setenv("ZWGK_SNAPSHOT_DIR", str(tmp_path / "pictures"))
    monkeypatch.delenv("ZWGK_PORTAL_URL", raising=False)
    base, _ = local_server
    store = published.store
    run = store.start_run("full")
    html = page_html(base)
    store.upsert_articles(
        run, [{"url": PAGE_URL, "unit_id": "dept1", "title": TITLE, "html": html}]
    )
    store.finish_run(run)
    with store.engine.begin() as conn:
        conn.execute(
            update(PROBLEMS)
            .where(PROBLEMS.c.round == ROUND, PROBLEMS.c.fingerprint == PLAN)
            .values(evidence={"title": TITLE, "crawl_run": run})
        )
    published.html = html  # type: ignore[attr-defined]
    return published


def pixels(png: bytes, colour: tuple[int, int, int]) -> int:
    image = numpy.asarray(PIL.open(io.BytesIO(png)).convert("RGB"))
    return int((image == colour).all(axis=2).sum())


def test_the_page_is_drawn_with_the_title_highlighted_nothing_fetched_no_script_run(
    world, local_server
):
    _, heard = local_server
    png = snapshot_png(world.store, ROUND, PLAN, None)
    image = PIL.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1280, 1000)
    # The title's box is painted in the highlight's colour: thousands of pixels of it.
    assert pixels(png, HIGHLIGHT_BACKGROUND) > 5000
    # The script and the stylesheet would have painted the page red; neither ran nor loaded.
    assert pixels(png, RED) == 0
    assert heard == []  # not one request reached the server the page refers to


def test_what_is_highlighted_is_found_in_the_page_as_stored(world, local_server):
    base, heard = local_server
    # The page's own address on the local server too (a public page's requests to loopback
    # Chromium would refuse anyway): the stored bytes are served, the server hears nothing.
    drawn = draw(world.html, f"{base}/art/2.html", Target(texts=(TITLE,)), ["说明"])
    assert drawn.highlighted == TITLE  # the script did not rewrite the title before
    assert pixels(drawn.png, RED) == 0 and heard == []
    link = draw(
        b"<p><a href='/files/a.pdf'>\xb8\xbd\xbc\xfe</a></p>",
        PAGE_URL,
        Target(links=("http://dept1.example.gov.cn/files/a.pdf",), texts=("none",)),
        ["说明"],
    )
    assert link.highlighted == "http://dept1.example.gov.cn/files/a.pdf"
    missing = draw(world.html, PAGE_URL, Target(texts=("页面上没有的文字",)), ["说明"])
    assert missing.highlighted is None and pixels(missing.png, HIGHLIGHT_BACKGROUND) == 0
    assert heard == []


def test_the_picture_is_drawn_once_and_kept(world, monkeypatch, tmp_path):
    drawn = []

    def counted(*args, **kwargs):
        drawn.append(args[1])
        return draw(*args, **kwargs)

    monkeypatch.setattr(snapshot, "draw", counted)
    first = snapshot_png(world.store, ROUND, PLAN, {"dept1"})
    again = snapshot_png(world.store, ROUND, PLAN, {"dept1"})
    assert drawn == [PAGE_URL] and first == again
    assert list((tmp_path / "pictures").rglob("*.png")) != []
    shot = problem_snapshot(world.store, ROUND, PLAN, None)
    assert shot.sha256 == hashlib.sha256(world.html).hexdigest()
    assert shot.fetched_at is not None and "北京时间" in shot.fetched_zh


def test_each_viewer_sees_only_the_pictures_of_problems_in_their_scope(world):
    unit = world.client_for("u_dept1")
    page = unit.get(f"/my/{ROUND}/problems/{PLAN}/snapshot")
    assert page.status_code == 200
    shot = problem_snapshot(world.store, ROUND, PLAN, None)
    assert "抓取时间" in page.text and shot.sha256 in page.text and "内容哈希" in page.text
    assert f'<img src="/my/{ROUND}/problems/{PLAN}/snapshot.png"' in page.text
    assert "<script" not in page.text and "style=" not in page.text  # the CSP holds
    png = unit.get(f"/my/{ROUND}/problems/{PLAN}/snapshot.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert f"/my/{ROUND}/problems/{PLAN}/snapshot" in unit.get(f"/my/{ROUND}").text
    # Another unit asks for dept1's picture, or its page: 404, as for no problem at all.
    other = world.client_for("u_t1")
    for path in ("snapshot", "snapshot.png"):
        assert other.get(f"/my/{ROUND}/problems/{PLAN}/{path}").status_code == 404
        assert other.get(f"/my/{ROUND}/problems/{'0' * 16}/{path}").status_code == 404
    # A county's evaluator does not see dept1; the city's does, on the problem's page.
    county = world.client_for("eval_c1")
    assert county.get(f"/rounds/{ROUND}/problems/{PLAN}/snapshot.png").status_code == 404
    city = world.client_for("eval")
    problem = city.get(f"/rounds/{ROUND}/problems/{PLAN}")
    assert f'<img src="/rounds/{ROUND}/problems/{PLAN}/snapshot.png"' in problem.text
    assert shot.sha256 in problem.text
    assert city.get(f"/rounds/{ROUND}/problems/{PLAN}/snapshot.png").content == png.content
    # The checklist's address sends each to their own view.
    moved = unit.get(f"/snapshot/{ROUND}/{PLAN}", follow_redirects=False)
    assert moved.headers["location"] == f"/my/{ROUND}/problems/{PLAN}/snapshot"
    moved = city.get(f"/snapshot/{ROUND}/{PLAN}", follow_redirects=False)
    assert moved.headers["location"] == f"/rounds/{ROUND}/problems/{PLAN}#snapshot"
    assert other.get(f"/snapshot/{ROUND}/{PLAN}", follow_redirects=False).status_code == 404
    assert county.get(f"/snapshot/{ROUND}/{PLAN}", follow_redirects=False).status_code == 404


def test_a_page_that_cannot_be_drawn_says_why_naming_the_problem_and_page(world, monkeypatch):
    with pytest.raises(SnapshotError, match=f"{T1_PROBLEM}.*未保存该页面"):
        snapshot_png(world.store, ROUND, T1_PROBLEM, None)
    monkeypatch.setattr(snapshot_render, "MAX_HTML_BYTES", 100)
    with pytest.raises(SnapshotError, match=f"{PLAN}.*保存的页面过大.*{PAGE_URL}"):
        snapshot_png(world.store, ROUND, PLAN, None)
    monkeypatch.setattr(snapshot_render, "MAX_HTML_BYTES", 5 * 1024 * 1024)
    with pytest.raises(SnapshotError, match=f"超时.*{PAGE_URL}"):
        draw(world.html, PAGE_URL, Target(), ["说明"], timeout=0.2)
    with pytest.raises(SnapshotError, match="没有 Chromium"):
        draw(world.html, PAGE_URL, Target(), ["说明"], chromium=Path("/nonexistent/chromium"))
    # On the portal: the picture's address says why (503), the problem's page still shows.
    monkeypatch.setattr(snapshot_render, "MAX_HTML_BYTES", 100)
    city = world.client_for("eval")
    failed = city.get(f"/rounds/{ROUND}/problems/{PLAN}/snapshot.png")
    assert failed.status_code == 503 and "保存的页面过大" in failed.text
    assert city.get(f"/rounds/{ROUND}/problems/{PLAN}").status_code == 200
    assert not list(snapshot.snapshot_folder(world.store).rglob("*.png"))  # nothing kept


def test_the_html_checklist_links_to_the_picture_only_when_the_portal_address_is_set(
    world, monkeypatch
):
    (cl,) = load_checklists(world.store, ROUND, ["dept1"])
    assert cl.snapshots == {PLAN}  # the one problem whose page is kept
    assert "网页快照" not in render_html(cl)
    monkeypatch.setenv("ZWGK_PORTAL_URL", "https://zwgk.example.gov.cn/")
    html = render_html(cl)
    link = f'<a href="https://zwgk.example.gov.cn/snapshot/{ROUND}/{PLAN}">查看网页快照'
    assert html.count("查看网页快照") == 1 and link in html
    (row,) = [r for r in html.split("<tr") if "查看网页快照" in r]
    assert PAGE_URL in row  # in the problem's own row
