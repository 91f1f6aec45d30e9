"""Where each thing of the sample portal lives, for both platform families.

The generator uses these to write `units.yaml` and the manifest's `target_url`s; the renderers and
the server use them to link and to route. One function per kind of page, dispatching on the
host's platform, so the two can never disagree.

Lonsun EX-CMS (docs/domain.md §4.1)::

    /public/index.html                                             units on this platform
    /public/column/{unitId}?type=4&action=list&nav=3               a unit's directory (entry)
    /public/column/{unitId}?type={1|2|3|4}&catId={catId}&action=list   a column page
    /site/label/8888?labelName=publicInfoList&siteId=…&organId=…&catId=…&pageIndex=N&pageSize=15
    /public/{unitId}/{articleId}.html                              an article
    /group1/M00/{XX}/{fileId}.{ext}                                an attachment

TRS WCM (docs/domain.md §4.2)::

    /index.html                                                    units on this site
    /{unit}/xxgk/index.html                                        a unit's directory (entry)
    /{unit}/xxgk/{column}/index.html, index_1.html, …              a column's list pages
    /{unit}/xxgk/{column}/{yyyymm}/t{yyyymmdd}_{id}.html           an article
    /{unit}/xxgk/{column}/{yyyymm}/P0{yyyymmdd}{fileId}.{ext}      an attachment (linked relatively)
"""

from __future__ import annotations

import datetime as dt

from demo.model import Article, Attachment, Column, Portal, Unit

LONSUN_PAGE_SIZE = 15
TRS_PAGE_SIZE = 20


def host_of(portal: Portal, unit: Unit):
    return portal.index.host[unit.host]


def platform_home(portal: Portal, host_id: str) -> str:
    host = portal.index.host[host_id]
    path = "/public/index.html" if host.platform == "lonsun" else "/index.html"
    return host.base_url + path


def unit_entry(portal: Portal, unit: Unit) -> str:
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return f"{host.base_url}/public/column/{unit.num}?type=4&action=list&nav=3"
    return f"{host.base_url}/{unit.slug}/xxgk/index.html"


def column_url(portal: Portal, column: Column) -> str:
    unit = portal.index.unit[column.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return (
            f"{host.base_url}/public/column/{unit.num}"
            f"?type={column.section}&catId={column.id}&action=list"
        )
    return f"{host.base_url}/{unit.slug}/xxgk/{column.slug}/index.html"


def list_page_url(portal: Portal, column: Column, page: int) -> str:
    """Page `page` (0-based) of a column's rows: the Lonsun fragment, or TRS index_N.html."""
    unit = portal.index.unit[column.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return (
            f"{host.base_url}/site/label/8888?labelName=publicInfoList&siteId={host.site_id}"
            f"&organId={unit.num}&catId={column.id}&pageIndex={page + 1}"
            f"&pageSize={LONSUN_PAGE_SIZE}"
        )
    name = "index.html" if page == 0 else f"index_{page}.html"
    return f"{host.base_url}/{unit.slug}/xxgk/{column.slug}/{name}"


def article_day(article: Article) -> dt.date:
    """The date in a TRS article path. The written date: it never changes, so neither does the URL
    (a planted "no publish date" must not turn links to the article into 404s)."""
    return article.written or article.published or dt.date(2000, 1, 1)


def article_url(portal: Portal, article: Article) -> str:
    unit = portal.index.unit[article.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return f"{host.base_url}/public/{unit.num}/{article.id}.html"
    column = portal.index.column[article.column_id]
    day = article_day(article)
    return (
        f"{host.base_url}/{unit.slug}/xxgk/{column.slug}/{day:%Y%m}/t{day:%Y%m%d}_{article.id}.html"
    )


def attachment_url(portal: Portal, article: Article, attachment: Attachment) -> str:
    unit = portal.index.unit[article.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return (
            f"{host.base_url}/group1/M00/{attachment.file_id % 256:02X}/"
            f"{attachment.file_id}.{attachment.ext}"
        )
    base = article_url(portal, article).rsplit("/", 1)[0]
    day = article_day(article)
    return f"{base}/P0{day:%Y%m%d}{attachment.file_id}.{attachment.ext}"


def link_url(portal: Portal, article: Article, target: str) -> str:
    """An in-body link target as an absolute URL (targets are host paths or full URLs)."""
    if target.startswith(("http://", "https://")):
        return target
    return host_of(portal, portal.index.unit[article.unit_id]).base_url + target
