"""Walk the rendered portal like a crawler: from each host's home, follow every link, resource,
commented-out list row, TRS script-data row and Lonsun list fragment. Every article of a visible column must be
reached, and every on-portal link must answer 200 — except the broken ones a defect planted."""

from __future__ import annotations

import json
import re
from collections import deque
from urllib.parse import urldefrag, urljoin

import lxml.etree
import lxml.html
import pytest
from demo_fixtures import fetch, small_portal

from demo import urls
from demo.site import Site

_REFS = "//a/@href | //img/@src | //video/@src | //source/@src | //link/@href | //script/@src"


def _links(url: str, text: str) -> list[str]:
    tree = lxml.html.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", text))  # dataproxy.jsp: XML
    found = [str(v) for v in tree.xpath(_REFS)]
    for comment in tree.iter(lxml.etree.Comment):  # TRS rows inside a comment
        if "<a " in (comment.text or ""):
            found += [str(v) for v in lxml.html.fromstring(comment.text).xpath("//a/@href")]
    data = re.search(r"var listData = (\[.*?\]);\n", text, re.S)
    if data:  # TRS rows a script draws from JSON (demo/render/list_shapes.py)
        found += [row["url"] for row in json.loads(data.group(1))]
    fragment = re.search(r'"(/site/label/8888\?[^"]+)"', text)
    if fragment:  # the Lonsun column shell loads its rows from here
        found.append(fragment.group(1) + "&pageIndex=1")
    pages = re.search(r"pageIndex=(\d+)", url)
    count = re.search(r"pageCount:(\d+)", text)
    if pages and count and int(pages.group(1)) < int(count.group(1)):
        found.append(re.sub(r"pageIndex=\d+", f"pageIndex={int(pages.group(1)) + 1}", url))
    for cdata in re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text, re.S):  # Hanweb rows
        found += re.findall(r'href="([^"]+)"', cdata)
    total, column = re.search(r"totalRecord: (\d+)", text), re.search(r"columnid:(\d+)", text)
    webid = re.search(r"webid:(\d+)", text)
    if total and column and webid:  # the jpage pager asks dataproxy.jsp for the later groups
        step = urls.HANWEB_RECORDS
        found += [
            f"{urls.HANWEB_PROXY}?startrecord={start}&endrecord={start + step - 1}"
            f"&perpage={urls.HANWEB_PER_PAGE}&webid={webid.group(1)}&columnid={column.group(1)}"
            for start in range(step + 1, int(total.group(1)) + 1, step)
        ]
    # TRS index_N.html, the gov.cn template's index_N.htm
    paging = re.search(r'createPageHTML\((\d+), (\d+), "index", "(html?)"\)', text)
    if paging:
        found += [f"index_{k}.{paging.group(3)}" for k in range(1, int(paging.group(1)))]
    out = []
    for h in dict.fromkeys(found):  # unique, in page order; urljoin is the walk's hot spot
        if h.startswith("javascript:"):
            continue
        out.append(h if h.startswith("http://") else urldefrag(urljoin(url, h))[0])
    return out


def walk(portal) -> tuple[set[str], list[tuple[str, int]]]:
    """Every URL reached from the homes of the hosts that are up, and the URLs whose status
    disagrees with the model (a planted broken target answering 200, or anything else not)."""
    site = Site(portal)
    bases = tuple(h.base_url + "/" for h in portal.hosts)
    codec = {h.base_url: "gbk" if h.encoding == "gbk" else "utf-8" for h in portal.hosts}
    planted = {
        urls.link_url(portal, a, link.target)
        for a in portal.articles
        for link in a.links
        if link.broken or link.hangs  # hangs: the server's hazard; the page itself is 404
    } | {
        urls.attachment_url(portal, a, f)
        for a in portal.articles
        for f in a.attachments
        if f.broken
    }
    queue = deque(urls.platform_home(portal, h.id) for h in portal.hosts if not h.down)
    seen = set(queue)
    failures = []
    while queue:
        url = queue.popleft()
        result = fetch(site, url)
        if (result.status == 200) == (url in planted):
            failures.append((url, result.status))
        if result.status != 200 or not result.content_type.startswith(("text/html", "text/xml")):
            continue
        base = url[: url.index("/", len("http://"))]
        for link in _links(url, result.body.decode(codec[base])):
            if link.startswith(bases) and link not in seen:
                seen.add(link)
                queue.append(link)
    return seen, failures


def unreached(portal, seen: set[str]) -> list[str]:
    """Articles and attachments of visible columns on hosts that are up, not reached."""
    hidden = {c.id for c in portal.columns if c.hidden}
    down = {h.id for h in portal.hosts if h.down}
    out = []
    for a in portal.articles:
        if a.column_id in hidden or portal.index.unit[a.unit_id].host in down:
            continue
        out += [urls.article_url(portal, a)] + [
            urls.attachment_url(portal, a, f) for f in a.attachments
        ]
    return [u for u in out if u not in seen]


def test_every_article_is_reachable_and_only_planted_links_are_broken():
    portal, _ = small_portal()
    seen, failures = walk(portal)
    assert failures == []
    assert unreached(portal, seen) == []
    assert len(seen) > len(portal.articles)


@pytest.mark.slow
def test_generated_sample_portal_walks_clean():
    """The same walk over the generator's `small` portal (≈ 11,000 URLs)."""
    generate = pytest.importorskip("demo.generate")
    portal, _ = generate.make_sample(1, "small")
    seen, failures = walk(portal)
    assert failures == []
    assert unreached(portal, seen) == []
