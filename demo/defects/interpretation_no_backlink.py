"""interpretation_no_backlink: an interpretation does not link to the document it interprets
(解读与文件未双向关联)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def interpretation_no_backlink(p: Planter) -> list[dict]:
    candidates = p.articles(m.INTERPRETATION, where=lambda a: len(a.interprets) == 1)
    if not candidates:
        return []
    interp = p.take(p.rng.choice(candidates))
    interp.links_back = False
    doc = p.portal.index.article[interp.interprets[0]]
    return [
        p.entry(
            interp.unit_id,
            "interpretation_no_backlink",
            urls.article_url(p.portal, interp),
            f"政策解读{quoted(interp)}未链接所解读的文件{quoted(doc)}（未双向关联）",
            article_id=interp.id,
            document_id=doc.id,
        )
    ]


def link_back(change: Change, entry: dict) -> None:
    change.article(entry).links_back = True


def unlink_again(change: Change, entry: dict) -> None:
    change.article(entry).links_back = False


register(
    Kind(
        "interpretation_no_backlink",
        interpretation_no_backlink,
        0.05,
        fix=link_back,
        regress=unlink_again,
        between_crawls=True,
    )
)
