"""Which of a checklist's problems have a picture of their page on the portal (网页快照), and
the address of that picture: the HTML checklist links 失分原因 there when the portal's address
is configured (`portal.public_url`; docs/config.md), and writes no link when it is not.

A problem has one when its page is kept in the store (`article_pages`: articles only — not
column pages, lists or attachments). The picture itself is the portal's (`portal.snapshot`),
drawn when first opened; the link asks the reader to sign in, and each reader sees only what
the portal lets them (a unit its own problems).
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import quote

from sqlalchemy import exists, select

from common.config_file import configured_value
from store import Store, models
from store.rounds import PROBLEMS

ARTICLES = models.Article.__table__
PAGES = models.ArticlePage.__table__


def stored_pages(store: Store, round_id: str, unit_ids: Collection[str]) -> frozenset[str]:
    """Fingerprints of round ``round_id``'s problems of ``unit_ids`` whose page is kept."""
    p, a, pg = PROBLEMS.c, ARTICLES.c, PAGES.c
    stmt = (
        select(p.fingerprint)
        .join(ARTICLES, a.url == p.target_url)
        .where(p.round == round_id, p.unit_id.in_(list(unit_ids)))
        .where(exists(select(pg.article_id).where(pg.article_id == a.id)))
    )
    with store.reader.connect() as conn:
        return frozenset(conn.scalars(stmt))


def snapshot_link(round_id: str, fingerprint: str) -> str | None:
    """The portal's address of the problem's picture; None when the portal's address is not
    configured."""
    base = configured_value("portal.public_url")
    if not base:
        return None
    return (
        f"{str(base).rstrip('/')}/snapshot/{quote(round_id, safe='')}/{quote(fingerprint, safe='')}"
    )
