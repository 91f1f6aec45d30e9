"""Rows of a list page no selector was written for: the repeated structure of dated links.

A list page of any CMS prints its articles as siblings of one shape — `ul > li`, `tr`, `div.item`,
Lonsun's `div.xxgk_navli > ul` — each holding the article's link and a date (2024-05-01,
2024年5月1日, 2024/05/01, 2024.05.01, or [05-01] without the year). The page around them has link
lists too: the navigation menu, the column tree, a footer of 网站地图/联系我们, sometimes a 热点信息 box
of dated links to other columns' articles.

`auto_rows` finds, for every titled link, the nearest enclosing element whose text outside the
link carries a date (and that holds no second titled link: then it is a container, not a row);
groups those rows by their place (same grandparent, same tag and class for the row and its
parent — so rows split over several `ul`s of one list count together); and picks the group that
is not page furniture (nav/header/footer/menu), has the most rows linking to same-site article
pages, then the most rows. A group needs 3 rows, unless it is the only group of dated links on
the page outside its furniture (a column of one or two articles). A group in the furniture is
never the list, not even on a page whose list is empty. Once found, the list takes in its rows
that show no date (same parent, same shape, a titled link): a planted or real "no publish date".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.extract.text import node_text, norm_space, parse_date

# Elements that can be one row of a list (td is not: a row of a table is its tr).
ROW_TAGS = frozenset(("li", "tr", "dd", "dt", "p", "div", "ul", "dl", "article", "section"))
MIN_ROWS = 3
TITLE_MIN = 5  # a link text shorter than this is a menu item or a 解读/更多 link, not a title
_LEVELS = 6  # how far above a link its row may be
# A date without its year, alone beside the link: [05-12], (05/12), 05-12, 5月12日.
_SHORT_DATE = re.compile(
    r"^[\[【(（]?\s*(?:0?[1-9]|1[0-2])\s*[-/.月]\s*(?:0?[1-9]|[12]\d|3[01])\s*日?\s*[\]】)）]?$"
)
# Page furniture by tag, or by a word of its class/id (nav, top_menu, footer …; not xxgk_navli).
_FURNITURE_TAGS = frozenset(("nav", "header", "footer", "aside"))
_FURNITURE_WORDS = frozenset((
    "nav", "navbar", "topnav", "mainnav", "subnav", "menu", "submenu", "foot", "footer", "head",
    "header", "top", "banner", "copyright", "breadcrumb", "crumb", "position", "friend", "links",
    "yqlj", "share", "search", "side", "sidebar",
))  # fmt: skip
_WORD_BREAK = re.compile(r"[\s_\-]+")


def is_dated(text: str) -> bool:
    """True when `text` (a row's text outside its link) shows a date, with or without year."""
    return parse_date(text) is not None or bool(_SHORT_DATE.match(norm_space(text)))


@dataclass(slots=True)
class _Group:
    rows: list[etree._Element]
    links: list[str]  # each row's link, as written

    def score(self, page_url: str, article_links: Sequence[re.Pattern]) -> tuple:
        host = host_of(page_url)
        targets = [_joined(page_url, href) for href in self.links]
        on_site = [t for t in targets if t and host_of(t) == host]
        articles = sum(1 for t in on_site if any(p.search(t) for p in article_links))
        return (articles, len(on_site), len(self.rows))


def auto_rows(
    tops: Sequence[etree._Element], page_url: str, article_links: Sequence[re.Pattern] = ()
) -> list[etree._Element]:
    """The row elements of the page's list of dated links (see the module docstring)."""
    groups: dict[tuple, _Group] = {}
    seen: set[etree._Element] = set()
    for top in tops:
        for a in top.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:")) or not _titled(a):
                continue
            row = _row_of(a)
            if row is None or row in seen:
                continue
            seen.add(row)
            groups.setdefault(_place(row), _Group([], [])).rows.append(row)
            groups[_place(row)].links.append(href)
    if not groups:
        return []
    # Furniture (a menu, a 最新信息 side box) is never the list, even on a page whose own list
    # is empty: its links are other columns' articles.
    content = [g for g in groups.values() if not in_furniture(g.rows[0])]
    if not content:
        return []
    best = max(content, key=lambda g: g.score(page_url, article_links))
    if len(best.rows) < MIN_ROWS and len(content) > 1:
        return []
    return _with_undated_siblings(best.rows)


def _with_undated_siblings(rows: list[etree._Element]) -> list[etree._Element]:
    """The rows, and in document order the siblings of their shape that hold a titled link but
    show no date (a document without a publish date is still a row of its list)."""
    shape, chosen = _shape(rows[0]), set(rows)
    parents = list(dict.fromkeys(r.getparent() for r in rows))
    out = []
    for parent in parents:
        for el in parent:
            if el in chosen or (
                _shape(el) == shape
                and any(
                    _titled(a) and (a.get("href") or "").strip() not in ("", "#")
                    for a in el.iter("a")
                )
            ):
                out.append(el)
    return out


def host_of(url: str) -> str | None:
    """The URL's host name, None for one that cannot be split (http://[::1)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _joined(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _titled(a: etree._Element) -> bool:
    return len(node_text(a) or norm_space(a.get("title"))) >= TITLE_MIN


def _row_of(a: etree._Element) -> etree._Element | None:
    """The nearest element around `a` whose text beside the link shows a date, unless a
    second titled link is met first (the element is then a list, not a row)."""
    link_text = node_text(a)
    href = a.get("href")
    for level, el in enumerate(a.iterancestors()):
        if level >= _LEVELS or el.tag in ("body", "html", "table", "tbody"):
            return None
        if any(
            other is not a and other.get("href") != href and _titled(other)
            for other in el.iter("a")
        ):
            return None
        if (
            el.tag in ROW_TAGS
            and el.getparent() is not None
            and is_dated(node_text(el).replace(link_text, "", 1))
        ):
            return el
    return None


def _place(row: etree._Element) -> tuple:
    """Rows of one list share this: their grandparent, and their own and parent's tag/class."""
    parent = row.getparent()
    grand = parent.getparent() if parent is not None else None
    return (grand if grand is not None else parent, _shape(parent), _shape(row))


def _shape(el: etree._Element | None) -> tuple[str, str]:
    if el is None:
        return ("", "")
    return (str(el.tag), " ".join(sorted((el.get("class") or "").split())))


def in_furniture(el: etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in _FURNITURE_TAGS:
            return True
        words = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if not _FURNITURE_WORDS.isdisjoint(_WORD_BREAK.split(words)):
            return True
    return False
