"""The items the spider yields: plain dicts with a `type`, one builder each.

The store pipeline (`crawler.pipelines`) routes them by `type`; keeping the shapes here means the
spider reads as a list of decisions and the pipeline as a list of writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.extract import ArticleData, ColumnLink, ListingRow
    from crawler.registry import UnitEntry


def units(entries: Iterable[UnitEntry]) -> dict[str, Any]:
    return {
        "type": "units",
        "rows": [
            {
                "id": u.id,
                "name": u.name,
                "level": u.level,
                "parent": u.parent,
                "profile": u.profile,
                "entry_url": u.entry,
                "overrides": u.overrides.model_dump(exclude_none=True, exclude_defaults=True),
            }
            for u in entries
        ],
    }


def column(unit_id: str, link: ColumnLink, category: str | None) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "url": link.url,
        "name": link.name,
        "category": category,
        "path": "/".join((*link.path, link.name)),
        "extra": {"section": link.section} if link.section else None,
    }


def columns(unit_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "columns", "unit_id": unit_id, "rows": rows}


def listing(
    unit_id: str, column_url: str, row: ListingRow, page: int, position: int
) -> dict[str, Any]:
    return {
        "type": "listing",
        "unit_id": unit_id,
        "column_url": column_url,
        "url": row.url,
        "title": row.title,
        "listed_date": row.date,
        "page": page,
        "position": position,
    }


def column_empty(
    unit_id: str,
    column_url: str,
    page_url: str,
    page_count: int | None = None,
    article_links: list[str] | None = None,
) -> dict[str, Any]:
    """A column whose first list page had no rows: blank, or an extraction anomaly when the page
    claims more pages, links to articles, or the column had rows before (the pipeline decides,
    comparing with the store)."""
    return {
        "type": "column_empty",
        "unit_id": unit_id,
        "column_url": column_url,
        "url": page_url,
        "page_count": page_count,
        "article_links": list(article_links or ()),
    }


def touch(url: str) -> dict[str, Any]:
    return {"type": "touch", "url": url}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def article(
    unit_id: str,
    column_url: str,
    listed_date: str | None,
    data: ArticleData,
    response: Response,
    links: list[dict[str, Any]],
) -> dict[str, Any]:
    """`links` is `links_of(data, response.url)`, computed once by the caller, which also checks them."""
    headers = response.headers
    return {
        "type": "article",
        "column_url": column_url,
        "row": {
            "url": response.url,
            "unit_id": unit_id,
            "listed_date": listed_date,
            "title": data.title,
            "index_no": data.index_no,
            "publisher": data.publisher,
            "doc_no": data.doc_no,
            "written_date": data.written_date,
            "publish_date": data.publish_date,
            "validity": data.validity,
            "subject": data.subject,
            "keywords": data.keywords,
            "body_text": data.body_text,
            "date_source": data.date_source,
            "repealed": data.repealed,
            "extra": {
                "source": data.source,
                "category": data.category,
                "body_doc_no": data.body_doc_no,
                "effective_date": _date(data.effective_date),
                "expiry_date": _date(data.expiry_date),
                "metadata": data.metadata,
                "related": [{"url": r.url, "text": r.text, "kind": r.kind} for r in data.related],
                # field → RULE[:DETAIL]@PROFILE (crawler.extract.sources); not content: left
                # out of the content hash (store.rows.content_hash).
                "sources": data.source_codes(),
            },
            "etag": (headers.get("ETag") or b"").decode("latin-1") or None,
            "last_modified": (headers.get("Last-Modified") or b"").decode("latin-1") or None,
            "html": response.body,
            "links": links,
        },
    }


def links_of(data: ArticleData, page_url: str) -> list[dict[str, Any]]:
    """Attachments, in-body links and 相关解读 links of an article, for storage and checking."""
    host = urlsplit(page_url).hostname
    out: list[dict[str, Any]] = []
    for kind, found in (
        ("attachment", data.attachments),
        ("body", data.body_links),
        ("related", data.related),
    ):
        for link in found:
            if not link.url.startswith(("http://", "https://")):
                continue
            out.append(
                {
                    "url": link.url,
                    "kind": kind,
                    "text": link.text,
                    "type": getattr(link, "type", None),
                    "on_site": urlsplit(link.url).hostname == host,
                }
            )
    return out


def link_check(
    url: str, outcome: str, status: int | None, reason: str, attempts: int
) -> dict[str, Any]:
    return {
        "type": "link_check",
        "row": {
            "url": url,
            "outcome": outcome,
            "status_code": status,
            "reason": reason,
            "attempts": attempts,
        },
    }


def crawl_issue(kind: str, unit_id: str | None, url: str, detail: str) -> dict[str, Any]:
    return {
        "type": "crawl_issue",
        "row": {
            "kind": kind,
            "unit_id": unit_id,
            "host": urlsplit(url).netloc,
            "url": url,
            "detail": detail,
        },
    }
