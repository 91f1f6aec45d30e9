"""Evidence a unit can verify (issue 12): every 失分原因 of the shipped set names its rule (依据)
and the values compared — both 文号, the dates and the working days counted with the 调休 days and
holidays that changed the count, the page to edit and the dead address — scored on a hand-built
crawl with `score_crawl`, as a round does."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest_scoring import article, column, crawl_data, unit

from scoring.indicators import load_indicator_set
from scoring.scorer import score_crawl

AS_OF = dt.date(2025, 3, 20)
PAGE = "http://gov.test/u/art/{}.html"
FULL = {"doc_no": "甲规〔2025〕1号", "body_doc_no": "甲规〔2025〕1号", "validity": "有效",
        "keywords": "规范性文件", "subject": "综合政务", "publisher": "甲局",
        "index_no": "113415000000000000/202501-00001", "info_category": "规范性文件"}  # fmt: skip


def _link(page: int, url: str, text: str, outcome="ok", status=200, kind="attachment") -> dict:
    return {"article_url": PAGE.format(page), "unit_id": "u", "url": url, "kind": kind,
            "text": text, "on_site": True, "outcome": outcome, "status_code": status}  # fmt: skip


def _formats(page: int) -> list[dict]:
    return [_link(page, f"http://gov.test/u/f/{page}.pdf", "附件.pdf"),
            _link(page, f"http://gov.test/u/f/{page}.docx", "附件.docx")]  # fmt: skip


@pytest.fixture(scope="module")
def round_problems():
    cols = [column(10, "u", "normative", name="规范性文件"), column(11, "u", "interpretation",
            name="政策解读"), column(12, "u", "news", name="工作动态"),
            column(13, "u", "annual_report", name="公开年报")]  # fmt: skip
    arts = [
        # Written before the Spring Festival, published after it: 21 working days with the
        # make-up Saturday 8 Feb counted and 28 Jan – 4 Feb off.
        article(
            1,
            "u",
            10,
            title="甲局关于印发《甲办法》的通知",
            written_date="2025-01-20",
            publish_date="2025-02-24",
            **FULL,
        ),
        # 文号 in the body and an attachment's name differ from the metadata.
        article(
            2,
            "u",
            10,
            title="甲局关于印发《乙办法》的通知",
            written_date="2025-02-10",
            publish_date="2025-02-12",
            **{**FULL, "body_doc_no": "甲规〔2025〕2号"},
        ),
        # Two fields missing.
        article(
            3,
            "u",
            10,
            title="甲局关于印发《丙办法》的通知",
            written_date="2025-02-10",
            publish_date="2025-02-12",
            **{**FULL, "validity": None, "keywords": ""},
        ),
        # Interpretations of 1-3; the one of 1 comes a week later, across the make-up day.
        article(
            4,
            "u",
            11,
            title="《甲办法》政策解读",
            publish_date="2025-02-28",
            related=[{"url": PAGE.format(1), "text": "相关文件", "kind": "document"}],
        ),
        article(
            5,
            "u",
            11,
            title="图解《乙办法》",
            publish_date="2025-02-12",
            related=[{"url": PAGE.format(2), "text": "相关文件", "kind": "document"}],
        ),
        article(
            6,
            "u",
            11,
            title="视频解读《丙办法》",
            publish_date="2025-02-12",
            related=[{"url": PAGE.format(3), "text": "相关文件", "kind": "document"}],
        ),
        # A news column of undated items only.
        article(7, "u", 12, title="甲局召开会议"),
        # Last year's report, published on 7 Feb: late, since 31 Jan moved to 5 Feb.
        article(8, "u", 13, title="甲局2024年政府信息公开工作年度报告", publish_date="2025-02-07"),
    ]
    links = [*_formats(1), *_formats(2), *_formats(3),
             _link(2, "http://gov.test/u/f/9.pdf", "附件：甲规〔2025〕9号.pdf"),
             _link(1, "http://gov.test/u/gone.html", "相关链接", "confirmed_broken", 404, "body")]  # fmt: skip
    data = crawl_data([unit("u")], cols, arts, links=links)
    indicators = load_indicator_set("base")
    scored = score_crawl(data, indicators, AS_OF)
    return indicators, scored.problems.set_index("indicator_id")


def _one(problems, indicator_id: str):
    rows = problems.loc[[indicator_id]]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_every_suggestion_leads_with_its_rule_and_has_no_raw_code(round_problems):
    indicators, problems = round_problems
    assert len(problems) >= 8
    for indicator_id, row in problems.iterrows():
        basis = indicators.get(indicator_id).basis
        assert basis and row["suggestion"].startswith(f"依据{basis}，"), indicator_id
        assert not re.search(r"None|nan|HTTP|\{|\}", row["suggestion"]), row["suggestion"]


def test_a_lag_names_the_days_counted_with_the_make_up_day_and_the_holiday(round_problems):
    _, problems = round_problems
    lag = _one(problems, "timeliness.disclosure_lag")
    assert lag["evidence"]["workdays"] == 21
    assert "生成于2025-01-20、发布于2025-02-24" in lag["suggestion"]
    assert "共21个工作日" in lag["suggestion"]
    assert "2025-01-26（星期日）、2025-02-08（星期六）为调休上班日，计入" in lag["suggestion"]
    assert "2025-01-28至2025-02-04春节假期不计" in lag["suggestion"]
    interp = _one(problems, "interpretation.lag")
    assert "所解读文件《甲办法》" not in interp["suggestion"]  # the title is the notice's
    assert "发布于2025-02-24，自2025-02-24次日起至2025-02-28共4个工作日" in interp["suggestion"]
    assert "期间无法定节假日和调休上班日" in interp["suggestion"]


def test_a_doc_no_mismatch_names_both_values(round_problems):
    _, problems = round_problems
    row = _one(problems, "metadata.doc_no_consistency")
    assert "元数据中的文号为「甲规〔2025〕1号」" in row["suggestion"]
    assert "正文中为「甲规〔2025〕2号」、附件名中为「甲规〔2025〕9号」" in row["suggestion"]


def test_a_broken_link_points_at_the_page_to_edit_and_names_the_dead_address(round_problems):
    _, problems = round_problems
    row = _one(problems, "links.broken")
    assert row["target_url"] == PAGE.format(1)  # the page holding the link, not the 404
    assert row["subject"] == "http://gov.test/u/gone.html"  # tracked by the dead address
    assert row["evidence"]["url"] == "http://gov.test/u/gone.html"
    assert (
        f"页面（{PAGE.format(1)}）中的链接「相关链接」无法打开（网页不存在）" in row["suggestion"]
    )
    assert "失效地址为http://gov.test/u/gone.html" in row["suggestion"]
    assert row["deduction"] == pytest.approx(0.1)  # 2015 census: 0.1 off the homepage


def test_missing_fields_annual_report_and_undated_column_read_as_checked(round_problems):
    _, problems = round_problems
    fields = _one(problems, "normative.required_fields")
    assert "元数据缺少2项：有效性、关键词" in fields["suggestion"] and fields["deduction"] == 2
    report = _one(problems, "annual_report.deadline")
    assert (
        "发布于2025-02-07，晚于发布期限2025-01-31（春节假期，顺延至2025-02-05）共2天"
        in (report["suggestion"])
    )
    assert report["deduction"] == 3  # late costs half of missing
    news = _one(problems, "freshness.news")
    assert "「工作动态」栏目所列1条信息均未标注发布日期，按未更新计" in news["suggestion"]


def test_every_indicator_of_the_shipped_sets_has_a_basis_and_a_requirement():
    for set_id in ("base", "2025Q2"):
        for indicator in load_indicator_set(set_id).indicators:
            assert indicator.basis and indicator.requirement, (set_id, indicator.id)
            assert not re.search(r"[a-z_]{3,}|\[(V|L|\?)", indicator.basis + indicator.requirement)
