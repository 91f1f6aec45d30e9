"""One parse per page, and one walk over it that yields text lines with their context.

lxml keeps malformed markup (nodes after `</html>`, a second `<body>`) in the tree, but not
always under `<body>`: every query here starts from the document root, never from `body`.

Limits, raised deliberately: libxml2's HTML parser stops at 256 levels of nesting unless told
``huge_tree`` and then drops everything deeper *silently* (the fields of a page nested 300 deep
came out empty). We parse with ``huge_tree`` (depth up to 2048, no 10 MB text-node cap) and
guard what that lifts ourselves: a page larger than `MAX_PAGE_BYTES` is refused before parsing,
and a page the parser still had to cut short raises `ExtractionError` instead of yielding part
of a tree. The crawler turns that error into an ``extraction_anomaly`` crawl issue.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urldefrag, urljoin

from lxml import etree

from crawler.extract.encoding import decode_html
from crawler.extract.selectors import DocIndex
from crawler.extract.text import norm_space

logger = logging.getLogger(__name__)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_BASE = etree.XPath("//base[@href]/@href")
_META = etree.XPath("//meta[@name and @content]")
# Plain lxml elements: lxml.html's element classes cost a Python lookup per element touched.
# huge_tree: see the module docstring; the size cap below is what bounds it.
_PARSER = etree.HTMLParser(
    remove_comments=False, remove_pis=True, collect_ids=False, huge_tree=True
)
# The crawler's download cap (crawler.settings.DOWNLOAD_MAXSIZE) is the same 20 MiB: a page the
# crawler accepted is never refused here, and `zwgk extract` on a saved file has the same bound.
MAX_PAGE_BYTES = 20 * 1024 * 1024
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:")

# Elements whose text is never page content.
SKIP_TAGS = frozenset((
    "script", "style", "noscript", "template", "title", "select", "option", "textarea", "iframe",
    "object", "svg", "canvas", "button", "head",
))  # fmt: skip
# Elements that start a new line of text; inline ones (span, b, a, font…) do not, so that
# `名<span style="padding-left:20px"></span>称：` stays one label.
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))  # fmt: skip


class ExtractionError(ValueError):
    """A page extraction cannot read at all (too large, nested too deep, not HTML); the message
    says why. Not raised for a page that merely lacks fields: see `ArticleData.anomaly`."""


# File signatures of what servers hand out in place of a page (or users pass to `zwgk extract`).
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an Office 97 document (DOC/XLS/WPS)"),
)


def refuse_non_html(body: bytes) -> None:
    """Raise `ExtractionError` when `body` cannot be a web page: empty, blank, a known binary
    format, or bytes with NULs (text encodings a page uses have none, UTF-16 aside, which
    starts with its byte-order mark)."""
    if not body.strip():
        raise ExtractionError(
            "empty page (no bytes)" if not body else "blank page (whitespace only)"
        )
    for magic, what in _MAGIC:
        if body.startswith(magic):
            raise ExtractionError(f"not an HTML page: {what}")
    head = body[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("not an HTML page: binary data (NUL bytes)")


def _check_size(size: int, url: str) -> None:
    if size > MAX_PAGE_BYTES:
        raise ExtractionError(
            f"{url}: page too large to extract ({size:,} bytes; the cap is {MAX_PAGE_BYTES:,})"
        )


@dataclass(slots=True)
class Line:
    """A run of text between block boundaries, with the block element that holds it."""

    text: str
    block: etree._Element
    in_body: bool
    in_meta: bool


@dataclass
class Document:
    """A parsed page: its text, lxml root and the URL links resolve against."""

    text: str
    root: etree._Element
    url: str
    encoding: str | None = None
    _meta: dict[str, str] | None = field(default=None, repr=False)

    @cached_property
    def tree(self) -> etree._ElementTree:
        return self.root.getroottree()

    @cached_property
    def index(self) -> DocIndex:
        """Query context for the whole document (see `crawler.extract.selectors`)."""
        return DocIndex(self.tree, self.tops)

    def reindex(self) -> None:
        """Forget the index after the tree was changed (rows spliced in from comments)."""
        self.__dict__.pop("index", None)

    @cached_property
    def tops(self) -> list[etree._Element]:
        """Top-level elements: the root, plus any `<html>` lxml opened after a stray `</html>`."""
        before = [e for e in self.root.itersiblings(preceding=True) if isinstance(e.tag, str)]
        after = [e for e in self.root.itersiblings() if isinstance(e.tag, str)]
        return [*reversed(before), self.root, *after]

    @cached_property
    def base(self) -> str:
        hrefs = _BASE(self.root)
        return urljoin(self.url, hrefs[0].strip()) if hrefs else self.url

    def absolute(self, href: str | None) -> str | None:
        """Resolve a link against the page (and `<base href>`); None for script/mail links."""
        if href is None:
            return None
        href = href.strip()
        if not href or href.startswith("#") or href.lower().startswith(_SKIP_SCHEMES):
            return None
        return urldefrag(urljoin(self.base, href))[0]

    @property
    def meta(self) -> dict[str, str]:
        """`<meta name=… content=…>` by lower-cased name (first occurrence wins)."""
        if self._meta is None:
            found: dict[str, str] = {}
            for el in _META(self.root):
                found.setdefault(el.get("name").strip().lower(), el.get("content").strip())
            self._meta = found
        return self._meta


def parse_document(html: str | bytes, url: str, encoding: str | None = None) -> Document:
    """Decode (if bytes) and parse a page once. Empty or unparsable input gives an empty tree;
    a page over `MAX_PAGE_BYTES` (bytes, or characters of a str) or one the parser could only
    read in part (nested deeper than libxml2 goes even with huge_tree) raises `ExtractionError`."""
    _check_size(len(html), url)
    used = encoding
    if isinstance(html, bytes):
        if encoding:
            text = html.decode(encoding, errors="replace")
        else:
            text, used = decode_html(html, None)
    else:
        text = html
    # lxml refuses str input that carries an XML encoding declaration.
    source = _XML_DECL.sub("", text, count=1)
    root = None
    if source.strip():
        try:
            root = etree.fromstring(source, _PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            logger.warning("%s: cannot parse HTML (%s); treating it as empty", url, exc)
        _refuse_cut_short(_PARSER.error_log, url)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", _PARSER)
    return Document(text=text, root=root, url=url, encoding=used)


def _refuse_cut_short(errors: etree._ListErrorLog, url: str) -> None:
    """libxml2 logs ERR_RESOURCE_LIMIT and stops reading when a limit is hit (depth 2048 with
    huge_tree); what it returns then is a tree without the rest of the page."""
    for error in errors:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise ExtractionError(
                f"{url}: page cannot be read whole ({error.message.strip()} at line {error.line})"
            )


def fragment_root(html: str) -> etree._Element:
    """Parse an HTML fragment (e.g. rows kept inside a comment); returns its `<body>`."""
    root = etree.fromstring(f"<html><body>{html}</body></html>", _PARSER)
    body = root.find("body")
    return body if body is not None else root


def walk_lines(
    tops: list[etree._Element],
    *,
    body: etree._Element | None = None,
    meta: frozenset | set = frozenset(),
    exclude: frozenset | set = frozenset(),
) -> list[Line]:
    """Flatten the tree into text lines in document order.

    `body`: lines inside it get ``in_body``; `meta`: metadata containers (their lines get
    ``in_meta`` and never count as body, even when the body element wraps them); `exclude`:
    elements whose text is dropped (share buttons, QR codes, related-link blocks).
    Comments are skipped but their tails kept. Iterative: malformed pages nest thousands deep.
    `tops` are the document's top-level elements (`Document.tops`).
    """
    lines: list[Line] = []
    for root in tops:
        _walk(root, lines, body, meta, exclude)
    return lines


def _walk(
    root: etree._Element, lines: list[Line], body: etree._Element | None, meta, exclude
) -> None:
    # A context is (block element, in_body, in_meta); inline elements share their parent's
    # tuple, so "same line?" is an identity test. Written flat because it runs per element.
    buf: list[str] = []
    buf_ctx: tuple | None = None
    stack: list[tuple] = [(root, body is root, root in meta)]
    blocks, skips, append = BLOCK_TAGS, SKIP_TAGS, buf.append

    def flush() -> None:
        text = norm_space("".join(buf))
        if text:
            block, in_body, in_meta = buf_ctx
            lines.append(Line(text, block, in_body and not in_meta, in_meta))
        buf.clear()

    walker = etree.iterwalk(root, events=("start", "end", "comment"))
    next(walker)  # the root's own start: its context is already on the stack
    if root.text and root.tag not in skips:
        buf_ctx = stack[-1]
        append(root.text)
    for event, el in walker:
        if event == "start":
            tag = el.tag
            parent = stack[-1]
            if tag in blocks:
                if buf:
                    flush()
                ctx = (el, parent[1] or el is body, parent[2] or el in meta)
            elif el is body or el in meta:
                ctx = (parent[0], parent[1] or el is body, parent[2] or el in meta)
            else:
                ctx = parent
            stack.append(ctx)
            if tag in skips or el in exclude:
                walker.skip_subtree()
            elif tag == "br":
                if buf:
                    flush()
            elif el.text:
                if buf_ctx is not ctx and buf:
                    flush()
                buf_ctx = ctx
                append(el.text)
            continue
        if event == "end":
            tag = el.tag
            if len(stack) > 1:
                stack.pop()
            if buf and (tag in blocks or tag == "br"):
                flush()
        text = el.tail  # end of an element, or a comment (skipped, its tail kept)
        if text:
            ctx = stack[-1]
            if buf_ctx is not ctx and buf:
                flush()
            buf_ctx = ctx
            append(text)
    if buf:
        flush()
