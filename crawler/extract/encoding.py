"""Decode a page's bytes the way a careful browser would, for Chinese government sites.

Order: byte-order mark, the HTTP `Content-Type` charset, the page's `<meta charset>` /
`http-equiv`, then strict UTF-8, then GB18030 (a superset of GBK and GB2312), so that pages
that declare nothing at all still decode right. A declared encoding is only used when the bytes
really decode with it: some servers declare UTF-8 for GBK pages and the reverse (see below for
the one case where strict decoding proves nothing).
w3lib (a Scrapy dependency) parses the header and the `<meta>` and maps GB2312/GBK → GB18030.
"""

from __future__ import annotations

import codecs
import logging

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

logger = logging.getLogger(__name__)

# Servers in front of GBK sites often send a default "charset=ISO-8859-1" (w3lib resolves it to
# cp1252, which decodes almost any byte): try the real candidates before trusting it.
_WEAK = {"cp1252", "latin-1", "iso8859-1", "ascii"}


def _norm(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name)
    if resolved is None:
        logger.debug("unknown charset %r ignored", name)
        return None
    return codecs.lookup(resolved).name


def decode_html(body: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used) for a page body.

    `content_type_header` is the raw HTTP header value (``text/html; charset=gbk``) or None.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, errors="replace"), _norm(
            bom_encoding
        ) or "utf-8"

    header = _norm(http_content_type_encoding(content_type_header)) if content_type_header else None
    meta = _norm(html_body_declared_encoding(body[:4096]))
    candidates: list[str] = []
    weak: list[str] = []
    for declared in (header, meta):
        if declared:
            (weak if declared in _WEAK else candidates).append(declared)
    # GB18030 accepts almost any byte pair, so UTF-8 bytes "decode" under a GBK declaration and
    # come out as mojibake; GBK text, in turn, is practically never valid UTF-8. So when a GB
    # family is declared, bytes that are strictly valid UTF-8 are UTF-8.
    if candidates and candidates[0] == "gb18030" and not body.isascii():
        candidates.insert(0, "utf-8")
    candidates += ["utf-8", "gb18030", *weak]

    seen = set()
    for encoding in candidates:
        if encoding in seen:
            continue
        seen.add(encoding)
        try:
            return body.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    fallback = header or meta or "gb18030"
    logger.warning(
        "page bytes fit no candidate encoding; decoding as %s with replacements", fallback
    )
    return body.decode(fallback, errors="replace"), fallback
