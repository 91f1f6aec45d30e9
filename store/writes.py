"""Batched, idempotent writes: ``INSERT … ON CONFLICT`` for SQLite and PostgreSQL.

Every function here takes an open connection inside a transaction; the caller (`Store` or
`BatchWriter`) owns the transaction, so a batch is committed whole or not at all. Nothing here
deletes a row: re-running a batch gives the same state. A value overwritten in place keeps its
earlier value for reads as of an earlier run (`store.states.close`, before the overwrite).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, case, func, select, update

from store import models, states
from store.rows import CONTENT_FIELDS, last_by
from store.text import inert_json, inert_url
from store.types import utcnow

ARTICLES: Table = models.Article.__table__  # type: ignore[assignment]
HISTORY: Table = models.ArticleHistory.__table__  # type: ignore[assignment]
PAGES: Table = models.ArticlePage.__table__  # type: ignore[assignment]
COLUMNS: Table = models.DisclosureColumn.__table__  # type: ignore[assignment]
UNITS: Table = models.Unit.__table__  # type: ignore[assignment]
LISTINGS: Table = models.Listing.__table__  # type: ignore[assignment]
LINKS: Table = models.Link.__table__  # type: ignore[assignment]
LINK_CHECKS: Table = models.LinkCheck.__table__  # type: ignore[assignment]
ISSUES: Table = models.CrawlIssue.__table__  # type: ignore[assignment]

# Bound parameters per statement stay far below SQLite's limit (32,766) and PostgreSQL's.
CHUNK = 500
# Content columns of a version, copied to article_history when a version is superseded.
# (Its page stays in article_pages, keyed by the run that fetched it.)
VERSION_COLUMNS = (*CONTENT_FIELDS, "content_hash", "fetched_at")


def insert_for(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update``."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - open_store refuses other dialects first
        raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {name}")
    return insert(table)


_STATEMENTS: dict[tuple[str, Callable[..., Any]], Any] = {}


def cached(conn: Connection, table: Table, build: Callable[[Any], Any]) -> Any:
    """``build(insert_for(conn, table))``, built once per dialect: hot statements are reused
    instead of being rebuilt (and re-keyed for SQLAlchemy's compile cache) every batch."""
    key = (conn.dialect.name, build)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build(insert_for(conn, table))
    return stmt


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_units(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    allowed = {"id", "name", "level", "parent", "profile", "entry_url", "overrides"}
    clean = []
    for row in rows:
        unknown = set(row) - allowed
        missing = {"id", "name", "level", "profile", "entry_url"} - {k for k in row if row[k]}
        if unknown or missing:
            raise ValueError(
                f"unit {row.get('id')!r}: unknown {sorted(unknown)}, missing {sorted(missing)}"
            )
        clean.append(
            {k: inert_json(row.get(k)) for k in allowed - {"entry_url"}}
            | {"entry_url": inert_url(row["entry_url"]), "updated_at": utcnow()}
        )
    if not clean:
        return
    stmt = insert_for(conn, UNITS)
    stmt = stmt.on_conflict_do_update(
        index_elements=[UNITS.c.id],
        set_={k: stmt.excluded[k] for k in (*(allowed - {"id"}), "updated_at")},
    )
    conn.execute(stmt, last_by(clean, "id"))


def upsert_columns(
    conn: Connection, run_id: int, rows: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    allowed = {"unit_id", "url", "name", "category", "parent_url", "path", "extra"}
    clean, parents = [], {}
    for row in rows:
        unknown = set(row) - allowed
        if unknown or not row.get("unit_id") or not row.get("url") or not row.get("name"):
            raise ValueError(
                f"column {row.get('url')!r}: unit_id, url and name are required; "
                f"unknown fields {sorted(unknown)}"
            )
        clean.append(
            {k: inert_json(row.get(k)) for k in allowed - {"parent_url", "url"}}
            | {"url": inert_url(row["url"]), "first_seen_run": run_id, "last_seen_run": run_id}
        )
        parents[(row["unit_id"], inert_url(row["url"]))] = inert_url(row.get("parent_url"))
    clean = last_by(clean, "unit_id", "url")
    urls = [r["url"] for r in clean]
    if len(set(urls)) != len(urls):
        raise ValueError("upsert_columns: one URL under two units in one call; pass one unit")
    if not clean:
        return {}
    for unit_id in {r["unit_id"] for r in clean}:
        for part in chunks([r["url"] for r in clean if r["unit_id"] == unit_id]):
            where = (COLUMNS.c.unit_id == unit_id) & COLUMNS.c.url.in_(part)
            states.close(conn, states.COLUMN, where, run_id)
    stmt = insert_for(conn, COLUMNS)
    stmt = stmt.on_conflict_do_update(
        index_elements=[COLUMNS.c.unit_id, COLUMNS.c.url],
        set_={k: stmt.excluded[k] for k in ("name", "category", "path", "extra", "last_seen_run")},
    )
    conn.execute(stmt, clean)
    ids: dict[tuple[str, str], int] = {}
    for unit_id in {r["unit_id"] for r in clean}:
        unit_urls = [r["url"] for r in clean if r["unit_id"] == unit_id]
        for part in chunks(unit_urls):
            q = select(COLUMNS.c.id, COLUMNS.c.url).where(
                COLUMNS.c.unit_id == unit_id, COLUMNS.c.url.in_(part)
            )
            ids.update({(unit_id, url): id_ for id_, url in conn.execute(q)})
    # Parents may come in the same batch as their children, so they are linked afterwards.
    links = []
    for (unit_id, url), parent_url in parents.items():
        if parent_url:
            parent_id = ids.get((unit_id, parent_url)) or conn.scalar(
                select(COLUMNS.c.id).where(
                    COLUMNS.c.unit_id == unit_id, COLUMNS.c.url == parent_url
                )
            )
            if parent_id is None:
                raise ValueError(f"column {url!r}: parent {parent_url!r} is not stored")
            links.append({"b_id": ids[(unit_id, url)], "b_parent": parent_id})
    if links:
        conn.execute(
            update(COLUMNS)
            .where(COLUMNS.c.id == bindparam("b_id"))
            .values(parent_id=bindparam("b_parent")),
            links,
        )
    return {url: id_ for (_, url), id_ in ids.items()}


def set_column_counts(conn: Connection, run_id: int, counts: Mapping[int, int]) -> None:
    if not counts:
        return
    for part in chunks(list(counts)):
        states.close(conn, states.COLUMN, COLUMNS.c.id.in_(part), run_id)
    stmt = (
        update(COLUMNS)
        .where(COLUMNS.c.id == bindparam("b_id"))
        .values(
            last_row_count=bindparam("b_n"),
            last_listed_run=run_id,
            last_nonempty_run=case(
                (bindparam("b_n") > 0, run_id), else_=COLUMNS.c.last_nonempty_run
            ),
        )
    )
    conn.execute(stmt, [{"b_id": k, "b_n": int(v)} for k, v in counts.items()])


def _ids_by_url(conn: Connection, urls: Sequence[str]) -> dict[str, tuple[int, str, int]]:
    """url → (id, content_hash, version_run) of stored articles."""
    found: dict[str, tuple[int, str, int]] = {}
    for part in chunks(urls):
        q = select(
            ARTICLES.c.url, ARTICLES.c.id, ARTICLES.c.content_hash, ARTICLES.c.version_run
        ).where(ARTICLES.c.url.in_(part))
        found.update({url: (id_, h, v) for url, id_, h, v in conn.execute(q)})
    return found


def _article_upsert(stmt: Any) -> Any:
    ex, same = stmt.excluded, ARTICLES.c.content_hash == stmt.excluded.content_hash
    keep = {k: case((same, ARTICLES.c[k]), else_=ex[k]) for k in (*CONTENT_FIELDS, "version_run")}
    # The same hash means the same extra but for its provenance (store.rows.PROVENANCE_KEYS),
    # which is the latest reading's: the stored sources say how the stored values were read now.
    keep["extra"] = ex.extra
    # No RETURNING: with it SQLAlchemy switches to multi-row VALUES ("insertmanyvalues"),
    # which measured 3× slower on PostgreSQL than psycopg's pipelined executemany.
    return stmt.on_conflict_do_update(
        index_elements=[ARTICLES.c.url],
        set_=keep
        | {
            "content_hash": ex.content_hash,
            "last_seen_run": ex.last_seen_run,
            "fetched_at": ex.fetched_at,
            "etag": ex.etag,
            "last_modified": ex.last_modified,
            "listed_date": func.coalesce(ex.listed_date, ARTICLES.c.listed_date),
            # An article keeps the column it was first found in; `listings` has all of them.
            "column_id": func.coalesce(ARTICLES.c.column_id, ex.column_id),
        },
    )


def write_articles(conn: Connection, run_id: int, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Upsert normalised article rows; returns counts of new, changed and unchanged articles."""
    rows = last_by(rows, "url")
    if not rows:
        return {"new": 0, "changed": 0, "unchanged": 0}
    known = _ids_by_url(conn, [r["url"] for r in rows])
    changed = [
        known[r["url"]][0]
        for r in rows
        if r["url"] in known and known[r["url"]][1] != r["content_hash"]
    ]
    for part in chunks([v[0] for v in known.values()]):
        states.close(conn, states.ARTICLE, ARTICLES.c.id.in_(part), run_id)
    # Keep the superseded version, valid from the run that fetched it until this one.
    # (A second change within the same run has an empty interval and is not kept.)
    for part in chunks(changed):
        src = select(
            ARTICLES.c.id,
            ARTICLES.c.version_run,
            bindparam("to_run", run_id),
            *(ARTICLES.c[k] for k in VERSION_COLUMNS),
        ).where(ARTICLES.c.id.in_(part), ARTICLES.c.version_run < run_id)
        conn.execute(
            HISTORY.insert().from_select(
                ["article_id", "valid_from_run", "valid_to_run", *VERSION_COLUMNS], src
            )
        )
    params = [
        {k: v for k, v in r.items() if k not in ("links", "html_gz")}
        | {"first_seen_run": run_id, "last_seen_run": run_id, "version_run": run_id}
        for r in rows
    ]
    conn.execute(cached(conn, ARTICLES, _article_upsert), params)
    wanted = [
        r["url"]
        for r in rows
        if r["url"] not in known and ("links" in r or r.get("html_gz") is not None)
    ]
    ids = {url: v[0] for url, v in known.items()} | article_ids(conn, wanted)
    write_pages(conn, run_id, rows, known, ids)
    with_links = [r for r in rows if "links" in r]
    if with_links:
        replace_links(conn, run_id, {ids[r["url"]]: r["links"] for r in with_links})
    n_new = sum(1 for r in rows if r["url"] not in known)
    return {"new": n_new, "changed": len(changed), "unchanged": len(rows) - n_new - len(changed)}


def _page_keep(stmt: Any) -> Any:
    return stmt.on_conflict_do_nothing(index_elements=[PAGES.c.article_id, PAGES.c.version_run])


def _page_replace(stmt: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=[PAGES.c.article_id, PAGES.c.version_run],
        set_={"html_gz": stmt.excluded.html_gz},
    )


def write_pages(
    conn: Connection,
    run_id: int,
    rows: Sequence[dict[str, Any]],
    known: Mapping[str, tuple[int, str, int]],
    ids: Mapping[str, int],
) -> None:
    """Store the page bytes of the articles just upserted under their current version.

    An unchanged re-fetch keeps the stored page of its version (and stores this one if there
    was none); a new version's page is this one — or none, when the row brought no page.
    """
    keep, replace, drop = [], [], []
    for r in rows:
        old = known.get(r["url"])
        same = old is not None and old[1] == r["content_hash"]
        page = r.get("html_gz")
        if same and page is not None:
            keep.append({"article_id": old[0], "version_run": old[2], "html_gz": page})
        elif not same and page is not None:
            replace.append({"article_id": ids[r["url"]], "version_run": run_id, "html_gz": page})
        elif not same and old is not None and old[2] == run_id:
            drop.append(old[0])  # a second version within this run, without a page
    if keep:
        conn.execute(cached(conn, PAGES, _page_keep), keep)
    if replace:
        conn.execute(cached(conn, PAGES, _page_replace), replace)
    for part in chunks(drop):
        conn.execute(
            PAGES.delete().where(PAGES.c.article_id.in_(part), PAGES.c.version_run == run_id)
        )


def _link_upsert(stmt: Any) -> Any:
    ex = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[LINKS.c.article_id, LINKS.c.url, LINKS.c.kind],
        set_={k: ex[k] for k in ("text", "type", "on_site", "position", "last_seen_run")}
        | {"removed_run": None},
    )


def replace_links(
    conn: Connection, run_id: int, by_article: Mapping[int, Sequence[dict[str, Any]]]
) -> None:
    """Make each article's current link set the given one; dropped links get ``removed_run``.

    Every live link of these articles is first marked removed, then the given ones are upserted
    live again; inside the batch's transaction nobody sees the intermediate state.
    """
    states.close_links(conn, run_id, by_article)
    for part in chunks(list(by_article)):
        conn.execute(
            update(LINKS)
            .where(LINKS.c.article_id.in_(part), LINKS.c.removed_run.is_(None))
            .values(removed_run=run_id)
        )
    params = [
        link
        | {
            "article_id": article_id,
            "first_seen_run": run_id,
            "last_seen_run": run_id,
            "removed_run": None,
        }
        for article_id, links in by_article.items()
        for link in links
    ]
    if params:
        conn.execute(cached(conn, LINKS, _link_upsert), params)


def article_ids(conn: Connection, urls: Sequence[str]) -> dict[str, int]:
    return {url: v[0] for url, v in _ids_by_url(conn, urls).items()}


def touch_articles(conn: Connection, run_id: int, urls: Sequence[str]) -> int:
    n = 0
    for part in chunks(list(dict.fromkeys(urls))):
        res = conn.execute(
            update(ARTICLES)
            .where(ARTICLES.c.url.in_(part), ARTICLES.c.last_seen_run < run_id)
            .values(last_seen_run=run_id)
        )
        n += res.rowcount or 0
    return n


def _listing_upsert(stmt: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=[LISTINGS.c.column_id, LISTINGS.c.url],
        set_={
            k: stmt.excluded[k]
            for k in ("title", "listed_date", "page", "position", "last_seen_run")
        },
    )


def write_listings(conn: Connection, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
    rows = last_by(rows, "column_id", "url")
    if not rows:
        return
    states.close_listings(conn, run_id, rows)
    params = [r | {"first_seen_run": run_id, "last_seen_run": run_id} for r in rows]
    conn.execute(cached(conn, LISTINGS, _listing_upsert), params)


def write_link_checks(conn: Connection, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
    rows = last_by(rows, "url")
    if not rows:
        return
    stmt = insert_for(conn, LINK_CHECKS)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LINK_CHECKS.c.run_id, LINK_CHECKS.c.url],
        set_={
            k: stmt.excluded[k]
            for k in ("checked_at", "status_code", "outcome", "reason", "attempts")
        },
    )
    conn.execute(stmt, [r | {"run_id": run_id} for r in rows])


def write_crawl_issues(conn: Connection, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["kind"], row["host"], row["url"])
        if key in merged:
            prev = merged[key]
            row = row | {"first_at": prev["first_at"], "count": prev["count"] + row["count"]}
            row["unit_id"] = row["unit_id"] or prev["unit_id"]
        merged[key] = row
    if not merged:
        return
    stmt = insert_for(conn, ISSUES)
    ex = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[ISSUES.c.run_id, ISSUES.c.kind, ISSUES.c.host, ISSUES.c.url],
        set_={
            "count": ISSUES.c.count + ex.count,
            "last_at": ex.last_at,
            "detail": ex.detail,
            "unit_id": func.coalesce(ex.unit_id, ISSUES.c.unit_id),
        },
    )
    conn.execute(stmt, [r | {"run_id": run_id} for r in merged.values()])
