"""The HTML bad-input corpus (issue 9 points 6 and 10): every file under tests/badinput/html/
run through `zwgk extract` as a user would, with what it must produce — the error (exit status
2, one message naming the file), the extraction_anomaly warning, or the exact cleaned fields.

The profile is the file name's prefix (``lonsun_…``, ``trs_…``), else generic. Pages too large
or nested too deep are built here, at test time, rather than kept in the repository; so is the
crawl side: such a page becomes an ``extraction_anomaly`` crawl issue, never an article.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.extract import MAX_PAGE_BYTES, ExtractionError, extract_article, parse_listing
from crawler.profile_model import get_profile
from store import open_store
from zwgk.cli import app

CORPUS = Path(__file__).parent / "badinput" / "html"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
ESC = "\x1b"


def _profile(name: str) -> str:
    prefix = name.split("_", 1)[0]
    return prefix if prefix in ("lonsun", "trs") else "generic"


def _extract(path: Path, profile: str = "generic"):
    result = CliRunner().invoke(app, ["extract", str(path), "--profile", profile])
    return result, result.output


def test_every_file_has_its_expectation_and_every_expectation_its_file():
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gives_what_it_must(name):
    result, output = _extract(CORPUS / name, _profile(name))
    for piece in EXPECTED[name]:
        assert piece in output, f"{name}: {piece!r} not in\n{output}"
    refused = any(piece.startswith("error:") for piece in EXPECTED[name])
    assert result.exit_code == (2 if refused else 0), output
    assert ESC not in output and "\u202e" not in output
    if refused:
        assert output.count("error:") == 1 and "Traceback" not in output


def test_a_directory_is_refused_naming_it(tmp_path):
    result, output = _extract(tmp_path)
    assert (result.exit_code, f"error: {tmp_path}: is a directory" in output) == (2, True)


# -- built at test time: deep nesting, size -------------------------------------------------
def _nested(depth: int) -> str:
    return (
        "<html><head><title>页面</title></head><body>" + "<div>" * depth
        + '<div class="xxgk_info"><p><strong>索引号</strong>：X/2024-00009</p></div>'
        + '<h1 class="article_title">嵌套很深的通知</h1>' + "</div>" * depth + "</body></html>"
    )  # fmt: skip


@pytest.mark.parametrize("depth", [300, 1000, 2000])
def test_pages_nested_deeper_than_libxml2s_default_are_read_whole(depth):
    """libxml2 stops at 256 levels unless told huge_tree: these came out with empty fields."""
    data = extract_article(_nested(depth), "http://x.gov.cn/a.html", get_profile("trs"))
    assert (data.title, data.index_no, data.anomaly) == ("嵌套很深的通知", "X/2024-00009", None)


def test_a_page_nested_deeper_than_lxml_can_read_is_an_error_not_empty_fields(tmp_path):
    with pytest.raises(ExtractionError, match=r"http://x.gov.cn/a.html: page cannot be read whole"):
        extract_article(_nested(3000), "http://x.gov.cn/a.html", get_profile("trs"))
    with pytest.raises(ExtractionError, match="cannot be read whole"):
        parse_listing(_nested(3000), "http://x.gov.cn/list.html", get_profile("trs"))
    page = tmp_path / "deep.html"
    page.write_text(_nested(3000), encoding="utf-8")
    result, output = _extract(page, "trs")
    assert result.exit_code == 2 and f"error: {page}: " in output and "read whole" in output


def test_a_page_over_the_cap_is_refused_before_parsing(tmp_path):
    body = b"<html><body><p>" + b"x" * MAX_PAGE_BYTES + b"</p></body></html>"
    with pytest.raises(ExtractionError, match="page too large to extract"):
        extract_article(body, "http://x.gov.cn/big.html", get_profile("generic"))
    page = tmp_path / "big.html"
    page.write_bytes(body)
    result, output = _extract(page)
    assert result.exit_code == 2 and f"error: {page}: too large to extract" in output


# -- the crawl side: such a page is a crawl issue, never an article --------------------------
REGISTRY = """version: 1
units:
  - id: jh
    name: 江淮市人民政府办公室
    level: 市政府
    profile: lonsun
    entry: http://127.0.0.11:18600/public/column/1001?type=4&action=list&nav=3
"""


@pytest.fixture
def spider(tmp_path):
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawler.spiders.disclosure import DisclosureSpider

    (tmp_path / "units.yaml").write_text(REGISTRY, encoding="utf-8")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return DisclosureSpider.from_crawler(
        Crawler(DisclosureSpider, settings), registry=str(tmp_path / "units.yaml")
    )


def _response(url: str, body: bytes):
    from scrapy.http import HtmlResponse, Request

    return HtmlResponse(url, body=body, request=Request(url), headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(
    "body, detail",
    [
        ((CORPUS / "no_title.html").read_bytes(), "文章页未能读出标题"),
        ((CORPUS / "lonsun_template_changed.html").read_bytes(), "文章页页面有元数据表"),
        ((CORPUS / "image.png.html").read_bytes(), "文章页无法解析：not an HTML page: a PNG image"),
        (b"", "文章页无法解析：empty page"),
        (
            _nested(3000).encode(),
            "文章页无法解析：http://jh.test/a/1.html: page cannot be read whole",
        ),
    ],
    ids=["no-title", "template-changed", "png", "empty", "too-deep"],
)
def test_an_unreadable_article_page_becomes_an_extraction_anomaly_not_an_article(
    spider, body, detail
):
    url = "http://jh.test/a/1.html"
    out = list(spider.parse_article(_response(url, body), "jh", "http://jh.test/c/", None))
    assert [item["type"] for item in out] == ["crawl_issue"]
    row = out[0]["row"]
    assert (row["kind"], row["unit_id"], row["url"]) == ("extraction_anomaly", "jh", url)
    assert row["detail"].startswith(detail), row["detail"]


def test_a_readable_article_page_is_an_article(spider):
    url = "http://jh.test/a/2.html"
    body = (CORPUS / "lonsun_widgets.html").read_bytes()
    out = list(spider.parse_article(_response(url, body), "jh", "http://jh.test/c/", None))
    assert out[0]["type"] == "article"
    assert out[0]["row"]["extra"]["source"] == "江淮市人民政府办公室"


def test_a_list_page_too_deep_to_read_is_an_extraction_anomaly(spider):
    url = "http://jh.test/c/index.html"
    out = list(spider.parse_column(_response(url, _nested(3000).encode()), "jh", url, 1))
    assert [(i["type"], i["row"]["kind"]) for i in out] == [("crawl_issue", "extraction_anomaly")]


FIELDS_SET = """\
id: t
version: "1"
name: 测试指标
pass_line: 60
indicators:
  - id: notice.required_fields
    name: 元数据完整
    group: [信息发布, 元数据完整]
    applies_to: {categories: [notice]}
    check: required_fields
    window: as_of
    params: {fields: [index_no, publisher, doc_no]}
    points: 6
    deduct: {per_problem: 1}
    suggestion: "{title_quoted}元数据缺少「{label}」。"
    description: 元数据缺项。
    source: domain.md §3.4
"""


def test_an_unreadable_page_gives_the_unit_no_problem_and_the_run_a_crawl_issue(
    store_url, spider, tmp_path
):
    """Through the store pipeline and a round: the readable page's missing 文号 is the unit's
    problem; the page whose metadata table could not be read is a crawl issue and nothing else."""
    from test_crawl_pipeline import COLUMN, run_once

    from scoring.indicators import load_indicator_set
    from scoring.round import evaluate

    good, bad = "http://jh.test/a/good.html", "http://jh.test/a/bad.html"
    items = []
    for url, name in ((good, "lonsun_widgets.html"), (bad, "lonsun_template_changed.html")):
        items.append({"type": "listing", "unit_id": "jh-d01", "column_url": COLUMN, "url": url,
                      "title": name, "listed_date": None, "page": 1, "position": len(items)})  # fmt: skip
        response = _response(url, (CORPUS / name).read_bytes())
        for item in spider.parse_article(response, "jh", COLUMN, None):
            item["row"]["unit_id"] = "jh-d01"  # the pipeline's unit (the spider's registry: jh)
            items.append(item)
    db_url = store_url
    run_once(db_url, items)
    (tmp_path / "t.yaml").write_text(FIELDS_SET, encoding="utf-8")
    with open_store(db_url, create=True) as store:
        issues = store.crawl_issues_frame()
        result = evaluate(
            store, "T1", dt.date(2025, 6, 30), load_indicator_set(tmp_path / "t.yaml")
        )
    assert [(r.kind, r.url) for r in issues.itertuples()] == [("extraction_anomaly", bad)]
    problems = result.problems
    assert set(problems["target_url"]) == {good}
    assert list(problems["evidence"].map(lambda e: e["field"])) == ["doc_no"]


def test_a_lonsun_disclosure_page_without_its_metadata_table_was_not_read():
    """The 信息公开 template always prints the 索引号 table: without one, the template changed
    (an anomaly); a department news page (/content/…) has none by design."""
    page = (
        '<html><body><div class="wzy_content"><h1 class="newstitle">关于某事项的通知</h1>'
        '<div id="zoom"><p>正文。</p></div></div></body></html>'
    )
    lonsun = get_profile("lonsun")
    public = extract_article(page, "http://jh.test/public/1001/2000.html", lonsun)
    news = extract_article(page, "http://jh.test/content/article/2000", lonsun)
    assert public.anomaly.startswith("该平台此类页面应有元数据表，但未找到")
    assert news.anomaly is None
