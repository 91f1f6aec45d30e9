"""Platform fingerprints (平台特征): which of a profile's `fingerprints:` a page shows.

`zwgk units probe` scores every profile on a portal's entry page by the weights of the
fingerprints it matches, and tries the best ones; each profile declares its own signs in its YAML
(`crawler.profile_model.Fingerprint`), so a new platform family is detected by adding its file.
Plain functions over a parsed page, like the rest of `crawler.extract`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.extract.dom import Document
    from crawler.profile_model import Fingerprint, Profile

_SCRIPTS = etree.XPath("//script")
_HREFS = etree.XPath("//a/@href | //link/@href | //iframe/@src | //form/@action")


@dataclass(frozen=True, slots=True)
class FingerprintHit:
    """A fingerprint a page matched: its kind (url, link, script …), its pattern as written,
    its weight, and what on the page matched it (shortened)."""

    profile: str
    kind: str
    pattern: str
    weight: int
    found: str


def _subjects(doc: Document, kind: str) -> Iterable[str]:
    """The strings of a page a fingerprint kind is searched in."""
    if kind == "url":
        yield doc.url
    elif kind == "link":
        for href in _HREFS(doc.root):
            target = doc.absolute(str(href))
            if target:
                yield target
    elif kind == "generator":
        value = doc.meta.get("generator")
        if value:
            yield value
    elif kind == "script":
        for script in _SCRIPTS(doc.root):
            if script.get("src"):
                yield script.get("src")
            if script.text:
                yield script.text
    elif kind == "html":
        yield doc.text


def _match(doc: Document, fingerprint: Fingerprint) -> str | None:
    kind, _ = fingerprint.test
    if kind == "selector":
        found = fingerprint.selector.elements(doc.index)
        if not found:
            return None
        el = found[0]
        classes = ".".join(el.get("class", "").split())
        return f"<{el.tag}{'.' + classes if classes else ''}>"
    pattern = getattr(fingerprint, kind)
    for subject in _subjects(doc, kind):
        hit = pattern.search(subject)
        if hit:
            return (subject if kind in ("url", "link") else hit.group(0))[:120]
    return None


def fingerprint_hits(doc: Document, profile: Profile) -> list[FingerprintHit]:
    """The profile's fingerprints this page shows, in the profile's order."""
    hits = []
    for fingerprint in profile.fingerprints:
        found = _match(doc, fingerprint)
        if found is not None:
            kind, pattern = fingerprint.test
            hits.append(FingerprintHit(profile.name, kind, pattern, fingerprint.weight, found))
    return hits


def score(hits: Iterable[FingerprintHit]) -> int:
    """How strongly a page points at a platform: the sum of its hits' weights."""
    return sum(hit.weight for hit in hits)
