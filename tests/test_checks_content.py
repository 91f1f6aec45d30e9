"""Content checks on hand-built crawls: broken_links, duplicate_information, consultation, term_list,
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


@pytest.mark.parametrize(
    "dead, working",
    [
        ("http://gov.test/u/col/", "http://gov.test/u/col"),  # a trailing slash
        ("http://gov.test/u/col", "http://gov.test/u/col/index.html"),  # its index page
        ("http://gov.test/u/files/附件.pdf", "http://gov.test/u/files/%E9%99%84%E4%BB%B6.pdf"),
        ("https://gov.test/u/a.pdf", "http://gov.test/u/a.pdf"),  # the other scheme
    ],
)
def test_a_dead_spelling_of_a_working_address_is_not_confirmed(dead, working):
    data = _linked(
        _link(1, dead, "confirmed_broken", "body"),
        _link(2, working, "ok", "body", status=200),
    )
    assert run_check("broken_links", data).empty
    # Without the working spelling it is a dead link.
    alone = _linked(_link(1, dead, "confirmed_broken", "body"))
    assert list(run_check("broken_links", alone)["subject"]) == [dead]


def test_other_addresses_or_queries_are_not_spellings_of_a_working_one():
    data = _linked(
        _link(1, "http://gov.test/u/a.pdf", "confirmed_broken"),
        _link(1, "http://gov.test/u/show?id=2", "confirmed_broken", "body"),
        _link(2, "http://gov.test/u/b.pdf", "ok", status=200),
        _link(2, "http://gov.test/u/show?id=1", "ok", "body", status=200),
        _link(3, "http://gov.test/u/a.pdf/x", "suspected", status=None),  # not working
    )
    found = run_check("broken_links", data)
    assert sorted(found["subject"]) == ["http://gov.test/u/a.pdf", "http://gov.test/u/show?id=2"]


def test_a_dead_link_to_another_site_is_not_the_units():
    data = _linked(
        _link(1, "http://www.jh.gov.cn/old.html", "confirmed_broken", "body", on_site=False),
        _link(2, "http://gov.test/u/gone.html", "confirmed_broken", "body"),
    )
    assert list(run_check("broken_links", data)["subject"]) == ["http://gov.test/u/gone.html"]


# -- duplicate_information ---------------------------------------------------------------------
def _dups(arts, listings=(), texts=None):
    cols = [column(10, "u", "notice"), column(11, "u", "news"), column(12, "u", "policy"),
            column(13, "u", "interpretation")]  # fmt: skip
    return crawl_data([unit("u")], cols, arts, listings=listings, texts=texts or {})


NOTICE_BODY = (
    "各乡镇人民政府、街道办事处，县政府各部门：为做好2025年防汛抗旱工作，经研究，现将有关事项通知如下："
    "一、时间安排。自本通知印发之日起至本年度末，分阶段组织实施。二、工作要求。各单位要明确责任人和联系人，"
    "按要求报送有关材料。三、联系方式。联系电话：0551-1234567。江淮市应急管理局 2025年5月6日"
)
MEETING = (
    "2025年5月6日，市应急管理局召开防汛抗旱工作会议。局主要负责同志出席会议并讲话，强调要进一步"
    "提高政治站位，压实工作责任，聚焦防汛抗旱中的难点堵点，细化工作举措，确保各项任务落地见效。"
)
PUBLICITY = (
    "现将2024年防汛抗旱先进集体拟表彰对象有关情况予以公示，公示期为5个工作日。公示期间，对公示内容"
    "有异议的，请以书面形式实名反映，并提供必要的证明材料。联系电话：0551-1234567。"
)


def test_the_same_title_over_different_content_is_not_a_duplicate():
    title = "关于防汛抗旱工作的通知"
    arts = [
        # A 2025 meeting report and a 2024 公示 under one title.
        article(1, "u", 11, title="防汛抗旱工作会议", publish_date="2025-05-06"),
        article(2, "u", 10, title="防汛抗旱工作会议", publish_date="2024-05-06"),
        # Published the same day in two columns, different texts.
        article(3, "u", 10, title=title, publish_date="2025-05-06"),
        article(4, "u", 11, title=title, publish_date="2025-05-06"),
        # Same title, no body text to compare (an attachment-only page) and no 文号.
        article(5, "u", 10, title="2025年部门预算公开说明", publish_date="2025-03-01"),
        article(6, "u", 11, title="2025年部门预算公开说明", publish_date="2025-03-01"),
    ]
    texts = {1: MEETING, 2: PUBLICITY, 3: NOTICE_BODY, 4: MEETING}
    assert run_check("duplicate_information", _dups(arts, texts=texts)).empty


def test_the_same_doc_no_under_another_title_is_a_duplicate_naming_both_pages():
    arts = [
        article(1, "u", 12, title="江淮市应急管理局关于印发《江淮市防汛抗旱应急预案》的通知",
                doc_no="江应急〔2025〕3号", publish_date="2025-05-06"),
        article(2, "u", 10, title="江淮市防汛抗旱应急预案", doc_no="江应急[2025] 3号",
                publish_date="2025-05-09"),
    ]  # fmt: skip
    found = run_check("duplicate_information", _dups(arts))
    assert list(found["target_url"]) == [PAGE.format(2)]  # 政策文件 outranks 通知公告
    evidence = found["evidence"][0]
    assert evidence["problem"] == "doc_no" and evidence["doc_no"] == "江应急〔2025〕3号"
    assert (evidence["url"], evidence["other_url"]) == (PAGE.format(2), PAGE.format(1))
    assert evidence["other_column_name"] == "policy-12" and evidence["count"] == 2
    assert evidence["why"] == "文号同为江应急〔2025〕3号"


def test_the_same_body_under_another_title_is_a_duplicate():
    cases = [
        ("关于做好2025年防汛抗旱工作的通知", "【通知公告】关于做好2025年防汛抗旱工作的通知", {}),
        ("关于做好2025年防汛抗旱工作的通知", "关于做好2025年防汛抗旱工作的通知", {}),
        # Unrelated titles, paired by the 文号 the bodies print.
        ("防汛抗旱工作安排", "今年汛期工作怎么干", {"body_doc_no": "江应急〔2025〕3号"}),
    ]
    for original, copy, extra in cases:
        arts = [
            article(1, "u", 10, title=original, publish_date="2025-05-06", **extra),
            article(2, "u", 11, title=copy, publish_date="2025-05-08", **extra),
        ]
        # The copy adds a line: still at least 90 % the same text.
        texts = {1: NOTICE_BODY, 2: "来源：应急管理局\n" + NOTICE_BODY}
        found = run_check("duplicate_information", _dups(arts, texts=texts))
        assert list(found["target_url"]) == [PAGE.format(2)], (original, copy)
        evidence = found["evidence"][0]
        assert evidence["problem"] == "body" and 90 <= evidence["similarity"] < 100
        assert evidence["why"] == f"正文{evidence['similarity']}%相同"


def test_near_identical_bodies_far_apart_in_time_are_not_duplicates():
    # A yearly notice repeats last year's text: the dates are a year apart.
    arts = [
        article(1, "u", 10, title="关于做好防汛抗旱工作的通知", publish_date="2024-05-06"),
        article(2, "u", 11, title="关于做好防汛抗旱工作的通知", publish_date="2025-05-06"),
    ]
    texts = {1: NOTICE_BODY.replace("2025", "2024"), 2: NOTICE_BODY}
    assert run_check("duplicate_information", _dups(arts, texts=texts)).empty
    wide = run_check("duplicate_information", _dups(arts, texts=texts), {"max_days": 400})
    assert list(wide["target_url"]) == [PAGE.format(2)]


def test_an_interpretation_repeating_its_documents_doc_no_is_not_a_duplicate():
    arts = [
        article(1, "u", 12, title="关于印发《江淮市防汛抗旱应急预案》的通知",
                doc_no="江应急〔2025〕3号", publish_date="2025-05-06"),
        article(2, "u", 13, title="《江淮市防汛抗旱应急预案》政策解读", doc_no="江应急〔2025〕3号",
                publish_date="2025-05-06"),
        # Placeholders are no 文号.
        article(3, "u", 10, title="关于召开防汛工作会议的通知", doc_no="无", publish_date="2025-05-06"),
        article(4, "u", 11, title="关于召开防汛工作会议的通知", doc_no="无", publish_date="2025-05-06"),
    ]  # fmt: skip
    assert run_check("duplicate_information", _dups(arts)).empty


def test_one_page_listed_in_two_columns_is_one_page_and_subjects_are_stable():
    arts = [article(1, "u", 10, title="关于印发实施方案的通知", publish_date="2024-01-02")]
    listings = [
        {"column_id": 10, "unit_id": "u", "url": PAGE.format(1), "title": "关于印发实施方案的通知"},
        {"column_id": 12, "unit_id": "u", "url": PAGE.format(1), "title": "关于印发实施方案的通知"},
    ]
    assert run_check("duplicate_information", _dups(arts, listings)).empty
    arts.append(article(2, "u", 11, title="【转载】关于印发实施方案的通知", doc_no="江〔2024〕1号",
                        publish_date="2024-01-03"))  # fmt: skip
    arts[0]["doc_no"] = "江〔2024〕1号"
    first = run_check("duplicate_information", _dups(arts, listings))
    again = run_check("duplicate_information", _dups(arts, listings))
    assert list(first["subject"]) == list(again["subject"]) and len(first) == 1
    assert first["subject"][0].startswith("dup/")


def test_copies_inside_one_column_only_when_asked_and_short_titles_never_pair():
    arts = [
        article(1, "u", 10, title="关于开展安全生产检查的通知", publish_date="2024-03-01"),
        article(2, "u", 10, title="关于开展安全生产检查的通知", publish_date="2024-03-04"),
        article(3, "u", 10, title="通知", publish_date="2024-03-01"),
        article(4, "u", 11, title="通 知", publish_date="2024-03-01"),
    ]
    texts = {1: NOTICE_BODY, 2: NOTICE_BODY, 3: NOTICE_BODY, 4: NOTICE_BODY}
    assert run_check("duplicate_information", _dups(arts, texts=texts)).empty
    within = run_check("duplicate_information", _dups(arts, texts=texts), {"across_columns": False})
    assert list(within["target_url"]) == [PAGE.format(2)]


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


def _consult_column(*items: tuple[int, int, str, str], as_of="2025-06-30"):
    """A unit with a consultation column (10) and a feedback column (11): items are
    (id, column, title, body text)."""
    cols = [column(10, "u", "consultation"), column(11, "u", "feedback")]
    arts = [article(i, "u", c, title=t, publish_date="2025-03-03") for i, c, t, _ in items]
    texts = {i: text for i, _, _, text in items}
    return crawl_data([unit("u", "县区政府")], cols, arts, texts=texts)


def test_a_publicity_notice_in_the_consultation_column_is_no_consultation():
    for title in (
        "关于2024年度防汛抗旱先进集体拟表彰对象的公示",
        "江淮市2025年民生实事项目评选结果公示",
        "关于拟任干部人选的公示",
    ):
        data = _consult_column(
            (1, 10, title, "公示时间：2025年3月3日至2025年3月9日。公示期间如有异议请反映。")
        )
        assert run_check("consultation", data).empty, title
    # A draft put up for comment stays judged, whatever its title ends with.
    draft = "关于《江淮市养犬管理办法（草案）》征求意见的公示"
    data = _consult_column((1, 10, draft, "征求意见时间：2025年3月3日至2025年3月9日。"))
    assert {e["problem"] for e in run_check("consultation", data)["evidence"]} == {
        "too_short",
        "no_feedback",
    }


def test_an_extended_deadline_ends_the_consultation_period():
    on_page = [
        "征求意见时间：2025年3月3日至2025年3月16日。（更新：征求意见截止时间延长至2025年4月10日。）",
        "征求意见时间：2025年3月3日至3月16日。因故延期至4月2日。",
    ]
    for text in on_page:
        found = run_check(
            "consultation", _consult_column((1, 10, DRAFT, text)), as_of=dt.date(2025, 4, 20)
        )
        assert found.empty, text
    # An extension notice of the unit naming the draft.
    data = _consult_column(
        (1, 10, DRAFT, "征求意见时间：2025年3月3日至2025年3月16日。"),
        (2, 10, "关于延长《江淮市河长制管理办法（征求意见稿）》征求意见期限的公告",
         "经研究，《江淮市河长制管理办法（征求意见稿）》征求意见截止时间延长至2025年4月10日。"),
    )  # fmt: skip
    assert run_check("consultation", data, as_of=dt.date(2025, 4, 20)).empty
    # An extension of another draft does not count.
    other = _consult_column(
        (1, 10, DRAFT, "征求意见时间：2025年3月3日至2025年3月16日。"),
        (2, 10, "关于延长《另一个办法（征求意见稿）》征求意见期限的公告", "延长至2025年4月10日。"),
    )
    subjects = run_check("consultation", other, as_of=dt.date(2025, 4, 20))["subject"]
    assert PAGE.format(1) + "#duration" in set(subjects)


def test_feedback_filed_in_the_consultation_column_answers_the_draft():
    for title in ("《江淮市河长制管理办法（征求意见稿）》征求意见采纳情况的反馈",
                  "江淮市河长制管理办法征求意见结果（征集结果）"):  # fmt: skip
        data = _consult_column(
            (1, 10, DRAFT, "征求意见时间：2025年3月3日至2025年4月10日。"),
            (2, 10, title, "就《江淮市河长制管理办法（征求意见稿）》收到意见3条，采纳2条。"),
        )
        assert run_check("consultation", data).empty, title


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


def test_a_term_inside_a_quoted_name_or_a_web_address_is_not_reported():
    cols = [column(10, "u", "news")]
    quoted = [
        "根据《江淮市政务服务网用户帐号管理办法》（2012年）有关规定，现将有关事项说明如下。",
        "详见《关于规范网站帐号注册管理的通知》。",
        "办理地址：https://zwfw.jianghuai.gov.cn/帐号/login.html 。",
        "访问 www.jianghuai.gov.cn/帐号 登记。",
    ]
    arts = [article(i, "u", 10, title=f"说明{i}", publish_date="2025-06-01")
            for i in range(1, len(quoted) + 2)]  # fmt: skip
    texts = {i: text for i, text in enumerate(quoted, start=1)}
    texts[len(quoted) + 1] = "请在《办法》规定期限内注册帐号。"  # outside the name: reported
    data = crawl_data([unit("u")], cols, arts, texts=texts)
    found = run_check("term_list", data, {"terms": {"帐号": "账号"}})
    assert list(found["subject"]) == [PAGE.format(len(quoted) + 1) + "#term/帐号"]


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
