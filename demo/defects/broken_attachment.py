"""broken_attachment: an attachment that answers 404."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def broken_attachment(p: Planter) -> list[dict]:
    candidates = p.articles(m.POLICY, m.NORMATIVE, m.NOTICE, where=lambda a: bool(a.attachments))
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    f = a.attachments[0]
    f.broken = True
    url = urls.attachment_url(p.portal, a, f)
    page = urls.article_url(p.portal, a)
    # The target is the page to edit (a unit opening the dead address sees only a 404).
    return [
        p.entry(
            a.unit_id,
            "broken_attachment",
            page,
            f"{quoted(a)}的附件「{f.name}」无法打开（404）",
            article_id=a.id,
            file_id=f.file_id,
            page_url=page,
            link_url=url,
        )
    ]


def _mark(change: Change, entry: dict, broken: bool) -> None:
    for f in change.article(entry).attachments:
        if f.file_id == entry["details"]["file_id"]:
            f.broken = broken


def repair(change: Change, entry: dict) -> None:
    _mark(change, entry, broken=False)


def break_again(change: Change, entry: dict) -> None:
    _mark(change, entry, broken=True)


register(
    Kind(
        "broken_attachment",
        broken_attachment,
        0.06,
        fix=repair,
        regress=break_again,
        between_crawls=True,
    )
)
