"""Operational hazards of the sample portal: trouble that must never become a unit's problem.

Real portals fail in ways unrelated to what a unit discloses (docs/domain.md §3.6, §4.2):
a 503 that goes away on retry, a page that takes seconds, an anti-bot script wall (瑞数 `$_ts`), a
host that is down, a link that never answers. The generator lists the ones it planted in
`portal.hazards` (and in the manifest's `hazards` part); the server (`demo.server`) acts them out.
A correct crawler retries, waits, or records a crawl issue — never a blank column or a deduction.

Each hazard is a dict::

    {"kind": "retry_503", "url": "http://127.0.0.3:8000/public/1203/5501.html",
     "unit_id": "jh-fgw", "expected": "首次请求返回503，重试后成功，不应计为单位问题",
     "params": {"failures": 1}}

`url` is the absolute URL of the affected page (`target_url`, as the manifest spells it, is
accepted too). Kinds and their optional `params`:

- ``retry_503`` — the first ``failures`` (default 1) requests for the URL in this server process
  answer ``503 Service Unavailable`` with ``Retry-After: 1``; later ones are served normally.
- ``slow`` — the answer comes after ``delay`` seconds (default 2.0); other requests, even on the
  same host, are not held up.
- ``anti_bot`` — every request answers ``200`` with a 瑞数-style challenge page: an inline script
  defining ``$_ts``, obfuscated code that sets ``document.cookie`` and reloads, and no content.
- ``host_down`` — documentary: the host of ``url`` (e.g. a unit's entry page on it) has
  ``down=True`` in the model, so nothing listens at its address and connections are refused.
- ``timeout_link`` — the server accepts the connection and never answers; it drops the
  connection after ``hang`` seconds (default 3600) or when the server stops.

The *fault matrix* (issue 9 point 7) adds kinds planted only when asked
(`make_sample(..., faults=True)`, `zwgk demo generate --faults`, see `demo.operational.plant_faults`),
so the default sample, the demo and its accuracy gate stay as they are. Each entry says in
``expected`` what a correct crawler does, and in ``issue`` the crawl issue kind it records (None:
none; a list: any of these):

- ``burst_5xx`` — the first ``failures`` requests answer ``status`` (default 502), no Retry-After:
  a burst shorter than the crawler's retries is absorbed, a longer one is an ``http_error``.
- ``retry_after_429`` — the first ``failures`` requests answer ``429 Too Many Requests`` with
  ``Retry-After: <retry_after>`` seconds; the crawler must wait that long before asking the host
  again, and then gets the page.
- ``reset`` — the first ``failures`` requests are read and the connection is reset (RST, no
  answer).
- ``truncated`` — the first ``failures`` answers declare the whole page's Content-Length but send
  only half of it, then close: never a half page stored as an article.
- ``redirect_loop`` — ``302`` back and forth between the URL and ``?loop=1`` (``hops`` 0), or an
  endless chain ``?hop=1``, ``?hop=2``, … (``hops`` 1).
- ``page_count`` — every list page of the column whose first list page is ``url`` claims
  ``count`` pages (default 99,999); pages past the real end list nothing (Lonsun's endpoint).
- ``gzip_bomb`` — ``Content-Encoding: gzip`` whose body inflates to ``size`` bytes (default
  512 MiB) from about 0.5 MB on the wire.
- ``endless_body`` — a chunked body that never ends (64 KiB chunks as fast as the client reads).
- ``trickle`` — a Content-Length of ``size`` bytes sent one byte every ``interval`` seconds (the
  whole body would take minutes), then the connection is dropped.
- ``unknown_host`` — documentary, like ``host_down``: the unit's host is a name under
  ``.invalid`` (RFC 2606), which never resolves.
- ``outage`` — documentary: the host of ``url`` is down for the nights ``from_night`` …
  ``from_night + nights - 1`` of a series of nightly crawls (`PortalServer(night=N)` acts it out;
  without a night the host is up).

Any kind may carry ``page_url`` in ``params``, documentary: the page that shows the affected link
(e.g. the article whose in-body link times out). Any kind but ``host_down`` may carry
``"scope": "host"``: it then applies to every URL on the host of ``url`` (exact-URL hazards win
over host-wide ones).
"""

from __future__ import annotations

import hashlib
import random
import re
import zlib
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

RETRY_503 = "retry_503"
SLOW = "slow"
ANTI_BOT = "anti_bot"
HOST_DOWN = "host_down"
TIMEOUT_LINK = "timeout_link"
# The fault matrix (planted only when asked).
BURST_5XX = "burst_5xx"
RETRY_AFTER_429 = "retry_after_429"
RESET = "reset"
TRUNCATED = "truncated"
REDIRECT_LOOP = "redirect_loop"
PAGE_COUNT = "page_count"
GZIP_BOMB = "gzip_bomb"
ENDLESS_BODY = "endless_body"
TRICKLE = "trickle"
UNKNOWN_HOST = "unknown_host"
OUTAGE = "outage"
FAULT_KINDS = (
    BURST_5XX,
    RETRY_AFTER_429,
    RESET,
    TRUNCATED,
    REDIRECT_LOOP,
    PAGE_COUNT,
    GZIP_BOMB,
    ENDLESS_BODY,
    TRICKLE,
    UNKNOWN_HOST,
    OUTAGE,
)
KINDS = (RETRY_503, SLOW, ANTI_BOT, HOST_DOWN, TIMEOUT_LINK, *FAULT_KINDS)
# Acted out by the model or by the caller (which hosts listen), not per request.
DOCUMENTARY = (HOST_DOWN, UNKNOWN_HOST, OUTAGE)
# Integer params (request counts, sizes, nights); the others are seconds.
_COUNTS = {"failures", "status", "hops", "count", "size", "from_night", "nights"}

# Defaults for each kind's params, also the only numeric params each kind accepts.
DEFAULTS: dict[str, dict[str, float]] = {
    RETRY_503: {"failures": 1},
    SLOW: {"delay": 2.0},
    ANTI_BOT: {},
    HOST_DOWN: {},
    TIMEOUT_LINK: {"hang": 3600.0},
    BURST_5XX: {"failures": 3, "status": 502},
    RETRY_AFTER_429: {"failures": 1, "retry_after": 2.0},
    RESET: {"failures": 1_000_000},
    TRUNCATED: {"failures": 1_000_000},
    REDIRECT_LOOP: {"hops": 0},
    PAGE_COUNT: {"count": 99_999},
    GZIP_BOMB: {"size": 512 << 20},
    ENDLESS_BODY: {},
    TRICKLE: {"size": 4096, "interval": 1.0},
    UNKNOWN_HOST: {},
    OUTAGE: {"from_night": 2, "nights": 2},
}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _checked(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """One hazard with its params filled in from DEFAULTS; ValueError naming `where` if wrong."""
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown hazard kind {kind!r} (known: {', '.join(KINDS)})")
    url = raw.get("url") or raw.get("target_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"{where}: hazard {kind!r} needs an absolute 'url', got {url!r}")
    given = dict(raw.get("params") or {})
    scope = given.pop("scope", "page")
    page_url = given.pop("page_url", None)
    if page_url is not None and not isinstance(page_url, str):
        raise ValueError(f"{where}: params.page_url must be a URL, got {page_url!r}")
    if scope not in ("page", "host"):
        raise ValueError(f"{where}: params.scope must be 'page' or 'host', got {scope!r}")
    unknown = set(given) - set(DEFAULTS[kind])
    if unknown:
        raise ValueError(f"{where}: hazard {kind!r} has unknown params {sorted(unknown)}")
    params: dict[str, Any] = dict(DEFAULTS[kind])
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{where}: params.{name} must be a number ≥ 0, got {value!r}")
        params[name] = int(value) if name in _COUNTS else float(value)
    params["scope"] = scope
    if page_url is not None:
        params["page_url"] = page_url
    return {**raw, "url": url, "params": params}


class HazardIndex:
    """Look-up from a requested absolute URL to the hazard planted there, built once."""

    def __init__(self, hazards: list[dict[str, Any]]) -> None:
        self._by_url: dict[str, dict[str, Any]] = {}
        self._by_origin: dict[str, dict[str, Any]] = {}
        self._by_list: dict[str, dict[str, Any]] = {}  # page_count: every page of one list
        for number, raw in enumerate(hazards):
            hazard = _checked(raw, f"hazards[{number}]")
            if hazard["kind"] in DOCUMENTARY:
                continue  # acted out by the model (Host.down) or the caller, not per request
            if hazard["kind"] == PAGE_COUNT:
                self._by_list[list_key(hazard["url"])] = hazard
            elif hazard["params"]["scope"] == "host":
                self._by_origin[_origin(hazard["url"])] = hazard
            else:
                self._by_url[hazard["url"]] = hazard

    def __len__(self) -> int:
        return len(self._by_url) + len(self._by_origin) + len(self._by_list)

    def hazard_for(self, url: str) -> dict[str, Any] | None:
        """The hazard acting on `url` (absolute, with its query), or None."""
        hazard = self._by_url.get(url)
        if hazard is None and "?" in url:  # the redirect loop's own ?loop=1 / ?hop=N
            looped = self._by_url.get(_LOOP_QUERY.sub("", url))
            hazard = looped if looped is not None and looped["kind"] == REDIRECT_LOOP else None
        if hazard is None and self._by_list:
            hazard = self._by_list.get(list_key(url))
        if hazard is None and self._by_origin:
            hazard = self._by_origin.get(_origin(url))
        return hazard


def outage_hosts(hazards: list[dict[str, Any]], night: int | None) -> set[str]:
    """The origins (``http://address:port``) an ``outage`` hazard takes down on `night`."""
    if night is None:
        return set()
    down = set()
    for number, raw in enumerate(hazards):
        if raw.get("kind") != OUTAGE:
            continue
        params = _checked(raw, f"hazards[{number}]")["params"]
        if params["from_night"] <= night < params["from_night"] + params["nights"]:
            down.add(_origin(raw.get("url") or raw["target_url"]))
    return down


# A list page's number, in either platform's spelling: Lonsun's `pageIndex=N` parameter, TRS's
# (and gov.cn's) `index_N.html` / `index_N.htm`. Removing it gives one key for every page of a
# column's list.
_PAGE_NUMBER = re.compile(r"(?:(?<=[?&])pageIndex=\d+|(?<=/index)_\d+(?=\.html?))")


_LOOP_QUERY = re.compile(r"[?&](?:loop=1|hop=\d+)$")


def list_key(url: str) -> str:
    """`url` with its list page number taken out: the same for every page of one list."""
    return _PAGE_NUMBER.sub("", url)


_PAGE_COUNT_TEXT = re.compile(rb"(pageCount:)\d+|(createPageHTML\()\d+")


def claim_page_count(body: bytes, count: int) -> bytes:
    """A list page's body claiming `count` pages (Lonsun `pageCount:N`, TRS `createPageHTML(N`)."""
    return _PAGE_COUNT_TEXT.sub(lambda m: (m.group(1) or m.group(2)) + str(count).encode(), body)


@lru_cache(maxsize=2)
def gzip_bomb(size: int) -> bytes:
    """A gzip stream that inflates to `size` zero bytes (about 1/1000 of it on the wire)."""
    out = bytearray()
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    block = bytes(1 << 20)
    left = size
    while left > 0:
        out += squeeze.compress(block[: min(left, len(block))])
        left -= len(block)
    out += squeeze.flush()
    return bytes(out)


def anti_bot_page(url: str) -> bytes:
    """A 瑞数 (Riversecurity) style challenge page for `url`: script only, no content.

    Deterministic per URL. Modelled on the inline `$_ts` block real TRS/Lonsun sites serve in
    front of their pages (see realpages/fzgg-gansu-govcn_…detail.html): a `<meta r="m">` token, a
    `$_ts.cd` blob, an external loader script, and obfuscated code that sets a cookie and reloads.
    """
    rng = random.Random(hashlib.sha256(url.encode("utf-8")).digest())
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def blob(n: int, alphabet: str = letters) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    # Distinct `_$xx` identifiers, the way the vendor's obfuscator names things.
    pool = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    names = [f"_${name}" for name in rng.sample(pool, 8)]
    cookie = f"{blob(13)}S={blob(88)}"
    code = (
        f'(function(){{var {names[0]}=window,{names[1]}=document,{names[2]}="{blob(48)}";'
        f"function {names[3]}({names[4]}){{return {names[4]}.split('').reverse().join('')}}"
        f"var {names[5]}=[{','.join(str(rng.randrange(1 << 16)) for _ in range(24))}];"
        f"for(var {names[6]}=0;{names[6]}<{names[5]}.length;{names[6]}++)"
        f"{{{names[2]}+=String.fromCharCode({names[5]}[{names[6]}]%94+33)}}"
        f'document.cookie="{cookie}; path=/";'
        f"{names[0]}.setTimeout(function(){{{names[0]}.location.reload()}},{rng.randrange(50, 400)});"
        f"{names[7]}={names[3]}({names[2]})}})();"
    )
    html = (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta http-equiv="Pragma" content="no-cache">\n'
        '<meta http-equiv="Cache-Control" content="no-store, no-cache">\n'
        '<meta http-equiv="Expires" content="0">\n'
        '<meta http-equiv="refresh" content="3">\n'
        f'<meta content="{blob(32)}" r="m">\n'
        '<!--[if lt IE 9]><script r="m">document.createElement("section")</script><![endif]-->\n'
        "<script type=\"text/javascript\" r='m'>"
        f"$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={rng.randrange(10000, 99999)};"
        f'$_ts.cd="{blob(640)}";if($_ts.lcd)$_ts.lcd();</script>\n'
        f'<script type="text/javascript" charset="utf-8" src="/{blob(12)}/{blob(6)}.{blob(8)}.js"'
        " r='m'></script>\n"
        "</head>\n<body>\n"
        f"<script type=\"text/javascript\" r='m'>{code}</script>\n"
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")


def anti_bot_cookie(url: str) -> str:
    """The Set-Cookie value sent with the challenge page (a per-URL token, like 瑞数's `…S=`)."""
    token = hashlib.sha256(b"cookie:" + url.encode("utf-8")).hexdigest()
    return f"{token[:13]}S={token[13:]}; Path=/; HttpOnly"
