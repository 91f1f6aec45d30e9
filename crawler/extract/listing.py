"""`parse_listing`: a column's list page → its rows and where the next page is.

A column is listed either by its own page (TRS `index.html`, `index_1.html` …) or by a data
endpoint whose URL is built from values in the column page (Lonsun `/site/label/8888?…`): on
such a column page `ListingPage.data_url` says what to fetch instead. Rows can sit inside an
HTML comment (some TRS lists render them by script); the page count comes from a script call.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree

from crawler.extract.dom import Document, fragment_root, parse_document
from crawler.extract.links import RelatedLink, kind_of
from crawler.extract.selectors import first_elements, first_value, union_elements
from crawler.extract.text import node_text, norm_space, parse_date

if TYPE_CHECKING:
    import datetime as dt

    from crawler.profile_model import ListingSpec, PaginationSpec, Profile, RelatedSpec

logger = logging.getLogger(__name__)

_COMMENTS = etree.XPath("//comment()")
_ROW_LIKE = re.compile(r"<(?:a|li|tr)[\s>]", re.I)
_INDEX_URL = re.compile(r"^(?P<dir>.*/)(?P<stem>[^/?#]+?)(?:_(?P<n>\d+))?\.(?P<ext>[A-Za-z]{3,5})$")
_AUTO_ROW_TAGS = ("li", "tr", "dd", "p", "div")

# The following pages' URLs listed ahead at most (`ListingPage.page_urls`): a pager claiming
# 10⁹ pages must not build 10⁹ strings. The crawler follows `next_url` and bounds paging itself
# (crawler/paging.py).
MAX_PAGE_URLS = 1000


@dataclass(slots=True)
class ListingRow:
    """One item of a column list."""

    url: str
    title: str
    date: dt.date | None = None
    index_no: str | None = None
    related: list[RelatedLink] = field(default_factory=list)  # "| 解读" / "| 文件" cross-links
    repealed: bool = False  # red 废止 tag


@dataclass(slots=True)
class ListingPage:
    """A parsed list page.

    `page` is 1-based when it can be told from the URL; `next_url` is the following page (the
    crawler's incremental mode walks one page at a time); `page_urls` lists every later page
    when the count is known; `data_url` is set on a column page whose rows live elsewhere.
    """

    url: str
    rows: list[ListingRow] = field(default_factory=list)
    page: int | None = None
    page_count: int | None = None
    next_url: str | None = None
    page_urls: list[str] = field(default_factory=list)
    data_url: str | None = None


def parse_listing(html: str | bytes, url: str, profile: Profile) -> ListingPage:
    """Rows, page count and next page(s) of one list page (or endpoint fragment)."""
    doc = parse_document(html, url)
    spec = profile.listing
    page = ListingPage(url=url)
    page.data_url = _endpoint_url(doc, spec)
    kinds = profile.article.related
    elements = _row_elements(doc, spec, guess=page.data_url is None)
    page.rows = [row for el in elements if (row := _row(doc, spec, kinds, el))]
    _paginate(doc, spec.pagination, page)
    return page


# -- rows ------------------------------------------------------------------------------------
def _row_elements(doc: Document, spec: ListingSpec, guess: bool) -> list[etree._Element]:
    """The row elements: the profile's selectors (also inside comments), else — unless `guess`
    is off (a shell page whose rows come from its data endpoint) or the page says its list is
    empty — the largest dated link list. A page's latest-news widgets are dated link lists too:
    guessing on an empty list would take them for its rows."""
    rows = first_elements(spec.rows, doc.index)
    if rows:
        return rows
    if spec.rows_in_comments and _splice_comments(doc):
        rows = first_elements(spec.rows, doc.index)
        if rows:
            return rows
    if guess and spec.auto_rows and not first_elements(spec.empty, doc.index):
        for place in doc.tops:
            rows += _auto_rows(place)
    return rows


def _splice_comments(doc: Document) -> bool:
    """Put the markup of row-holding comments into the tree where the comment is, so that row
    selectors see it with its real context (`ul.list_ul > li`). True when anything changed."""
    changed = False
    for comment in _COMMENTS(doc.root):
        parent = comment.getparent()
        if parent is None or not comment.text or not _ROW_LIKE.search(comment.text):
            continue
        nodes = list(fragment_root(comment.text))
        position = parent.index(comment)
        for offset, node in enumerate(nodes, start=1):
            parent.insert(position + offset, node)
        if nodes:
            nodes[-1].tail, comment.tail = comment.tail, None
            changed = True
    if changed:
        doc.reindex()
    return changed


def _auto_rows(root: etree._Element) -> list[etree._Element]:
    """The largest group of sibling elements that each hold a titled link and a date."""
    groups: dict[etree._Element, list[etree._Element]] = {}
    seen: set = set()
    for a in root.iter("a"):
        if len(node_text(a) or a.get("title") or "") < 6:
            continue
        row = next((p for p in a.iterancestors(*_AUTO_ROW_TAGS)), None)
        if row is None or row in seen or row.getparent() is None:
            continue
        seen.add(row)
        if parse_date(node_text(row).replace(node_text(a), "")):
            groups.setdefault(row.getparent(), []).append(row)
    best = max(groups.values(), key=len, default=[])
    return best if len(best) >= 2 else []


def _row(
    doc: Document, spec: ListingSpec, kinds: RelatedSpec, el: etree._Element
) -> ListingRow | None:
    links = first_elements(spec.link, el)
    related_els = union_elements(spec.related, el)
    link = next((a for a in links if a not in related_els and a.get("href")), None)
    url = doc.absolute(link.get("href")) if link is not None else None
    if url is None:
        return None
    title = first_value(spec.title, el) or (link.get("title") or "").strip() or node_text(link)
    link_text = node_text(link)
    date_text = first_value(spec.date, el) if spec.date else node_text(el).replace(link_text, "")
    index_no = first_value(spec.index_no, el)
    if not index_no and spec.index_no_pattern:
        found = spec.index_no_pattern.search(node_text(el))
        index_no = found.group(0) if found else None
    related = []
    for r in related_els:
        target = doc.absolute(r.get("href"))
        if target and target != url:
            text = node_text(r)
            kind = kind_of(text, kinds.kinds) or kinds.default_kind
            related.append(RelatedLink(target, text, kind))
    repealed = any(
        spec.repealed_text.search(node_text(t)) for t in union_elements(spec.repealed, el)
    )
    return ListingRow(
        url=url,
        title=norm_space(title),
        date=parse_date(date_text),
        index_no=index_no,
        related=sorted(related, key=lambda r: r.text),
        repealed=repealed,
    )


# -- endpoint and pagination -----------------------------------------------------------------
def _endpoint_url(doc: Document, spec: ListingSpec) -> str | None:
    endpoint = spec.endpoint
    if endpoint is None or not endpoint.applies_to.search(doc.url):
        return None
    values: dict[str, str] = {}
    for name, patterns in endpoint.params.items():
        for pattern in patterns:
            found = pattern.search(doc.url) or pattern.search(doc.text)
            if found:
                values[name] = found.group(1) if found.groups() else found.group(0)
                break
        else:
            logger.info("%s: endpoint parameter %r not found in the page", doc.url, name)
            return None
    return doc.absolute(endpoint.template.format(page=endpoint.first_page, **values))


def _paginate(doc: Document, spec: PaginationSpec, page: ListingPage) -> None:
    name = ext = None
    for pattern in spec.page_count:
        found = pattern.search(doc.text)
        if found:
            named = found.groupdict()
            page.page_count = int(named.get("count") or found.group(1))
            name, ext = named.get("name"), named.get("ext")
            break
    scheme = spec.scheme
    if scheme == "auto":
        if _page_param(doc.url, spec):
            scheme = "param"
        elif page.page_count and _index_parts(doc.url):
            scheme = "index"
        else:
            scheme = "next_link"
    if scheme == "param":
        _by_param(doc.url, spec, page)
    elif scheme == "index":
        _by_index(doc.url, page, name, ext)
    # A "下一页" link is the scheme itself, or the fallback when the page count is unknown (with
    # a known count, the last page has no next page whatever its links say).
    if scheme == "next_link" or (
        page.next_url is None and page.page_count is None and scheme != "none"
    ):
        page.next_url = _next_link(doc, spec) or page.next_url


def _next_link(doc: Document, spec: PaginationSpec) -> str | None:
    for sel in spec.next_link:
        if sel.attr:
            hrefs = sel.values(doc.index)
        else:
            hrefs = [e.get("href") for e in sel.elements(doc.index)]
        for href in hrefs:
            target = doc.absolute(href)
            if target and target != doc.url:
                return target
    return None


def _page_param(url: str, spec: PaginationSpec) -> str | None:
    keys = {k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    return next((p for p in spec.params if p in keys), None)


def _by_param(url: str, spec: PaginationSpec, page: ListingPage) -> None:
    param = _page_param(url, spec) or (spec.params[0] if spec.params else None)
    if param is None:
        return
    parts = urlsplit(url)
    value = re.compile(rf"(?:^|(?<=&)){re.escape(param)}=([^&]*)")
    found = value.search(parts.query)
    current = found.group(1) if found else ""
    number = int(current) if current.isdigit() else spec.first_page
    page.page = number - spec.first_page + 1

    def with_page(n: int) -> str:
        # Only the page number changes: the rest of the query keeps its exact spelling.
        if found:
            query = value.sub(f"{param}={n}", parts.query, count=1)
        else:
            query = f"{parts.query}&{param}={n}" if parts.query else f"{param}={n}"
        return urlunsplit(parts._replace(query=query))

    if page.page_count is not None:
        last = spec.first_page + page.page_count - 1
        last = min(last, number + MAX_PAGE_URLS)  # pageCount:99999 must not cost 10⁵ strings
        page.page_urls = [with_page(n) for n in range(number + 1, last + 1)]
        page.next_url = page.page_urls[0] if page.page_urls else None


def _index_parts(url: str, name: str | None = None, ext: str | None = None) -> re.Match | None:
    path = urlsplit(url).path
    if path.endswith("/"):  # a column's directory URL serves its first page
        path += f"{name or 'index'}.{ext or 'html'}"
    return _INDEX_URL.match(path)


def _by_index(url: str, page: ListingPage, name: str | None, ext: str | None) -> None:
    parts = urlsplit(url)
    found = _index_parts(url, name, ext)
    if not found:
        return
    current = int(found["n"]) if found["n"] else 0
    page.page = current + 1
    stem, suffix = name or found["stem"], ext or found["ext"]

    def nth(n: int) -> str:
        file = f"{stem}.{suffix}" if n == 0 else f"{stem}_{n}.{suffix}"
        return urlunsplit(parts._replace(path=found["dir"] + file, query="", fragment=""))

    if page.page_count is not None:
        last = min(page.page_count, current + 1 + MAX_PAGE_URLS)  # an absurd count stays cheap
        page.page_urls = [nth(n) for n in range(current + 1, last)]
        page.next_url = page.page_urls[0] if page.page_urls else None
