"""Operational hazards planted in the sample portal: things that go wrong with *sites*, not with
a unit's disclosure work. A correct evaluator reports none of them as a unit's problem; a correct
crawler retries, waits, or records a crawl issue.

The server (`demo.server`, `demo.hazards`) acts them out from `portal.hazards`; this module only
chooses their targets and records them, and tells the defect planters to keep away from them.
"""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects import Planter
from demo.model import Link


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
