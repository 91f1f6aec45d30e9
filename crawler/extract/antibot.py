"""Detect the 瑞数 (Riversecurity) anti-bot challenge page.

The challenge answers a crawler with a page that is nothing but a `$_ts` script and a script
include; it must become a crawl issue, never an "empty column" of the unit (docs/domain.md §4.2).
Some sites add the same inline script at the top of real pages (fzgg.gansu.gov.cn): those have
content, so the test is "`$_ts` present and almost no visible text".
"""

from __future__ import annotations

import re

_HIDDEN = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[\s\u3000\xa0]+|&nbsp;")
# A real article or list has far more visible text than this; a challenge page has none.
MIN_VISIBLE_CHARS = 200


def is_anti_bot(html: str | bytes) -> bool:
    """True for an anti-bot challenge page (`$_ts` script and no real content)."""
    if isinstance(html, bytes):
        if b"$_ts" not in html:
            return False
        html = html.decode("utf-8", errors="replace")
    elif "$_ts" not in html:
        return False
    visible = _SPACE.sub("", _TAG.sub("", _HIDDEN.sub("", html)))
    return len(visible) < MIN_VISIBLE_CHARS
