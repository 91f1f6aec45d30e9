"""Untrusted text made inert where it enters the store.

Crawled pages and returned checklists are written by people zwgk does not control. A title may
carry a terminal escape (``\\x1b[2J``), a NUL, a C1 control, a lone surrogate from a broken GBK
decode, or a bidirectional override that makes a line read backwards. openpyxl refuses to write
such a cell (``IllegalCharacterError``: the round report failed), XML 1.0 and HTML cannot carry
them, and a terminal obeys them (the evaluator's screen was cleared by a crawled title).

So every text value is cleaned once, here, on its way into the store (`store.rows`,
`store.writes`, `store.responses` call `inert`; migration 0005 cleaned what older stores
held): what any report, checklist, CLI table or JSON output reads back from the store is
already safe to carry. `zwgk extract`, which prints without storing, calls `inert_json` itself.

The terminal is the second edge: rich reads ``[bold red]`` or ``[/]`` in a printed string as
markup (a crawled title ``[/]`` raised MarkupError; ``[link=…]`` would make a hyperlink) and
``:smile:`` as an emoji. Every CLI hands stored or crawled text to rich through `shown`, a
`rich.text.Text` that is printed literally. What is removed carries no meaning a
reader could see; tabs and line breaks stay (body text keeps its paragraphs), ``\\r\\n`` and a
lone ``\\r`` become ``\\n``. The stored page bytes (``html_gz``) are evidence and stay as fetched;
they are never shown without escaping.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

# C0 controls but TAB and LF, DEL, C1 controls; lone surrogates; the bidi embeddings, overrides
# and isolates (U+202A–202E, U+2066–2069: "Trojan source" reordering); the BOM and the
# noncharacters U+FFFE/U+FFFF, which XML 1.0 cannot carry.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)
_NEWLINES = re.compile(r"\r\n?")
_URL_UNSAFE = re.compile(f"{_UNSAFE.pattern}|[\t\n\r]")


def inert(text: str | None) -> str | None:
    """`text` without the characters that a spreadsheet, a terminal or HTML cannot carry safely
    (see the module docstring); ``None`` stays ``None``. Idempotent."""
    if text is None or not isinstance(text, str):
        return text
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    return _UNSAFE.sub("", text)


def inert_url(url: str | None) -> str | None:
    """`url` with the characters `inert` removes, and tabs and line breaks, percent-encoded
    (UTF-8) instead: a URL stays the address it was (Scrapy requests ``a%1Bb`` for ``a\\x1bb``,
    so the stored listing row, link and link check still name the same page). Idempotent."""
    if url is None or not isinstance(url, str):
        return url
    return _URL_UNSAFE.sub(_percent, url)


def _percent(match: re.Match) -> str:
    raw = match.group().encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in raw)


def is_inert(text: str) -> bool:
    """Whether `inert` would leave `text` as it is."""
    return "\r" not in text and _UNSAFE.search(text) is None


def inert_values(row: Mapping[str, Any], keys: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    """A copy of `row` with the string values under `keys` made inert (others untouched)."""
    out = dict(row)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = inert(value)
    return out


def inert_json(value: Any) -> Any:
    """Every string inside a JSON-like value (dicts, lists, keys included) made inert."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, Mapping):
        return {inert_json(k): inert_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_json(v) for v in value]
    return value


def shown(value: Any, style: str = "") -> Text:
    """`value` for a rich table cell or ``console.print``: inert, and printed literally (no
    markup, no emoji codes). ``None`` shows as an empty cell."""
    return Text("" if value is None else inert(str(value)), style=style)


class InertLogRecords(logging.Filter):
    """A log handler filter: the formatted message made inert (a column name or URL logged
    while crawling reaches stderr without its control characters). `zwgk` installs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging reports the bad format itself
        if not is_inert(message):
            record.msg, record.args = inert(message), ()
        return True


# Off a terminal (a log file, a pipe, cron's mail) rich would lay lines out for 80 columns and
# cut or fold URLs and table cells; this width keeps every line whole.
LOG_WIDTH = 10_000


def console(stderr: bool = False) -> Console:
    """A rich Console for a command's output: as wide as the terminal on one; elsewhere wide
    enough that no URL or table cell is cut, and no line folded (the log reads as printed)."""
    out = Console(stderr=stderr)
    if out.is_terminal:
        return out
    return Console(stderr=stderr, width=LOG_WIDTH, soft_wrap=True)
