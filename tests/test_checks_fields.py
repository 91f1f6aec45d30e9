"""Article-level checks on hand-built crawls: required_fields, field_format, field_consistency,
date_sanity, disclosure_lag (with the holiday cases of 条例 art. 26)."""

from __future__ import annotations

import pytest
from conftest_scoring import article, column, crawl_data, run_check, unit
from pydantic import ValidationError

from scoring.checks.base import get_check

FULL = {"doc_no": "甲规〔2024〕1号", "validity": "有效", "keywords": "规范性文件", "subject": "综合政务",
        "publisher": "甲局", "index_no": "113415000000000000/202405-00001",
        "written_date": "2024-05-01", "publish_date": "2024-05-06"}  # fmt: skip


def _docs(*rows: dict, category: str = "normative", **kw):
    cols = [column(10, "u", category), column(11, "u", "news")]
    arts = [article(i, "u", 10, **{**FULL, **r}) for i, r in enumerate(rows, start=1)]
    return crawl_data([unit("u")], cols, arts, **kw)


# -- required_fields ---------------------------------------------------------------------------
def test_each_empty_required_field_is_one_finding():
    data = _docs({}, {"validity": None, "keywords": "  "}, {"subject": ""})
    found = run_check(
        "required_fields", data, {"fields": ["validity", "keywords", "subject"]}, ["normative"]
    )
    url = "http://gov.test/u/art/{}.html"
    assert list(found["subject"]) == [
        url.format(2) + "#keywords",
        url.format(2) + "#validity",
        url.format(3) + "#subject",
    ]
    assert found["evidence"][1]["label"] == "有效性"


def test_required_fields_respect_categories_and_date_range():
    import datetime as dt

    data = _docs({"validity": None, "publish_date": "2017-05-01"}, {"validity": None})
    params = {"fields": ["validity"]}
    assert run_check("required_fields", data, params, ["news"]).empty
    since_2018 = run_check(
        "required_fields", data, params, ["normative"], date_from=dt.date(2018, 1, 1)
    )
    assert list(since_2018["target_url"]) == ["http://gov.test/u/art/2.html"]


def test_unknown_field_is_refused():
    with pytest.raises(ValidationError):
        get_check("required_fields").Params.model_validate({"fields": ["colour"]})


# -- field_format ------------------------------------------------------------------------------
INDEX_NO = {"field": "index_no", "pattern": r"[0-9A-Z]{18}/\d{4}(\d{2})?-\d{5}"}


def test_malformed_index_no_but_not_an_empty_one():
    data = _docs(
        {},
        {"index_no": "113415000000000000-2024-00001"},
        {"index_no": "/202405-00009"},
        {"index_no": None},  # missing: required_fields' business
        {"index_no": "113415000000000000/2024-00002"},  # TRS: year only, fine
    )
    found = run_check("field_format", data, INDEX_NO)
    assert list(found["target_url"]) == [
        "http://gov.test/u/art/2.html",
        "http://gov.test/u/art/3.html",
    ]
    assert found["evidence"][1]["value"] == "/202405-00009"


def _base_index_pattern() -> dict:
    from pathlib import Path

    from scoring.indicators import load_indicator_set

    base = load_indicator_set(Path(__file__).parents[1] / "indicators" / "base.yaml")
    return dict(base.get("metadata.index_no_format").params)


@pytest.mark.parametrize(
    "value",
    [
        "360A12-07-2024-0008-1",  # 教育部 信息索引 (../shared/realpages moe page)
        "000014349/2024-00123",  # 中国政府网: 9-digit 机构代码 / year - serial
        "000014349/2018-00222",  # gov.cn real page
        "002482082/2024-00332",  # 浙江 Hanweb real page
        "11341702486344515H/202110-00013",  # Lonsun, docs/domain.md §4.1
    ],
)
def test_the_national_index_no_formats_are_well_formed(value):
    data = _docs({"index_no": value})
    assert run_check("field_format", data, _base_index_pattern()).empty


@pytest.mark.parametrize(
    "value",
    [
        "113415000000000000-202405-00001",  # slash turned into a dash
        "/202405-00009",  # no 机构代码
        "113415000000000000/202405-9",  # serial not padded
        "360A12-07-2024-8-1",  # ministry form with a short serial
        "360A12/07-2024-0008-1",  # the two forms mixed
    ],
)
def test_a_malformed_index_no_is_still_reported_by_the_shipped_pattern(value):
    data = _docs({"index_no": value})
    found = run_check("field_format", data, _base_index_pattern())
    assert list(found["evidence"].map(lambda e: e["value"])) == [value]


def test_a_bad_pattern_is_refused_with_the_reason():
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        get_check("field_format").Params.model_validate({"field": "index_no", "pattern": "(["})


# -- field_consistency -------------------------------------------------------------------------
def test_doc_no_differs_from_the_body():
    data = _docs(
        {"body_doc_no": "甲规〔2024〕1号"},
        {"body_doc_no": "甲规〔2024〕7号"},
        {"body_doc_no": "甲规[2024] 1号"},  # same number, printed differently
        {"body_doc_no": None},  # nothing printed: nothing to compare
        {"doc_no": None, "body_doc_no": "甲规〔2024〕9号"},
    )
    found = run_check("field_consistency", data)
    assert list(found["target_url"]) == ["http://gov.test/u/art/2.html"]
    assert found["evidence"][0]["body_doc_no"] == "甲规〔2024〕7号"
    assert found["evidence"][0]["doc_no"] == "甲规〔2024〕1号"


def test_doc_no_differs_from_an_attachment_name():
    links = [
        {"article_url": "http://gov.test/u/art/1.html", "unit_id": "u", "kind": "attachment",
         "url": "http://gov.test/u/a.pdf", "text": "甲规〔2024〕3号 附件.pdf"},
        {"article_url": "http://gov.test/u/art/2.html", "unit_id": "u", "kind": "attachment",
         "url": "http://gov.test/u/b.pdf", "text": "附件（无文号）.pdf"},
    ]  # fmt: skip
    data = _docs({}, {}, links=links)
    only_body = run_check("field_consistency", data)
    assert only_body.empty
    found = run_check("field_consistency", data, {"against": ["body_doc_no", "attachments"]})
    assert list(found["target_url"]) == ["http://gov.test/u/art/1.html"]
    assert found["evidence"][0]["other"] == [{"where": "attachment", "value": "甲规〔2024〕3号"}]


# -- date_sanity -------------------------------------------------------------------------------
def test_date_problems_each_have_their_subject():
    data = _docs(
        {},
        {"publish_date": None},
        {"written_date": "2024-05-09", "publish_date": "2024-05-06"},
        {"written_date": "2025-07-01", "publish_date": "2025-07-02"},
    )
    found = run_check("date_sanity", data)
    url = "http://gov.test/u/art/{}.html"
    assert sorted(found["subject"]) == [
        url.format(2) + "#no_date",
        url.format(3) + "#before_written",
        url.format(4) + "#future",
    ]
    no_future = run_check("date_sanity", data, {"future": False})
    assert len(no_future) == 2


def test_future_means_later_than_the_day_the_page_was_read():
    import pandas as pd

    data = _docs(
        {"publish_date": "2025-07-03"},  # after the round's day, before the crawl: fine
        {"publish_date": "2025-07-09"},  # after the crawl read it: forged
        {"publish_date": "2025-07-08", "written_date": "2025-07-09"},
    )
    read = pd.Timestamp("2025-07-08 01:00", tz="UTC")  # 09:00 in China
    data.articles["fetched_at"] = read
    found = run_check("date_sanity", data)
    url = "http://gov.test/u/art/{}.html"
    assert sorted(found["subject"]) == [url.format(2) + "#future", url.format(3) + "#future"]
    assert found["evidence"][0]["seen_on"] == "2025-07-08"


def test_an_item_dated_only_in_its_list_is_dated():
    data = _docs(
        {"publish_date": None, "listed_date": "2025-06-20"},  # the list showed its date
        {"publish_date": None, "listed_date": None},  # neither page nor list: undated
        {"publish_date": None},
    )
    found = run_check("date_sanity", data, {"before_written": False, "future": False})
    url = "http://gov.test/u/art/{}.html"
    assert sorted(found["subject"]) == [url.format(2) + "#no_date", url.format(3) + "#no_date"]


REVISED = {"written_date": "2024-03-01", "publish_date": "2023-05-10"}


def test_a_revision_date_as_成文日期_is_not_published_before_written():
    data = _docs(
        {**REVISED, "title": "江淮市物业管理办法（2024年3月1日修订）"},
        REVISED,  # no revision stated: a date error
        REVISED,
        texts={1: "", 2: "正文", 3: "本办法根据2024年3月1日市政府第5次常务会议决定修正。"},
    )
    found = run_check("date_sanity", data, {"no_date": False, "future": False})
    assert list(found["subject"]) == ["http://gov.test/u/art/2.html#before_written"]


def test_a_stated_change_must_fall_between_publication_and_成文日期():
    data = _docs(
        REVISED,  # the change it states is older than its publication: no explanation
        {**REVISED, "written_date": "2024-04-01"},  # a change before 成文日期 but after publication
        texts={1: "（2022年8月1日修订）", 2: "（2024年3月1日修订）"},
    )
    found = run_check("date_sanity", data, {"no_date": False, "future": False})
    assert list(found["subject"]) == ["http://gov.test/u/art/1.html#before_written"]


def test_date_sanity_ignores_unobserved_columns():
    data = _docs(
        {"publish_date": None},
        issues=[{"kind": "anti_bot", "unit_id": "u", "url": "http://gov.test/u/col/10/"}],
    )
    assert run_check("date_sanity", data).empty


# -- disclosure_lag ----------------------------------------------------------------------------
def _lag(*pairs: tuple[str, str], **kw):
    data = _docs(*({"written_date": w, "publish_date": p} for w, p in pairs), category="notice")
    return run_check("disclosure_lag", data, {"max_workdays": 20}, **kw)


def test_late_only_because_of_a_make_up_workday_is_late():
    # 2023-05-04 → 2023-06-01: 20 weekdays, but Sat 2023-05-06 was a make-up workday (调休):
    # 21 working days — a Monday-to-Friday count would miss it.
    found = _lag(("2023-05-04", "2023-06-01"))
    assert list(found["target_url"]) == ["http://gov.test/u/art/1.html"]
    evidence = found["evidence"][0]
    assert (evidence["workdays"], evidence["calendar_days"]) == (21, 28)


def test_late_in_calendar_days_only_is_not_late():
    # 2025-01-03 → 2025-02-05: 33 calendar days across the Spring Festival, 18 working days.
    assert _lag(("2025-01-03", "2025-02-05")).empty


def test_exactly_the_limit_is_in_time_and_one_more_is_late():
    found = _lag(("2025-03-03", "2025-03-31"), ("2025-03-03", "2025-04-01"))
    assert list(found["target_url"]) == ["http://gov.test/u/art/2.html"]
    assert found["evidence"][0]["workdays"] == 21


def test_articles_published_after_the_round_day_wait_for_the_next_round():
    late = ("2025-05-06", "2025-07-01")  # 39 working days, but public only after 30 June
    assert _lag(late).empty
    assert len(_lag(late, as_of=__import__("datetime").date(2025, 9, 30))) == 1


def test_undated_articles_are_not_judged_late():
    assert _lag((None, "2025-04-01"), ("2025-01-02", None)).empty


def test_disclosure_lag_params():
    params = get_check("disclosure_lag").Params.model_validate(
        {"max_workdays": 15, "from": "written_date", "to": "publish_date"}
    )
    assert params.max_workdays == 15
    with pytest.raises(ValidationError):
        get_check("disclosure_lag").Params.model_validate({"max_workdays": -1})


def test_a_page_publishing_a_revised_version_counts_from_the_change_it_states():
    # 成文 2024-03-01, published 2025-05-20: late by 成文日期, yet each page states a change
    # within 20 working days of its publication (条例 art. 26: 形成或者变更之日).
    said = [
        "（2025年5月12日修订）",
        "根据2025年5月8日《江淮市人民政府关于修改部分规范性文件的决定》修正。",
        "本通知于2025年5月6日变更，现予重新公布。",
    ]
    rows = [{"written_date": "2024-03-01", "publish_date": "2025-05-20"} for _ in said]
    texts = {i: text for i, text in enumerate(said, start=1)}
    data = _docs(*rows, category="notice", texts=texts)
    assert run_check("disclosure_lag", data, {"max_workdays": 20}).empty
    # A change long before publication is still late, and the evidence shows both dates.
    late = _docs(rows[0], category="notice", texts={1: "（2025年1月6日修订）"})
    found = run_check("disclosure_lag", late, {"max_workdays": 20})
    evidence = found["evidence"][0]
    assert (evidence["written"], evidence["changed"]) == ("2024-03-01", "2025-01-06")
    # A date without a change word, or a change after publication, moves nothing.
    for text in ("2025年5月12日召开会议。", "（2025年6月1日修订）"):
        still = _docs(rows[0], category="notice", texts={1: text})
        assert len(run_check("disclosure_lag", still, {"max_workdays": 20})) == 1, text
