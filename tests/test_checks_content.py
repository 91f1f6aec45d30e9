"""Content checks on hand-built crawls: broken_links, duplicate_titles, consultation, term_list,
veto_count."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit
from pydantic import ValidationError

from scoring.checks.base import get_check

PAGE = "http://gov.test/u/art/{}.html"


# -- broken_links ------------------------------------------------------------------------------
def _link(page: int, url: str, outcome, kind="attachment", on_site=True, status=404) -> dict:
    return {"article_url": PAGE.format(page), "unit_id": "u", "url": url, "kind": kind,
            "text": "附件", "on_site": on_site, "outcome": outcome, "status_code": status}  # fmt: skip


def _linked(*links: dict, **kw):
    cols = [column(10, "u", "notice")]
    arts = [article(i, "u", 10, publish_date="2025-06-01") for i in (1, 2, 3)]
    return crawl_data([unit("u")], cols, arts, links=list(links), **kw)


def test_only_confirmed_links_are_broken():
    data = _linked(
        _link(1, "http://gov.test/u/a.pdf", "confirmed_broken"),
        _link(2, "http://gov.test/u/a.pdf", "confirmed_broken"),  # same file, second page
        _link(1, "http://gov.test/u/slow.html", "suspected", "body", status=None),
        _link(2, "http://gov.test/u/ok.pdf", "ok", status=200),
        _link(3, "http://gov.test/u/never.pdf", None, status=None),  # never checked
        _link(3, "http://other.test/gone.html", "confirmed_broken", "body", on_site=False),
        _link(3, "http://gov.test/u/x.html", "confirmed_broken", "related"),
    )
    found = run_check("broken_links", data)
    assert list(found["subject"]) == ["http://gov.test/u/a.pdf"]
    assert found["evidence"][0]["pages"] == [PAGE.format(1), PAGE.format(2)]
    assert found["evidence"][0]["status_code"] == 404
    wider = run_check("broken_links", data, {"kinds": ["body", "related"], "on_site_only": False})
    assert list(wider["subject"]) == ["http://gov.test/u/x.html", "http://other.test/gone.html"]


def test_broken_links_on_unobserved_pages_are_not_reported():
    data = _linked(
        _link(1, "http://gov.test/u/a.pdf", "confirmed_broken"),
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": "http://gov.test/u/col/10/"}],
    )
    assert run_check("broken_links", data).empty


# -- duplicate_titles --------------------------------------------------------------------------
def _dups(arts, listings=()):
    cols = [column(10, "u", "notice"), column(11, "u", "news"), column(12, "u", "policy")]
    return crawl_data([unit("u")], cols, arts, listings=listings)


def test_same_title_in_two_columns_targets_the_copy_in_the_news_column():
    arts = [
        article(1, "u", 11, title="关于2023年市场监管项目的公示", publish_date="2024-01-02"),
        article(2, "u", 10, title="关于2023年市场监管项目的公示", publish_date="2024-03-01"),
        article(3, "u", 10, title="关于开展安全生产检查的通知", publish_date="2024-03-01"),
        article(4, "u", 10, title="关于开展安全生产检查的通知", publish_date="2024-04-01"),
    ]
    found = run_check("duplicate_titles", _dups(arts))
    # The notice column outranks news: the news item is the copy even though it came first.
    assert list(found["target_url"]) == [PAGE.format(1)]
    assert found["subject"][0].startswith("dup/")
    assert found["evidence"][0]["other_urls"] == [PAGE.format(2)]
    # Within one column only when asked.
    within = run_check("duplicate_titles", _dups(arts), {"across_columns": False})
    assert sorted(within["target_url"]) == [PAGE.format(1), PAGE.format(4)]


def test_one_page_listed_in_two_columns_is_a_duplicate_and_subjects_are_stable():
    arts = [article(1, "u", 10, title="关于印发实施方案的通知", publish_date="2024-01-02")]
    listings = [
        {"column_id": 10, "unit_id": "u", "url": PAGE.format(1), "title": "关于印发实施方案的通知"},
        {"column_id": 12, "unit_id": "u", "url": PAGE.format(1), "title": "关于印发实施方案的通知"},
    ]
    first = run_check("duplicate_titles", _dups(arts, listings))
    again = run_check("duplicate_titles", _dups(arts, listings))
    assert list(first["target_url"]) == [PAGE.format(1)]
    assert list(first["subject"]) == list(again["subject"])


def test_short_generic_titles_are_not_duplicates():
    arts = [article(1, "u", 10, title="通知"), article(2, "u", 11, title="通 知")]
    assert run_check("duplicate_titles", _dups(arts)).empty


# -- consultation ------------------------------------------------------------------------------
DRAFT = "关于《江淮市河长制管理办法（征求意见稿）》公开征求意见的公告"


def _consult(window: str, feedback: str | None = None, **kw):
    cols = [column(10, "u", "consultation"), column(11, "u", "feedback")]
    arts = [article(1, "u", 10, title=DRAFT, publish_date="2025-03-03")]
    texts = {1: f"现将草案公布。征求意见时间：{window}。"}
    if feedback is not None:
        arts.append(article(2, "u", 11, title="意见采纳情况的反馈", publish_date="2025-05-06"))
        texts[2] = feedback
    return crawl_data([unit("u", "县区政府")], cols, arts, texts=texts, **kw)


def test_consultation_open_too_short():
    data = _consult("2025年3月3日至2025年3月16日", "就《江淮市河长制管理办法（征求意见稿）》……")
    found = run_check("consultation", data)
    assert list(found["subject"]) == [PAGE.format(1) + "#duration"]
    assert found["evidence"][0]["days"] == 14
    # 30 days counting both ends is enough.
    assert run_check("consultation", _consult("2025年3月3日至4月1日", "原公告：" + DRAFT)).empty


def test_consultation_without_feedback_once_feedback_is_due():
    data = _consult("2025年3月3日至2025年4月10日")
    found = run_check("consultation", data)
    assert list(found["subject"]) == [PAGE.format(1) + "#feedback"]
    assert found["evidence"][0]["feedback_due"] == "2025-05-10"
    assert run_check("consultation", data, as_of=dt.date(2025, 5, 10)).empty
    other = _consult("2025年3月3日至2025年4月10日", "就《另一个办法（征求意见稿）》的反馈")
    assert len(run_check("consultation", other)) == 1


def test_consultation_without_a_stated_period_or_unobserved_is_not_judged():
    assert run_check("consultation", _consult("另行通知")).empty
    blocked = _consult(
        "2025年3月3日至2025年3月6日",
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": "http://gov.test/u/col/10/"}],
    )
    assert run_check("consultation", blocked).empty


# -- term_list ---------------------------------------------------------------------------------
def test_wrong_and_forbidden_terms_in_title_and_body():
    cols = [column(10, "u", "news")]
    arts = [
        article(1, "u", 10, title="市政府办公厅召开会议", publish_date="2025-06-01"),
        article(2, "u", 10, title="工作动态", publish_date="2025-06-01"),
        article(3, "u", 10, title="无误", publish_date="2025-06-01"),
    ]
    texts = {1: "会议强调……", 2: "据悉，相关工作取得圆满成功。", 3: "一切正常"}
    data = crawl_data([unit("u")], cols, arts, texts=texts)
    params = {"terms": {"市政府办公厅": "市政府办公室", "圆满成功": None}}
    found = run_check("term_list", data, params)
    assert list(found["subject"]) == [
        PAGE.format(1) + "#term/市政府办公厅",
        PAGE.format(2) + "#term/圆满成功",
    ]
    assert found["evidence"][0]["right"] == "市政府办公室"
    assert found["evidence"][1]["right"] is None
    assert "圆满成功" in found["evidence"][1]["context"]
    titles_only = run_check("term_list", data, {**params, "fields": ["title"]})
    assert len(titles_only) == 1


# -- veto_count --------------------------------------------------------------------------------
def test_veto_count_only_validates_its_params():
    check = get_check("veto_count")
    params = check.Params.model_validate({"indicators": ["columns.blank"], "at_least": 5})
    data = crawl_data([unit("u")], [column(10, "u", "news")])
    assert run_check("veto_count", data, params.model_dump()).empty
    import pandas as pd

    counts = pd.Series({"u": 5, "v": 4})
    assert check.vetoed(counts, params).to_dict() == {"u": True, "v": False}
    for bad in ({"indicators": [], "at_least": 5}, {"indicators": ["a", "a"], "at_least": 1},
                {"indicators": ["a"], "at_least": 0}, {"indicators": ["a"]}):  # fmt: skip
        with pytest.raises(ValidationError):
            check.Params.model_validate(bad)
