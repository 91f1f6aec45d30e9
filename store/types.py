"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere. Python None is SQL
# NULL (SQLAlchemy's default would store the JSON text 'null').
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp.

    PostgreSQL keeps ``timestamptz``; SQLite keeps naive text, so values are converted to UTC
    before writing and get ``tzinfo=UTC`` back on reading. Naive input is refused: a naive
    timestamp is ambiguous and would silently shift by the local offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give timestamps with a timezone (UTC)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # China keeps no summer time


def beijing_time(at: dt.datetime | None) -> str:
    """An instant as Beijing time to the minute, "2026-12-12 03:00" ("—" when there is none)."""
    if at is None:
        return "—"
    if at.tzinfo is None:  # a UTC instant read back without its zone
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def json_evidence(evidence: Any) -> dict[str, Any] | None:
    """Evidence made JSON-safe the way the store keeps it (dates and numpy values as text/numbers)."""
    if evidence is None:
        return None
    return json.loads(json.dumps(evidence, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)
