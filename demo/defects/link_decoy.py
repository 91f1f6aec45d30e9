"""link_decoy: a news item linking a page of another site (another platform's host of the
city) that no longer exists — a dead link, but not on the unit's site: its owner answers for
it, and the indicator counts only the site's own links (`broken_links`, on_site_only; docs/domain.md
§3.6). Nothing may be reported."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy
from demo.model import Link


def link_decoy(p: Planter) -> list[dict]:
    candidates = p.articles(m.NEWS, m.NOTICE, where=lambda a: a.published is not None)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    own = p.portal.index.unit[a.unit_id].host
    others = [h for h in p.portal.hosts if h.id != own and not h.down]
    if not others:
        return []
    host = p.rng.choice(others)
    target = f"{host.base_url}/zwgk/old/{p.portal.new_id()}.html"
    a.links.append(Link(text="兄弟单位相关信息", target=target, broken=True))
    return [
        p.entry(
            a.unit_id,
            "link_decoy",
            target,
            f"不应判为本单位链接失效：{quoted(a)}正文中的链接指向其他网站（{host.base_url}）已删除的页面，"
            "不是本站链接",
            article_id=a.id,
            page_url=urls.article_url(p.portal, a),
            target=target,
            check="broken_links",
            decoy=True,
        )
    ]


register_decoy("link_decoy", link_decoy, "broken_links")
