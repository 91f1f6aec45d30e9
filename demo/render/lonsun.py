"""Pages of a Lonsun EX-CMS host (Anhui's platform), as docs/domain.md §4.1 describes them.

Markup contract (what crawler profiles may rely on):

- ``/public/index.html``: ``div.xxgk_units li > a`` → each unit's directory (urls.unit_entry).
- Unit directory (``/public/column/{unitId}?type=4&action=list&nav=3``): ``div.nav_dwxx`` with
  公开单位/办公地址/联系电话; ``div.xxgk_top_nav a`` → type=1/2/3 columns; ``ul.xxgk_tree``: a GROUP
  column is ``li.tree_group > span.group_name`` holding a nested ``ul``, a leaf is ``li > a``.
- type=4 column page: a shell; its ``<script>`` names ``/site/label/8888?labelName=publicInfoList
  &siteId=…&organId=…&catId=…&pageSize=15`` and loads ``&pageIndex=N``.
- Fragment ``/site/label/8888?…``: ``div.nav_tit ul.tit``, then per article ``div.xxgk_navli``
  holding ``ul`` (li.xh/li.yh/li.mc/li.rq) and the hidden ``div.listviewbox > div.vitem``; the
  pagination script carries ``pageCount:N``; a column without items shows ``div.no_data``.
  ``li.rq`` shows the publish date (empty without one), though the vendor's header says 生成日期.
- type=1/2/3 column page: ``ul.doc_list > li > a.left[title] + span.right.date``, all items.
- Article ``/public/{unitId}/{articleId}.html``: meta ArticleTitle/PubDate/ContentSource,
  ``div.wzy_position``, ``table.table_suoyin.hidden-sm.hidden-xs`` (two pairs a row) and
  ``table.table_suoyin.hidden-lg.hidden-md`` (one pair a row), ``h1.newstitle``, ``span.fbsj``,
  ``span.res``, ``div.j-fontContent``, ``div.fj_box`` attachments, ``div.xgjd`` related links.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs

from demo import urls
from demo.model import GROUP, LEVELS, Article, Attachment, Column, Host, Unit
from demo.render import chrome, furniture
from demo.render.catalog import Catalog
from demo.render.common import (
    Page,
    esc,
    iso,
    metadata_rows,
    numbered,
    page_date,
    pubdate_meta,
    related,
    related_url,
    visible_time,
)
from demo.render.content import body_html, embedded_media

_ARTICLE = re.compile(r"/public/(\d+)/(\d+)\.html")
_COLUMN = re.compile(r"/public/column/(\d+)")
_FILE = re.compile(r"/group1/M00/([0-9A-F]{2})/(\d+)\.([a-z0-9]+)")
_MAX_PAGE_SIZE = 100

# Hover-card labels, padded as the vendor template pads them (docs/domain.md §4.1).
_PAD = '<span style="padding-left:20px"></span>'
_CARD = (
    ("index_no", "索&nbsp;引&nbsp;号："),
    ("subject", "主题分类："),
    ("category_path", "组配分类："),
    ("published", "发文日期："),
    ("publisher", "发文机构："),
    ("written", "生成日期："),
    ("effective", "生效时间："),
    ("repealed", "废止时间："),
    ("title", f"名{_PAD}称："),
    ("doc_no", f"文{_PAD}号："),
    ("keywords", "关&nbsp;键&nbsp;词："),
)


class LonsunRenderer:
    def __init__(self, catalog: Catalog, host: Host) -> None:
        self.cat = catalog
        self.portal = catalog.portal
        self.host = host
        self.style = catalog.styles[host.id]
        self.furniture = catalog.furniture[host.id]
        self.tree_html = lru_cache(maxsize=4096)(self._tree_html)

    # -- routing ---------------------------------------------------------------------------
    def route(self, path: str, query: str) -> Page | None:
        if path in ("/public/index.html", "/public/", "/"):
            return self.home()
        if path == "/site/label/8888":
            return self.fragment(parse_qs(query))
        found = _ARTICLE.fullmatch(path)
        if found:
            return self.article(int(found.group(1)), int(found.group(2)))
        found = _COLUMN.fullmatch(path)
        if found:
            return self.column_page(int(found.group(1)), parse_qs(query))
        return None

    def _unit(self, num: int) -> Unit | None:
        return self.cat.unit_by_num.get((self.host.id, num))

    def _column(self, unit: Unit, cat_id: int) -> Column | None:
        column = self.cat.index.column.get(cat_id)
        if column is None or column.unit_id != unit.id or column.hidden:
            return None
        return column

    # -- pages -----------------------------------------------------------------------------
    def home(self) -> Page:
        units = self.cat.index.units_on.get(self.host.id, [])
        blocks = []
        for level in LEVELS:
            members = [u for u in units if u.level == level]
            if not members:
                continue
            items = "".join(
                f'<li><a href="{esc(urls.unit_entry(self.portal, u))}" title="{esc(u.name)}" '
                f'target="_blank">{esc(u.name)}</a></li>'
                for u in members
            )
            blocks.append(f'<div class="unit_group"><h3>{esc(level)}</h3><ul>{items}</ul></div>')
        main = (
            '<div class="wzy_position">当前位置：<a href="/">首页</a> &gt; <span>信息公开</span></div>'
            f'<div class="xxgk_units">{"".join(blocks)}</div>'
        )
        return self.style.page(chrome.lonsun_page(self.style, self.furniture, "政府信息公开", main))

    def _dwxx(self, unit: Unit) -> str:
        return (
            '<div class="nav_dwxx"><ul>'
            f"<li><span>公开单位：</span>{esc(unit.name)}</li>"
            f"<li><span>办公地址：</span>{esc(unit.address)}</li>"
            f"<li><span>联系电话：</span>{esc(unit.phone)}</li>"
            "</ul></div>"
        )

    def _tree_html(self, unit_id: str) -> str:
        """The unit's column directory: top links (type 1/2/3) and the type=4 tree."""
        roots = self.cat.roots.get(unit_id, [])
        top = "".join(
            f'<li><a href="{esc(urls.column_url(self.portal, c))}">{esc(c.name)}</a></li>'
            for c in roots
            if c.section in (1, 2, 3)
        )

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
                    out.append(
                        f'<li><a href="{esc(urls.column_url(self.portal, c))}" '
                        f'title="{esc(c.name)}">{esc(c.name)}</a></li>'
                    )
            return "".join(out)

        tree = branch([c for c in roots if c.section == 4])
        return (
            f'<div class="xxgk_top_nav"><ul>{top}</ul></div>'
            '<div class="xxgk_tree_box"><h2>法定主动公开内容</h2>'
            f'<ul class="xxgk_tree" id="xxgk_tree">{tree}</ul></div>'
        )

    def _position(self, unit: Unit, column: Column | None = None) -> str:
        crumbs = (
            '<div class="wzy_position">当前位置：<a href="/">首页</a> &gt; '
            '<a href="/public/index.html">信息公开</a> &gt; '
            f'<a href="{esc(urls.unit_entry(self.portal, unit))}">{esc(unit.name)}</a>'
        )
        if column is not None:
            crumbs += f' &gt; <a href="{esc(urls.column_url(self.portal, column))}">{esc(column.name)}</a>'
        return crumbs + "</div>"

    def column_page(self, num: int, params: dict[str, list[str]]) -> Page | None:
        unit = self._unit(num)
        if unit is None:
            return None
        cat_id = params.get("catId", [""])[0]
        if not cat_id:
            main = self._position(unit) + self._dwxx(unit) + self.tree_html(unit.id)
            return self.style.page(chrome.lonsun_page(self.style, self.furniture, unit.name, main))
        column = self._column(unit, int(cat_id)) if cat_id.isdigit() else None
        if column is None or params.get("type", [str(column.section)])[0] != str(column.section):
            return None
        head = self._position(unit, column) + self._dwxx(unit)
        if column.section != 4:
            body = self._doc_list(column)
        elif column.category == GROUP:
            kids = self.cat.children.get(column.id, [])
            body = (
                '<ul class="sub_columns">'
                + "".join(
                    f'<li><a href="{esc(urls.column_url(self.portal, c))}">{esc(c.name)}</a></li>'
                    for c in kids
                )
                + "</ul>"
            )
        else:
            body = self._list_shell(unit, column)
        main = (
            f'{head}<div class="xxgk_left">{self.tree_html(unit.id)}</div>'
            f'<div class="xxgk_right"><div class="xxgk_title"><h2>{esc(column.name)}</h2></div>'
            f"{body}</div>"
        )
        return self.style.page(
            chrome.lonsun_page(self.style, self.furniture, f"{column.name}-{unit.name}", main)
        )

    def _doc_list(self, column: Column) -> str:
        items = self.cat.index.articles_of.get(column.id, [])
        rows = "".join(
            f'<li><a class="left" href="{esc(urls.article_url(self.portal, a))}" '
            f'title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
            f'<span class="right date">{iso(a.published)}</span></li>'
            for a in items
        )
        empty = "" if items else '<div class="no_data">暂无信息</div>'
        return f'<ul class="doc_list">{rows}</ul>{empty}'

    def _list_shell(self, unit: Unit, column: Column) -> str:
        base = (
            f"/site/label/8888?labelName=publicInfoList&siteId={self.host.site_id}"
            f"&organId={unit.num}&catId={column.id}&pageSize={urls.LONSUN_PAGE_SIZE}"
        )
        return (
            '<div id="xxgk_lb" class="xxgk_lb"></div>'
            '<script type="text/javascript">\n'
            f'var publicInfoUrl = "{base}";\n'
            "function getPublicInfo(pageIndex) {\n"
            '  $.ajax({url: publicInfoUrl + "&pageIndex=" + pageIndex, dataType: "html",\n'
            '    success: function (html) { $("#xxgk_lb").html(html); }});\n'
            "}\n"
            "getPublicInfo(1);\n"
            "</script>"
        )

    # -- the list fragment -----------------------------------------------------------------
    def fragment(self, params: dict[str, list[str]]) -> Page | None:
        def number(name: str, default: int | None = None) -> int | None:
            value = params.get(name, [""])[0]
            return int(value) if value.isdigit() else default

        if params.get("labelName", [""])[0] != "publicInfoList":
            return None
        unit = self._unit(number("organId", -1))
        site_id = number("siteId", self.host.site_id)
        if unit is None or site_id != self.host.site_id:
            return None
        column = self._column(unit, number("catId", -1))
        page_index = number("pageIndex", 1)
        size = number("pageSize", urls.LONSUN_PAGE_SIZE)
        if column is None or not page_index or not size or size > _MAX_PAGE_SIZE:
            return None
        items = self.cat.index.articles_of.get(column.id, []) if column.category != GROUP else []
        page_count = max(1, -(-len(items) // size))
        start = (page_index - 1) * size
        rows = [self._row(start + i + 1, a) for i, a in enumerate(items[start : start + size])]
        if not items:
            rows.append('<div class="no_data">暂无信息</div>')
        text = (
            '<div class="nav_tit"><ul class="tit"><li class="xh">序号</li><li class="yh">索引号</li>'
            '<li class="mc">信息名称</li><li class="rq">生成日期</li></ul></div>'
            + "".join(rows)
            + '<div id="page_public_info" class="pagination"></div>'
            '<script type="text/javascript">\n'
            'Ls.pagination("#page_public_info", function (pageIndex) { getPublicInfo(pageIndex); }, '
            f"{{currPage:{page_index},pageCount:{page_count},pageSize:{size}}});\n"
            "</script>"
        )
        return self.style.page(text)

    def _row(self, serial: int, a: Article) -> str:
        href = esc(urls.article_url(self.portal, a))
        title = esc(a.title)
        extra = '<span style="color:red;">废止</span>' if a.validity == "废止" else ""
        word, targets = related(self.portal, a)
        for text, target in zip(numbered(word, len(targets)), targets, strict=True):
            extra += (
                f'<span class="split">|</span><a class="a" href="{esc(related_url(self.portal, a, target))}" '
                f'target="_blank">{text}</a>'
            )
        return (
            '<div class="xxgk_navli"><ul>'
            f'<li class="xh">{serial}</li><li class="yh">{esc(a.index_no)}</li>'
            f'<li class="mc"><a href="{href}" title="{title}" target="_blank">{title}</a>{extra}</li>'
            f'<li class="rq">{iso(a.published)}</li></ul>'
            f'<div class="listviewbox" style="display:none;">{self._card(a)}</div></div>'
        )

    def _card(self, a: Article) -> str:
        values = {
            "index_no": a.index_no,
            "subject": a.subject,
            "category_path": self.cat.path.get(a.column_id, ""),
            "published": iso(a.published),
            "publisher": a.publisher,
            "written": iso(a.written),
            "effective": iso(a.published) if a.validity else "",
            "repealed": iso(a.modified) if a.validity in ("废止", "失效") else "",
            "title": a.title,
            "doc_no": a.doc_no,
            "keywords": a.keywords,
        }
        for key in a.blank_fields:
            if key in values:
                values[key] = ""
        return "".join(
            f'<div class="vitem"><div class="vname">{label}</div><p>{esc(values[key])}</p></div>'
            for key, label in _CARD
        )

    # -- articles and attachments ----------------------------------------------------------
    def article(self, num: int, article_id: int) -> Page | None:
        a = self.cat.index.article.get(article_id)
        unit = self._unit(num)
        if a is None or unit is None or a.unit_id != unit.id:
            return None
        column = self.cat.index.column[a.column_id]
        url = urls.article_url(self.portal, a)
        rows = metadata_rows(self.style, a, self.cat.path.get(column.id, ""))
        shown = f"{iso(a.published)} {visible_time(a)}" if page_date(a) else ""
        inline = embedded_media(a, column)
        files = "".join(
            f'<li><a href="{esc(urls.attachment_url(self.portal, a, f))}" target="_blank">'
            f"{esc(f.name)}</a></li>"
            for f in a.attachments
            if f is not inline
        )
        word, targets = related(self.portal, a)
        links = "".join(
            f'<li><a href="{esc(related_url(self.portal, a, t))}" target="_blank">{esc(t.title)}</a></li>'
            for t in targets
        )
        repealed = '<span class="fz" style="color:red;">废止</span>' if a.validity == "废止" else ""
        main = (
            self._position(unit, column)
            + f'<div class="xxgk_left">{self.tree_html(unit.id)}</div>'
            + '<div class="div_table_suoyin">'
            + _desktop_table(rows)
            + _mobile_table(rows)
            + "</div>"
            f'<div class="wzy_content"><div class="wzy_title"><h1 class="newstitle">{esc(a.title)}{repealed}</h1>'
            f'<div class="newsinfo"><span class="fbsj">发布时间：{shown}</span>'
            f'<span class="res">来源：{esc(a.publisher)}</span>'
            '<span class="fontsize">字体：[<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
            '<a href="javascript:;">小</a>]</span>'
            '<span class="hits">浏览次数：<span id="hits"></span></span>'
            '<span class="print"><a href="javascript:window.print();">打印</a></span>'
            '<span class="close"><a href="javascript:window.close();">关闭</a></span></div>'
            + furniture.share(url, a.title)
            + "</div>"
            '<div class="wzcon j-fontContent clearfix" id="zoom">'
            + body_html(self.portal, a, lambda f: urls.attachment_url(self.portal, a, f))
            + "</div>"
            + (
                f'<div class="fj_box"><p class="fj_tit">附件：</p><ul>{files}</ul></div>'
                if files
                else ""
            )
            + (
                f'<div class="xgjd"><h3>相关{"解读" if word == "解读" else "文件"}</h3><ul>{links}</ul></div>'
                if links
                else ""
            )
            + furniture.tools()
            + "</div>"
            + furniture.article_script(self.portal, a, url, "Ls.ajax")
        )
        head = (
            f'<meta name="ArticleTitle" content="{esc(a.title)}">'
            f"{pubdate_meta(self.portal, a)}"
            f'<meta name="ContentSource" content="{esc(a.publisher)}">'
            f'<meta name="ColumnName" content="{esc(column.name)}">'
            f'<meta name="Keywords" content="{esc(a.keywords)}">'
        )
        text = chrome.lonsun_page(self.style, self.furniture, a.title, main, head)
        return self.style.page(text, a.modified or a.published)

    def attachment_target(self, path: str) -> tuple[Article, Attachment] | None:
        found = _FILE.fullmatch(path)
        if not found:
            return None
        hit = self.cat.index.attachment.get(int(found.group(2)))
        if hit is None:
            return None
        article, attachment = hit
        url = urls.attachment_url(self.portal, article, attachment)
        return hit if url == self.host.base_url + path else None


def _value_cell(key: str, value: str) -> str:
    ident = ' id="_fileNum"' if key == "doc_no" else ""
    return f'<td class="pmingcheng"{ident}>{esc(value)}</td>'


def _desktop_table(rows: list[tuple[str, str, str]]) -> str:
    """Two label/value pairs per row; 名称 (long) takes a row of its own."""
    out, pending = [], []

    def flush() -> None:
        if len(pending) == 2:
            out.append("<tr>" + "".join(pending) + "</tr>")
        elif pending:
            out.append(
                "<tr>"
                + pending[0].replace('class="pmingcheng"', 'class="pmingcheng" colspan="3"', 1)
                + "</tr>"
            )
        pending.clear()

    for key, label, value in rows:
        pair = f'<th width="15%">{label}：</th>{_value_cell(key, value)}'
        if key == "title":
            flush()
            pending.append(pair)
            flush()
            continue
        pending.append(pair)
        if len(pending) == 2:
            flush()
    flush()
    return (
        '<table class="table_suoyin hidden-sm hidden-xs" cellspacing="0" cellpadding="0" '
        'width="100%" align="center" border="0">' + "".join(out) + "</table>"
    )


def _mobile_table(rows: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<tr><th>{label}：</th>{_value_cell(key, value)}</tr>" for key, label, value in rows
    )
    return (
        '<table class="table_suoyin hidden-lg hidden-md" cellspacing="0" cellpadding="0" '
        f'width="100%" align="center" border="0">{body}</table>'
    )
