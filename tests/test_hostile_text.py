"""Hostile crawled text is inert everywhere (issue 9 point 5).

A title with terminal escapes, C0/C1 controls, a NUL, a lone surrogate, bidi overrides and rich
markup goes through the normal write path (`Store.upsert_articles`), is scored, and comes out of
every command that shows it — `zwgk evaluate`, `zwgk problems` (table, JSON, CSV), `zwgk report
round`, `zwgk report checklist`, `zwgk responses list` — with no escape byte on stdout, the
markup printed literally and the XLSX files written. Migration 0005 cleans a store written
before it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError
from rich.console import Console
from rich.errors import MarkupError
from sqlalchemy import insert, select
from test_report_round import SET_YAML
from typer.testing import CliRunner

from store import make_engine, migrate, open_store
from store.models import Article, CrawlIssue, CrawlRun, Unit
from store.testing import backend_url
from store.text import _UNSAFE, inert, inert_json, inert_url, is_inert, shown
from zwgk.cli import app

ESC = "\x1b"
# Clears the screen, sets the window title, rings the bell, C1 CSI, NUL, lone surrogate,
# right-to-left override, rich markup that closes a tag never opened, and an emoji code.
HOSTILE = (
    "关于\x1b[2J\x1b]0;pwned\x07[/][bold red]加强\x00管理\x9b31m的\ud800通知\u202eabc:smile:\r\n完"
)
CLEAN = "关于[2J]0;pwned[/][bold red]加强管理31m的通知abc:smile:\n完"
HOSTILE_UNIT = "江淮市[link=http://evil.test]教育局[/link]\x1b[5m"
CLEAN_UNIT = "江淮市[link=http://evil.test]教育局[/link][5m"


def test_inert_removes_exactly_the_unsafe_characters():
    assert inert(HOSTILE) == CLEAN
    assert inert(HOSTILE_UNIT) == CLEAN_UNIT
    assert (
        inert(None) is None and inert("索　引　号\t第一段\n第二段") == "索　引　号\t第一段\n第二段"
    )
    assert inert_json({"a\x1b": ["b\x00", 1, None]}) == {"a": ["b", 1, None]}


@given(st.text())
def test_inert_output_is_safe_for_xlsx_terminals_and_idempotent(text):
    out = inert(text)
    assert is_inert(out) and inert(out) == out
    assert not ILLEGAL_CHARACTERS_RE.search(out) and ESC not in out and "\r" not in out
    url = inert_url(text)
    assert inert_url(url) == url and not _UNSAFE.search(url) and "\n" not in url


def test_the_failures_the_issue_names_happen_without_it():
    """What `inert` and `shown` prevent: openpyxl refuses the cell, rich reads the markup."""
    with pytest.raises(IllegalCharacterError):
        Workbook().active["A1"] = HOSTILE
    with pytest.raises(MarkupError):
        Console(file=io.StringIO()).print("[/]")
    console = Console(record=True, width=200)
    console.print(shown("[/] [bold red]x :smile:"))
    assert console.export_text().strip() == "[/] [bold red]x :smile:"


# -- end to end ------------------------------------------------------------------------------
def _store_with_a_hostile_round(url, tmp_path):
    from scoring.indicators import load_indicator_set

    (tmp_path / "t.yaml").write_text(textwrap.dedent(SET_YAML), encoding="utf-8")
    with open_store(url, create=True) as store:
        store.upsert_units(
            [
                {"id": "u1", "name": HOSTILE_UNIT, "level": "市直部门", "parent": None,
                 "profile": "lonsun", "entry_url": "http://u1.test/"},
            ]
        )  # fmt: skip
        run = store.start_run("full", ["u1"])
        cols = {c: f"http://u1.test/c/{c}/" for c in ("news", "notice")}
        ids = store.upsert_columns(
            run,
            [
                {"unit_id": "u1", "url": u, "name": f"栏目{c}\x1b[0m", "category": c}
                for c, u in cols.items()
            ],
        )
        # One document (one 文号) under a hostile title in two columns: duplicate_information
        # quotes it in its suggestion.
        store.upsert_articles(
            run,
            [
                {"url": f"http://u1.test/a/{c}/1.html", "unit_id": "u1",
                 "column_id": ids[u], "title": HOSTILE, "publish_date": "2025-06-20",
                 "doc_no": "江政〔2025〕1号"}
                for c, u in cols.items()
            ],
        )  # fmt: skip
        store.set_column_counts(run, {ids[u]: 1 for u in cols.values()})
        store.finish_run(run)
    return tmp_path / "t.yaml", load_indicator_set(tmp_path / "t.yaml")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, module_store_urls):
    tmp = tmp_path_factory.mktemp("hostile")
    url = module_store_urls.new()
    indicators, _ = _store_with_a_hostile_round(url, tmp)
    return url, indicators, tmp


def _run(*args):
    # Wide enough that a table cell holds the whole title on one line.
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    assert b"\x1b" not in result.stdout_bytes and b"\x1b" not in (result.stderr_bytes or b"")
    for char in ("\x9b", "\u202e", "\x00", "\x07"):
        assert char not in result.output
    return result


def test_hostile_text_is_stored_inert(hostile):
    url, _, _ = hostile
    with open_store(url, create=True) as store:
        titles = set(store.articles_frame(columns=["title"])["title"])
        names = set(store.units_frame()["name"])
    assert (titles, names) == ({CLEAN}, {CLEAN_UNIT})


def test_every_command_shows_it_literally_without_escapes(hostile):
    url, indicators, tmp = hostile
    ev = _run("evaluate", "--round", "2025Q2", "--as-of", "2025-06-30", "--indicators",
              indicators, "--db", url)  # fmt: skip
    assert ev.exit_code == 0, ev.output
    assert "[link=http://evil.test]教育局[/link]" in ev.output  # markup printed, not obeyed

    table = _run("problems", "--round", "2025Q2", "--db", url)
    assert table.exit_code == 0, table.output
    assert "[/][bold red]加强管理31m的通知abc:smile:" in table.output

    as_json = _run("problems", "--round", "2025Q2", "--format", "json", "--db", url)
    records = json.loads(as_json.stdout)
    dup = [r for r in records if r["indicator"] == "duplicates.same_information"]
    assert dup and CLEAN.replace("\n", "") in dup[0]["suggestion"].replace("\n", "")
    assert "\\u001b" not in as_json.stdout  # not even escaped: the character is gone

    csv = _run("problems", "--round", "2025Q2", "--format", "csv", "--db", url)
    assert csv.exit_code == 0 and "[bold red]" in csv.stdout

    report = _run("report", "round", "--round", "2025Q2", "-o", tmp / "report", "--db", url)
    assert report.exit_code == 0, report.output
    book = load_workbook(tmp / "report" / "测评情况报告_2025Q2.xlsx")
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("[/][bold red]加强管理" in c for c in cells)
    html = (tmp / "report" / "测评情况报告_2025Q2.html").read_text(encoding="utf-8")
    assert ESC not in html and CLEAN_UNIT in html

    checklist = _run("report", "checklist", "--round", "2025Q2", "-o", tmp / "lists", "--db", url)
    assert checklist.exit_code == 0, checklist.output
    xlsx = next((tmp / "lists").rglob("*.xlsx"))
    cells = [str(c) for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row]
    assert any("[/][bold red]加强管理" in c for c in cells if c)

    answers = _run("responses", "list", "--round", "2025Q2", "--db", url)
    assert answers.exit_code == 0, answers.output


def test_a_markup_like_error_message_is_printed_literally(hostile):
    url, _, _ = hostile
    result = _run("problems", "--round", "[/]\x1b[2J", "--db", url)
    assert result.exit_code == 2 and "no round '[/]" in result.output


# -- migration 0005 on a store written before it ---------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_url(request, tmp_path):
    with backend_url(request.param, tmp_path) as u:
        yield u


def test_migration_0005_cleans_a_store_written_before_it(old_url):
    import datetime as dt

    # No driver stores a lone surrogate, and PostgreSQL refuses a NUL in text (before 0005 such
    # a title failed the crawl's whole batch there; the write path now drops it).
    old = HOSTILE.replace("\ud800", "").replace("\x00", "")

    engine = make_engine(old_url)
    try:
        migrate(engine, "0004")
        now = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
        with engine.begin() as conn:  # raw inserts: what the write path let through before 0005
            conn.execute(insert(CrawlRun.__table__).values(id=1, status="finished", mode="full",
                                                           started_at=now))  # fmt: skip
            conn.execute(insert(Unit.__table__).values(id="u1", name=HOSTILE_UNIT, level="市直部门",
                         profile="lonsun", entry_url="http://u1.test/", updated_at=now))  # fmt: skip
            conn.execute(insert(Article.__table__).values(
                id=1, url="http://u1.test/a.html", unit_id="u1", title=old, body_text=old,
                extra={"metadata": {"来源\x1b": old}}, content_hash="x", fetched_at=now,
                first_seen_run=1, last_seen_run=1, version_run=1))  # fmt: skip
            conn.execute(insert(Article.__table__).values(
                id=2, url="http://u1.test/b.html", unit_id="u1", title="干净的标题",
                content_hash="y", fetched_at=now, first_seen_run=1, last_seen_run=1,
                version_run=1))  # fmt: skip
            conn.execute(insert(CrawlIssue.__table__).values(
                run_id=1, kind="extraction_anomaly", host="u1.test", url="http://u1.test/x",
                detail=old, first_at=now, last_at=now, count=1))  # fmt: skip
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                select(Article.title, Article.body_text, Article.extra).order_by(Article.id)
            ).all()
            unit = conn.scalar(select(Unit.name))
            detail = conn.scalar(select(CrawlIssue.detail))
        assert [tuple(r) for r in rows] == [
            (CLEAN, CLEAN, {"metadata": {"来源": CLEAN}}),
            ("干净的标题", None, None),
        ]
        assert (unit, detail) == (CLEAN_UNIT, CLEAN)
    finally:
        engine.dispose()


def test_a_log_line_carrying_crawled_text_reaches_stderr_inert():
    """`zwgk`'s log handler (stderr) gets the message without its escapes."""
    import subprocess
    import sys

    code = (
        "import logging\n"
        "import zwgk.cli\n"
        "zwgk.cli.main(verbose=False)\n"
        "logging.getLogger('crawler.columns').warning('unclassified columns: %s', "
        "'栏目\\x1b[2J\\u202e名')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert b"\x1b" not in done.stderr and "栏目[2J名".encode() in done.stderr
