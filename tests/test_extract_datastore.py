"""Hanweb jpage lists (crawler/extract/datastore.py through `parse_listing` with the `hanweb`
profile): rows from a `<datastore>` script block and from a dataproxy.jsp answer, paging by
record ranges; and the list-rule validation of `scheme: records`."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extract import parse_listing
from crawler.profile_model import ProfileError, get_profile, load_profile

SITE = "https://jyt.zj.gov.cn"
PROXY = "/module/web/jpage/dataproxy.jsp"


def _record(n: int) -> str:
    return (
        f'<record><![CDATA[<li><a href="/art/2024/10/{n}/art_1543973_{58942800 + n}.html" '
        f'title="第{n}条信息" target="_blank">第{n}条信息</a><span>2024-10-{n:02d}</span></li>]]>'
        "</record>\n"
    )


def column_page(records: int, total: int) -> str:
    """A column page as jyt.zj prints it: the datastore script, then the jpage call."""
    body = "".join(_record(n) for n in range(1, records + 1))
    return (
        '<html><head><meta name="ColumnName" content="图文报道"></head><body>'
        '<div class="nav"><ul><li><a href="/col/col1532802/index.html">政府信息公开</a></li></ul></div>'
        '<div id="4985472"><script type="text/xml"><datastore>'
        f'<nextgroup><![CDATA[<a href="{PROXY}?page=1&appid=1&webid=3099&path=/&columnid=1543973'
        "&unitid=4985472&webname=%E6%B5%99%E6%B1%9F%E7%9C%81%E6%95%99%E8%82%B2%E5%8E%85"
        '&permissiontype=0"></a>]]></nextgroup>'
        f"<recordset>{body}</recordset></datastore></script></div>"
        "<script>var param_4985472 = {col:1,appid:1,webid:3099,path:'/',columnid:1543973,"
        "sourceContentType:1,unitid:'4985472',webname:'浙江省教育厅',permissiontype:0};"
        f"$('#4985472').jpage({{ totalRecord: {total}, perPage: 15, groupSize: 3, "
        f"proxyUrl: '{PROXY}', ajaxParam: param_4985472 }});</script></body></html>"
    )


def proxy_url(start: int, end: int) -> str:
    return (
        f"{SITE}{PROXY}?startrecord={start}&endrecord={end}&perpage=15&col=1&appid=1&webid=3099"
        "&path=/&columnid=1543973&sourceContentType=1&unitid=4985472"
        "&webname=%E6%B5%99%E6%B1%9F%E7%9C%81%E6%95%99%E8%82%B2%E5%8E%85&permissiontype=0"
    )


@pytest.fixture(scope="module")
def hanweb():
    return get_profile("hanweb")


def test_each_record_of_the_datastore_block_is_a_row(hanweb):
    page = parse_listing(column_page(45, 100), f"{SITE}/col/col1543973/index.html", hanweb)
    assert len(page.rows) == 45
    first = page.rows[0]
    assert (first.url, first.title, first.date) == (
        f"{SITE}/art/2024/10/1/art_1543973_58942801.html",
        "第1条信息",
        dt.date(2024, 10, 1),
    )
    assert all("/col/" not in r.url for r in page.rows)  # navigation is not a row


def test_the_column_page_pages_on_by_record_ranges_of_per_page_times_group_size(hanweb):
    page = parse_listing(column_page(45, 100), f"{SITE}/col/col1543973/index.html", hanweb)
    assert (page.page, page.page_count) == (1, 3)
    assert page.page_urls == [proxy_url(46, 90), proxy_url(91, 135)]
    assert page.next_url == proxy_url(46, 90)


def test_a_dataproxy_answer_gives_its_rows_and_the_range_after_it(hanweb):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore><recordset>'
        + "".join(_record(n) for n in range(1, 31))
        + "</recordset><totalrecord>100</totalrecord><totalpage>7</totalpage></datastore>"
    )
    page = parse_listing(xml.encode("utf-8"), proxy_url(46, 90), hanweb)
    assert len(page.rows) == 30
    assert (page.page, page.page_count, page.next_url) == (2, 3, proxy_url(91, 135))
    last = parse_listing(xml.encode("utf-8"), proxy_url(91, 135), hanweb)
    assert (last.page, last.next_url, last.page_urls) == (3, None, [])


def test_a_short_list_has_one_page_and_no_next(hanweb):
    page = parse_listing(column_page(7, 7), f"{SITE}/col/col1543973/index.html", hanweb)
    assert (len(page.rows), page.page_count, page.next_url) == (7, 1, None)


def test_an_empty_datastore_has_no_rows(hanweb):
    page = parse_listing(column_page(0, 0), f"{SITE}/col/col1543973/index.html", hanweb)
    assert (page.rows, page.page_count, page.next_url) == ([], 1, None)


def test_a_missing_ajax_parameter_leaves_no_next_page_rather_than_a_wrong_url(hanweb):
    html = column_page(45, 100).replace("webid:3099,", "").replace("&webid=3099", "")
    page = parse_listing(html, f"{SITE}/col/col1543973/index.html", hanweb)
    assert (page.page_count, page.next_url) == (3, None)


def test_without_the_datastore_rule_the_records_are_not_rows(hanweb):
    generic = get_profile("generic")
    page = parse_listing(column_page(45, 100), f"{SITE}/col/col1543973/index.html", generic)
    assert not any("/art/" in r.url for r in page.rows)


def test_scheme_records_without_records_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nextends: hanweb\nlisting:\n  pagination:\n    scheme: records\n"
        "    records: null\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match="scheme: records needs records"):
        load_profile(path)


def test_a_template_placeholder_without_its_param_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nextends: generic\nlisting:\n  pagination:\n    scheme: records\n"
        "    records:\n      template: '/p?s={start}&site={siteid}'\n"
        "      total: ['total:(\\d+)']\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=r"bad.yaml:6: .*siteid"):
        load_profile(path)
