"""Operational hazards planted in the sample portal: things that go wrong with *sites*, not with
a unit's disclosure work. A correct evaluator reports none of them as a unit's problem; a correct
crawler retries, waits, or records a crawl issue.

The server (`demo.server`, `demo.hazards`) acts them out from `portal.hazards`; this module only
chooses their targets and records them, and tells the defect planters to keep away from them.

`plant_faults` adds the fault matrix (issue 9 point 7) when asked (`make_sample(faults=True)`):
each entry's ``issue`` is the crawl issue kind a correct crawler records for it (None: the crawl
gets the page in the end and records nothing), or the list of kinds that are right (an endless
body hits the size cap or the download timeout first, depending on the link's speed).
"""

from __future__ import annotations

import dataclasses

from demo import hazards as hz
from demo import model as m
from demo import urls
from demo.defects import Planter
from demo.model import Host, Link


def plant_hazards(p: Planter) -> list[dict]:
    portal = p.portal
    hazards: list[dict] = []

    def add(kind: str, unit_id: str, url: str, expected: str, **params) -> None:
        entry = {"kind": kind, "unit_id": unit_id, "url": url, "expected": expected}
        if params:
            entry["params"] = params
        hazards.append(entry)

    for host in portal.hosts:
        if host.down:
            for unit in portal.index.units_on.get(host.id, []):
                p.used_units.add(unit.id)
                add(
                    "host_down",
                    unit.id,
                    urls.unit_entry(portal, unit),
                    f"站点{host.address}:{host.port}无法连接：记为抓取问题（站点不可达），不得判为该单位栏目空白或信息缺失",
                )

    def pick_article(category: str, platform: str):
        for unit in p.units():
            if portal.index.host[unit.host].platform != platform:
                continue
            for column in portal.index.columns_of.get(unit.id, []):
                items = portal.index.articles_of.get(column.id, [])
                if (
                    column.category == category
                    and len(items) > 3
                    and column.id not in p.used_columns
                ):
                    return unit, column, items[2]
        raise RuntimeError(f"no {category} article on a {platform} host to plant a hazard on")

    unit, column, article = pick_article(m.NOTICE, "lonsun")
    p.take(article)
    add(
        "retry_503",
        unit.id,
        urls.article_url(portal, article),
        "首次请求返回503，重试后正常：应重试并正常采集，不得记为问题",
        failures=1,
    )

    unit, column, article = pick_article(m.NOTICE, "trs")
    p.take(article)
    add(
        "slow",
        unit.id,
        urls.article_url(portal, article),
        "页面响应缓慢（约2秒）但内容正常：应正常采集，不得记为问题",
        delay=2.0,
    )

    unit, column, article = pick_article(m.NEWS, "trs")
    p.used_columns.add(column.id)
    p.used_units.add(unit.id)  # the whole unit: its news column cannot be observed
    add(
        "anti_bot",
        unit.id,
        urls.column_url(portal, column),
        "栏目页返回反爬虫验证页（瑞数$_ts脚本）：记为抓取问题，不得判为空白栏目或未更新",
    )

    unit, column, article = pick_article(m.NOTICE, "lonsun")
    p.take(article)
    target = f"/public/{unit.num}/slow-{article.id}.html"
    article.links.append(Link(text="相关链接", target=target, hangs=True))
    add(
        "timeout_link",
        unit.id,
        urls.link_url(portal, article, target),
        "正文链接请求超时：只能记为疑似失效链接（待复核），不得扣分",
        page_url=urls.article_url(portal, article),
    )
    portal.hazards = hazards
    return hazards


def _fault_column(
    p: Planter, platform: str, category: str, rows: int = 4
) -> tuple[m.Unit, m.Column, list[m.Article]]:
    """A column with at least `rows` articles, none taken by a hazard or a defect yet, on a
    `platform` host that is up; taken whole, so two faults never share a list."""
    portal = p.portal
    for unit in p.units():
        host = portal.index.host[unit.host]
        if host.platform != platform or host.down:
            continue
        for column in portal.index.columns_of.get(unit.id, []):
            items = portal.index.articles_of.get(column.id, [])
            if (
                column.category == category
                and len(items) >= rows
                and column.id not in p.used_columns
                and not {a.id for a in items} & p.used_articles
            ):
                p.used_columns.add(column.id)
                return unit, column, items
    raise RuntimeError(f"no {category} column left on a {platform} host to plant a fault in")


def _fault_article(p: Planter, platform: str, category: str) -> tuple[m.Unit, m.Article]:
    """A not-newest article on page 1 of a column of its own (see `_fault_column`)."""
    unit, _column, items = _fault_column(p, platform, category)
    return unit, p.take(items[2])


def _own_host(p: Planter, unit: m.Unit, address: str | None, down: bool) -> Host:
    """Move `unit` onto a host of its own (same platform and encoding), at `address` or the
    next free loopback address; its URLs follow (they are computed from the host)."""
    portal = p.portal
    old = portal.index.host[unit.host]
    if address is None:
        last = max(int(h.address.rsplit(".", 1)[1]) for h in portal.hosts if h.address[0].isdigit())
        address = f"{old.address.rsplit('.', 1)[0]}.{last + 1}"
    number = len(portal.hosts) + 1
    host = dataclasses.replace(
        old, id=f"h{number}", address=address, down=down, site_id=6780000 + number
    )
    portal.hosts.append(host)
    unit.host = host.id
    p.used_units.add(unit.id)
    portal.reindex()
    return host


# Faults on one article page each: (kind, platform, column category, crawl issue, expected, params).
_ARTICLE_FAULTS = (
    (hz.BURST_5XX, "lonsun", m.NOTICE, None,
     "一次500后正常：重试后正常采集，不记抓取问题", {"failures": 1, "status": 500}),
    (hz.BURST_5XX, "trs", m.NOTICE, "http_error",
     "持续返回502：重试后仍失败，记为抓取问题（HTTP错误），不得判为单位问题",
     {"failures": 1000, "status": 502}),
    (hz.RETRY_AFTER_429, "trs", m.NEWS, None,
     "返回429并要求2秒后再试：应等待后重试并正常采集，不记抓取问题",
     {"failures": 1, "retry_after": 2.0}),
    (hz.RESET, "lonsun", m.NEWS, "http_error",
     "连接被重置：重试后仍失败，记为抓取问题，不得判为单位问题", {}),
    (hz.TRUNCATED, "trs", m.NOTICE, "http_error",
     "响应体不完整（Content-Length大于实际内容）：记为抓取问题，不得保存半个页面", {}),
    (hz.REDIRECT_LOOP, "lonsun", m.NOTICE, "http_error",
     "页面与?loop=1互相重定向：记为抓取问题（重定向循环）", {"hops": 0}),
    (hz.REDIRECT_LOOP, "trs", m.NEWS, "http_error",
     "无尽重定向链：超过重定向次数上限后记为抓取问题", {"hops": 1}),
    (hz.GZIP_BOMB, "lonsun", m.NEWS, "too_large",
     "gzip炸弹（约0.5MB解压为512MB）：超过大小上限，记为抓取问题（过大）", {}),
    (hz.ENDLESS_BODY, "trs", m.NOTICE, ["too_large", "timeout"],
     "分块传输的无尽响应体：超过大小上限（或先到下载超时）即放弃，记为抓取问题", {}),
    (hz.TRICKLE, "lonsun", m.NOTICE, "timeout",
     "响应体每秒一个字节（需一个多小时）：在下载超时内放弃，记为抓取问题（超时）", {}),
)  # fmt: skip


def plant_faults(p: Planter) -> list[dict]:
    """The fault matrix: one target per fault, none shared with a hazard or a defect."""
    portal = p.portal
    faults: list[dict] = []

    def add(kind: str, unit: m.Unit, url: str, issue: str | None, expected: str, **params) -> None:
        entry = {"kind": kind, "unit_id": unit.id, "url": url, "issue": issue, "expected": expected}
        if params:
            entry["params"] = params
        faults.append(entry)

    for kind, platform, category, issue, expected, params in _ARTICLE_FAULTS:
        unit, item = _fault_article(p, platform, category)
        add(kind, unit, urls.article_url(portal, item), issue, expected, **params)

    # A list's page 2 fails: what it and the pages after it list is missing that night (no
    # defect is planted there, the round cannot see it), and read by the first night after.
    unit, column, items = _fault_column(p, "trs", m.NOTICE, rows=urls.TRS_PAGE_SIZE + 1)
    for item in items:
        p.take(item)
    add(
        hz.BURST_5XX,
        unit,
        urls.list_page_url(portal, column, 1),
        "http_error",
        "栏目列表第2页持续返回504：记为抓取问题；故障消除后的下一次增量采集应补齐第2页及以后的条目",
        failures=1000,
        status=504,
    )

    # An article listed on page 2 fails: the first night after the fault clears must find it,
    # although page 1 of its list shows nothing new.
    unit, _column, items = _fault_column(p, "trs", m.NEWS, rows=urls.TRS_PAGE_SIZE + 3)
    add(
        hz.BURST_5XX,
        unit,
        urls.article_url(portal, p.take(items[urls.TRS_PAGE_SIZE + 1])),
        "http_error",
        "栏目列表第2页上的文章持续返回502：记为抓取问题；故障消除后的下一次增量采集应补采该文章",
        failures=1000,
        status=502,
    )

    # A list whose pager claims 99,999 pages: paging stops where the rows stop.
    unit, column, _items = _fault_column(p, "lonsun", m.NEWS)
    add(
        hz.PAGE_COUNT,
        unit,
        urls.list_page_url(portal, column, 0),
        "extraction_anomaly",
        "栏目分页声称99999页：翻到没有新条目的一页即停止，记为抓取问题，已列出的条目照常保存",
        count=99_999,
    )

    townships = [u for u in p.units([m.TOWNSHIP]) if not portal.index.host[u.host].down]
    gone = townships[-1]
    _own_host(p, gone, "jh-gone.zwgk-demo.invalid", down=True)
    add(
        hz.UNKNOWN_HOST,
        gone,
        urls.unit_entry(portal, gone),
        "host_unreachable",
        "站点域名无法解析（.invalid）：记为抓取问题（站点不可达），该单位未评分",
    )
    away = next(
        u for u in townships if u is not gone and portal.index.host[u.host].platform == "lonsun"
    )
    _own_host(p, away, None, down=False)
    add(
        hz.OUTAGE,
        away,
        urls.unit_entry(portal, away),
        "host_unreachable",
        "站点在第2、3晚的采集中无法连接：每晚记为抓取问题，该单位未评分，已存数据不丢失、不判为未更新",
        from_night=2,
        nights=2,
    )
    portal.hazards = [*portal.hazards, *faults]
    return faults
