"""decode_html (header → meta → strict UTF-8 → GB18030) and is_anti_bot."""

from __future__ import annotations

import pytest

from crawler.extract import decode_html, is_anti_bot

TEXT = (
    "江淮市人民政府关于印发《城市绿化管理办法》的通知　索引号：1134/2024-00001 𠀀"  # 𠀀: beyond GBK
)


def page(declaration: str = "") -> str:
    return f"<html><head>{declaration}<title>t</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize(
    "body, header, expected",
    [
        (page().encode("gb18030"), None, "gb18030"),  # nothing declared anywhere
        (page().encode("utf-8"), None, "utf-8"),
        (page('<meta charset="gb2312">').encode("gb18030"), None, "gb18030"),  # GB2312 → superset
        (
            page('<meta http-equiv="Content-Type" content="text/html; charset=GBK">').encode(
                "gb18030"
            ),
            None,
            "gb18030",
        ),
        (page().encode("gb18030"), "text/html; charset=gbk", "gb18030"),  # header only
        (page().encode("utf-8"), "text/html; charset=UTF-8", "utf-8"),
    ],
    ids=[
        "gbk-undeclared",
        "utf8-undeclared",
        "meta-gb2312",
        "http-equiv-gbk",
        "header-gbk",
        "header-utf8",
    ],
)
def test_decodes_right(body, header, expected):
    text, used = decode_html(body, header)
    assert (TEXT in text, used) == (True, expected)


def test_header_wins_over_meta_when_both_decode():
    body = page('<meta charset="utf-8">').encode("gb18030")
    assert decode_html(body, "text/html; charset=gb18030")[1] == "gb18030"


def test_a_wrong_utf8_declaration_on_gbk_bytes_falls_through():
    body = page('<meta charset="utf-8">').encode("gb18030")
    text, used = decode_html(body, "text/html; charset=utf-8")
    assert (TEXT in text, used) == (True, "gb18030")


def test_utf8_bytes_under_a_gbk_declaration_are_utf8():
    # GB18030 would "decode" these bytes without error, into mojibake.
    body = page('<meta charset="gbk">').encode("utf-8")
    text, used = decode_html(body, None)
    assert (TEXT in text, used) == (True, "utf-8")


def test_latin1_header_of_a_gbk_site_is_not_trusted_first():
    body = page().encode("gb18030")
    text, used = decode_html(body, "text/html; charset=ISO-8859-1")
    assert (TEXT in text, used) == (True, "gb18030")


def test_byte_order_mark():
    text, used = decode_html("\ufeff".encode() + page().encode("utf-8"), "text/html; charset=gbk")
    assert (text.startswith("<html>"), used) == (True, "utf-8")


# -- anti-bot challenge pages (瑞数 $_ts) ------------------------------------------------------
CHALLENGE = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta content="Edx3m4jYKWIlB5qZzUzkKmOJUhMktBaO" r="m">'
    "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=17787;"
    '$_ts.cd="qhzqrpAlEpLlDsZmDGqbcqEqDG3FrS93qGq5rpLc";</script>'
    '<script type="text/javascript" charset="utf-8" src="/tQrlMwxgEtCS/Jk6aVTYjhBeW.294cc83.js" r=\'m\'></script>'
    "</head><body><script>(function(){document.cookie='a=b';location.reload()})();</script></body></html>"
)


def test_challenge_page_is_anti_bot():
    assert is_anti_bot(CHALLENGE) is True


def test_challenge_page_bytes_are_anti_bot():
    assert is_anti_bot(CHALLENGE.encode("utf-8")) is True


def test_same_script_in_front_of_real_content_is_not_anti_bot():
    article = CHALLENGE.replace(
        "<body>", "<body><div id='zoom'>" + "<p>正文内容，政府信息公开。</p>" * 30 + "</div>"
    )
    assert is_anti_bot(article) is False


def test_short_page_without_the_script_is_not_anti_bot():
    assert is_anti_bot("<html><body>404 Not Found</body></html>") is False


def test_demo_portal_challenge_page_is_anti_bot():
    hazards = pytest.importorskip("demo.hazards")
    assert is_anti_bot(hazards.anti_bot_page("http://127.0.0.11:18600/public/index.html")) is True
