"""crawler.linkcheck: what a link check's answer means, and when it is asked again first
(docs/domain.md §3.6: only a dead link a reader would meet is confirmed)."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.linkcheck import CONFIRMED, OK, SUSPECTED, outcome_for_status, retry_request

URL = "http://www.jh.gov.cn/files/a.pdf"


def _answer(status: int, method: str = "HEAD", attempt: int = 1) -> Response:
    request = Request(URL, method=method, cb_kwargs={"attempt": attempt})
    return Response(URL, status=status, request=request)


@pytest.mark.parametrize("status", [404, 405, 410])
def test_a_head_answered_404_405_or_410_is_asked_again_with_get(status):
    again = retry_request(_answer(status), 1)
    assert again is not None and again.method == "GET" and again.dont_filter
    assert again.url == URL and again.cb_kwargs == {"attempt": 1}


def test_a_get_answered_404_counts_and_is_not_asked_again():
    assert retry_request(_answer(404, "GET"), 1) is None
    assert outcome_for_status(404, 1) == (CONFIRMED, "HTTP 404")


def test_a_page_served_only_to_get_works():
    # HEAD said 404, the GET asked again says 200: the link works.
    assert retry_request(_answer(200, "GET"), 1) is None
    assert outcome_for_status(200, 1) == (OK, "HTTP 200")


def test_a_first_403_is_asked_again_and_counts_only_the_second_time():
    again = retry_request(_answer(403), 1)
    assert again is not None and again.method == "GET" and again.cb_kwargs == {"attempt": 2}
    assert retry_request(_answer(403, "GET", 2), 2) is None
    assert outcome_for_status(403, 1) == (SUSPECTED, "HTTP 403")
    assert outcome_for_status(403, 2) == (CONFIRMED, "HTTP 403 on recheck")


@pytest.mark.parametrize("status", [200, 301, 429, 500, 503])
def test_other_answers_are_not_asked_again(status):
    assert retry_request(_answer(status), 1) is None
