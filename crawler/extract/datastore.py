"""List rows kept in a `<datastore>` block, and paging by record ranges (大汉 Hanweb JCMS jpage).

A Hanweb column page (`/col/colN/index.html`) carries its list as XML inside a script, which the
browser's `jpage.js` turns into rows::

    <script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=…"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href="/art/2024/10/21/art_1543973_58942886.html">…</a>
        <span>2024-10-21</span></li>]]></record> …</recordset></datastore></script>
    … $('#4985472').jpage({totalRecord: 126, perPage: 15, groupSize: 3, ajaxParam: {…}, …})

The page holds the first `perPage × groupSize` records; the later ones come from
`module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&col=1&appid=1&webid=…`,
which answers with the same `<datastore>` XML and a `<totalrecord>`. Each `<record>` is one row.

Both are list-rule types any profile may use (`listing.datastore: true`, `pagination.scheme:
records`); nothing here knows Hanweb's URLs, which the profile's template gives.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from lxml import etree

from crawler.extract.dom import fragment_root

if TYPE_CHECKING:
    from crawler.extract.dom import Document
    from crawler.extract.listing import ListingPage
    from crawler.profile_lists import RecordRangeSpec

logger = logging.getLogger(__name__)

_DATASTORE = re.compile(r"<datastore\b.*?</datastore\s*>", re.S | re.I)
_RECORD = re.compile(r"<record\b[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record\s*>", re.S | re.I)

# The later record ranges listed ahead at most (as `listing.MAX_PAGE_URLS`).
MAX_RANGE_URLS = 1000


def datastore_rows(doc: Document) -> list[etree._Element]:
    """One element per `<record>` of every `<datastore>` block in the page: the record's markup
    parsed as a fragment, wrapped in a `<div class="datastore-record">`. Empty when there is none."""
    rows: list[etree._Element] = []
    for block in _DATASTORE.finditer(doc.text):
        for record in _RECORD.finditer(block.group(0)):
            holder = etree.Element("div", {"class": "datastore-record"})
            body = fragment_root(record.group(1))
            holder.text = body.text
            holder.extend(list(body))
            rows.append(holder)
    return rows


def _first_number(patterns: list[re.Pattern], doc: Document) -> int | None:
    for pattern in patterns:
        found = pattern.search(doc.url) or pattern.search(doc.text)
        if found:
            return int(found.group(1) if found.groups() else found.group(0))
    return None


def _params(spec: RecordRangeSpec, doc: Document) -> dict[str, str] | None:
    """The template's values, from the page URL first, then its text; URL-quoted once (a value
    read from a URL is unquoted first, so webname=%E6%B1%9F… is not quoted twice)."""
    values: dict[str, str] = {}
    for name, patterns in spec.params.items():
        for pattern in patterns:
            found = pattern.search(doc.url) or pattern.search(doc.text)
            if found:
                raw = found.group(1) if found.groups() else found.group(0)
                values[name] = quote(unquote(raw), safe="/:")
                break
        else:
            logger.info("%s: record-range parameter %r not found in the page", doc.url, name)
            return None
    return values


def paginate_records(doc: Document, spec: RecordRangeSpec | None, page: ListingPage) -> None:
    """Page number, page count and the later record ranges' URLs of a list paged by record
    ranges. A page is one request: the column page's first group, then each range after it."""
    if spec is None:
        return
    total = _first_number(spec.total, doc)
    if total is None:
        return
    query = dict(parse_qsl(urlsplit(doc.url).query))
    per_page = _first_number(spec.per_page, doc) or spec.default_per_page
    start = int(query[spec.start_param]) if query.get(spec.start_param, "").isdigit() else 1
    end = query.get(spec.end_param, "")
    if end.isdigit() and int(end) >= start:
        step = int(end) - start + 1
    else:
        step = per_page * (_first_number(spec.group_size, doc) or 1)
    start = max(start, 1)
    page.page = (start - 1) // step + 1
    page.page_count = max(1, -(-total // step))
    values = _params(spec, doc)
    if values is None:
        return
    firsts = range(start + step, total + 1, step)[:MAX_RANGE_URLS]
    page.page_urls = [
        doc.absolute(spec.template.format(start=s, end=s + step - 1, per_page=per_page, **values))
        for s in firsts
    ]
    page.next_url = page.page_urls[0] if page.page_urls else None
