"""Normalising the rows the crawler hands over: known keys only, ISO dates, gzip'd pages.

Bad input fails here, before any SQL, with the article URL and field in the message.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from common.vocabulary import ARTICLE_FIELDS
from store.models import LINK_KINDS, LINK_OUTCOMES
from store.text import inert, inert_json, inert_url
from store.types import utcnow

# Fields extraction reads from an article page (one version of it).
CONTENT_FIELDS = (
    *ARTICLE_FIELDS,
    "body_text",
    "date_source",
    "repealed",
    "extra",
)
# Keys of `extra` that say how extraction read the page, not what the page says (which rule
# read each field: crawler.extract.sources). They are left out of the content hash, so a
# profile change that reads the same values another way is no new version of the article.
PROVENANCE_KEYS = ("sources",)
DATE_FIELDS = frozenset({"written_date", "publish_date", "listed_date"})
ARTICLE_KEYS = frozenset(
    {"url", "unit_id", "column_id", "listed_date", "etag", "last_modified", "fetched_at"}
    | set(CONTENT_FIELDS)
    | {"content_hash", "html", "html_gz", "links"}
)
LINK_KEYS = frozenset({"url", "kind", "text", "type", "on_site", "position"})
# Crawl-health kinds the crawler reports (others are accepted if they are snake_case).
CRAWL_ISSUE_KINDS = (
    "host_unreachable",
    "anti_bot",
    "robots_blocked",
    "extraction_anomaly",
    "http_error",
    "timeout",
    "too_large",
)
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# On the saved real pages level 3 runs ~100 MB/s at ratio 3.8, level 6 (zlib's default)
# ~55 MB/s at 4.0: the few percent of space are not worth doubling the crawl's CPU for it.
GZIP_LEVEL = 3


def _check_keys(row: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(row) - allowed
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def to_date(value: Any, *, what: str, field: str) -> dt.date | None:
    """A date from a date, datetime or ISO string ('2024-05-01', '2024-05-01T08:00')."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ValueError(f"{what}: field {field}: not an ISO date: {value!r}")


def to_utc(value: Any, *, what: str, field: str) -> dt.datetime:
    """A timezone-aware timestamp (now when missing); a naive one is refused as ambiguous."""
    if value is None:
        return utcnow()
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"{what}: field {field}: need a timezone-aware datetime, got {value!r}")
    return value


def to_bool(value: Any, *, what: str, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{what}: field {field}: not a boolean: {value!r}")


def gzip_page(html: bytes | str) -> bytes:
    """Compress a page for storage; ``str`` is encoded as UTF-8 (pass bytes to keep GBK as is)."""
    data = html.encode("utf-8") if isinstance(html, str) else html
    # mtime=0: the same page always compresses to the same bytes.
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def same_site(url: str, page_url: str) -> bool:
    """Whether ``url`` is on the same host as ``page_url`` (relative URLs are)."""
    host = urlsplit(url).hostname
    return host is None or host == urlsplit(page_url).hostname


def normalise_links(article_url: str, links: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Link rows with every key set; duplicates (same url and kind) keep the last."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for i, link in enumerate(links):
        what = f"link {i} of article {article_url}"
        _check_keys(link, LINK_KEYS, what)
        url, kind = link.get("url"), link.get("kind")
        if not url:
            raise ValueError(f"{what}: url is required")
        if kind not in LINK_KINDS:
            raise ValueError(f"{what}: kind must be one of {LINK_KINDS}, got {kind!r}")
        on_site = link.get("on_site")
        url = inert_url(url)
        out[(url, kind)] = {
            "url": url,
            "kind": kind,
            "text": inert(link.get("text")),
            "type": inert(link.get("type")),
            "on_site": same_site(url, article_url) if on_site is None else bool(on_site),
            "position": link.get("position", i),
        }
    return list(out.values())


def content_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over an article's extracted content (and its links when given).

    Fetch metadata (ETag, fetch time, list date) and provenance (`PROVENANCE_KEYS` of extra)
    are left out, so a re-fetch of an unchanged page hashes the same and the stored version is
    kept (as it hashed before provenance was recorded).
    """
    doc: dict[str, Any] = {}
    for key in CONTENT_FIELDS:
        value = row.get(key)
        doc[key] = value.isoformat() if isinstance(value, dt.date) else value
    extra = doc.get("extra")
    if isinstance(extra, dict) and any(k in extra for k in PROVENANCE_KEYS):
        doc["extra"] = {k: v for k, v in extra.items() if k not in PROVENANCE_KEYS}
    links = row.get("links")
    if links is not None:
        doc["links"] = sorted(
            [link.get("kind"), link.get("url"), link.get("text"), link.get("type")]
            for link in links
        )
    blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def normalise_article(row: Mapping[str, Any]) -> dict[str, Any]:
    """An article row ready for `articles` (plus ``links`` when given, normalised)."""
    url = inert_url(row.get("url"))
    what = f"article {url!r}"
    if not url:
        raise ValueError(f"article row without url: {dict(row)!r:.200}")
    _check_keys(row, ARTICLE_KEYS, what)
    if not row.get("unit_id"):
        raise ValueError(f"{what}: unit_id is required")
    out: dict[str, Any] = {
        "url": url,
        "unit_id": row["unit_id"],
        "column_id": row.get("column_id"),
        "etag": row.get("etag"),
        "last_modified": row.get("last_modified"),
        "fetched_at": to_utc(row.get("fetched_at"), what=what, field="fetched_at"),
    }
    for key in CONTENT_FIELDS:
        out[key] = inert(row.get(key))
    out["extra"] = inert_json(row.get("extra"))
    for key in DATE_FIELDS:
        out[key] = to_date(row.get(key), what=what, field=key)
    out["repealed"] = to_bool(row.get("repealed"), what=what, field="repealed")
    if row.get("links") is not None:
        out["links"] = normalise_links(url, row["links"])
    out["content_hash"] = row.get("content_hash") or content_hash(out)
    if row.get("html_gz") is not None:
        out["html_gz"] = row["html_gz"]
    elif row.get("html") is not None:
        out["html_gz"] = gzip_page(row["html"])
    else:
        out["html_gz"] = None
    return out


def last_by(rows: Iterable[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows deduplicated on ``keys``, the last one winning (one upsert per target row)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        out[tuple(row[k] for k in keys)] = row
    return list(out.values())


def normalise_listing(row: Mapping[str, Any]) -> dict[str, Any]:
    allowed = frozenset({"column_id", "url", "title", "listed_date", "page", "position"})
    what = f"listing {row.get('url')!r} in column {row.get('column_id')!r}"
    _check_keys(row, allowed, what)
    if not row.get("url") or row.get("column_id") is None:
        raise ValueError(f"{what}: column_id and url are required")
    return {
        "column_id": row["column_id"],
        "url": inert_url(row["url"]),
        "title": inert(row.get("title")),
        "listed_date": to_date(row.get("listed_date"), what=what, field="listed_date"),
        "page": row.get("page"),
        "position": row.get("position"),
    }


def normalise_link_check(row: Mapping[str, Any]) -> dict[str, Any]:
    allowed = frozenset({"url", "outcome", "status_code", "reason", "checked_at", "attempts"})
    what = f"link check of {row.get('url')!r}"
    _check_keys(row, allowed, what)
    if not row.get("url"):
        raise ValueError(f"{what}: url is required")
    if row.get("outcome") not in LINK_OUTCOMES:
        raise ValueError(
            f"{what}: outcome must be one of {LINK_OUTCOMES}, got {row.get('outcome')!r}"
        )
    return {
        "url": inert_url(row["url"]),
        "outcome": row["outcome"],
        "status_code": row.get("status_code"),
        "reason": inert(row.get("reason")),
        "checked_at": to_utc(row.get("checked_at"), what=what, field="checked_at"),
        "attempts": row.get("attempts") or 1,
    }


def normalise_crawl_issue(row: Mapping[str, Any]) -> dict[str, Any]:
    allowed = frozenset({"kind", "unit_id", "host", "url", "detail", "at"})
    what = f"crawl issue {row.get('kind')!r} at {row.get('url') or row.get('host')!r}"
    _check_keys(row, allowed, what)
    kind = row.get("kind")
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise ValueError(f"{what}: kind must be snake_case, e.g. one of {CRAWL_ISSUE_KINDS}")
    url = inert_url(row.get("url") or "")
    host = inert(row.get("host")) or (urlsplit(url).netloc if url else "")
    at = to_utc(row.get("at"), what=what, field="at")
    return {
        "kind": kind,
        "unit_id": row.get("unit_id"),
        "host": host,
        "url": url,
        "detail": inert(row.get("detail")),
        "first_at": at,
        "last_at": at,
        "count": 1,
    }
