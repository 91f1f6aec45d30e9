"""Text already stored made inert (`store.text.inert`): control characters, lone surrogates,
bidi overrides and the like removed from crawled and answered text, as every write now does.

Stores written before 0005 could hold a crawled title with a terminal escape or a NUL, which
made `zwgk report round` fail (openpyxl refuses it) and reached the evaluator's terminal. Only
rows holding such a character are rewritten; nothing else changes. There is no way back: the
removed characters carried nothing a reader could see, so downgrade leaves the text as it is.

An article cleaned here keeps its stored content_hash (computed over the text as it was), so the
next crawl that fetches it records one new version with the same visible text; nothing is lost.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.text import inert, inert_json, inert_url, is_inert

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT = (
    "title",
    "index_no",
    "publisher",
    "doc_no",
    "validity",
    "subject",
    "keywords",
    "body_text",
)
# table: (key columns, text columns, JSON columns, URL columns). URLs that are part of a unique
# key (articles, listings, links, link checks, crawl issues) are left as stored: rewriting one
# could collide with a row already holding the cleaned address. Crawled URLs reach the store
# through Scrapy, which percent-encodes control characters; the problems' target_url is the one
# URL reports print.
TEXT_COLUMNS = {
    "units": (("id",), ("name",), ("overrides",), ()),
    "columns": (("id",), ("name", "path"), ("extra",), ()),
    "articles": (("id",), CONTENT, ("extra",), ()),
    "article_history": (("id",), CONTENT, ("extra",), ()),
    "listings": (("id",), ("title",), (), ()),
    "links": (("id",), ("text", "type"), (), ()),
    "link_checks": (("id",), ("reason",), (), ()),
    "crawl_issues": (("id",), ("detail",), (), ()),
    "round_totals": (("round", "unit_id"), ("name",), (), ()),
    "problems": (
        ("round", "fingerprint"),
        ("subject", "suggestion"),
        ("evidence",),
        ("target_url",),
    ),
    "decisions": (("id",), ("reason", "by"), (), ()),
    "responses": (("id",), ("note", "source"), (), ()),
}
BATCH = 2000


def _clean(conn: sa.Connection, table: str, keys, texts, jsons, urls) -> None:
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    order = [t.c[k] for k in keys]
    wanted = (t.c[c] for c in (*texts, *jsons, *urls))
    query = sa.select(*order, *wanted).order_by(*order).limit(BATCH)
    offset, last = 0, None
    while True:
        if keys == ("id",):  # keyset paging: the article tables hold a million rows
            page = query.where(t.c.id > last) if last is not None else query
        else:
            page = query.offset(offset)
        rows = conn.execute(page).all()
        if not rows:
            return
        offset, last = offset + len(rows), rows[-1][0]
        for row in rows:
            values = row._mapping
            changes = {
                c: inert(values[c])
                for c in texts
                if isinstance(values[c], str) and not is_inert(values[c])
            }
            for c in urls:
                if isinstance(values[c], str) and inert_url(values[c]) != values[c]:
                    changes[c] = inert_url(values[c])
            for c in jsons:
                value = values[c]
                data = json.loads(value) if isinstance(value, str) else value
                cleaned = inert_json(data)
                if cleaned != data:
                    plain = isinstance(t.c[c].type, sa.String | sa.Text)
                    changes[c] = json.dumps(cleaned, ensure_ascii=False) if plain else cleaned
            if changes:
                where = sa.and_(*(t.c[k] == values[k] for k in keys))
                conn.execute(sa.update(t).where(where).values(**changes))


def upgrade() -> None:
    conn = op.get_bind()
    present = set(sa.inspect(conn).get_table_names())
    for table, (keys, texts, jsons, urls) in TEXT_COLUMNS.items():
        if table in present:
            _clean(conn, table, keys, texts, jsons, urls)


def downgrade() -> None:
    pass
