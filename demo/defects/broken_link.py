"""broken_link: a link in an article's body to a page that does not exist (404)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register
from demo.model import Link


def broken_link(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, m.NEWS)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    ghost = p.portal.new_id()  # an id no article has: the page does not exist
    target = urls.missing_article_path(p.portal, a, ghost)
    a.links.append(Link(text="相关文件", target=target, broken=True))
    url = urls.link_url(p.portal, a, target)
    page = urls.article_url(p.portal, a)
    # The target is the page to edit (a unit opening the dead address sees only a 404).
    return [
        p.entry(
            a.unit_id,
            "broken_link",
            page,
            f"{quoted(a)}正文中的链接「相关文件」指向的页面不存在（404）",
            article_id=a.id,
            page_url=page,
            link_url=url,
            target=target,
        )
    ]


def remove_link(change: Change, entry: dict) -> None:
    a = change.article(entry)
    a.links = [link for link in a.links if link.target != entry["details"]["target"]]


def link_again(change: Change, entry: dict) -> None:
    change.article(entry).links.append(
        Link(text="相关文件", target=entry["details"]["target"], broken=True)
    )


register(
    Kind(
        "broken_link",
        broken_link,
        0.06,
        fix=remove_link,
        regress=link_again,
        between_crawls=True,
    )
)
