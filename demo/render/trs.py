"""Pages of a TRS WCM county site: static files, as docs/domain.md §4.2 and realpages/ show them.

Markup contract (what crawler profiles may rely on):

- ``/index.html``: ``div.unit_list li > a`` → each unit's directory (urls.unit_entry).
- Unit directory ``/{unit}/xxgk/index.html``: ``div.xxgk_unit`` (单位/地址/电话) and
  ``ul.xxgk_tree``: a GROUP column is ``li.tree_group > span.group_name`` + nested ``ul``, a leaf
  ``li > a`` with a relative href ``./{column}/index.html``.
- List pages ``index.html``, ``index_1.html`` …: ``ul.list_ul > li > a[href="./yyyymm/t….html"]
  [title] + span`` (YYYY-MM-DD); the page count only in ``createPageHTML(count, current, "index",
  "html")`` (current is 0-based); with ``rows_in_comment`` the rows and that script sit inside an
  HTML comment inside the ``ul``, rendered by the script that follows; no rows → ``div.no_data``.
  A column with a ``list_shape`` prints its rows as demo/render/list_shapes.py says instead.
- Article: ``div.xxgk_info > p > strong`` label + "：value" blocks, ``h1.article_title``,
  ``div.info`` with 发布日期：YYYY-MM-DD, ``div.TRS_Editor`` body, ``div.fujian`` attachments linked
  ``./P0….ext``, hidden ``div.xxgk_xglj`` (相关解读) / ``div.xxgk_xgwj`` (相关文件) blocks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from demo import urls
from demo.model import GROUP, Article, Attachment, Column, Host, Unit
from demo.render import chrome, furniture
from demo.render.catalog import Catalog
from demo.render.common import (
    Page,
    cn_date_padded,
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
from demo.render.list_shapes import shaped_listing

_LIST = re.compile(r"(.+)/index(?:_([1-9]\d*))?\.html")
_ARTICLE = re.compile(r"(.+)/\d{6}/t\d{8}_(\d+)\.html")
_FILE = re.compile(r"/.+/\d{6}/P0\d{8}(\d+)\.[a-z0-9]+")


def _relative(from_dir: str, url: str) -> str:
    """'./rest' when `url` lies under `from_dir`, else the URL unchanged."""
    prefix = from_dir + "/"
    return "./" + url[len(prefix) :] if url.startswith(prefix) else url


def _comment_safe(text: str) -> str:
    # "--" may not appear inside an HTML comment.
    return text.replace("--", "－－")


class TrsRenderer:
    def __init__(self, catalog: Catalog, host: Host) -> None:
        self.cat = catalog
        self.portal = catalog.portal
        self.host = host
        self.style = catalog.styles[host.id]
        self.furniture = catalog.furniture[host.id]
        self.directory_html = lru_cache(maxsize=4096)(self._directory_html)

    # -- routing ---------------------------------------------------------------------------
    def route(self, path: str, query: str) -> Page | None:
        if path in ("/", "/index.html"):
            return self.home()
        parts = path.split("/", 3)  # "", unit slug, "xxgk", rest
        if len(parts) < 3 or parts[2] != "xxgk":
            return None
        unit = self.cat.unit_by_slug.get((self.host.id, parts[1]))
        if unit is None:
            return None
        rest = parts[3] if len(parts) == 4 else ""
        if rest in ("", "index.html"):
            return self.directory(unit)
        found = _LIST.fullmatch(rest)
        if found:
            column = self.cat.column_by_slug.get((unit.id, found.group(1)))
            if column is None or column.hidden:
                return None
            return self.list_page(unit, column, int(found.group(2) or 0))
        found = _ARTICLE.fullmatch(rest)
        if found:
            a = self.cat.index.article.get(int(found.group(2)))
            if a is None or a.unit_id != unit.id:
                return None
            if urls.article_url(self.portal, a) != self.host.base_url + path:
                return None
            return self.article(unit, a)
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

    # -- pages -----------------------------------------------------------------------------
    def home(self) -> Page:
        units = self.cat.index.units_on.get(self.host.id, [])
        blocks = units_by_level(self.portal, units, titled=True)
        main = f'<div class="position">当前位置：首页 &gt; 信息公开</div><div class="unit_list">{blocks}</div>'
        return self.style.page(
            chrome.trs_page(self.style, self.furniture, "政府信息公开", main),
            self.cat.host_changed.get(self.host.id),
        )

    def _directory_html(self, unit_id: str, relative: bool) -> str:
        """The column tree. On the directory page links are "./col/index.html" (as TRS writes
        them); elsewhere, e.g. the left menu of a list page, they are root-relative so they
        still resolve from a deeper folder."""
        unit = self.cat.index.unit[unit_id]
        here = urls.unit_entry(self.portal, unit).rsplit("/", 1)[0]

        def branch(columns: list[Column]) -> str:
            out = []
            for c in columns:
                if c.category == GROUP:
                    kids = branch(self.cat.children.get(c.id, []))
                    out.append(
                        f'<li class="tree_group"><span class="group_name">{esc(c.name)}</span>'
                        f"<ul>{kids}</ul></li>"
                    )
                else:
                    url = urls.column_url(self.portal, c)
                    href = _relative(here, url) if relative else href_from(self.host, url)
                    out.append(
                        f'<li><a href="{esc(href)}" title="{esc(c.name)}">{esc(c.name)}</a></li>'
                    )
            return "".join(out)

        return f'<ul class="xxgk_tree">{branch(self.cat.roots.get(unit_id, []))}</ul>'

    def _position(self, unit: Unit, column: Column | None = None) -> str:
        out = (
            '<div class="position">当前位置：<a href="/index.html">首页</a> &gt; '
            f'<a href="{esc(urls.unit_entry(self.portal, unit))}">{esc(unit.name)}</a>'
        )
        if column is not None:
            out += f' &gt; <a href="{esc(urls.column_url(self.portal, column))}">{esc(column.name)}</a>'
        return out + "</div>"

    def directory(self, unit: Unit) -> Page:
        main = (
            self._position(unit) + f'<div class="xxgk_unit"><h2>{esc(unit.name)}</h2>'
            f"<p>地址：{esc(unit.address)}　电话：{esc(unit.phone)}</p></div>"
            + self.directory_html(unit.id, True)
        )
        text = chrome.trs_page(self.style, self.furniture, f"{unit.name}信息公开", main)
        return self.style.page(text, self.cat.unit_changed.get(unit.id))

    def list_page(self, unit: Unit, column: Column, page: int) -> Page | None:
        items = self.cat.index.articles_of.get(column.id, []) if column.category != GROUP else []
        size = urls.TRS_PAGE_SIZE
        count = max(1, -(-len(items) // size))
        if page >= count:
            return None
        here = urls.column_url(self.portal, column).rsplit("/", 1)[0]
        shown = [
            (a, _relative(here, urls.article_url(self.portal, a)))
            for a in items[page * size : (page + 1) * size]
        ]
        rows = "".join(
            f'<li><a href="{esc(href)}" title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
            f"<span>{iso(a.published)}</span></li>\n"
            for a, href in shown
        )
        pager = f'<script type="text/javascript">createPageHTML({count}, {page}, "index", "html");</script>'
        if column.category == GROUP:
            kids = "".join(
                f'<li><a href="{esc(urls.column_url(self.portal, c))}">{esc(c.name)}</a></li>'
                for c in self.cat.children.get(column.id, [])
            )
            listing = f'<ul class="sub_columns">{kids}</ul>'
        elif column.rows_in_comment:
            # As jyt.gansu.gov.cn does: rows and pager inside a comment, drawn by script.
            listing = (
                f'<ul class="list_ul" id="list_ul">\n<!--\n{_comment_safe(rows)}{pager}-->\n</ul>'
                '<div class="page" id="page_div"></div>'
                '<script type="text/javascript">\n'
                '(function () { var ul = document.getElementById("list_ul");\n'
                "  for (var n = ul.firstChild; n; n = n.nextSibling) {\n"
                "    if (n.nodeType === 8) { ul.innerHTML = n.data; } } })();\n"
                "</script>"
            )
        elif column.list_shape:
            listing = shaped_listing(self.cat, self.host, column, shown, page * size, pager)
        else:
            listing = (
                f'<ul class="list_ul">\n{rows}</ul><div class="page" id="page_div">{pager}</div>'
            )
        if not items and column.category != GROUP:
            listing += '<div class="no_data">暂无信息</div>'
        main = (
            self._position(unit, column)
            + f'<div class="xxgk_left">{self.directory_html(unit.id, False)}</div>'
            f'<div class="xxgk_right"><div class="list_title"><h2>{esc(column.name)}</h2></div>{listing}</div>'
        )
        head = f'<meta name="ColumnName" content="{esc(column.name)}"/>'
        text = chrome.trs_page(self.style, self.furniture, column.name, main, head)
        return self.style.page(text, later(self.cat.column_changed.get(column.id), column.opened))

    def article(self, unit: Unit, a: Article) -> Page:
        column = self.cat.index.column[a.column_id]
        here = urls.article_url(self.portal, a).rsplit("/", 1)[0]

        def relative_file(f: Attachment) -> str:
            return _relative(here, urls.attachment_url(self.portal, a, f))

        rows = metadata_rows(self.style, a, self.cat.path.get(column.id, ""), cn_date_padded)
        meta = "".join(
            f"<p><strong>{label}</strong>：{esc(value)}</p>" for _k, label, value in rows
        )
        inline = embedded_media(a, column)
        files = "".join(
            f'<p><a href="{esc(relative_file(f))}" target="_blank">{esc(f.name)}</a></p>'
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
            cls, heading = (
                ("xxgk_xglj", "相关解读") if word == "解读" else ("xxgk_xgwj", "相关文件")
            )
            block = f'<div class="{cls}" style="display:none;"><h2>{heading}</h2><ul class="xggj">{links}</ul></div>'
        shown = f"发布日期：{iso(a.published)}　　" if page_date(a) else ""
        # The mobile copy of the metadata: the same values as label/value cells.
        mobile = "".join(
            f'<tr><td class="label">{label}：</td><td>{esc(value)}</td></tr>'
            for _k, label, value in rows
        )
        url = urls.article_url(self.portal, a)
        main = (
            self._position(unit, column)
            + f'<div class="xxgk_left">{self.directory_html(unit.id, False)}</div>'
            f'<div class="xxgk_info hidden-xs">{meta}</div>'
            f'<table class="xxgk_table visible-xs">{mobile}</table>'
            f'<div class="article_head"><h1 class="article_title">{esc(a.title)}</h1>'
            f'<div class="info">{shown}来源：{esc(a.publisher)}　　【字体：<a href="javascript:;">大</a> '
            '<a href="javascript:;">中</a> <a href="javascript:;">小</a>】　'
            '<a href="javascript:window.print();">打印</a>　<a href="javascript:window.close();">关闭</a></div>'
            + furniture.share(url, a.title)
            + "</div>"
            '<div class="TRS_Editor">'
            + body_html(self.portal, a, relative_file)
            + "</div>"
            + (f'<div class="fujian"><p>附件：</p>{files}</div>' if files else "")
            + block
            + furniture.tools()
            + furniture.article_script(self.portal, a, url, "$.ajax")
        )
        head = (
            f'<meta name="ColumnName" content="{esc(column.name)}"/>\n'
            f'<meta name="ArticleTitle" content="{esc(a.title)}"/>\n'
            f"{pubdate_meta(self.portal, a, '/>')}\n"
            f'<meta name="ContentSource" content="{esc(a.publisher)}"/>\n'
            f'<meta name="Keywords" content="{esc(a.keywords)}"/>'
        )
        text = chrome.trs_page(self.style, self.furniture, a.title, main, head)
        return self.style.page(text, a.modified or a.published)
