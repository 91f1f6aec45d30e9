"""The reference's rules the set gained in issue 12, on hand-built crawls: interpretation_presence
("其他文件一篇都没有解读，扣一半分"), validity (有效性), download_formats (WORD and PDF),
consultation_materials (依据, 起草说明), annual_report_content (six parts; 一＋二＝三＋四),
required_fields per document, and column_freshness's undated kind."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit
from pydantic import ValidationError

from scoring.checks.annual_report_content import row_values
from scoring.checks.download_formats import extension
from scoring.checks.validity import normalise_validity

PAGE = "http://gov.test/{}/art/{}.html"


# -- interpretation_presence -------------------------------------------------------------------
def _policies(*units: tuple[str, list[dict]]):
    cols, arts = [], []
    for n, (uid, docs) in enumerate(units, start=1):
        cols += [column(10 * n, uid, "policy"), column(10 * n + 1, uid, "interpretation")]
        for i, doc in enumerate(docs, start=1):
            aid = 100 * n + i
            interp = doc.pop("interp", None)
            arts.append(article(aid, uid, 10 * n, publish_date="2025-03-01",
                                title=doc.pop("title", f"{uid}关于印发《方案{aid}》的通知"), **doc))  # fmt: skip
            if interp:
                arts.append(article(aid + 50, uid, 10 * n + 1, title=interp,
                                    publish_date="2025-03-02"))  # fmt: skip
    return crawl_data([unit(u) for u, _ in units], cols, arts)


def test_a_unit_with_no_interpreted_policy_document_is_found_once():
    data = _policies(
        ("none", [{}, {}, {}]),
        ("one", [{}, {"title": "乙关于印发《乙方案》的通知", "interp": "图解《乙方案》"}]),
        (
            "linked",
            [
                {
                    "related": [
                        {
                            "url": PAGE.format("linked", 351),
                            "text": "解读",
                            "kind": "interpretation",
                        }
                    ],
                    "interp": "解读",
                }
            ],
        ),  # fmt: skip
        ("empty", []),
    )
    found = run_check("interpretation_presence", data)
    assert list(found["unit_id"]) == ["none"]
    assert found["subject"][0] == "none_interpreted/policy"
    assert found["target_url"][0] == "http://gov.test/none/col/10/"
    evidence = found["evidence"][0]
    assert evidence["documents"] == 3 and len(evidence["examples"]) == 3
    assert evidence["examples"][0].startswith("“none关于印发《方案")
    # Fewer documents than asked: not judged; documents after the round's day: not seen.
    assert run_check("interpretation_presence", data, {"min_documents": 4}).empty
    assert run_check("interpretation_presence", data, as_of=dt.date(2025, 2, 1)).empty


def test_presence_of_other_categories_and_unobserved_units():
    data = _policies(("none", [{}]))
    assert run_check("interpretation_presence", data, {"categories": ["normative"]}).empty
    blocked = crawl_data(
        [unit("none")],
        [column(10, "none", "policy")],
        [article(1, "none", 10, publish_date="2025-03-01")],
        issues=[{"kind": "anti_bot", "unit_id": "none", "url": "http://gov.test/none/col/10/"}],
    )
    assert run_check("interpretation_presence", blocked).empty


def test_an_interpretation_filed_in_another_column_and_linked_from_the_document_counts():
    """A 图解 filed under 工作动态, listed under the document's 相关解读: interpreted. A 相关解读
    link to a page the crawl does not hold, or a link of another kind, is no interpretation."""

    def unit_with(link_to: int, kind: str = "interpretation", spelling: str = "{}"):
        related = [
            {"url": spelling.format(PAGE.format("u", link_to)), "text": "图解", "kind": kind}
        ]
        return crawl_data(
            [unit("u")],
            [column(10, "u", "policy"), column(11, "u", "news")],
            [
                article(1, "u", 10, publish_date="2025-03-01", related=related,
                        title="u关于印发《甲方案》的通知"),
                article(2, "u", 10, publish_date="2025-03-05", related=[]),
                article(9, "u", 11, publish_date="2025-03-02", related=[], title="一图读懂"),
            ],
        )  # fmt: skip

    assert run_check("interpretation_presence", unit_with(9)).empty
    assert run_check("interpretation_presence", unit_with(9, spelling="{}?from=zcjd")).empty
    assert list(run_check("interpretation_presence", unit_with(77))["unit_id"]) == ["u"]
    assert list(run_check("interpretation_presence", unit_with(9, "document"))["unit_id"]) == ["u"]


# -- validity ----------------------------------------------------------------------------------
def _normative(*rows: dict):
    arts = []
    for i, row in enumerate(rows, start=1):
        extra = {k: row.pop(k) for k in ("effective_date", "expiry_date") if k in row}
        arts.append(article(i, "u", 10, publish_date="2024-05-06", extra=extra, **row))
    return crawl_data([unit("u")], [column(10, "u", "normative")], arts)


def test_validity_values_and_their_end_dates():
    data = _normative(
        {"validity": "有效"},
        {"validity": "现行有效"},  # 有效
        {"validity": "长期"},  # none of the three
        {"validity": "有效", "expiry_date": "2025-06-30"},  # ended on the round's day
        {"validity": "有效", "expiry_date": "2029-05-06"},
        {"validity": "已废止", "expiry_date": "2026-01-01"},  # repealed, end date ahead
        {"validity": "废止", "expiry_date": "2024-12-31"},
        {"validity": None},  # empty: required_fields' business
    )
    found = run_check("validity", data)
    problems = {url.rsplit("/", 1)[-1]: e["problem"] for url, e in zip(
        found["subject"], found["evidence"], strict=True)}  # fmt: skip
    assert problems == {
        "3.html#validity": "unknown",
        "4.html#validity": "expired_still_valid",
        "6.html#validity": "ended_before_date",
    }
    unknown = found["evidence"][0]
    assert (unknown["validity"], unknown["accepted"]) == ("长期", "有效、失效、废止")
    assert found["evidence"][1]["expiry_date"] == "2025-06-30"
    assert normalise_validity(" 已 失效 ") == "失效" and normalise_validity("现行") == "现行"
    wider = run_check("validity", data, {"accepted": ["有效", "失效", "废止", "长期"]})
    assert len(wider) == 2


# -- download_formats --------------------------------------------------------------------------
def _attached(*files: list[tuple[str, str]]):
    arts = [article(i, "u", 10, publish_date="2024-05-06") for i in range(1, len(files) + 1)]
    links = [
        {"article_url": PAGE.format("u", i), "unit_id": "u", "url": url, "kind": "attachment",
         "text": text, "on_site": True, "outcome": "ok", "status_code": 200}
        for i, pairs in enumerate(files, start=1) for url, text in pairs
    ]  # fmt: skip
    return crawl_data([unit("u")], [column(10, "u", "normative")], arts, links=links)


def test_each_document_offers_word_and_pdf():
    data = _attached(
        [("http://gov.test/u/f/1.pdf", "附件1.pdf"), ("http://gov.test/u/f/2.docx", "附件2.docx")],
        [("http://gov.test/u/f/3.pdf", "附件（PDF版）.pdf")],
        [("http://gov.test/u/down?id=4", "附件（WORD版）.doc"), ("http://gov.test/u/f/5.PDF", "")],
        [],
    )
    found = run_check("download_formats", data)
    assert list(found["subject"]) == [
        PAGE.format("u", 2) + "#formats",
        PAGE.format("u", 4) + "#formats",
    ]
    assert found["evidence"][0]["missing"] == ["WORD"]
    assert found["evidence"][0]["attachments_zh"] == "「附件（PDF版）.pdf」"
    assert found["evidence"][1]["missing"] == ["WORD", "PDF"]
    assert found["evidence"][1]["attachments_zh"] == "无附件"
    assert extension("http://x/a.WPS?x=1", "") == "wps" and extension("http://x/get", "说明") == ""
    only_pdf = run_check("download_formats", data, {"formats": {"PDF": ["pdf"]}})
    assert list(only_pdf["subject"]) == [PAGE.format("u", 4) + "#formats"]


# -- consultation_materials --------------------------------------------------------------------
def _drafts(*bodies: str, attachments: dict[int, str] | None = None):
    arts = [article(i, "u", 10, title=f"关于《办法{i}（征求意见稿）》公开征求意见的公告",
                    publish_date="2025-03-03") for i in range(1, len(bodies) + 1)]  # fmt: skip
    links = [
        {"article_url": PAGE.format("u", i), "unit_id": "u", "url": f"http://gov.test/u/f/{i}.doc",
         "kind": "attachment", "text": text, "on_site": True, "outcome": "ok", "status_code": 200}
        for i, text in (attachments or {}).items()
    ]  # fmt: skip
    texts = dict(enumerate(bodies, start=1))
    return crawl_data([unit("u", "县区政府")], [column(10, "u", "consultation")], arts,
                      links=links, texts=texts)  # fmt: skip


def test_a_consultation_publishes_its_basis_and_drafting_notes():
    data = _drafts(
        "现将草案公布。附件：1．征求意见稿 2．起草说明（含起草依据）",
        "现将草案公布，征求意见时间：2025年3月3日至4月10日。",
        "现将草案公布。制定依据：《条例》。",
        "现将草案公布。",  # the notes are an attachment, the basis nowhere
        "",  # body not read: not judged
        attachments={4: "编制说明.doc"},
    )
    found = run_check("consultation_materials", data)
    missing = {
        s.split("/")[-1]: e["missing"]
        for s, e in zip(found["subject"], found["evidence"], strict=True)
    }
    assert missing == {
        "2.html#materials": ["起草说明", "制定依据"],
        "3.html#materials": ["起草说明"],
        "4.html#materials": ["制定依据"],
    }
    lenient = run_check("consultation_materials", data, {"materials": {"起草说明": ["说明"]}})
    assert len(lenient) == 2
    with pytest.raises(ValidationError):
        run_check("consultation_materials", data, {"materials": {}})


# -- annual_report_content ---------------------------------------------------------------------
SECTIONS = ("一、总体情况\n……\n二、主动公开政府信息情况\n……\n三、收到和处理政府信息公开申请情况\n{table}\n"
            "四、政府信息公开行政复议、行政诉讼情况\n0\n五、存在的主要问题及改进情况\n……\n"
            "六、其他需要报告的事项\n无")  # fmt: skip
TABLE = ("本年度办理情况\n件数\n一、本年新收政府信息公开申请数量\n{new}\n二、上年结转政府信息公开申请数量\n2\n"
         "三、本年度办理结果\n{handled}\n（一）予以公开\n30\n四、结转下年度继续办理\n2")  # fmt: skip
# The national format's wide table: seven columns per row, the last the 总计; row 三 has no number
# of its own, its 总计 line (七) is below it.
WIDE = ("一、本年新收政府信息公开申请数量 40 3 0 0 0 1 44\n二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1\n"
        "三、本年度办理结果\n（一）予以公开 20 1 0 0 0 0 21\n（七）总计 38 3 0 0 0 1 42\n"
        "四、结转下年度继续办理 3 0 0 0 0 0 3")  # fmt: skip


def _report(body: str, title="甲局2024年政府信息公开工作年度报告", day="2025-01-20"):
    arts = [article(1, "u", 10, title=title, publish_date=day)]
    return crawl_data([unit("u")], [column(10, "u", "annual_report")], arts, texts={1: body})


def test_the_applications_table_adds_up():
    assert row_values(TABLE.format(new=49, handled=49)) == {
        "new": 49, "carried_in": 2, "handled": 49, "carried_out": 2}  # fmt: skip
    assert row_values(WIDE) == {"new": 44, "carried_in": 1, "handled": 42, "carried_out": 3}
    assert row_values("一、本年新收政府信息公开申请数量\n见附件")["new"] is None
    good = _report(SECTIONS.format(table=TABLE.format(new=49, handled=49)))
    assert run_check("annual_report_content", good).empty
    wide = _report(SECTIONS.format(table=WIDE))
    assert run_check("annual_report_content", wide).empty
    bad = run_check(
        "annual_report_content", _report(SECTIONS.format(table=TABLE.format(new=50, handled=49)))
    )
    assert list(bad["subject"]) == ["annual_report/2024#arithmetic"]
    evidence = bad["evidence"][0]
    assert (evidence["new"], evidence["carried_in"], evidence["left"]) == (50, 2, 52)
    assert (evidence["handled"], evidence["carried_out"], evidence["right"]) == (49, 2, 51)
    assert bad["target_url"][0] == PAGE.format("u", 1)


def test_the_six_parts_and_reports_in_attachments():
    body = SECTIONS.format(table=TABLE.format(new=49, handled=49))
    short = body.replace("五、存在的主要问题及改进情况", "五、下一步工作").replace(
        "六、其他需要报告的事项", ""
    )
    found = run_check("annual_report_content", _report(short))
    assert list(found["subject"]) == ["annual_report/2024#sections"]
    assert found["evidence"][0]["missing"] == ["存在的主要问题及改进情况", "其他需要报告的事项"]
    # A body that is only a pointer to the attachment is not the report: not judged.
    assert run_check("annual_report_content", _report("详见附件。总体情况良好。")).empty
    # Only the year judged: a 2023 report is not judged in mid-2025.
    old = _report(short, title="甲局2023年政府信息公开工作年度报告", day="2024-01-20")
    assert run_check("annual_report_content", old).empty
    assert run_check("annual_report_content", _report(short), {"check_sections": False}).empty


# -- required_fields per document; column_freshness's kinds -------------------------------------
def test_missing_fields_per_document_list_every_field():
    data = _normative({"validity": None, "keywords": " ", "subject": "综合"}, {"validity": "有效",
                      "keywords": "k", "subject": "综合"})  # fmt: skip
    found = run_check("required_fields", data,
                      {"fields": ["validity", "keywords", "subject"], "per": "document"})  # fmt: skip
    assert list(found["subject"]) == [PAGE.format("u", 1) + "#fields"]
    evidence = found["evidence"][0]
    assert (evidence["fields"], evidence["labels"], evidence["count"]) == (
        ["validity", "keywords"], ["有效性", "关键词"], 2)  # fmt: skip


def test_a_column_of_undated_items_is_stale_of_its_own_kind():
    cols = [column(10, "u", "news"), column(11, "u", "news")]
    arts = [article(1, "u", 10), article(2, "u", 10),
            article(3, "u", 11, publish_date="2025-03-01", title="三月动态"),
            article(4, "u", 11)]  # fmt: skip
    found = run_check(
        "column_freshness", crawl_data([unit("u")], cols, arts), {"max_age": "2 weeks"}
    )
    kinds = {e["column_url"]: e for e in found["evidence"]}
    undated, stale = kinds["http://gov.test/u/col/10/"], kinds["http://gov.test/u/col/11/"]
    assert (undated["problem"], undated["newest"], undated["items"]) == ("undated", None, 2)
    assert (stale["problem"], stale["newest"], stale["newest_title"]) == (
        "stale",
        "2025-03-01",
        "三月动态",
    )
    assert stale["updated_since"] == "2025-06-16" and stale["undated_items"] == 1


def test_only_drafts_open_for_comment_must_publish_their_materials():
    titles = [
        "《北岭县森林防火管理办法（征求意见稿）》征求意见采纳情况的反馈",  # a feedback
        "关于北岭县2025年度义务教育先进集体拟表彰对象的公示",  # a 公示, no draft
        "关于延长《办法（征求意见稿）》征求意见截止时间的公告",  # an extension notice
        "关于《办法（征求意见稿）》公开征求意见的公告",  # a draft: judged
    ]
    arts = [article(i, "u", 10, title=t, publish_date="2025-03-03")
            for i, t in enumerate(titles, start=1)]  # fmt: skip
    data = crawl_data([unit("u", "县区政府")], [column(10, "u", "consultation")], arts,
                      texts={i: "现将有关情况公布如下。" for i in range(1, 5)})  # fmt: skip
    found = run_check("consultation_materials", data)
    assert [s.split("/")[-1] for s in found["subject"]] == ["4.html#materials"]


# -- decoys of the two checks: what a real portal writes otherwise (issue 12) ---------------------
def test_drafting_notes_named_after_the_draft_and_a_basis_said_with_genju_are_published():
    data = _drafts(
        # the basis as the body states it, the notes an attachment named after the draft
        "根据《中华人民共和国森林法》等有关规定，起草了《办法1（征求意见稿）》，现公开征求意见。",
        "按照《条例》规定起草。附件：1．征求意见稿 2．关于《办法2（征求意见稿）》的说明",
        "依照《条例》，现将草案公布。附件：《办法3》起草情况说明",
        "根据工作安排，现将草案公布。",  # no law named: no basis; no notes
        attachments={1: "关于《办法1（征求意见稿）》的说明.docx"},
    )
    found = run_check("consultation_materials", data)
    missing = {
        s.split("/")[-1]: e["missing"]
        for s, e in zip(found["subject"], found["evidence"], strict=True)
    }
    assert missing == {"4.html#materials": ["起草说明", "制定依据"]}


VARIANT = (
    "第一部分　总体情况\n2024年，本年新收政府信息公开申请数量为４９件，上年结转政府信息公开申请数量为２件。\n"
    "第二部分　主动公开政府信息情况\n……\n第三部分　收到和处理政府信息公开申请情况\n"
    "本年度办理情况\n件数\n一、本年新收政府信息公开申请数量\n４９\n二、上年结转政府信息公开申请数量\n２\n"
    "三、本年度办理结果\n（一）予以公开\n４０\n（六）其他处理\n９\n（七）总计\n４９\n"
    "四、结转下年度继续办理\n２\n第四部分　政府信息公开行政复议、行政诉讼情况\n０\n"
    "第五部分　存在的问题及改进措施\n……\n第六部分　其他需要报告事项\n无"
)  # fmt: skip


def test_other_numbering_wording_and_digits_of_the_annual_report_are_its_format():
    assert row_values(VARIANT) == {"new": 49, "carried_in": 2, "handled": 49, "carried_out": 2}
    assert run_check("annual_report_content", _report(VARIANT)).empty
    headed = VARIANT.replace("第一部分　", "（一）").replace(
        "存在的问题及改进措施", "存在 的 主要问题"
    )
    assert run_check("annual_report_content", _report(headed)).empty
    # The same report with a real slip still is found: the total no longer adds up.
    slip = VARIANT.replace("（七）总计\n４９", "（七）总计\n４８")
    found = run_check("annual_report_content", _report(slip))
    assert list(found["subject"]) == ["annual_report/2024#arithmetic"]
    assert (found["evidence"][0]["left"], found["evidence"][0]["right"]) == (51, 50)
    # …and a report without its part on problems is still found, under any numbering.
    cut = VARIANT.replace("第五部分　存在的问题及改进措施\n……\n", "")
    found = run_check("annual_report_content", _report(cut))
    assert found["evidence"][0]["missing"] == ["存在的主要问题及改进情况"]
