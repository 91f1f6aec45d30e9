"""What both platform renderers share: the page record, per-host conventions, metadata values.

Everything a host does differently from another host (metadata row order, the label of the
written date, site name, charset) is derived here from the host id with a stable hash, so a
model always renders the same bytes and two hosts still differ the way real sites do.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zlib
from dataclasses import dataclass
from html import escape

from demo import urls
from demo.model import FIELD_LABELS, Article, Column, Host, Portal, Unit

# Written-date label variants seen on real sites (docs/domain.md §4.1: 生成日期 / 成文日期 / 发文日期).
WRITTEN_LABELS = ("生成日期", "成文日期", "发文日期")


@dataclass
class Page:
    """One HTTP answer: status, body bytes, Content-Type and the Last-Modified date (or None)."""

    status: int
    body: bytes
    content_type: str
    last_modified: dt.date | None = None


_NEEDS_ESCAPE = re.compile(r"[&<>\"']").search


def esc(text: str) -> str:
    """HTML-escape text for element content and double-quoted attributes."""
    # Most values have nothing to escape; skipping html.escape's five replaces there doubles
    # the speed of list fragments.
    return escape(text, quote=True) if _NEEDS_ESCAPE(text) else text


def stable_hash(text: str) -> int:
    """A hash that does not change between runs (unlike hash() on str)."""
    return zlib.crc32(text.encode("utf-8"))


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def cn_date(day: dt.date | None) -> str:
    """2024年5月8日 — the form printed in document bodies."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def cn_date_padded(day: dt.date | None) -> str:
    """2024年05月08日 — the form some TRS metadata blocks use."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if day else ""


def later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The later of two optional dates."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def article_change(article: Article) -> dt.date | None:
    """The Last-Modified date of an article page and its attachments."""
    return article.modified or article.published


def visible_time(article: Article) -> str:
    """HH:MM shown beside the publish date, stable per article (08:00–17:59)."""
    minutes = 8 * 60 + (article.id * 37) % 600
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def regeneration_time(portal: Portal, article: Article) -> str:
    """`<meta name="PubDate">`: when the CMS last regenerated the page, never before the visible
    publish time. Real sites show a later PubDate than the visible date (docs/domain.md §4.2), so
    extractors must prefer the visible date; this reproduces that pitfall."""
    base = article.modified or article.published or article.written or portal.as_of
    day = base + dt.timedelta(days=1 + article.id % 6)
    day = max(min(day, portal.as_of), base)
    shown = article.published
    if shown is not None and day <= shown:
        # Same day as the visible publish time: regenerate a little later that day.
        hh, mm = (int(x) for x in visible_time(article).split(":"))
        total = min(hh * 60 + mm + 67 + article.id % 50, 23 * 60 + 59)
        return f"{shown.isoformat()} {total // 60:02d}:{total % 60:02d}:{article.id % 60:02d}"
    return f"{day.isoformat()} 02:{13 + article.id % 40:02d}:{article.id % 60:02d}"


def page_date(article: Article) -> dt.date | None:
    """The publish date the article's own page prints (None: it prints none, its list may)."""
    return None if article.page_undated else article.published


def pubdate_meta(portal: Portal, article: Article, end: str = ">") -> str:
    """The PubDate meta tag, or nothing for an article without a publish date on its page (it
    must show no date a reader or extractor could take for one)."""
    if page_date(article) is None:
        return ""
    return f'<meta name="PubDate" content="{regeneration_time(portal, article)}"{end}'


@dataclass(frozen=True)
class HostStyle:
    """Per-host conventions, derived once from the host id."""

    host: Host
    site_name: str
    field_order: tuple[str, ...]  # model field keys in metadata row order
    written_label: str
    charset_meta: str  # '<meta …>' or '' when the host declares no charset
    content_type: str
    codec: str

    def label(self, key: str) -> str:
        return self.written_label if key == "written" else FIELD_LABELS[key]

    def encode(self, text: str) -> bytes:
        # xmlcharrefreplace: a character outside GBK still reaches the reader, as browsers do.
        return text.encode(self.codec, errors="xmlcharrefreplace")

    def page(self, text: str, last_modified: dt.date | None = None, status: int = 200) -> Page:
        return Page(status, self.encode(text), self.content_type, last_modified)


def host_style(host: Host, site_name: str) -> HostStyle:
    h = stable_hash(host.id)
    order = list(FIELD_LABELS)
    random.Random(h).shuffle(order)
    codec = "gbk" if host.encoding.lower() in ("gbk", "gb2312", "gb18030") else "utf-8"
    charset = "GBK" if codec == "gbk" else "utf-8"
    if host.declare_charset:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        ctype = f"text/html; charset={charset}"
    else:
        meta, ctype = "", "text/html"
    return HostStyle(
        host=host,
        site_name=site_name,
        field_order=tuple(order),
        written_label=WRITTEN_LABELS[h % len(WRITTEN_LABELS)],
        charset_meta=meta,
        content_type=ctype,
        codec=codec,
    )


host_site_name = urls.site_name


def column_path(portal: Portal, column: Column) -> str:
    """组配分类: the column's place in the directory tree, e.g. 政策文件/行政规范性文件."""
    names = [column.name]
    seen = {column.id}
    parent = column.parent
    while parent is not None and parent not in seen:
        node = portal.index.column.get(parent)
        if node is None:
            break
        names.append(node.name)
        seen.add(parent)
        parent = node.parent
    return "/".join(reversed(names))


def metadata_rows(
    style: HostStyle, article: Article, category_path: str, date_format=iso
) -> list[tuple[str, str, str]]:
    """(field key, label, value) in the host's row order; planted blank fields render empty and a
    missing publish date renders as an empty 发布日期."""
    values = {
        "index_no": article.index_no,
        "category_path": category_path,
        "publisher": article.publisher,
        "subject": article.subject,
        "title": article.title,
        "doc_no": article.doc_no,
        "written": date_format(article.written),
        "published": date_format(page_date(article)),
        "validity": article.validity,
        "keywords": article.keywords,
    }
    blank = set(article.blank_fields)
    return [
        (key, style.label(key), "" if key in blank else values[key]) for key in style.field_order
    ]


def related(portal: Portal, article: Article) -> tuple[str, list[Article]]:
    """The cross-links a list row or page shows: ("解读", interpretations) on a document,
    ("文件", documents) on an interpretation that links back, else ("", [])."""
    idx = portal.index.article
    if article.interpretations:
        return "解读", [idx[i] for i in article.interpretations if i in idx]
    if article.interprets and article.links_back:
        return "文件", [idx[i] for i in article.interprets if i in idx]
    return "", []


def numbered(word: str, count: int) -> list[str]:
    """解读 for one link; 解读1, 解读2 … for several (as the Lonsun list template numbers them)."""
    return [word] if count == 1 else [f"{word}{i}" for i in range(1, count + 1)]


def unit_of(portal: Portal, article: Article) -> Unit:
    return portal.index.unit[article.unit_id]


def href_from(host: Host, target_url: str) -> str:
    """Root-relative href when the target is on the same host (as TRS pages link), else absolute."""
    base = host.base_url
    if target_url.startswith(base + "/"):
        return target_url[len(base) :]
    return target_url


def article_href(portal: Portal, host: Host, article: Article) -> str:
    return href_from(host, urls.article_url(portal, article))


def related_url(portal: Portal, source: Article, target: Article) -> str:
    """The address `source`'s page links a related page by (相关解读/相关文件): its URL, with
    the query string `source`'s CMS appends (`Article.link_query`), if any."""
    url = urls.article_url(portal, target)
    return f"{url}?{source.link_query}" if source.link_query else url


def units_by_level(portal: Portal, units: list[Unit], *, titled: bool = False) -> str:
    """A platform home's list of its units, a heading per level (市政府, 市直部门, …) in order;
    `titled`: each link also carries the unit's name as `title` (TRS)."""
    from demo.model import LEVELS

    blocks = []
    for level in LEVELS:
        items = "".join(
            f'<li><a href="{esc(urls.unit_entry(portal, u))}" target="_blank"'
            + (f' title="{esc(u.name)}"' if titled else "")
            + f">{esc(u.name)}</a></li>"
            for u in units
            if u.level == level
        )
        if items:
            blocks.append(f"<h3>{esc(level)}</h3><ul>{items}</ul>")
    return "".join(blocks)


def column_tree(
    portal: Portal,
    host: Host,
    roots: list[Column],
    children: dict[int, list[Column]],
    classes: tuple[str, str, str],
    link_attrs: str = "",
) -> str:
    """A unit's column directory as nested lists: groups as `<li class=G><span class=N>name`,
    columns as links relative to the host; `classes` = (tree, group item, group name)."""
    from demo.model import GROUP

    tree, group, name = classes

    def branch(columns: list[Column]) -> str:
        out = []
        for c in columns:
            if c.category == GROUP:
                kids = branch(children.get(c.id, []))
                out.append(
                    f'<li class="{group}"><span class="{name}">{esc(c.name)}</span>'
                    f"<ul>{kids}</ul></li>"
                )
            else:
                href = urls.column_url(portal, c).removeprefix(host.base_url)
                out.append(f'<li><a href="{esc(href)}"{link_attrs}>{esc(c.name)}</a></li>')
        return "".join(out)

    return f'<ul class="{tree}">{branch(roots)}</ul>'
