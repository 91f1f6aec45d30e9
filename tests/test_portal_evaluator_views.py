"""The evaluator pages' views of a round (/rounds …): a unit's answers and their review, its
checklist downloads, the overview with its charts, a problem's evidence as escaped text, and
a crawled `<script>` title shown as text on every page. (Access, the problem list, decisions
and the round's life: tests/test_portal_evaluator_pages.py.)"""

from __future__ import annotations

import re

import pytest
from portal_eval_fixtures import (
    DEPT1_FRESH,
    ESCAPED,
    LATER,
    SCRIPT,
    T1_FRESH,
    assert_safe,
    audit,
    pages,
    publish,
)
from portal_eval_fixtures import publishable_fixture as publishable_fixture  # noqa: F401
from portal_fixtures import ROUND, SCRIPT_TITLE, article_url
from portal_fixtures import portal_store_fixture as portal_store_fixture  # noqa: F401
from portal_fixtures import portal_template_fixture as portal_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401

from portal import answers
from portal.audit import REVIEW
from reports.wording import cn_date
from store.rounds import get_round


# -- answers and their review --------------------------------------------------------------------
def test_an_answer_is_accepted_or_sent_back_with_a_comment(publishable):
    store = publishable.store
    publish(publishable)
    fresh = answers.answer_online(store, ROUND, "dept1", DEPT1_FRESH, "rectified", "已更新", "u")
    script = answers.answer_online(store, ROUND, "dept1", SCRIPT, "in_progress", "补日期中", "u")
    client = publishable.client_for("eval")
    page = client.get(f"/rounds/{ROUND}/units/dept1").text
    assert "已更新" in page and "补日期中" in page and "待审核" in page
    assert_safe(page)
    url = f"/rounds/{ROUND}/units/dept1/answers/{{}}/review"
    accepted = client.post(
        url.format(fresh.response_id), data={"csrf_token": client.csrf_token, "verdict": "accepted"}
    )
    assert accepted.status_code == 200 and "已通过该答复" in accepted.text
    bare = client.post(
        url.format(script.response_id),
        data={"csrf_token": client.csrf_token, "verdict": "sent_back", "comment": " "},
    )
    assert bare.status_code == 400 and "退回答复须写明审核意见" in bare.text
    sent = client.post(
        url.format(script.response_id),
        data={"csrf_token": client.csrf_token, "verdict": "sent_back"}
        | {"comment": "请附<b>截图</b>"},
    )
    assert sent.status_code == 200 and "已退回该答复" in sent.text
    assert "请附&lt;b&gt;截图&lt;/b&gt;" in sent.text
    reviews = audit(store, REVIEW)
    assert [(r["target"], r["after"]["verdict"]) for r in reviews] == [
        (DEPT1_FRESH, "accepted"),
        (SCRIPT, "sent_back"),
    ]


def test_a_county_evaluator_cannot_review_another_units_answer(publishable):
    store = publishable.store
    publish(publishable)
    fresh = answers.answer_online(store, ROUND, "dept1", DEPT1_FRESH, "rectified", "已更新", "u")
    client = publishable.client_for("eval_c1")
    data = {"csrf_token": client.csrf_token, "verdict": "accepted"}
    foreign = client.post(
        f"/rounds/{ROUND}/units/dept1/answers/{fresh.response_id}/review", data=data
    )
    assert foreign.status_code == 404
    # Through one of its own units' URL: the answer is not one it may review (said as for an
    # answer that does not exist).
    mine = client.post(f"/rounds/{ROUND}/units/t1/answers/{fresh.response_id}/review", data=data)
    assert mine.status_code == 400 and "没有这条可由您审核的答复" in mine.text
    assert audit(store, REVIEW) == []


# -- downloads -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "media", "start"),
    [
        ("xlsx", "spreadsheetml", b"PK"),
        ("csv", "text/csv", "\ufeff".encode()),
        ("html", "text/html", b"<!DOCTYPE html>"),
    ],
)
def test_the_units_checklist_downloads_as_the_command_writes_it(publishable, fmt, media, start):
    publish(publishable)
    response = publishable.client_for("eval_c1").get(f"/rounds/{ROUND}/units/t1/checklist.{fmt}")
    assert response.status_code == 200
    assert media in response.headers["content-type"]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "t1" in disposition
    assert response.content.startswith(start)
    if fmt != "xlsx":
        assert "东城区城关镇" in response.content.decode("utf-8-sig")
    if fmt == "html":  # the notice says the round's 整改期限
        assert cn_date(LATER) in response.text


def test_an_unknown_checklist_format_is_404(portal_store):
    response = portal_store.client_for("eval").get(f"/rounds/{ROUND}/units/t1/checklist.pdf")
    assert response.status_code == 404


# -- a crawled title is text everywhere ----------------------------------------------------------
@pytest.mark.parametrize("login", ["admin", "eval"])
def test_the_script_title_is_shown_escaped_on_every_page(portal_store, login):
    client = portal_store.client_for(login)
    shown = 0
    for path in pages("dept1", SCRIPT):
        html = client.get(path).text
        assert_safe(html)
        shown += ESCAPED in html
    assert shown >= 3  # the list, the problem's page, the unit's page
    assert SCRIPT_TITLE not in client.get(f"/rounds/{ROUND}/problems?q=script").text


# -- the overview --------------------------------------------------------------------------------
def test_the_overview_counts_and_ranks_within_the_viewers_units(portal_store):
    city = portal_store.client_for("eval").get(f"/rounds/{ROUND}").text
    county = portal_store.client_for("eval_c1").get(f"/rounds/{ROUND}").text
    assert "江淮市教育局" in city and "只包括您负责范围内的单位" not in city
    assert "江淮市教育局" not in county and "东城区城关镇" in county
    assert "只包括您负责范围内的单位" in county
    assert re.search(r'<div class="value">12</div><div class="label">问题总数', city)
    assert re.search(r'<div class="value">4</div><div class="label">问题总数', county)
    assert "本轮扣分问题" in city  # the round report's paragraph


def test_the_overview_counts_decisions_in_force(portal_store):
    client = portal_store.client_for("eval")
    client.post(
        f"/rounds/{ROUND}/problems/decide",
        data={"csrf_token": client.csrf_token, "fp": [T1_FRESH], "decision": "dismissed"}
        | {"reason": "栏目已撤并"},
    )
    html = client.get(f"/rounds/{ROUND}").text
    dismissed = re.search(r"status=open&amp;decision=dismissed\">(\d+)<", html)
    assert dismissed and dismissed.group(1) == "1"


def test_charts_are_images_of_the_viewers_units(portal_store):
    city = portal_store.client_for("eval")
    html = city.get(f"/rounds/{ROUND}").text
    charts = re.findall(rf'<img src="/rounds/{ROUND}/charts/(\w+)\.png"', html)
    assert "scores" in charts and "groups" in charts
    for name in charts:
        png = city.get(f"/rounds/{ROUND}/charts/{name}.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
    county = portal_store.client_for("eval_c1")
    assert "charts/trend.png" not in county.get(f"/rounds/{ROUND}").text
    assert county.get(f"/rounds/{ROUND}/charts/trend.png").status_code == 404
    assert county.get(f"/rounds/{ROUND}/charts/nosuch.png").status_code == 404
    assert (
        portal_store.client_for("u_dept1").get(f"/rounds/{ROUND}/charts/scores.png").status_code
        == 403
    )


# -- evidence ------------------------------------------------------------------------------------
STORED_PAGE = (
    "<html><head><script>window.stolen=1</script><style>body{display:none}</style></head>"
    "<body><h1>&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</h1>"
    "<img src=x onerror=\"alert('img')\"><p>发布机构：江淮市教育局</p>"
    '<iframe src="http://evil.example/"></iframe><p>正文。</p></body></html>'
)


def test_the_evidence_is_the_stored_page_as_escaped_text_never_its_html(portal_store):
    store = portal_store.store
    run = get_round(store, ROUND).crawl_run
    store.upsert_articles(
        run,
        [
            {
                "url": article_url("dept1", 1),
                "unit_id": "dept1",
                "title": SCRIPT_TITLE,
                "html": STORED_PAGE,
            }
        ],
    )
    html = portal_store.client_for("eval").get(f"/rounds/{ROUND}/problems/{SCRIPT}").text
    evidence = html[html.index('<pre class="evidence">') : html.index("</pre>")]
    assert "<mark>" + ESCAPED + "</mark>" in evidence  # the title, highlighted, as text
    assert "发布机构：江淮市教育局" in evidence
    for raw in ("<script", "<img", "<iframe", "<style", "onerror", "<h1", "<b>"):
        assert raw not in evidence
    page_itself = html.replace('<script src="/static/select_all.js" defer></script>', "")
    # The one image is the page drawn as a PNG by the portal (网页快照), never the stored <img>.
    ours = re.findall(r'<img src="/rounds/[^"]+/problems/[0-9a-f]+/snapshot\.png"[^>]*>', html)
    assert len(ours) == 1
    page_itself = page_itself.replace(ours[0], "")
    for raw in ("<script", "<img", "<iframe", "<style", "onerror", "window.stolen"):
        assert raw not in page_itself
    live = re.search(r'<a href="([^"]+)" rel="noopener noreferrer" target="_blank">', html)
    assert live and live.group(1) == article_url("dept1", 1)


def test_a_problem_without_a_stored_page_says_so(portal_store):
    html = portal_store.client_for("eval").get(f"/rounds/{ROUND}/problems/{T1_FRESH}").text
    assert '<pre class="evidence">' not in html
    assert "栏目" in html[html.index("<h2>证据</h2>") :]
