"""Tables of the store (SQLAlchemy 2 typed ORM). Alembic migrations mirror these exactly.

Invariants the crawler relies on:
- Rows of `articles`, `columns` and `listings` are never deleted by a crawl; a crawl only
  inserts and updates, one transaction per batch.
- `articles` holds each article's current version; when a re-fetch finds different content, the
  superseded version moves to `article_history` (so a round can be re-scored as of an old run).
  The page bytes of every version sit in `article_pages`, keyed by article and version run.
- What a crawl overwrites in place outside a version (an article's list date and fetch time, a
  listing's title and date, a column's name and counts, a link's text or removal) keeps its
  earlier values in `*_states`, valid for runs [valid_from_run, valid_to_run) (`store.states`).
- Crawl health (`crawl_issues`) is kept apart from what units publish: a host that was down is a
  crawl issue, never a blank column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.vocabulary import STATUSES
from store.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("running", "finished", "failed", "interrupted")
# What a run that ended amounts to (`store.runs.judge`): finished (every unit, or all but a
# small share, observed), degraded (more than that share not observed), failed (no unit
# observed, or the crawl broke), interrupted (killed: resumable); unknown for runs stored
# before migration 0007, whose observation the store can no longer tell. NULL while running.
RUN_OUTCOMES = ("finished", "degraded", "failed", "interrupted", "unknown")
RUN_MODES = ("incremental", "full")
# A city's part of a round evaluated by city (`RoundPart`).
PART_STATES = ("pending", "stored", "failed")
LINK_KINDS = ("attachment", "body", "related")
# unchecked: never requested (the crawler's address policy refused it: crawler/netpolicy.py).
LINK_OUTCOMES = ("ok", "confirmed_broken", "suspected", "unchecked")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _run_fk(nullable: bool = False) -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("crawl_runs.id"), nullable=nullable)


class CrawlRun(Base):
    """One crawl (采集): when, how, what was asked, and its closing statistics."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
        CheckConstraint(f"mode IN {RUN_MODES}", name="mode"),
        CheckConstraint(f"outcome IN {RUN_OUTCOMES}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    units: Mapped[list[str] | None] = mapped_column(JSONType)  # requested unit ids; None = all
    registry_hash: Mapped[str | None] = mapped_column(String(128))
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str | None] = mapped_column(String(16))
    zwgk_version: Mapped[str | None] = mapped_column(String(64))  # the zwgk that crawled


class Unit(Base):
    """A disclosing unit (单位) as the registry described it at the last crawl."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    # No foreign key: a registry may name a parent it does not crawl (a county's city).
    parent: Mapped[str | None] = mapped_column(String(128), index=True)
    profile: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_url: Mapped[str] = mapped_column(Text, nullable=False)
    overrides: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class DisclosureColumn(Base):
    """A disclosure column (栏目) of a unit, with its place in the column tree."""

    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("unit_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str | None] = mapped_column(String(32))  # None: matched no keyword
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"))
    path: Mapped[str | None] = mapped_column(Text)  # "政府信息公开 / 法定主动公开内容 / 政策文件"
    first_seen_run: Mapped[int] = _run_fk()
    last_seen_run: Mapped[int] = _run_fk()
    last_row_count: Mapped[int | None] = mapped_column(Integer)  # rows listed at last listing
    last_listed_run: Mapped[int | None] = _run_fk(nullable=True)
    last_nonempty_run: Mapped[int | None] = _run_fk(nullable=True)  # last run that listed ≥1 row
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ArticleContent:
    """Fields of one version of an article: what extraction read plus the page as evidence."""

    title: Mapped[str | None] = mapped_column(Text)
    index_no: Mapped[str | None] = mapped_column(Text)  # 索引号
    publisher: Mapped[str | None] = mapped_column(Text)  # 发布机构
    doc_no: Mapped[str | None] = mapped_column(Text)  # 文号
    written_date: Mapped[dt.date | None] = mapped_column(Date)  # 生成日期 / 成文日期
    publish_date: Mapped[dt.date | None] = mapped_column(Date)  # 发布日期
    validity: Mapped[str | None] = mapped_column(Text)  # 有效性
    subject: Mapped[str | None] = mapped_column(Text)  # 主题分类
    keywords: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    date_source: Mapped[str | None] = mapped_column(String(32))
    repealed: Mapped[bool | None] = mapped_column(Boolean)  # 废止/失效
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Article(ArticleContent, Base):
    """An article (信息/文件) as last fetched, with first/last sightings."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    # Not indexed: no query selects by column (the scorer reads all), and on a large store
    # every index on a scattered key costs a page write per inserted row.
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"))
    url: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    listed_date: Mapped[dt.date | None] = mapped_column(Date)  # date in the list row
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)  # the header verbatim
    first_seen_run: Mapped[int] = _run_fk()
    last_seen_run: Mapped[int] = _run_fk()
    version_run: Mapped[int] = _run_fk()  # run that fetched the current content


class ArticleHistory(ArticleContent, Base):
    """A superseded version of an article, valid for runs [valid_from_run, valid_to_run)."""

    __tablename__ = "article_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), nullable=False, index=True)
    valid_from_run: Mapped[int] = _run_fk()
    valid_to_run: Mapped[int] = _run_fk()


class _State:
    """Values a later crawl changes in place, as they were for runs [valid_from_run,
    valid_to_run) (`store.states`): one row per entity and run that changed them."""

    valid_from_run: Mapped[int] = _run_fk()
    valid_to_run: Mapped[int] = _run_fk()


class ArticleState(_State, Base):
    __tablename__ = "article_states"
    __table_args__ = (PrimaryKeyConstraint("article_id", "valid_to_run"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    listed_date: Mapped[dt.date | None] = mapped_column(Date)
    column_id: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ListingState(_State, Base):
    __tablename__ = "listing_states"
    __table_args__ = (PrimaryKeyConstraint("listing_id", "valid_to_run"),)

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    title: Mapped[str | None] = mapped_column(Text)
    listed_date: Mapped[dt.date | None] = mapped_column(Date)


class ColumnState(_State, Base):
    __tablename__ = "column_states"
    __table_args__ = (PrimaryKeyConstraint("column_id", "valid_to_run"),)

    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    name: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(Text)
    last_row_count: Mapped[int | None] = mapped_column(Integer)
    last_listed_run: Mapped[int | None] = mapped_column(Integer)
    last_nonempty_run: Mapped[int | None] = mapped_column(Integer)


class LinkState(_State, Base):
    __tablename__ = "link_states"
    __table_args__ = (PrimaryKeyConstraint("link_id", "valid_to_run"),)

    link_id: Mapped[int] = mapped_column(ForeignKey("links.id"))
    text: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(32))
    on_site: Mapped[bool] = mapped_column(Boolean, nullable=False)
    removed_run: Mapped[int | None] = mapped_column(Integer)


class ArticlePage(Base):
    """The page bytes (gzip) of one version of an article, as evidence: the current version's
    (`articles.version_run`) or a superseded one's (`article_history.valid_from_run`).

    Kept apart from `articles` so that a scan of the articles (the scorer reads them all) does
    not read past ~10 KB of page per row; only evidence reads join them in.
    """

    __tablename__ = "article_pages"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    version_run: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    html_gz: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # gzip of the page


class Listing(Base):
    """A row of a column's list page pointing at an article URL (one per column and URL).

    Kept apart from `articles` because one URL may be listed in several columns — a duplicate
    the scorer must be able to see.
    """

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("column_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str | None] = mapped_column(Text)  # as the list row shows it
    listed_date: Mapped[dt.date | None] = mapped_column(Date)
    page: Mapped[int | None] = mapped_column(Integer)  # 1-based list page
    position: Mapped[int | None] = mapped_column(Integer)  # 0-based row index in the column
    first_seen_run: Mapped[int] = _run_fk()
    last_seen_run: Mapped[int] = _run_fk()


class Link(Base):
    """An attachment (附件), in-body link or related link (相关解读/相关文件) of an article."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("article_id", "url", "kind"),
        CheckConstraint(f"kind IN {LINK_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(32))  # pdf/docx…, or the relation (解读)
    on_site: Mapped[bool] = mapped_column(Boolean, nullable=False)
    position: Mapped[int | None] = mapped_column(Integer)
    first_seen_run: Mapped[int] = _run_fk()
    last_seen_run: Mapped[int] = _run_fk()
    removed_run: Mapped[int | None] = _run_fk(nullable=True)  # re-fetch no longer showed it


class LinkCheck(Base):
    """The outcome of checking one URL in one run (last attempt wins)."""

    __tablename__ = "link_checks"
    __table_args__ = (
        UniqueConstraint("run_id", "url"),
        CheckConstraint(f"outcome IN {LINK_OUTCOMES}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    url: Mapped[str] = mapped_column(Text, nullable=False)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(24), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class CrawlIssue(Base):
    """A crawl-health event (host unreachable, anti-bot page, …); repeats are counted."""

    __tablename__ = "crawl_issues"
    __table_args__ = (UniqueConstraint("run_id", "kind", "host", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    unit_id: Mapped[str | None] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    host: Mapped[str] = mapped_column(String(255), nullable=False)  # "" when unknown
    url: Mapped[str] = mapped_column(Text, nullable=False)  # "" when about a whole host
    detail: Mapped[str | None] = mapped_column(Text)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class CrawlLockRow(Base):
    """Who holds a crawl lock (the lock itself on SQLite; information only on PostgreSQL)."""

    __tablename__ = "crawl_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_link_checks_url_run", LinkCheck.url, LinkCheck.run_id)
# Reads as of run N take the states with valid_to_run > N: few, for a recent N.
for _state in (ArticleState, ListingState, ColumnState, LinkState):
    Index(f"ix_{_state.__tablename__}_valid_to_run", _state.valid_to_run)


# -- rounds (测评轮次): what the scorer made of a crawl -------------------------------------
ROUND_KINDS = ("quarterly", "special")
PROBLEM_STATUSES = STATUSES
DECISIONS = ("confirmed", "dismissed")


def _round_fk() -> Mapped[str]:
    # Part of the key of every per-round table; deleting a round (re-evaluation) takes its rows.
    return mapped_column(String(32), ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)


class Round(Base):
    """An evaluation round (测评轮次): which crawl it read and the indicator set it froze.

    The set's text and hash are kept so the round can be evaluated again and give the same
    numbers even after the YAML in `indicators/` has moved on.
    """

    __tablename__ = "rounds"
    __table_args__ = (CheckConstraint(f"kind IN {ROUND_KINDS}", name="kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "2021Q2", "2021-hk1"
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    crawl_run: Mapped[int] = _run_fk()
    previous_round: Mapped[str | None] = mapped_column(String(32))  # tracking compared with it
    indicator_set_id: Mapped[str] = mapped_column(String(64), nullable=False)
    indicator_set_version: Mapped[str] = mapped_column(String(64), nullable=False)
    indicator_set_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    indicator_set_text: Mapped[str] = mapped_column(Text, nullable=False)
    pass_line: Mapped[float] = mapped_column(Float, nullable=False)
    calendar_estimated_years: Mapped[list[int] | None] = mapped_column(JSONType)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    evaluated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    zwgk_version: Mapped[str | None] = mapped_column(String(64))  # the zwgk that evaluated it
    # False while a round evaluated city by city (scoring/by_city.py) misses a part — still
    # being evaluated, or a city's job failed: no reader shows it nor tracks a later round
    # against it (`store.rounds`). Migration 0014.
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    # When `zwgk recheck` last changed the round's rows in place (store.rounds.update_problems,
    # replace_unit_results), which ``evaluated_at`` does not say; NULL: never. What the portal
    # keeps of a round is read again when it moves (portal/round_index.py). Migration 0016.
    rewritten_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RoundPart(Base):
    """One city's part of a round evaluated by city (scoring/by_city.py): its units, and whether
    its scores, totals and problems are stored (pending / stored / failed, with the error).

    ``part`` is the city's 市政府 unit id ("" for units under no 市政府); the round is complete
    when every part is stored (`store.round_parts`).
    """

    __tablename__ = "round_parts"
    __table_args__ = (CheckConstraint(f"state IN {PART_STATES}", name="state"),)

    round: Mapped[str] = _round_fk()
    part: Mapped[str] = mapped_column(String(128), primary_key=True)
    units: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    stored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RoundScore(Base):
    """One unit × indicator of a round: points, what was deducted, not applicable, veto."""

    __tablename__ = "round_scores"

    round: Mapped[str] = _round_fk()
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    deduction: Mapped[float] = mapped_column(Float, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    problems: Mapped[int] = mapped_column(Integer, nullable=False)  # counted (not dismissed)
    not_applicable: Mapped[bool] = mapped_column(Boolean, nullable=False)
    veto: Mapped[bool] = mapped_column(Boolean, nullable=False)
    bonus: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # common.vocabulary.SCORE_STATES (scored / not_evaluated / not_applicable / full_marks) and
    # why, in Chinese for the unit; NULL in rounds stored before revision 0010 (read as scored,
    # or not_applicable where that flag is set).
    state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class RoundTotal(Base):
    """A unit's result in a round: total rescaled to 100, veto, pass, rank within its level.

    ``observed`` is false when the crawl could not read the unit: it then has no total, no
    pass/fail and no rank — a crawl failure is never a unit's score.
    """

    __tablename__ = "round_totals"

    round: Mapped[str] = _round_fk()
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str] = mapped_column(String(32), nullable=False)
    parent: Mapped[str | None] = mapped_column(String(128))
    observed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)  # Σ applicable points
    score: Mapped[float] = mapped_column(Float, nullable=False)  # Σ scores (before rescaling)
    rescaled: Mapped[float | None] = mapped_column(Float)  # score / points × 100
    bonus: Mapped[float] = mapped_column(Float, nullable=False)
    total: Mapped[float | None] = mapped_column(Float)  # rescaled + bonus
    problems: Mapped[int] = mapped_column(Integer, nullable=False)
    vetoed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    rank_in_level: Mapped[int | None] = mapped_column(Integer)


class Problem(Base):
    """A problem (问题) of a round: one line of the unit's problem list, with its evidence.

    ``fingerprint`` = sha1(unit|indicator|subject)[:16] names the same problem in every round;
    rows of earlier problems that are fixed or not comparable now are kept with that status.
    """

    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint(f"status IN {PROBLEM_STATUSES}", name="status"),
        # The portal's problem list (portal/problem_sql.py, migration 0012): a round's problems
        # in list order by unit, with what the list filters and sorts on (status, decision,
        # deduction, first seen) so that filtering, counting and paging read the index, not
        # the rows with their evidence; and in order of deduction.
        Index(
            "ix_problems_round_unit",
            "round",
            "unit_id",
            "indicator_id",
            "fingerprint",
            "status",
            "decision",
            "deduction",
            "first_seen_round",
        ),
        Index(
            "ix_problems_round_deduction",
            "round",
            "deduction",
            "unit_id",
            "indicator_id",
            "fingerprint",
        ),
    )

    round: Mapped[str] = _round_fk()
    fingerprint: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    unit_id: Mapped[str] = mapped_column(String(128), nullable=False)
    indicator_id: Mapped[str] = mapped_column(String(128), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    target_url: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    nominal: Mapped[float] = mapped_column(Float, nullable=False)  # per_problem × weight
    deduction: Mapped[float] = mapped_column(Float, nullable=False)  # after cap and decisions
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    suggestion: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    first_seen_round: Mapped[str] = mapped_column(String(32), nullable=False)
    decision: Mapped[str | None] = mapped_column(String(16))  # the decision in force then
    rechecked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The fingerprint this problem had in the previous round, when its unit's site moved in
    # between and the address in its subject changed with it (store/moves.py).
    moved_from: Mapped[str | None] = mapped_column(String(16))
    # False for a one-time event (a document published late, a consultation too short): it is
    # deducted in the round whose window holds it and cannot be rectified, only not repeated;
    # NULL in rounds stored before revision 0010 (read as rectifiable).
    rectifiable: Mapped[bool | None] = mapped_column(Boolean)


class Decision(Base):
    """An evaluator's decision on a problem, by fingerprint (latest wins; history is kept)."""

    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint(f"decision IN {DECISIONS}", name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class UnitMove(Base):
    """A unit's site moved (网站迁移): its entry changed from ``old_entry`` to ``new_entry``.

    Crawl runs after ``after_run`` read the new address; `rules` (JSON list of [regex,
    replacement]) map old URLs first, then the default prefix rule built from the two entries
    (store/moves.py). Tracking maps earlier problems through the moves between two rounds.
    """

    __tablename__ = "unit_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    moved_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # China date, for people
    after_run: Mapped[int] = mapped_column(Integer, nullable=False)  # 0: before any crawl
    old_entry: Mapped[str] = mapped_column(Text, nullable=False)
    new_entry: Mapped[str] = mapped_column(Text, nullable=False)
    rules: Mapped[list[list[str]] | None] = mapped_column(JSONType)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


# -- responses (整改情况): units' answers read back from their checklists --------------------
RESPONSE_STATUSES = ("rectified", "in_progress", "cannot_rectify")  # 已整改 / 整改中 / 无法整改


class Response(Base):
    """A unit's answer to one problem of a round, from a returned checklist (整改清单).

    Every import adds rows (history is kept); the answer in force is the latest one per
    (round, unit, fingerprint).
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"status IN {RESPONSE_STATUSES}", name="status"),
        Index("ix_responses_round_unit", "round", "unit_id", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round: Mapped[str] = mapped_column(
        String(32), ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False
    )
    unit_id: Mapped[str] = mapped_column(String(128), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, nullable=False)  # the returned file's name
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


# The portal's, the patrol's and the rounds' explanations' tables share this metadata (imported
# last: they need `Base`).
from store import explanation_models, patrol_models, portal_models  # noqa: E402, F401
