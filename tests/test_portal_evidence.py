"""The evidence view (portal/evidence.py): the stored page of a problem's target as escaped text
lines with what the evidence names highlighted — never the stored HTML — the version the round
read, bounded in size, and a clear word when there is no page."""

from __future__ import annotations

import gzip

import pytest
from markupsafe import Markup
from portal_data_fixtures import C1_SUBTREE, LATE_DOC_NO, LATE_TITLE, SCRIPT_TITLE, art, col, fp
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import update

from portal import evidence
from portal.evidence import GAP, problem_evidence
from store import rounds as round_store
from store.rounds import PROBLEMS

SCRIPT = fp("dept1", "undated", art("dept1", 1))
LATE = fp("dept1", "late", art("dept1", 2))
ATTACHMENT = "http://dept1.gov.test/files/ducha.pdf"


def test_the_page_is_escaped_text_with_the_title_highlighted(rounds):
    page = problem_evidence(rounds.store, "2025Q2", SCRIPT, None)
    assert page.found and page.url == art("dept1", 1)
    assert all(isinstance(line, Markup) for line in page.lines)
    shown = "\n".join(page.lines)
    assert "<script>" not in shown and "<b>" not in shown  # the crawled markup stays text
    assert (
        Markup("<mark>&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</mark>")
        in page.lines
    )
    assert page.highlighted == (SCRIPT_TITLE,)
    # The page's own scripts and head are not text a reader sees.
    assert "2025-06-01" not in shown and "通知" not in page.lines[0]
    assert page.version_run == round_store.get_round(rounds.store, "2025Q2").crawl_run


def test_the_document_number_date_title_and_named_link_are_highlighted(rounds):
    page = problem_evidence(rounds.store, "2025Q2", LATE, None)
    assert set(page.highlighted) == {LATE_TITLE, LATE_DOC_NO, "2025年5月20日", ATTACHMENT}
    assert Markup(f"<mark>{LATE_DOC_NO}</mark>") in page.lines
    assert Markup(f"附件：督导办法〔链接地址：<mark>{ATTACHMENT}</mark>〕") in page.lines
    assert not page.truncated and GAP not in page.lines


def test_the_version_the_round_read_is_shown_after_the_page_changed(rounds):
    store = rounds.store
    run = store.start_run("full")
    store.upsert_articles(
        run,
        [
            {
                "url": art("dept1", 2),
                "unit_id": "dept1",
                "title": "改版",
                "html": "<html><body><p>页面已改版</p></body></html>",
            }
        ],  # fmt: skip
    )
    store.finish_run(run)
    assert (
        store.article_html(art("dept1", 2))
        == "<html><body><p>页面已改版</p></body></html>".encode()
    )
    page = problem_evidence(store, "2025Q2", LATE, None)
    assert page.version_run < run and Markup(f"<mark>{LATE_DOC_NO}</mark>") in page.lines


def test_a_problem_without_a_stored_page_says_why(rounds):
    store = rounds.store
    column = problem_evidence(store, "2025Q2", fp("dept1", "fresh", col("dept1")), None)
    assert (column.found, column.url) == (False, col("dept1"))
    assert column.message == "该问题针对栏目，栏目页面不保存，请打开原网址查看"
    unsaved = problem_evidence(store, "2025Q2", fp("t1", "undated", art("t1", 1)), None)
    assert not unsaved.found and "未保存该页面" in unsaved.message
    t1_fresh = fp("t1", "fresh", col("t1"))
    with store.engine.begin() as conn:  # a whole-site problem (a veto) has no target
        conn.execute(
            update(PROBLEMS).where(PROBLEMS.c.fingerprint == t1_fresh).values(target_url=None)
        )
    site = problem_evidence(store, "2025Q2", t1_fresh, None)
    assert (site.found, site.url) == (False, None) and "没有对应的单个页面" in site.message


def test_a_page_stored_only_after_the_rounds_run_is_not_shown(rounds):
    # The 2025Q1 problem of dept2's article points at no stored page; and dept1's pages were
    # stored in 2025Q2's run, after 2025Q1's: a 2025Q1 problem on them has no page of its time.
    store = rounds.store
    with store.engine.begin() as conn:
        conn.execute(
            update(PROBLEMS)
            .where(
                PROBLEMS.c.round == "2025Q1",
                PROBLEMS.c.fingerprint == fp("t2", "undated", art("t2", 1)),
            )
            .values(target_url=art("dept1", 2), evidence={"title": "x"})
        )
    page = problem_evidence(store, "2025Q1", fp("t2", "undated", art("t2", 1)), None)
    assert not page.found and page.message.startswith("本轮采集时该页面的内容未保存")


def test_out_of_scope_and_unknown_problems_read_the_same(rounds):
    assert problem_evidence(rounds.store, "2025Q2", LATE, C1_SUBTREE) is None
    assert problem_evidence(rounds.store, "2025Q2", "0123456789abcdef", None) is None


def test_a_long_page_is_cut_around_the_highlights(rounds, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_LINES", 20)
    filler = "".join(f"<p>第{i}段内容</p>" for i in range(500))
    html = f"<html><body>{filler}<h1>{LATE_TITLE}</h1>{filler}<p>{'长' * 1000}</p></body></html>"
    store = rounds.store
    run = store.start_run("full")
    store.upsert_articles(
        run, [{"url": art("dept1", 2), "unit_id": "dept1", "title": "长", "html": html}]
    )
    store.finish_run(run)
    with store.engine.begin() as conn:  # the problem as a later round would see it
        conn.execute(
            update(PROBLEMS).where(PROBLEMS.c.fingerprint == LATE)
            .values(evidence={"title": LATE_TITLE, "crawl_run": run})
        )  # fmt: skip
    page = problem_evidence(store, "2025Q2", LATE, None)
    assert page.truncated and page.lines[0] == GAP and page.lines[-1] == GAP
    assert len([line for line in page.lines if line != GAP]) == 2 * evidence.CONTEXT + 1
    assert Markup(f"<mark>{LATE_TITLE}</mark>") in page.lines


def test_lines_are_bounded_and_a_page_without_highlights_shows_its_beginning(rounds, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_LINES", 5)
    lines, found, cut = evidence._shown(["甲" * 1000] + [f"行{i}" for i in range(9)], ["没有"])
    assert cut and found == () and len(lines) == 6 and lines[-1] == GAP
    assert lines[0] == "甲" * evidence.MAX_LINE_CHARS + "…"


def test_a_page_decompressing_past_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PAGE_BYTES", 1000)
    assert evidence._decompressed(gzip.compress(b"x" * 1000)) == b"x" * 1000
    assert evidence._decompressed(gzip.compress(b"x" * 100_000)) is None


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (
            "2025-05-20",
            ["2025-05-20", "2025年5月20日", "2025年05月20日", "2025/5/20", "2025.05.20"],
        ),
        ("江教〔2025〕3号", ["江教〔2025〕3号"]),
    ],
)
def test_dates_are_looked_for_as_pages_print_them(value, printed):
    assert evidence._dates(value) == printed


def test_what_the_evidence_says_about_the_finding_is_not_looked_for():
    found = evidence._needles(
        {"kind_zh": "附件", "status_zh": "无法访问", "crawl_run": 3, "title": "一个标题", "x": "a"},
        "http://page",
        set(),
    )
    assert found == ["一个标题"]
