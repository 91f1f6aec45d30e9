"""`parse_listing`: a column's list page → its rows and where the next page is.

A column is listed either by its own page (TRS `index.html`, `index_1.html` …) or by a data
endpoint whose URL is built from values in the column page (Lonsun `/site/label/8888?…`): on
such a column page `ListingPage.data_url` says what to fetch instead. The page count comes from
a script call or the pager's text.

Rows are found by the first of these that yields any (each but the first switched on by the
profile's `listing:`):
0. the `<record>`s of a `<datastore>` script block (`datastore`, Hanweb jpage:
   `crawler.extract.datastore`);
1. the profile's row selectors (`rows`);
2. the same, after the markup kept inside HTML comments is put back (`rows_in_comments`: TRS
   lists rendered by script);
3. table rows under header cells naming the fields, the 信息公开目录 table (`rows_in_tables`,
   `crawler.extract.tables`), whose cells also give each row's metadata (`ListingRow.fields`);
4. JSON arrays of {title, date, url} in the page's scripts (`rows_in_scripts`,
   `crawler.extract.scriptdata`), or the repeated structure of dated links found without a
   selector (`auto_rows`, `crawler.extract.rows`): the longer of the two, the markup's on a tie.
A column page that names a data endpoint (a shell) is read by 1–2 only: its rows are elsewhere.

A list page without rows says what it shows instead: its page count and the links it holds to
article pages (`ListingPage.article_links`, by the profile's `article_links` URL shapes). The
crawler records such a page as an extraction anomaly, not as a blank column (crawler/pipelines.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree

from crawler.extract.datastore import datastore_rows, paginate_records
from crawler.extract.dom import Document, fragment_root, parse_document
from crawler.extract.links import RelatedLink, kind_of
from crawler.extract.rows import auto_rows, host_of, in_furniture
from crawler.extract.scriptdata import script_rows
from crawler.extract.selectors import first_elements, first_value, union_elements
from crawler.extract.tables import HeaderReader
from crawler.extract.text import node_text, norm_space, parse_date

if TYPE_CHECKING:
    import datetime as dt

    from crawler.extract.labels import LabelScanner
    from crawler.profile_lists import ListingSpec, PaginationSpec
    from crawler.profile_model import Profile, RelatedSpec

logger = logging.getLogger(__name__)

_COMMENTS = etree.XPath("//comment()")
_ROW_LIKE = re.compile(r"<(?:a|li|tr)[\s>]", re.I)
_INDEX_URL = re.compile(r"^(?P<dir>.*/)(?P<stem>[^/?#]+?)(?:_(?P<n>\d+))?\.(?P<ext>[A-Za-z]{3,5})$")
# A table row's date: the column headed 发布日期 first, then 日期, then 生成日期/成文日期.
_DATE_FIELDS = ("publish_date", "visible_date", "written_date")
MAX_ARTICLE_LINKS = 5  # kept on a page without rows, as evidence

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
    # Metadata the list shows beside the row (the 信息公开目录 table's cells by their header):
    # field name (publisher, doc_no, written_date …, as in ArticleData) → the cell's text.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ListingPage:
    """A parsed list page.

    `page` is 1-based when it can be told from the URL; `next_url` is the following page (the
    crawler's incremental mode walks one page at a time); `page_urls` lists every later page
    when the count is known; `data_url` is set on a column page whose rows live elsewhere.
    `article_links` (only on a page without rows) are the first links to article pages it
    holds: a list that shows articles but yields no rows was not read.
    """

    url: str
    rows: list[ListingRow] = field(default_factory=list)
    page: int | None = None
    page_count: int | None = None
    next_url: str | None = None
    page_urls: list[str] = field(default_factory=list)
    data_url: str | None = None
    article_links: list[str] = field(default_factory=list)


def parse_listing(html: str | bytes, url: str, profile: Profile) -> ListingPage:
    """Rows, page count and next page(s) of one list page (or endpoint fragment)."""
    doc = parse_document(html, url)
    spec = profile.listing
    page = ListingPage(url=url)
    page.data_url = _endpoint_url(doc, spec)
    page.rows = _find_rows(doc, profile, shell=page.data_url is not None)
    if not page.rows and not first_elements(spec.empty, doc.index):  # an empty list says so
        page.article_links = _article_links(doc, spec)
    _paginate(doc, spec.pagination, page)
    return page


# -- rows ------------------------------------------------------------------------------------
def _find_rows(doc: Document, profile: Profile, shell: bool) -> list[ListingRow]:
    """The rows of the first way (module docstring) that yields any."""
    spec = profile.listing
    reader = _RowReader(doc, spec, profile.article.related, profile.article.metadata.scanner)
    rows = reader.rows(records) if spec.datastore and (records := datastore_rows(doc)) else []
    if not rows:
        rows = reader.rows(first_elements(spec.rows, doc.index))
    if not rows and spec.rows_in_comments and _splice_comments(doc):
        rows = reader.rows(first_elements(spec.rows, doc.index))
    if rows or shell or first_elements(spec.empty, doc.index):
        return rows  # a shell's rows are at its endpoint; a list that says it is empty has none
    if spec.rows_in_tables:
        rows = reader.rows(reader.headers.header_tables(doc.tops))
    if not rows and (spec.rows_in_scripts or spec.auto_rows):
        # A main list outnumbers a side box: of the rows in script data and the rows found by
        # their shape, the longer list wins (the page's own markup on a tie).
        scripted = _script_rows(doc) if spec.rows_in_scripts else []
        shaped = (
            reader.rows(auto_rows(doc.tops, doc.url, spec.article_links)) if spec.auto_rows else []
        )
        rows = scripted if len(scripted) > len(shaped) else shaped
    return rows


def _script_rows(doc: Document) -> list[ListingRow]:
    return [
        ListingRow(url=url, title=r.title, date=r.date)
        for r in script_rows(doc.tops)
        if (url := doc.absolute(r.url))
    ]


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


class _RowReader:
    """Row elements → `ListingRow`s, with the page's table headers read once."""

    def __init__(
        self, doc: Document, spec: ListingSpec, kinds: RelatedSpec, scanner: LabelScanner
    ) -> None:
        self.doc, self.spec, self.kinds = doc, spec, kinds
        self.headers = HeaderReader(scanner.field_of)

    def rows(self, elements: list[etree._Element]) -> list[ListingRow]:
        return [row for el in elements if (row := self.row(el)) is not None]

    def row(self, el: etree._Element) -> ListingRow | None:
        doc, spec = self.doc, self.spec
        header = self.headers.header_of(el) if el.tag == "tr" else None
        cells = header.cells(el) if header is not None else {}
        scope = cells.get("title", el)  # a table row's link is in its 名称 column
        related_els = union_elements(spec.related, el)
        link = next(
            (a for a in first_elements(spec.link, scope) if a not in related_els and a.get("href")),
            None,
        )
        url = doc.absolute(link.get("href")) if link is not None else None
        if url is None:
            return None
        fields = {
            name: text
            for name, cell in cells.items()
            if name != "title" and (text := node_text(cell))
        }
        title = first_value(spec.title, el) or (link.get("title") or "").strip() or node_text(link)
        date = next((d for f in _DATE_FIELDS if (d := parse_date(fields.get(f)))), None)
        if date is None:
            date_text = (
                first_value(spec.date, el)
                if spec.date
                else node_text(el).replace(node_text(link), "")
            )
            date = parse_date(date_text)
        index_no = fields.get("index_no") or first_value(spec.index_no, el)
        if not index_no and spec.index_no_pattern:
            found = spec.index_no_pattern.search(node_text(el))
            index_no = found.group(0) if found else None
        return ListingRow(
            url=url,
            title=norm_space(title),
            date=date,
            index_no=index_no,
            related=sorted(self._related(related_els, url), key=lambda r: r.text),
            repealed=any(
                spec.repealed_text.search(node_text(t)) for t in union_elements(spec.repealed, el)
            ),
            fields=fields,
        )

    def _related(self, elements: list[etree._Element], url: str) -> list[RelatedLink]:
        out = []
        for r in elements:
            target = self.doc.absolute(r.get("href"))
            if target and target != url:
                text = node_text(r)
                kind = kind_of(text, self.kinds.kinds) or self.kinds.default_kind
                out.append(RelatedLink(target, text, kind))
        return out


def _article_links(doc: Document, spec: ListingSpec) -> list[str]:
    """The page's first links to article pages of its own site (`listing.article_links`), outside
    its furniture: a 最新信息 side box on an empty column's page is not that column's rows."""
    if not spec.article_links:
        return []
    host = host_of(doc.url)
    found: list[str] = []
    for top in doc.tops:
        for a in top.iter("a"):
            target = doc.absolute(a.get("href"))
            if (
                target
                and target not in found
                and not in_furniture(a)
                and host_of(target) == host
                and any(p.search(target) for p in spec.article_links)
            ):
                found.append(target)
                if len(found) >= MAX_ARTICLE_LINKS:
                    return found
    return found


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
    if spec.scheme == "records":
        paginate_records(doc, spec.records, page)
        return
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
