"""The other list shapes of TRS sites: a column's rows as the 信息公开目录 table, as a JSON array
in a script, or as a `ul/li` without classes beside a side box of dated links (issue 15).

`TrsRenderer.list_page` hands the rows of one page here when the column has a
`Column.list_shape` (demo.generate sets it by column id); the position bar, the column tree on
the left and the page's chrome stay the TRS list page's. Markup contract (what crawler profiles
and tests/portal_probe.py may rely on):

- ``table`` (LIST_TABLE): a class-less ``<table>`` whose first row names the columns — ``<th>``
  cells, or ``<td><strong>`` cells on every other such column — 序号 | 名称 | 索引号 | 发布机构 |
  发布日期; each row's 名称 cell holds ``a[href="./yyyymm/t….html"][title]``, its 发布日期 cell the
  date (YYYY-MM-DD); a planted blank 索引号 / 发布机构 is a blank cell, as on the article page.
- ``script`` (LIST_SCRIPT): an empty ``ul#listBox`` and ``var listData = [{"title", "url",
  "pubDate"}, …];`` (url root-relative, pubDate "YYYY-MM-DD HH:MM:SS") in the script that fills
  it; nothing else on the page names a row.
- ``bare`` (LIST_BARE): ``div.xxgk_right > ul`` (no class on either) of ``li > a[title] + span``
  (YYYY-MM-DD), then ``div.side_news``: 最新信息, the unit's newest articles of its other columns
  as dated links — page furniture, never the column's rows.

Every shape keeps TRS paging: ``index.html``, ``index_1.html`` … and ``createPageHTML(count,
current, "index", "html")`` in a script.
"""

from __future__ import annotations

import heapq
import json

from demo import urls
from demo.model import LIST_BARE, LIST_SCRIPT, LIST_TABLE, Article, Column, Host
from demo.render.catalog import Catalog
from demo.render.common import esc, href_from, iso, visible_time

SIDE_BOX_ROWS = 5  # the 最新信息 box: the unit's newest articles of its other columns
TABLE_HEADER = ("序号", "名称", "索引号", "发布机构", "发布日期")


def shaped_listing(
    cat: Catalog,
    host: Host,
    column: Column,
    rows: list[tuple[Article, str]],
    first: int,
    pager: str,
) -> str:
    """The list block of one page in the column's shape: `rows` are (article, href as the
    page links it), `first` the 0-based number of the first row in the column, `pager` the
    createPageHTML script element."""
    if column.list_shape == LIST_TABLE:
        return _table(column, rows, first) + f'<div class="page" id="page_div">{pager}</div>'
    if column.list_shape == LIST_SCRIPT:
        return _script(cat, host, rows, pager)
    if column.list_shape == LIST_BARE:
        return (
            _bare(rows)
            + f'<div class="page" id="page_div">{pager}</div>'
            + side_box(cat, host, column)
        )
    raise ValueError(f"column {column.id}: unknown list shape {column.list_shape!r}")


def _blank_or(article: Article, key: str, value: str) -> str:
    return "" if key in article.blank_fields else value


def _table(column: Column, rows: list[tuple[Article, str]], first: int) -> str:
    # Both header forms of real 信息公开目录 pages: a row of <th>, or a first row of <td>s.
    if column.id // 5 % 2:
        header = "".join(f"<td><strong>{name}</strong></td>" for name in TABLE_HEADER)
    else:
        header = "".join(f"<th>{name}</th>" for name in TABLE_HEADER)
    body = "".join(
        f"<tr><td>{first + n}</td>"
        f'<td><a href="{esc(href)}" title="{esc(a.title)}" target="_blank">{esc(a.title)}</a></td>'
        f"<td>{esc(_blank_or(a, 'index_no', a.index_no))}</td>"
        f"<td>{esc(_blank_or(a, 'publisher', a.publisher))}</td>"
        f"<td>{iso(a.published)}</td></tr>\n"
        for n, (a, href) in enumerate(rows, start=1)
    )
    return (
        '<table width="100%" border="0" cellspacing="0" cellpadding="0">\n'
        f"<tr>{header}</tr>\n{body}</table>"
    )


def _script(cat: Catalog, host: Host, rows: list[tuple[Article, str]], pager: str) -> str:
    data = [
        {
            "title": a.title,
            "url": href_from(host, urls.article_url(cat.portal, a)),
            "pubDate": f"{iso(a.published)} {visible_time(a)}:00" if a.published else "",
        }
        for a, _href in rows
    ]
    # "</" may not appear inside a script element.
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<ul class="news_list" id="listBox"></ul><div class="page" id="page_div"></div>'
        '<script type="text/javascript">\n'
        f"var listData = {text};\n"
        '(function () { var box = document.getElementById("listBox"), out = [];\n'
        "  for (var i = 0; i < listData.length; i++) { var d = listData[i];\n"
        "    out.push('<li><a href=\"' + d.url + '\" target=\"_blank\">' + d.title + '</a><span>'\n"
        "      + d.pubDate.substring(0, 10) + '</span></li>'); }\n"
        '  box.innerHTML = out.join(""); })();\n'
        "</script>\n" + pager
    )


def _bare(rows: list[tuple[Article, str]]) -> str:
    items = "".join(
        f'<li><a href="{esc(href)}" target="_blank" title="{esc(a.title)}">{esc(a.title)}</a>'
        f"<span>{iso(a.published)}</span></li>\n"
        for a, href in rows
    )
    return f"<ul>\n{items}</ul>"


def side_box(cat: Catalog, host: Host, column: Column) -> str:
    """最新信息: the unit's newest articles of its other visible columns, as dated links."""
    newest = heapq.nlargest(
        SIDE_BOX_ROWS,
        (
            a
            for c in cat.index.columns_of.get(column.unit_id, [])
            if c.id != column.id and not c.hidden
            for a in cat.index.articles_of.get(c.id, [])[:SIDE_BOX_ROWS]
            if a.published
        ),
        key=lambda a: (a.published, a.id),
    )
    items = "".join(
        f'<li><a href="{esc(href_from(host, urls.article_url(cat.portal, a)))}" '
        f'title="{esc(a.title)}" target="_blank">{esc(a.title)}</a>'
        f"<span>{iso(a.published)}</span></li>"
        for a in newest
    )
    return f'<div class="side_news"><h3>最新信息</h3><ul>{items}</ul></div>'
