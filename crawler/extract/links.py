"""Links out of a page: attachments (附件) by extension, related blocks (相关解读/相关文件)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from lxml import etree

from crawler.extract.selectors import first_value
from crawler.extract.text import node_text

if TYPE_CHECKING:
    from crawler.extract.dom import Document
    from crawler.profile_model import RelatedSpec

_PATH_EXT = re.compile(r"\.([a-z0-9]{2,5})$")
_TEXT_EXT = re.compile(r"\.([A-Za-z0-9]{2,5})\s*[)）\]】]?\s*$")
_LINKS = etree.XPath("descendant-or-self::a[@href]")
_IMAGES = etree.XPath("descendant-or-self::img[@src]")
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "webp"})


@dataclass(slots=True)
class Link:
    """A hyperlink: absolute URL and its text."""

    url: str
    text: str


@dataclass(slots=True)
class Attachment:
    """A downloadable file (附件); `type` is its extension (pdf, docx, wps, …)."""

    url: str
    text: str
    type: str


@dataclass(slots=True)
class RelatedLink:
    """A cross-link: `kind` is a key of the profile's `related.kinds` (interpretation —
    政策解读, document — 文件) or its default kind."""

    url: str
    text: str
    kind: str


def file_type(url: str, text: str, extensions: frozenset[str]) -> str | None:
    """The attachment type from the URL path's extension, else from the link text's."""
    match = _PATH_EXT.search(unquote(urlsplit(url).path).lower())
    if match and match.group(1) in extensions:
        return match.group(1)
    match = _TEXT_EXT.search(text)
    if match and match.group(1).lower() in extensions:
        return match.group(1).lower()
    return None


def anchors(doc: Document, element: etree._Element) -> list[Link]:
    """Every resolvable `<a href>` under `element`, in order, duplicates dropped."""
    seen: set[str] = set()
    out: list[Link] = []
    for a in _LINKS(element):
        url = doc.absolute(a.get("href"))
        if url is None or url in seen:
            continue
        seen.add(url)
        out.append(Link(url, node_text(a) or (a.get("title") or "").strip()))
    return out


def images(doc: Document, element: etree._Element) -> list[Link]:
    out = []
    for img in _IMAGES(element):
        url = doc.absolute(img.get("src"))
        if url:
            out.append(Link(url, (img.get("alt") or img.get("title") or "").strip()))
    return out


def kind_of(text: str, kinds: dict[str, list[str]]) -> str | None:
    """The first kind whose keyword appears in `text`."""
    for kind, keywords in kinds.items():
        if any(k in text for k in keywords):
            return kind
    return None


def related_links(
    doc: Document, blocks: list[etree._Element], spec: RelatedSpec
) -> list[RelatedLink]:
    """Links in related blocks. The block's heading decides the kind when it names one
    (相关文件 → document), else the link text does (…政策解读, 一图读懂), else the default."""
    out: list[RelatedLink] = []
    seen = {doc.url}
    for block in blocks:
        heading = first_value(spec.heading, block) or ""
        block_kind = kind_of(heading, spec.kinds)
        for link in anchors(doc, block):
            if link.url in seen:
                continue
            seen.add(link.url)
            kind = block_kind or kind_of(link.text, spec.kinds) or spec.default_kind
            out.append(RelatedLink(link.url, link.text, kind))
    return out
