"""Where each thing of the sample portal lives, for each platform family.

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

大汉 Hanweb JCMS (docs/domain.md §4.2; realpages jyt.zj, ct.zj, fgw.zj)::

    /index.html                                                    units on this site
    /col/col{1530000+unitNum}/index.html                           a unit's directory (entry)
    /col/col{1540000+columnId}/index.html                          a column: its first records
    /module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&col=1&appid=1
        &webid={siteId}&path=/&columnid={col}&sourceContentType=1&unitid={unitid}
        &webname={site name}&permissiontype=0                      the next group of records
    /art/{Y}/{M}/{D}/art_{col}_{articleId}.html                    an article (M, D unpadded)
    /attach/0/{fileId}.{ext}                                       an attachment

gov.cn 2016–2019 / ministry 信息公开 template (TRS-built; realpages govcn_zhengce, moe)::

    /index.html                                                    units on this site
    /xxgk/{unit}/index.htm                                         a unit's directory (entry)
    /xxgk/{unit}/{column}/index.htm, index_1.htm, …                a column's 信息公开目录 table
    /zhengce/content/{YYYY-MM}/{DD}/content_{articleId}.htm        an article
    /zhengce/content/{YYYY-MM}/{DD}/{articleId}/files/{fileId}.{ext}   an attachment
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from demo.model import CITY_GOV, Article, Attachment, Column, Host, Portal, Unit

LONSUN_PAGE_SIZE = 15
TRS_PAGE_SIZE = 20
GOVCN_PAGE_SIZE = 20
# Hanweb jpage: a page shows 15 rows; the column page and each dataproxy answer hold a group
# of 3 pages (45 records), as the real sites' `perPage: 15, groupSize: 3` say.
HANWEB_PER_PAGE = 15
HANWEB_GROUP = 3
HANWEB_RECORDS = HANWEB_PER_PAGE * HANWEB_GROUP
HANWEB_PROXY = "/module/web/jpage/dataproxy.jsp"
_HANWEB_UNIT_COL = 1_530_000  # a unit's directory column number: + Unit.num
_HANWEB_COL = 1_540_000  # a column's number: + Column.id


def hanweb_column_number(column: Column) -> int:
    return _HANWEB_COL + column.id


def hanweb_unit_number(unit: Unit) -> int:
    return _HANWEB_UNIT_COL + unit.num


def hanweb_parse_number(number: int) -> tuple[str, int]:
    """("unit", Unit.num) or ("column", Column.id) for the N of /col/colN/index.html."""
    if number >= _HANWEB_COL:
        return "column", number - _HANWEB_COL
    return "unit", number - _HANWEB_UNIT_COL


def hanweb_unitid(host: Host) -> int:
    """jpage's `unitid`: the id of the list component of the host's column template."""
    return 4_980_000 + host.site_id % 1000


def site_name(portal: Portal, host: Host) -> str:
    """The name a host's pages carry: the government whose site it is (江淮市人民政府, 霍山县人民政府),
    else its top unit's name (a department running its own site)."""
    units = portal.index.units_on.get(host.id, [])
    on_host = {u.id for u in units}
    tops = [u for u in units if u.parent not in on_host]
    if not tops:
        return f"{portal.city}人民政府"
    top = tops[0]
    if top.level == CITY_GOV:
        return f"{portal.city}人民政府"
    return top.name


def hanweb_proxy_query(portal: Portal, column: Column, start: int) -> str:
    """The dataproxy.jsp query for the group of records from `start` (1-based) on."""
    host = host_of(portal, portal.index.unit[column.unit_id])
    return (
        f"startrecord={start}&endrecord={start + HANWEB_RECORDS - 1}&perpage={HANWEB_PER_PAGE}"
        f"&col=1&appid=1&webid={host.site_id}&path=/&columnid={hanweb_column_number(column)}"
        f"&sourceContentType=1&unitid={hanweb_unitid(host)}"
        f"&webname={quote(site_name(portal, host), safe='/:')}&permissiontype=0"
    )


def host_of(portal: Portal, unit: Unit):
    return portal.index.host[unit.host]


def platform_home(portal: Portal, host_id: str) -> str:
    host = portal.index.host[host_id]
    path = "/public/index.html" if host.platform == "lonsun" else "/index.html"  # TRS, Hanweb
    return host.base_url + path


def unit_entry(portal: Portal, unit: Unit) -> str:
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return f"{host.base_url}/public/column/{unit.num}?type=4&action=list&nav=3"
    if host.platform == "hanweb":
        return f"{host.base_url}/col/col{hanweb_unit_number(unit)}/index.html"
    if host.platform == "govcn":
        return f"{host.base_url}/xxgk/{unit.slug}/index.htm"
    return f"{host.base_url}/{unit.slug}/xxgk/index.html"


def column_url(portal: Portal, column: Column) -> str:
    unit = portal.index.unit[column.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return (
            f"{host.base_url}/public/column/{unit.num}"
            f"?type={column.section}&catId={column.id}&action=list"
        )
    if host.platform == "hanweb":
        return f"{host.base_url}/col/col{hanweb_column_number(column)}/index.html"
    if host.platform == "govcn":
        return f"{host.base_url}/xxgk/{unit.slug}/{column.slug}/index.htm"
    return f"{host.base_url}/{unit.slug}/xxgk/{column.slug}/index.html"


def list_page_url(portal: Portal, column: Column, page: int) -> str:
    """Page `page` (0-based) of a column's rows: the Lonsun fragment, TRS index_N.html, or a
    Hanweb group of records (the column page, then dataproxy.jsp)."""
    unit = portal.index.unit[column.unit_id]
    host = host_of(portal, unit)
    if host.platform == "lonsun":
        return (
            f"{host.base_url}/site/label/8888?labelName=publicInfoList&siteId={host.site_id}"
            f"&organId={unit.num}&catId={column.id}&pageIndex={page + 1}"
            f"&pageSize={LONSUN_PAGE_SIZE}"
        )
    if host.platform == "hanweb":
        if page == 0:
            return column_url(portal, column)
        return f"{host.base_url}{HANWEB_PROXY}?{hanweb_proxy_query(portal, column, page * HANWEB_RECORDS + 1)}"
    if host.platform == "govcn":
        name = "index.htm" if page == 0 else f"index_{page}.htm"
        return f"{host.base_url}/xxgk/{unit.slug}/{column.slug}/{name}"
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
    if host.platform == "hanweb":
        return f"{host.base_url}{hanweb_article_path(column, day, article.id)}"
    if host.platform == "govcn":
        return f"{host.base_url}{govcn_article_path(day, article.id)}"
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
    if host.platform == "hanweb":
        return f"{host.base_url}/attach/0/{attachment.file_id}.{attachment.ext}"
    if host.platform == "govcn":
        base = article_url(portal, article).rsplit("/", 1)[0]
        return f"{base}/{article.id}/files/{attachment.file_id}.{attachment.ext}"
    base = article_url(portal, article).rsplit("/", 1)[0]
    day = article_day(article)
    return f"{base}/P0{day:%Y%m%d}{attachment.file_id}.{attachment.ext}"


def link_url(portal: Portal, article: Article, target: str) -> str:
    """An in-body link target as an absolute URL (targets are host paths or full URLs)."""
    if target.startswith(("http://", "https://")):
        return target
    return host_of(portal, portal.index.unit[article.unit_id]).base_url + target


def hanweb_article_path(column: Column, day: dt.date, article_id: int) -> str:
    return f"/art/{day.year}/{day.month}/{day.day}/art_{hanweb_column_number(column)}_{article_id}.html"


def govcn_article_path(day: dt.date, article_id: int) -> str:
    return f"/zhengce/content/{day:%Y-%m}/{day:%d}/content_{article_id}.htm"


def missing_article_path(portal: Portal, article: Article, ghost: int) -> str:
    """The path an article numbered `ghost` would have beside `article` (a planted broken link)."""
    unit = portal.index.unit[article.unit_id]
    platform = host_of(portal, unit).platform
    if platform == "lonsun":
        return f"/public/{unit.num}/{ghost}.html"
    column = portal.index.column[article.column_id]
    if platform == "hanweb":
        return hanweb_article_path(column, article.written, ghost)
    if platform == "govcn":
        return govcn_article_path(article.written, ghost)
    return f"/{unit.slug}/xxgk/{column.slug}/{article.written:%Y%m}/t{article.written:%Y%m%d}_{ghost}.html"
