"""`parse_directory`: a unit's disclosure entry page → its column tree (栏目目录).

Each profile `directory:` rule picks column links and, relative to each link, the group
headings above it (root first), which give the link's parent and path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from crawler.extract.dom import parse_document
from crawler.extract.selectors import first_value
from crawler.extract.text import node_text, tight

if TYPE_CHECKING:
    from lxml import etree

    from crawler.extract.dom import Document
    from crawler.profile_lists import DirectoryRule
    from crawler.profile_model import Profile


@dataclass(slots=True)
class ColumnLink:
    """A column (栏目) link: `path` holds the group names from the root down to `parent`;
    `section` is the platform section (Lonsun `type=`, named by the rule's `sections`) or the
    top group."""

    name: str
    url: str
    parent: str | None = None
    path: tuple[str, ...] = ()
    section: str | None = None


def parse_directory(html: str | bytes, url: str, profile: Profile) -> list[ColumnLink]:
    """Column links of a unit's entry page, in page order, each URL once."""
    doc = parse_document(html, url)
    out: list[ColumnLink] = []
    seen: set[str] = set()
    for rule in profile.directory:
        for sel in rule.links:
            for a in sel.elements(doc.index):
                column = _column(doc, rule, a)
                if column is not None and column.url not in seen:
                    seen.add(column.url)
                    out.append(column)
    return out


def _column(doc: Document, rule: DirectoryRule, a: etree._Element) -> ColumnLink | None:
    target = doc.absolute(a.get("href"))
    if target is None or target == doc.url:
        return None
    if rule.same_host and urlsplit(target).hostname != urlsplit(doc.url).hostname:
        return None
    if rule.url_pattern and not rule.url_pattern.search(target):
        return None
    if any(p.search(target) for p in rule.exclude_url):
        return None
    name = first_value(rule.name, a) or ""
    name = tight(name or node_text(a) or a.get("title"))
    if not name or name in rule.exclude_text:
        return None
    path: list[str] = []
    for sel in rule.path:
        path = [v for v in (tight(x) for x in sel.values(a)) if v]
        if path:
            break
    section = None
    if rule.section_param:
        value = parse_qs(urlsplit(target).query).get(rule.section_param, [None])[0]
        section = rule.sections.get(value, value) if value is not None else None
    elif path:
        section = path[0]
    return ColumnLink(name, target, path[-1] if path else None, tuple(path), section)
