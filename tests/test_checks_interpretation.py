"""Policy interpretation (政策解读) checks on hand-built crawls: coverage, lag (working days),
back-links and forms."""

from __future__ import annotations

import datetime as dt

from conftest_scoring import article, column, crawl_data, run_check, unit

URL = "http://gov.test/{}/art/{}.html"


def _rel(kind: str, *targets: tuple[str, int]) -> list[dict]:
    return [{"url": URL.format(u, a), "text": "相关", "kind": kind} for u, a in targets]


def _doc(aid, uid="u", title=None, published="2024-05-06", **kw):
    return article(aid, uid, 10 if uid == "u" else 20, category_hint="doc",
                   title=title or f"甲局关于印发《办法{aid}》的通知", publish_date=published, **kw)  # fmt: skip


def _interp(aid, uid="u", title=None, published="2024-05-06", **kw):
    return article(aid, uid, 12 if uid == "u" else 22, title=title or f"《办法{aid}》政策解读",
                   publish_date=published, **kw)  # fmt: skip


def _crawl(arts, texts=None, **kw):
    cols = [
        column(10, "u", "normative"),
        column(12, "u", "interpretation"),
        column(20, "v", "normative"),
        column(22, "v", "interpretation"),
    ]
    rows = [{k: v for k, v in a.items() if k != "category_hint"} for a in arts]
    return crawl_data([unit("u"), unit("v")], cols, rows, texts=texts, **kw)


# -- coverage ----------------------------------------------------------------------------------
def test_a_document_nobody_interprets_is_found():
    data = _crawl(
        [
            _doc(1, related=_rel("interpretation", ("u", 3))),  # the document links it
            _doc(2),
            _interp(3),
            _interp(4, related=_rel("document", ("u", 2))),  # the interpretation links it
            _doc(5, title="甲局关于印发《江淮市河长制办法》的通知"),
            _interp(6, title="图解：《江淮市河长制办法》"),  # names it, no links
            _doc(7),
            _doc(8, uid="v", title="乙局关于印发《江淮市河长制办法》的通知"),  # other unit
        ]
    )
    found = run_check("interpretation_coverage", data)
    assert list(found["target_url"]) == [URL.format("u", 7), URL.format("v", 8)]
    assert found["evidence"][0]["title"] == "甲局关于印发《办法7》的通知"


def test_coverage_counts_only_documents_in_range_and_observed():
    data = _crawl(
        [_doc(1, published="2017-12-29"), _doc(2, uid="v")],
        issues=[{"kind": "anti_bot", "unit_id": "v", "url": "http://gov.test/v/col/20/"}],
    )
    assert run_check("interpretation_coverage", data, date_from=dt.date(2018, 1, 1)).empty
    assert list(run_check("interpretation_coverage", data)["target_url"]) == [URL.format("u", 1)]


def _to(url: str, kind: str = "document") -> list[dict]:
    return [{"url": url, "text": "相关文件", "kind": kind}]


def test_an_interpretation_linking_its_document_by_another_spelling_covers_it():
    doc = URL.format("u", 1)
    variants = [
        doc.replace("http://", "https://"),  # the other scheme
        doc + "?from=jd",  # a query string the CMS adds
        "HTTP://GOV.TEST/u/art/1.html",  # scheme and host in capitals
    ]
    arts = [_doc(1), _doc(4, title="甲局关于印发《另一办法》的通知")]
    arts += [_interp(10 + i, title=f"政策问答{i}", related=_to(v)) for i, v in enumerate(variants)]
    found = run_check("interpretation_coverage", _crawl(arts))
    assert list(found["target_url"]) == [URL.format("u", 4)]


def test_a_directory_and_its_index_page_are_one_address():
    doc = "http://gov.test/u/zcwj/2024/"
    arts = [
        _doc(1, url=doc + "index.html"),
        _interp(2, title="政策问答", related=_to("http://gov.test/u/zcwj/2024")),
    ]
    assert run_check("interpretation_coverage", _crawl(arts)).empty


def test_a_back_link_by_another_spelling_is_a_back_link():
    doc = URL.format("u", 1)
    arts = [
        _doc(1, related=_rel("interpretation", ("u", 2), ("u", 3))),
        # 相关链接 (not 相关文件): known as the document's only through the address.
        _interp(2, related=_to(doc.replace("http://", "https://") + "?source=list", "related")),
        _interp(3, related=_to(URL.format("u", 9), "related")),  # links another page
    ]
    found = run_check("interpretation_backlink", _crawl(arts))
    assert list(found["target_url"]) == [URL.format("u", 3)]


def _body_link(interp: int, url: str) -> dict:
    return {"article_url": URL.format("u", interp), "unit_id": "u", "url": url, "kind": "body",
            "text": "原文", "on_site": True, "outcome": "ok", "status_code": 200}  # fmt: skip


def test_a_link_back_in_the_body_text_is_a_back_link():
    doc1, doc5 = URL.format("u", 1), URL.format("u", 5)
    arts = [
        _doc(1, related=_rel("interpretation", ("u", 2), ("u", 3))),
        _interp(2),  # 原文：《办法1》 in its body, by another spelling
        _interp(3),  # its body links another document, not its own
        _doc(5),
        _interp(6),  # no document links it; its body links a stored document
        _interp(7),  # its body links a page the crawl did not store
    ]
    links = [
        _body_link(2, doc1.replace("http://", "https://")),
        _body_link(3, doc5),
        _body_link(6, doc5 + "?from=jd"),
        _body_link(7, "http://gov.test/u/art/99.html"),
    ]
    found = run_check("interpretation_backlink", _crawl(arts, links=links))
    assert sorted(found["target_url"]) == [URL.format("u", 3), URL.format("u", 7)]


def test_another_page_with_a_query_is_not_the_document():
    arts = [
        _doc(1, url="http://gov.test/u/show?id=1"),
        _interp(2, title="政策问答", related=_to("http://gov.test/u/show?id=2")),
    ]
    found = run_check("interpretation_coverage", _crawl(arts))
    assert list(found["target_url"]) == ["http://gov.test/u/show?id=1"]


# -- lag ---------------------------------------------------------------------------------------
def _pair(doc_day: str, interp_day: str, n: int = 1):
    return [
        _doc(n, published=doc_day, related=_rel("interpretation", ("u", n + 1))),
        _interp(n + 1, published=interp_day, related=_rel("document", ("u", n))),
    ]


def test_interpretation_more_than_three_working_days_late():
    data = _crawl(_pair("2024-05-06", "2024-05-10") + _pair("2024-05-06", "2024-05-09", 3))
    found = run_check("interpretation_lag", data, {"max_workdays": 3})
    assert list(found["target_url"]) == [URL.format("u", 2)]
    evidence = found["evidence"][0]
    assert (evidence["workdays"], evidence["document_url"]) == (4, URL.format("u", 1))


def test_holidays_do_not_make_an_interpretation_late():
    # 2025-01-27 → 2025-02-05: nine calendar days, one working day (Spring Festival 28 Jan–4 Feb).
    assert run_check("interpretation_lag", _crawl(_pair("2025-01-27", "2025-02-05"))).empty


def test_a_make_up_workday_makes_an_interpretation_late():
    # 2025-09-26 (Fri) → 2025-09-30 (Tue): two weekdays, but Sun 28 Sep is a make-up workday.
    data = _crawl(_pair("2025-09-26", "2025-09-30"))
    found = run_check("interpretation_lag", data, {"max_workdays": 2}, as_of=dt.date(2025, 10, 31))
    assert found["evidence"][0]["workdays"] == 3
    # A round judges what was public on its day: on 30 June both were still to come.
    assert run_check("interpretation_lag", data, {"max_workdays": 2}).empty


def test_known_only_from_the_document_side_and_judged_against_the_latest_document():
    arts = [
        _doc(1, published="2024-04-01", related=_rel("interpretation", ("u", 3))),
        _doc(2, published="2024-05-06", related=_rel("interpretation", ("u", 3))),
        _interp(3, published="2024-05-07"),  # 1 working day after doc 2, 26 after doc 1
    ]
    assert run_check("interpretation_lag", _crawl(arts)).empty


def test_a_later_interpretation_of_an_interpreted_document_is_an_addition_not_late():
    cases = [
        # A text interpretation the same day, a 图解 three weeks on.
        [_interp(2, published="2024-05-06"), _interp(3, title="图解：《办法1》", published="2024-05-27")],
        # Reversed order in the document's links; an expert's article months later.
        [_interp(3, title="专家解读《办法1》", published="2024-09-02"), _interp(2, published="2024-05-07")],
    ]  # fmt: skip
    for interps in cases:
        links = _rel("interpretation", *(("u", a["id"]) for a in interps))
        data = _crawl([_doc(1, published="2024-05-06", related=links), *interps])
        assert run_check("interpretation_lag", data, {"max_workdays": 3}).empty
    # The first interpretation late, a second one later still: one finding, on the first.
    late = [
        _interp(2, published="2024-05-20"),
        _interp(3, title="图解：《办法1》", published="2024-06-03"),
    ]
    links = _rel("interpretation", ("u", 2), ("u", 3))
    found = run_check("interpretation_lag", _crawl([_doc(1, related=links), *late]))
    assert list(found["target_url"]) == [URL.format("u", 2)]


# -- back-link ---------------------------------------------------------------------------------
def test_interpretation_not_linking_its_document():
    data = _crawl(
        [
            _doc(1, related=_rel("interpretation", ("u", 2), ("u", 3))),
            _interp(2, related=_rel("document", ("u", 1))),
            _interp(3),  # its document links it, it does not link back
            _interp(4),  # nothing links it either way
        ]
    )
    found = run_check("interpretation_backlink", data)
    assert list(found["target_url"]) == [URL.format("u", 3), URL.format("u", 4)]
    assert found["evidence"][0]["document_urls"] == [URL.format("u", 1)]
    assert found["evidence"][1]["document_urls"] == []


# -- forms -------------------------------------------------------------------------------------
def test_all_text_interpretations_are_one_problem_per_unit():
    arts = [
        _interp(1),
        _interp(2),
        _interp(3, uid="v"),
        _interp(4, uid="v", title="图解：《办法4》"),
    ]
    found = run_check("interpretation_forms", _crawl(arts))
    assert list(found["unit_id"]) == ["u"]
    assert list(found["subject"]) == ["forms"]
    assert found["target_url"][0] == "http://gov.test/u/col/12/"
    assert found["evidence"][0]["count"] == 2


def test_form_named_in_the_body_head_counts():
    arts = [_interp(1, title="关于《办法1》的解读"), _interp(2)]
    texts = {1: "一图读懂《办法1》", 2: "近日，甲局印发了《办法2》。现就有关内容解读如下："}
    assert run_check("interpretation_forms", _crawl(arts, texts)).empty
    found = run_check("interpretation_forms", _crawl(arts, {}))
    assert list(found["unit_id"]) == ["u"]


def test_min_forms_asks_for_variety():
    arts = [_interp(1, title="图解：《办法1》"), _interp(2, title="视频解读：《办法2》")]
    arts += [_interp(3, uid="v", title="图解：《办法3》")]
    data = _crawl(arts)
    assert run_check("interpretation_forms", data).empty
    found = run_check("interpretation_forms", data, {"min_forms": 2, "non_text_required": False})
    assert list(found["unit_id"]) == ["v"]
    assert found["evidence"][0]["forms"] == ["graphic"]


def _media(page: int, url: str) -> dict:
    return {"article_url": URL.format("u", page), "unit_id": "u", "url": url,
            "kind": "attachment", "text": "", "on_site": True, "outcome": "ok"}  # fmt: skip


def test_a_picture_or_video_page_without_form_words_is_not_text():
    arts = [_interp(1, title="解读《办法1》"), _interp(2)]
    text = "近日，甲局印发了《办法2》。现就有关内容解读如下：一、出台背景。二、主要内容。" * 6
    for link, body in (
        (_media(1, "http://gov.test/u/files/1.png"), ""),  # the picture alone
        (_media(1, "http://gov.test/u/files/1.JPG?v=2"), "扫码查看"),
        (_media(1, "http://gov.test/u/files/1.mp4"), text),  # a video, whatever the text
    ):
        data = _crawl(arts, {1: body, 2: text}, links=[link])
        assert run_check("interpretation_forms", data).empty, link["url"]
    # A photo beside a long text stays a text interpretation.
    data = _crawl(arts, {1: text, 2: text}, links=[_media(1, "http://gov.test/u/files/1.png")])
    assert list(run_check("interpretation_forms", data)["unit_id"]) == ["u"]
