"""Pages of a 大汉 Hanweb JCMS site, as the real ones in ../shared/realpages (jyt.zj, ct.zj,
fgw.zj) and the jpage list convention show them (docs/domain.md §4.2).

Markup contract (what crawler profiles may rely on):

- ``/index.html``: ``div.xxgk-dwlb`` → an ``h3`` per level, then ``ul > li > a`` → each unit's
  directory ``/col/col{N}/index.html`` (urls.unit_entry).
- Unit directory ``/col/col{N}/index.html``: ``div.xxgk-dw`` (单位/地址/电话) and ``ul.ml-tree``:
  a GROUP column is ``li.ml-group > span.ml-name`` holding a nested ``ul``, a leaf ``li > a``
  with a root-relative ``/col/col{M}/index.html``.
- Column page ``/col/col{M}/index.html``: ``div#{unitid}`` holding ``<script type="text/xml">
  <datastore><nextgroup>…</nextgroup><recordset><record><![CDATA[<li><a href="/art/…" title>…</a>
  <span>YYYY-MM-DD</span></li>]]></record>…`` with the first 45 records (perPage 15 ×
  groupSize 3), then ``var param_{unitid} = {col:1,appid:1,webid:…,path:'/',columnid:…,
  sourceContentType:1,unitid:'…',webname:'…',permissiontype:0}`` and ``$('#{unitid}').jpage({…
  totalRecord:N, perPage:15, groupSize:3, proxyUrl:'/module/web/jpage/dataproxy.jsp', …})``.
- ``/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=15&…&columnid=M&…``:
  XML ``<datastore>`` with records S..E, ``<totalrecord>`` and ``<totalpage>``.
- Article ``/art/Y/M/D/art_{col}_{id}.html``: metas (ArticleTitle, PubDate, ContentSource,
  ColumnName, ColumnType), ``div#hiddenLocation``, ``div.current-position``, ``table.xxgk``
  (three ``label: value`` cells a row), ``table#c td.title``, the info row (发布日期：, 来源：,
  浏览次数, 字体：[大 中 小]), ``div#zoom`` between ``ZJEG_RSS.content`` markers,
  ``div.xgfj`` attachments ``/attach/0/{fileId}.{ext}``, hidden ``div.xgjd``/``div.xgwj``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from urllib.parse import parse_qs

from demo import urls
from demo.model import GROUP, Article, Attachment, Column, Host, Unit
from demo.render import chrome
from demo.render.catalog import Catalog
from demo.render.common import (
    HostStyle,
    Page,
    column_tree,
    esc,
    iso,
    later,
    metadata_rows,
    page_date,
    pubdate_meta,
    related,
    related_url,
    units_by_level,
    visible_time,
)
from demo.render.content import body_html, embedded_media
from demo.render.files import png_bytes

_COLUMN = re.compile(r"/col/col(\d+)/index\.html")
_ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_(\d+)\.html")
_FILE = re.compile(r"/attach/0/(\d+)\.[a-z0-9]+")

_JS = "application/javascript; charset=utf-8"
# jpage.js: Hanweb's list pager. It reads the <datastore> records, shows perPage of them at a
# time and asks dataproxy.jsp for the next group — what a browser does, for whoever reads it.
_JPAGE_JS = b"""(function ($) {
  $.fn.jpage = function (o) {
    var box = this, recs = box.find("script[type='text/xml']").text().match(/<!\\[CDATA\\[[\\s\\S]*?\\]\\]>/g) || [];
    box.html(recs.slice(0, o.perPage).join("").replace(/<!\\[CDATA\\[|\\]\\]>/g, ""));
    /* pages 1..ceil(o.totalRecord / o.perPage); later groups: o.proxyUrl?startrecord=&endrecord=&perpage= */
  };
})(jQuery);
"""
ASSETS: dict[str, tuple[str, bytes]] = {
    "/module/web/jpage/jpage.js": (_JS, _JPAGE_JS),
    "/script/0/jquery.js": (_JS, b"/* jQuery stand-in */\n"),
    "/script/0/articlehits.js": (_JS, b"document.write('1024');\n"),
    "/script/0/page.css": ("text/css; charset=utf-8", b".xxgk td{border:1px solid #ddd}\n"),
    "/images/hanweb_logo.png": ("image/png", png_bytes(1)),
}


def _cdata(text: str) -> str:
    return text.replace("]]>", "]]&gt;")


class HanwebRenderer:
    def __init__(self, catalog: Catalog, host: Host) -> None:
        self.cat = catalog
        self.portal = catalog.portal
        self.host = host
        self.style: HostStyle = catalog.styles[host.id]
        self.unitid = urls.hanweb_unitid(host)
        self.tree_html = lru_cache(maxsize=4096)(self._tree_html)

    # -- routing ---------------------------------------------------------------------------
    def route(self, path: str, query: str) -> Page | None:
        if path in ("/", "/index.html"):
            return self.home()
        if path == urls.HANWEB_PROXY:
            return self.proxy(parse_qs(query))
        found = _COLUMN.fullmatch(path)
        if found:
            kind, number = urls.hanweb_parse_number(int(found.group(1)))
            if kind == "unit":
                unit = self.cat.unit_by_num.get((self.host.id, number))
                return self.directory(unit) if unit is not None else None
            column = self._column(number)
            return self.column_page(column) if column is not None else None
        found = _ARTICLE.fullmatch(path)
        if found:
            a = self.cat.index.article.get(int(found.group(1)))
            if a is None or urls.article_url(self.portal, a) != self.host.base_url + path:
                return None
            return self.article(a)
        return None

    def _column(self, column_id: int) -> Column | None:
        column = self.cat.index.column.get(column_id)
        if column is None or column.hidden:
            return None
        unit = self.cat.index.unit.get(column.unit_id)
        return column if unit is not None and unit.host == self.host.id else None

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
    def _page(self, title: str, main: str, head: str = "", location: str = "") -> str:
        name = esc(self.style.site_name)
        code = chrome.site_code(self.style)
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
            f"{self.style.charset_meta}\n"
            '<meta name="viewport" content="width=device-width,initial-scale=1.0">\n'
            '<meta http-equiv="X-UA-Compatible" content="ie=edge">\n'
            f"<title>{esc(title)}</title>\n"
            "<META HTTP-EQUIV='pragma' CONTENT='no-cache'>\n"
            f'<meta name="SiteName" content="{name}">\n'
            f'<meta name="SiteDomain" content="{esc(self.host.address)}">\n'
            f'<meta name="SiteIDCode" content="{code}">\n'
            f"{head}\n"
            '<link href="/script/0/page.css" type="text/css" rel="stylesheet">\n'
            '<script language="javascript" src="/script/0/jquery.js"></script>\n'
            "</head>\n<body>"
            f"<div id='hiddenLocation' style='display:none;'><span id='ss_webid'>{self.host.site_id}</span>"
            f"{location}</div>\n"
            '<div class="header"><div class="logo"><a href="/index.html">'
            f'<img src="/images/hanweb_logo.png" alt="{name}"></a></div>'
            '<div class="search"><form action="/jrobot/search.do" method="get">'
            '<input type="text" name="q" placeholder="请输入关键字"><input type="submit" value="搜索">'
            "</form></div></div>\n"
            '<div class="nav"><ul><li><a href="/index.html">首页</a></li>'
            '<li><a href="/index.html">政府信息公开</a></li><li><a href="javascript:;">政务服务</a></li>'
            '<li><a href="javascript:;">互动交流</a></li></ul></div>\n'
            f'<div class="main">\n{main}\n</div>\n'
            '<div class="footer">'
            f"<p>主办单位：{name}　网站标识码：{code}</p>"
            f'<p>浙ICP备{code[-6:]}号　<a href="http://www.beian.gov.cn/" target="_blank">公网安备 {code}号</a></p>'
            '<p>技术支持：<a href="http://www.hanweb.com/" target="_blank">大汉网络</a></p>'
            "</div>\n</body>\n</html>\n"
        )

    def _position(self, unit: Unit, column: Column | None = None) -> str:
        out = (
            '<div class="current-position">当前位置：<a href="/index.html">首页</a> &gt; '
            f'<a href="{esc(urls.unit_entry(self.portal, unit))}">{esc(unit.name)}</a>'
        )
        if column is not None:
            out += f' &gt; <a href="{esc(urls.column_url(self.portal, column))}">{esc(column.name)}</a>'
        return out + "</div>"

    def _location(self, column: Column) -> str:
        href = urls.column_url(self.portal, column).removeprefix(self.host.base_url)
        return (
            f"<span id='col1_name'>{esc(column.name)}</span><span id='col1_url'>{esc(href)}</span>"
        )

    # -- pages -----------------------------------------------------------------------------
    def home(self) -> Page:
        units = self.cat.index.units_on.get(self.host.id, [])
        blocks = units_by_level(self.portal, units)
        main = f'<div class="current-position">当前位置：首页 &gt; 政府信息公开</div><div class="xxgk-dwlb">{blocks}</div>'
        text = self._page(f"政府信息公开_{self.style.site_name}", main)
        return self.style.page(text, self.cat.host_changed.get(self.host.id))

    def _tree_html(self, unit_id: str) -> str:
        return column_tree(
            self.portal,
            self.host,
            self.cat.roots.get(unit_id, []),
            self.cat.children,
            ("ml-tree", "ml-group", "ml-name"),
            ' target="_blank"',
        )

    def directory(self, unit: Unit) -> Page:
        main = (
            self._position(unit) + f'<div class="xxgk-dw"><h2>{esc(unit.name)}</h2>'
            f"<p>地址：{esc(unit.address)}　电话：{esc(unit.phone)}</p></div>"
            f'<div class="xxgk-ml">{self.tree_html(unit.id)}</div>'
        )
        text = self._page(f"{unit.name}信息公开_{self.style.site_name}", main)
        return self.style.page(text, self.cat.unit_changed.get(unit.id))

    def _records(self, items: list[Article]) -> str:
        return "".join(
            "<record><![CDATA[\n"
            + _cdata(
                f'<li><a href="{esc(urls.article_url(self.portal, a).removeprefix(self.host.base_url))}" '
                f'title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
                f'<span class="bt-data-time">{iso(a.published)}</span></li>'
            )
            + "]]></record>\n"
            for a in items
        )

    def _nextgroup(self, column: Column) -> str:
        query = urls.hanweb_proxy_query(self.portal, column, 1).split("&col=1&appid=1", 1)[1]
        return (
            f'<nextgroup><![CDATA[<a href="{urls.HANWEB_PROXY}?page=1&appid=1{esc(query)}"></a>]]>'
            "</nextgroup>\n"
        )

    def column_page(self, column: Column) -> Page:
        unit = self.cat.index.unit[column.unit_id]
        if column.category == GROUP:
            kids = "".join(
                f'<li><a href="{esc(urls.column_url(self.portal, c))}">{esc(c.name)}</a></li>'
                for c in self.cat.children.get(column.id, [])
            )
            listing = f'<ul class="sub-columns">{kids}</ul>'
        else:
            items = self.cat.index.articles_of.get(column.id, [])
            number = urls.hanweb_column_number(column)
            unitid = self.unitid
            listing = (
                f'<div class="default_pgContainer" id="{unitid}">'
                '<script type="text/xml"><datastore>\n'
                + self._nextgroup(column)
                + "<recordset>\n"
                + self._records(items[: urls.HANWEB_RECORDS])
                + "</recordset></datastore></script></div>\n"
                '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
                '<script type="text/javascript">\n'
                f"var param_{unitid} = {{col:1,appid:1,webid:{self.host.site_id},path:'/',"
                f"columnid:{number},sourceContentType:1,unitid:'{unitid}',"
                f"webname:'{esc(self.style.site_name)}',permissiontype:0}};\n"
                f"$(document).ready(function () {{ $('#{unitid}').jpage({{ "
                f"containerSelector: '#{unitid}', totalRecord: {len(items)}, "
                f"perPage: {urls.HANWEB_PER_PAGE}, groupSize: {urls.HANWEB_GROUP}, "
                f"proxyUrl: '{urls.HANWEB_PROXY}', ajaxParam: param_{unitid}, "
                "barPosition: 'bottom', pageInfo: '共{total}条 {page}/{pages}页' }); });\n"
                "</script>"
            )
        main = (
            self._position(unit, column)
            + f'<div class="xxgk-left"><div class="xxgk-ml">{self.tree_html(unit.id)}</div></div>'
            f'<div class="xxgk-right"><div class="list-title"><h2>{esc(column.name)}</h2></div>'
            f"{listing}</div>"
        )
        head = f'<meta name="ColumnName" content="{esc(column.name)}">\n<meta name="ColumnType" content="信息公开">'
        text = self._page(
            f"{column.name}_{self.style.site_name}", main, head, self._location(column)
        )
        return self.style.page(text, later(self.cat.column_changed.get(column.id), column.opened))

    def proxy(self, params: dict[str, list[str]]) -> Page | None:
        """dataproxy.jsp: a group of records as XML. A request naming no column of this site, or
        no record range, is not found; a range past the end holds no records."""

        def number(name: str) -> int | None:
            value = (params.get(name) or [""])[0]
            return int(value) if value.isdigit() and len(value) < 10 else None

        column_number, start, end = number("columnid"), number("startrecord"), number("endrecord")
        if column_number is None or start is None or end is None or start < 1 or end < start:
            return None
        kind, column_id = urls.hanweb_parse_number(column_number)
        column = self._column(column_id) if kind == "column" else None
        if column is None or column.category == GROUP or number("webid") != self.host.site_id:
            return None
        items = self.cat.index.articles_of.get(column.id, [])
        per_page = number("perpage") or urls.HANWEB_PER_PAGE
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            + self._nextgroup(column)
            + "<recordset>\n"
            + self._records(items[start - 1 : end])
            + "</recordset>\n"
            f"<totalrecord>{len(items)}</totalrecord>\n"
            f"<totalpage>{math.ceil(len(items) / per_page)}</totalpage>\n</datastore>\n"
        )
        changed = later(self.cat.column_changed.get(column.id), column.opened)
        return Page(200, text.encode("utf-8"), "text/xml;charset=UTF-8", changed)

    def _metadata(self, a: Article, column: Column) -> str:
        rows = metadata_rows(self.style, a, self.cat.path.get(column.id, ""))
        cells = [f"<td>{label}: {esc(value)}</td>" for _key, label, value in rows]
        lines = "".join(
            "<tr>" + "".join(cells[i : i + 3]) + "</tr>\n" for i in range(0, len(cells), 3)
        )
        return (
            '<table border="1" width="1000px" align="center" cellpadding="0" cellspacing="0" '
            f'class="xxgk">\n{lines}</table>'
        )

    def article(self, a: Article) -> Page:
        unit = self.cat.index.unit[a.unit_id]
        column = self.cat.index.column[a.column_id]
        inline = embedded_media(a, column)

        def file_href(f: Attachment) -> str:
            return urls.attachment_url(self.portal, a, f).removeprefix(self.host.base_url)

        files = "".join(
            f'<p><a href="{esc(file_href(f))}" target="_blank">{esc(f.name)}</a></p>'
            for f in a.attachments
            if f is not inline
        )
        word, targets = related(self.portal, a)
        links = "".join(
            f'<li><a href="{esc(related_url(self.portal, a, t).removeprefix(self.host.base_url))}" '
            f'target="_blank">{esc(t.title)}</a></li>'
            for t in targets
        )
        block = ""
        if links:
            cls, heading = ("xgjd", "相关解读") if word == "解读" else ("xgwj", "相关文件")
            block = (
                f'<div class="{cls}" style="display:none;"><h3>{heading}</h3><ul>{links}</ul></div>'
            )
        shown = (
            f"<td width=25% align='center'>发布日期：{iso(a.published)} </td>"
            if page_date(a)
            else ""
        )
        main = (
            self._position(unit, column)
            + self._metadata(a, column)
            + '\n<table width="100%" border="0" align="center" cellpadding="0" cellspacing="1" id="c">'
            f'<tr><td align="center" class="title">{esc(a.title)}</td></tr>'
            '<tr><td><table border="0" width="90%" class="bt_size_14"><tr>'
            f"{shown}<td width=25% align='center'>来源：{esc(a.publisher)}</td>"
            "<td width=25% align='center'>浏览次数：<script language='javascript' "
            'src="/script/0/articlehits.js"></script></td>'
            "<td width=25% align='center'>字体：[ <a href='javascript:doZoom(16)'>大</a> "
            "<a href='javascript:doZoom(14)'>中</a> <a href='javascript:doZoom(12)'>小</a> ]</td>"
            "</tr></table></td></tr>"
            '<tr><td class="bt_content"><div id="zoom">'
            '<!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
            + body_html(self.portal, a, file_href)
            + '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div></td></tr></table>'
            + (f'<div class="xgfj"><p>附件：</p>{files}</div>' if files else "")
            + block
            + '<div class="bt-share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a>'
            '　<a href="javascript:window.print()">打印本页</a>　<a href="javascript:window.close()">关闭窗口</a></div>'
        )
        head = (
            f"<meta name='Maketime' content='{iso(a.modified or a.published)} {visible_time(a)}'>\n"
            f'<meta name="ColumnName" content="{esc(column.name)}">\n'
            '<meta name="ColumnType" content="信息公开">\n'
            f'<meta name="ArticleTitle" content="{esc(a.title)}">\n'
            f"{pubdate_meta(self.portal, a)}\n"
            f'<meta name="ContentSource" content="{esc(a.publisher)}">\n'
            f'<meta name="keywords" content="{esc(a.keywords)}">\n'
            f'<meta name="url" content="{esc(urls.article_url(self.portal, a))}">'
        )
        text = self._page(a.title, main, head, self._location(column))
        return self.style.page(text, a.modified or a.published)
