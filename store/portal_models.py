"""Tables of the web portal (门户): people, their sessions and API tokens, sign-in attempts,
the audit log, a round's publication, evaluators' reviews of units' answers, and the units'
checklist files made ready for download.

Kept beside `store.models` on the same metadata (migrations 0011 and 0013 mirror them); the
rules that use them live in `portal/`. Nothing here is ever deleted by a crawl or a prune; a
round written again drops its checklist files (`store.rounds`), which are only ever a copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base
from store.types import JSONType, UTCDateTime

# administrator: accounts, audit, everything; evaluator: the units of a subtree (`scope_unit`
# and every unit below it; NULL: the whole tree — the city office); unit: one unit's own results.
ROLES = ("admin", "evaluator", "unit")
# A round's life: draft (evaluators review; units see nothing) → published (units see their
# results, checklist and deadline) → closed (after the deadline: answers frozen).
ROUND_STATES = ("draft", "published", "closed")
# An evaluator's verdict on a unit's answer (整改情况): accepted, or sent back with a comment.
REVIEW_VERDICTS = ("accepted", "sent_back")


class User(Base):
    """A person who signs in to the portal (or whose API token a system uses)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint("role != 'unit' OR unit_id IS NOT NULL", name="unit_has_unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)  # shown on pages and in the audit
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # unit role: the user's unit; evaluator: the root of the subtree evaluated (NULL: all).
    unit_id: Mapped[str | None] = mapped_column(String(128), index=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)  # argon2id
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PortalSession(Base):
    """A signed-in browser: the cookie carries a random token, the store keeps its hash."""

    __tablename__ = "portal_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A per-user API token for the JSON API: same rights as its user; only the hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignInAttempt(Base):
    """One sign-in attempt, for rate limiting per account and per address."""

    __tablename__ = "signin_attempts"
    __table_args__ = (
        Index("ix_signin_attempts_login_at", "login", "at"),
        Index("ix_signin_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class AuditEntry(Base):
    """Who did what, when, to what, with the value before and after (审计日志)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)  # login, or "cli:<user>"
    action: Mapped[str] = mapped_column(String(32), nullable=False)  # portal.audit.ACTIONS
    round: Mapped[str | None] = mapped_column(String(32))
    unit_id: Mapped[str | None] = mapped_column(String(128), index=True)
    target: Mapped[str | None] = mapped_column(Text)  # a fingerprint, login, round id …
    before: Mapped[Any | None] = mapped_column(JSONType)
    after: Mapped[Any | None] = mapped_column(JSONType)
    address: Mapped[str | None] = mapped_column(String(64))


class RoundPublication(Base):
    """A round's state in its life; no row: draft. The deadline is the units' 整改期限."""

    __tablename__ = "round_publications"
    __table_args__ = (CheckConstraint(f"state IN {ROUND_STATES}", name="state"),)

    round: Mapped[str] = mapped_column(
        String(32), ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # China date, last day to answer
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))


class ResponseReview(Base):
    """An evaluator's verdict on one recorded answer (`responses.id`): latest per answer wins."""

    __tablename__ = "response_reviews"
    __table_args__ = (CheckConstraint(f"verdict IN {REVIEW_VERDICTS}", name="verdict"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("responses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class ChecklistFile(Base):
    """A unit's checklist (整改清单) file of a round, as `zwgk report checklist` writes it, kept
    so a download is a read: ``version`` names everything the file was made from
    (`portal.checklist_files`); a row of another version is made again, never served."""

    __tablename__ = "checklist_files"

    round: Mapped[str] = mapped_column(
        String(32), ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    format: Mapped[str] = mapped_column(String(8), primary_key=True)  # xlsx / csv / html
    version: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 of the inputs
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
