"""Pages of a site on the 2016–2019 gov.cn / ministry 信息公开 template (TRS-built), as the real
pages in ../shared/realpages (govcn_zhengce content_5353307, moe.gov.cn) show them.

Markup contract (what crawler profiles may rely on):

- ``/index.html``: ``div.bmlb`` → an ``h3`` per level, then ``ul > li > a`` → each unit's
  directory ``/xxgk/{unit}/index.htm`` (urls.unit_entry).
- Unit directory ``/xxgk/{unit}/index.htm``: ``div.xxgk_dw`` (单位/地址/电话) and ``ul.xxgk_ml``:
  a GROUP column is ``li.ml_group > span.ml_title`` holding a nested ``ul``, a leaf ``li > a``
  with a root-relative ``/xxgk/{unit}/{column}/index.htm``.
- List pages ``index.htm``, ``index_1.htm`` …: the 信息公开目录 ``table.xxgk_table`` — a header
  row of ``th`` (序号 | 名称 | 索引号 | 发布机构 | 发布日期), then a row per article with
  ``td.mc > a[href][title]``; the page count only in ``createPageHTML(count, current, "index",
  "htm")`` (current 0-based); no rows → ``div.no_data``.
- Article ``/zhengce/content/YYYY-MM/DD/content_{id}.htm``: ``div.crumb``, ``table.bd1`` with
  two ``<td><b>label：</b></td><td>value</td>`` pairs a row (three-character labels spaced with
  ideographic spaces: 索　引　号), dates as 2018年12月21日; ``div.article > h1``;
  ``div#UCAP-CONTENT`` body; ``div.pages-date`` (发布日期：, 来源：); ``div.fjdown`` attachments
  ``{id}/files/{fileId}.{ext}`` linked relatively; hidden ``div.xgjd`` / ``div.xgwj``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from demo import urls
from demo.model import GROUP, Article, Attachment, Column, Host, Unit
from demo.render import chrome
from demo.render.catalog import Catalog
from demo.render.common import (
    HostStyle,
    Page,
    article_href,
    cn_date,
    column_tree,
    esc,
    href_from,
    iso,
    later,
    metadata_rows,
    page_date,
    pubdate_meta,
    related,
    related_url,
    units_by_level,
)
from demo.render.content import body_html, embedded_media

_DIRECTORY = re.compile(r"/xxgk/([^/]+)/index\.htm")
_LIST = re.compile(r"/xxgk/([^/]+)/(.+)/index(?:_([1-9]\d*))?\.htm")
_ARTICLE = re.compile(r"/zhengce/content/\d{4}-\d{2}/\d{2}/content_(\d+)\.htm")
_FILE = re.compile(r"/zhengce/content/\d{4}-\d{2}/\d{2}/\d+/files/(\d+)\.[a-z0-9]+")


def spaced(label: str) -> str:
    """索引号 → 索　引　号: the template pads three-character labels with ideographic spaces."""
    return "\u3000".join(label) if len(label) == 3 else label


class GovcnRenderer:
    def __init__(self, catalog: Catalog, host: Host) -> None:
        self.cat = catalog
        self.portal = catalog.portal
        self.host = host
        self.style: HostStyle = catalog.styles[host.id]
        self.tree_html = lru_cache(maxsize=4096)(self._tree_html)

    # -- routing ---------------------------------------------------------------------------
    def route(self, path: str, query: str) -> Page | None:
        if path in ("/", "/index.html"):
            return self.home()
        found = _DIRECTORY.fullmatch(path)
        if found:
            unit = self.cat.unit_by_slug.get((self.host.id, found.group(1)))
            return self.directory(unit) if unit is not None else None
        found = _LIST.fullmatch(path)
        if found:
            unit = self.cat.unit_by_slug.get((self.host.id, found.group(1)))
            if unit is None:
                return None
            column = self.cat.column_by_slug.get((unit.id, found.group(2)))
            if column is None or column.hidden:
                return None
            return self.list_page(unit, column, int(found.group(3) or 0))
        found = _ARTICLE.fullmatch(path)
        if found:
            a = self.cat.index.article.get(int(found.group(1)))
            if a is None or urls.article_url(self.portal, a) != self.host.base_url + path:
                return None
            return self.article(a)
        return None

    def attachment_target(self, path: str) -> tuple[Article, Attachment] | None:
        found = _FILE.fullmatch(path)
        if not found:
            return None
        hit = self.cat.index.attachment.get(int(found.group(1)))
        if hit is None:
            return None
        url = urls.attachment_url(self.portal, hit[0], hit[1])
        return hit if url == self.host.base_url + path else None

    # -- chrome ----------------------------------------------------------------------------
    def _page(self, title: str, main: str, head: str = "") -> str:
        name = esc(self.style.site_name)
        code = chrome.site_code(self.style)
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            f"{self.style.charset_meta}\n"
            f"<title>{esc(title)}</title>\n"
            f'<meta name="SiteName" content="{name}"/>\n'
            f'<meta name="SiteDomain" content="{esc(self.host.address)}"/>\n'
            f'<meta name="SiteIDCode" content="{code}"/>\n'
            f"{head}\n"
            "</head>\n<body>\n"
            f'<div class="header"><div class="logo"><a href="/index.html">{name}</a></div></div>\n'
            '<div class="nav"><a href="/index.html">首页</a> <a href="/index.html">政府信息公开</a></div>\n'
            f'<div class="container">\n{main}\n</div>\n'
            f'<div class="footer"><p>主办单位：{name}　网站标识码：{code}</p></div>\n'
            "</body>\n</html>\n"
        )

    def _crumb(self, unit: Unit, column: Column | None = None) -> str:
        out = (
            '<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; '
            f'<a href="{esc(urls.unit_entry(self.portal, unit))}">{esc(unit.name)}</a>'
        )
        if column is not None:
            out += f' &gt; <a href="{esc(urls.column_url(self.portal, column))}">{esc(column.name)}</a>'
        return out + "</div>"

    # -- pages -----------------------------------------------------------------------------
    def home(self) -> Page:
        units = self.cat.index.units_on.get(self.host.id, [])
        blocks = units_by_level(self.portal, units)
        main = f'<div class="crumb">当前位置：首页 &gt; 政府信息公开</div><div class="bmlb">{blocks}</div>'
        text = self._page(f"政府信息公开_{self.style.site_name}", main)
        return self.style.page(text, self.cat.host_changed.get(self.host.id))

    def _tree_html(self, unit_id: str) -> str:
        return column_tree(
            self.portal,
            self.host,
            self.cat.roots.get(unit_id, []),
            self.cat.children,
            ("xxgk_ml", "ml_group", "ml_title"),
            "",
        )

    def directory(self, unit: Unit) -> Page:
        main = (
            self._crumb(unit) + f'<div class="xxgk_dw"><h2>{esc(unit.name)}</h2>'
            f"<p>地址：{esc(unit.address)}　电话：{esc(unit.phone)}</p></div>"
            f'<div class="xxgk_left">{self.tree_html(unit.id)}</div>'
        )
        text = self._page(f"{unit.name}信息公开目录_{self.style.site_name}", main)
        return self.style.page(text, self.cat.unit_changed.get(unit.id))

    def list_page(self, unit: Unit, column: Column, page: int) -> Page | None:
        items = self.cat.index.articles_of.get(column.id, []) if column.category != GROUP else []
        size = urls.GOVCN_PAGE_SIZE
        count = max(1, -(-len(items) // size))
        if page >= count:
            return None
        if column.category == GROUP:
            kids = "".join(
                f'<li><a href="{esc(urls.column_url(self.portal, c))}">{esc(c.name)}</a></li>'
                for c in self.cat.children.get(column.id, [])
            )
            listing = f'<ul class="sub_columns">{kids}</ul>'
        else:
            rows = "".join(
                f"<tr><td>{page * size + n + 1}</td>"
                f'<td class="mc"><a href="{esc(article_href(self.portal, self.host, a))}" '
                f'title="{esc(a.title)}" target="_blank">{esc(a.title)}</a></td>'
                f"<td>{esc(a.index_no)}</td><td>{esc(a.publisher)}</td>"
                f"<td>{iso(a.published)}</td></tr>\n"
                for n, a in enumerate(items[page * size : (page + 1) * size])
            )
            listing = (
                '<table class="xxgk_table" width="100%" cellspacing="0" cellpadding="0">\n'
                "<tr><th>序号</th><th>名称</th><th>索引号</th><th>发布机构</th><th>发布日期</th></tr>\n"
                f"{rows}</table>"
                '<div class="page"><script type="text/javascript">'
                f'createPageHTML({count}, {page}, "index", "htm");</script></div>'
            )
            if not items:
                listing += '<div class="no_data">暂无信息</div>'
        main = (
            self._crumb(unit, column) + f'<div class="xxgk_left">{self.tree_html(unit.id)}</div>'
            f'<div class="xxgk_right"><div class="list_title"><h2>{esc(column.name)}</h2></div>{listing}</div>'
        )
        head = f'<meta name="ColumnName" content="{esc(column.name)}"/>'
        text = self._page(f"{column.name}_{self.style.site_name}", main, head)
        return self.style.page(text, later(self.cat.column_changed.get(column.id), column.opened))

    def _metadata(self, a: Article, column: Column) -> str:
        rows = metadata_rows(self.style, a, self.cat.path.get(column.id, ""), cn_date)
        cells = [
            f'<td width="70"><b>{spaced(label)}：</b></td><td width="260">{esc(value)}</td>'
            for _key, label, value in rows
        ]
        lines = "".join(
            "<tr>" + "".join(cells[i : i + 2]) + "</tr>\n" for i in range(0, len(cells), 2)
        )
        return (
            '<table width="660" border="0" cellpadding="0" cellspacing="0" class="bd1">'
            f"<tbody>\n{lines}</tbody></table>"
        )

    def article(self, a: Article) -> Page:
        unit = self.cat.index.unit[a.unit_id]
        column = self.cat.index.column[a.column_id]
        inline = embedded_media(a, column)
        here = urls.article_url(self.portal, a).rsplit("/", 1)[0] + "/"

        def file_href(f: Attachment) -> str:
            return urls.attachment_url(self.portal, a, f).removeprefix(here)

        files = "".join(
            f'<p><a href="{esc(file_href(f))}" target="_blank">{esc(f.name)}</a></p>'
            for f in a.attachments
            if f is not inline
        )
        word, targets = related(self.portal, a)
        links = "".join(
            f'<li><a href="{esc(href_from(self.host, related_url(self.portal, a, t)))}" target="_blank">{esc(t.title)}</a></li>'
            for t in targets
        )
        block = ""
        if links:
            cls, heading = ("xgjd", "相关解读") if word == "解读" else ("xgwj", "相关文件")
            block = (
                f'<div class="{cls}" style="display:none;"><h3>{heading}</h3><ul>{links}</ul></div>'
            )
        shown = f"发布日期：{iso(a.published)}　" if page_date(a) else ""
        main = (
            self._crumb(unit, column)
            + self._metadata(a, column)
            + f'\n<div class="article"><h1>{esc(a.title)}</h1>'
            '<div class="pages_content" id="UCAP-CONTENT">'
            + body_html(self.portal, a, file_href)
            + "</div></div>"
            + (f'<div class="fjdown"><p>附件：</p>{files}</div>' if files else "")
            + f'<div class="pages-date">{shown}来源：{esc(a.publisher)}　'
            '<a href="javascript:window.print()">打印</a></div>' + block
        )
        head = (
            f'<meta name="ArticleTitle" content="{esc(a.title)}"/>\n'
            f"{pubdate_meta(self.portal, a, '/>')}\n"
            f'<meta name="ContentSource" content="{esc(a.publisher)}"/>\n'
            f'<meta name="keywords" content="{esc(a.keywords)}"/>'
        )
        text = self._page(a.title, main, head)
        return self.style.page(text, a.modified or a.published)
