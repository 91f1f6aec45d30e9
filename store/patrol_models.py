"""Tables of the daily patrol (日巡查, `zwgk patrol`): each night's judgement of the latest crawl
as of the day, against the current indicator set, without making a round — the problems found
that day and the warnings of what the crawl as it stands would show within the horizon.

Kept beside `store.models` on the same metadata (migration 0017 mirrors them); the rules live in
`patrol/`. A patrol names its crawl run by id only, not by a foreign key: `zwgk db prune` may drop
an old run, and the patrol keeps its own findings whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base
from store.types import JSONType, UTCDateTime

# problem: found as of the patrol's day; warning: not found today, found as of a day within
# the horizon if nothing changes (`due`: the first such day).
FINDING_KINDS = ("problem", "warning")


class Patrol(Base):
    """One patrol: the crawl run it read, the day it judged, the set and horizon it used."""

    __tablename__ = "patrols"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    crawl_run: Mapped[int] = mapped_column(Integer, nullable=False)  # no foreign key: see above
    indicator_set_id: Mapped[str] = mapped_column(String(64), nullable=False)
    indicator_set_version: Mapped[str] = mapped_column(String(64), nullable=False)
    indicator_set_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    within: Mapped[str] = mapped_column(String(32), nullable=False)  # the horizon: "5 workdays"
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    zwgk_version: Mapped[str | None] = mapped_column(String(64))


class PatrolFinding(Base):
    """A problem or a warning of a patrol, named by the fingerprint rounds give it."""

    __tablename__ = "patrol_findings"
    __table_args__ = (
        CheckConstraint(f"kind IN {FINDING_KINDS}", name="kind"),
        Index("ix_patrol_findings_unit", "patrol", "unit_id"),
    )

    patrol: Mapped[int] = mapped_column(
        Integer, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(128), nullable=False)
    indicator_id: Mapped[str] = mapped_column(String(128), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    target_url: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    suggestion: Mapped[str | None] = mapped_column(Text)
    deduction: Mapped[float] = mapped_column(Float, nullable=False)
    due: Mapped[dt.date | None] = mapped_column(Date)  # warnings: the day it would be found


# A digest's delivery: pending (claimed, no attempt finished: the process stopped), sent, or
# failed (the latest attempt refused, its error kept; the next dispatch tries again).
DELIVERY_STATES = ("pending", "sent", "failed")
CHANNELS = ("email", "webhook")


class PatrolDelivery(Base):
    """One unit's digest of one patrol to one recipient: an e-mail address or the webhook. The
    key makes a digest go to a recipient once, however often the dispatch runs."""

    __tablename__ = "patrol_deliveries"
    __table_args__ = (
        CheckConstraint(f"state IN {DELIVERY_STATES}", name="state"),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
    )

    patrol: Mapped[int] = mapped_column(
        Integer, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    target: Mapped[str] = mapped_column(String(512), primary_key=True)  # address or URL
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    digest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PatrolRead(Base):
    """A unit's 今日提醒 entry — one patrol's digest for the unit — opened by a portal account.

    Read state is kept per account, not per unit: like a mailbox, "unread" tells the person
    signed in what *they* have not seen yet. A unit's second account (the office head beside
    the clerk who answers the checklists) still finds the day's warnings marked new after the
    clerk has read them; one person reading for the unit would hide them from the other. The
    unit is part of the key, so an account moved to another unit starts with that unit's
    entries unread."""

    __tablename__ = "patrol_reads"

    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    patrol: Mapped[int] = mapped_column(
        Integer, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
