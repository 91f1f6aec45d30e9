"""List rows kept as data in a page's script: `var data = [{title, pubDate, url}, …]`,
`window.__DATA__ = {…, list: […]}`, `<script type="application/json">`.

Newer portals (Vue/React front ends, Hanweb's newer platform) ship a column's rows as a JSON
array the browser renders; the HTML itself has no row. Each value assigned in a script (after
`=`) or a JSON script's whole text is decoded with `json` — never evaluated — and every array
inside it whose objects carry a title and a URL is a candidate; the array with the most such
objects, most of them dated, gives the rows. Key names vary by site (title / docTitle,
url / link / href / urls, pubDate / publishDate / date / time …); Hanweb's `urls` is itself a
JSON string (`{"common": "/art/…"}`); dates are text or epoch seconds/milliseconds.

Bounded: scripts over `MAX_SCRIPT_CHARS`, more than `MAX_STARTS` tries a page, more than
`MAX_NODES` values walked a script, or nesting past `MAX_DEPTH` are not read further;
at most `MAX_ROWS` rows are taken.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

from crawler.extract.text import norm_space, parse_date

MAX_SCRIPT_CHARS = 2_000_000
MAX_STARTS = 200
MAX_NODES = 200_000
MAX_DEPTH = 24
MAX_ROWS = 1000

TITLE_KEYS = ("title", "doctitle", "articletitle", "infotitle", "maintitle", "wztitle")
URL_KEYS = ("url", "urls", "link", "href", "docurl", "articleurl", "pageurl", "linkurl")
DATE_KEYS = (
    "pubdate", "publishdate", "publishtime", "pubtime", "releasedate", "releasetime", "date",
    "time", "docreltime", "createtime", "createdate", "fbrq", "fwrq",
)  # fmt: skip
_URL_VARIANTS = ("common", "pc", "url", "web")  # Hanweb urls: {"common": "/art/…", "pc": …}
_ASSIGNED = re.compile(r"=\s*(?=[\[{])")
_TAG = re.compile(r"<[^>]{0,500}>")
_BEIJING = dt.timezone(dt.timedelta(hours=8))
_DECODER = json.JSONDecoder()


@dataclass(slots=True)
class ScriptRow:
    """One row from script data: its URL as written (resolve it against the page)."""

    url: str
    title: str
    date: dt.date | None


def script_rows(tops: Sequence[etree._Element]) -> list[ScriptRow]:
    """The rows of the page's largest script array of dated {title, url} objects."""
    best: list[ScriptRow] = []
    starts = 0
    for top in tops:
        for script in top.iter("script"):
            text = script.text or ""
            if script.get("src") or not text.strip() or len(text) > MAX_SCRIPT_CHARS:
                continue
            for value in _values(text, (script.get("type") or "").lower()):
                starts += 1
                for rows in _row_lists(value):
                    if len(rows) > len(best):
                        best = rows
                if starts >= MAX_STARTS:
                    return best[:MAX_ROWS]
    return best[:MAX_ROWS]


def _values(text: str, script_type: str) -> Iterator[object]:
    """Every JSON value the script assigns (or the whole script, when it is JSON)."""
    if "json" in script_type:
        positions = [len(text) - len(text.lstrip())]
    else:
        positions = [m.end() for m in _ASSIGNED.finditer(text)]
    end = 0
    for position in positions[:MAX_STARTS]:
        if position < end:
            continue  # inside a value already read
        try:
            value, end = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            continue  # a JavaScript literal json cannot read (unquoted keys, functions…)
        yield value


def _row_lists(value: object) -> Iterator[list[ScriptRow]]:
    """Each list inside `value` whose objects give rows (most of them dated)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    walked = 0
    while stack and walked < MAX_NODES:
        node, depth = stack.pop()
        walked += 1
        if depth >= MAX_DEPTH:
            continue
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            rows = [row for item in node[: MAX_ROWS * 2] if (row := _row(item)) is not None]
            if rows and 2 * sum(r.date is not None for r in rows) >= len(rows):
                yield rows
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def _row(item: object) -> ScriptRow | None:
    if not isinstance(item, dict):
        return None
    keys = {k.lower(): v for k, v in item.items() if isinstance(k, str)}
    title = _first(keys, TITLE_KEYS)
    url = _url(_first(keys, URL_KEYS))
    if not isinstance(title, str) or not url:
        return None
    title = norm_space(html.unescape(_TAG.sub("", title)))
    if not title:
        return None
    return ScriptRow(url=url, title=title, date=_date(_first(keys, DATE_KEYS)))


def _first(keys: dict[str, object], names: tuple[str, ...]) -> object:
    return next((keys[n] for n in names if keys.get(n) not in (None, "")), None)


def _url(value: object) -> str | None:
    if isinstance(value, dict):
        value = next((value[k] for k in _URL_VARIANTS if isinstance(value.get(k), str)), None)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.startswith("{"):  # Hanweb: a JSON object as a string
        try:
            return _url(json.loads(value))
        except (ValueError, RecursionError):
            return None
    return value or None


def _date(value: object) -> dt.date | None:
    """A date from text (2024-05-01 …) or epoch seconds / milliseconds, in Beijing time."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 15:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str):
        return parse_date(value)
    seconds = value / 1000 if value > 1e11 else value
    if not 946_684_800 <= seconds <= 4_102_444_800:  # 2000-01-01 … 2100-01-01
        return None
    return dt.datetime.fromtimestamp(seconds, _BEIJING).date()
