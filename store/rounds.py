"""Rounds (测评轮次) in the store: save a round's results, read them back, record decisions.

A round is written whole in one transaction (`save_round`): evaluating a round again replaces
its scores, totals and problems, never another round's, and never a decision — decisions
(确认/驳回) are keyed by problem fingerprint and live on across rounds; the latest one wins and
the earlier ones stay as history.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Float, Table, delete, func, select, update

from store import explanation_models, models
from store.core import Store
from store.frame_insert import insert_frame as _insert
from store.frame_insert import refresh_statistics
from store.portal_models import ChecklistFile
from store.reads import read_frame
from store.types import utcnow
from store.version import zwgk_version

log = logging.getLogger(__name__)

ROUNDS: Table = models.Round.__table__  # type: ignore[assignment]
SCORES: Table = models.RoundScore.__table__  # type: ignore[assignment]
TOTALS: Table = models.RoundTotal.__table__  # type: ignore[assignment]
PROBLEMS: Table = models.Problem.__table__  # type: ignore[assignment]
DECISIONS: Table = models.Decision.__table__  # type: ignore[assignment]
# Units' checklist files made from a round (the portal's downloads): a copy of what the round
# holds, dropped in the same transaction as anything that rewrites the round.
CHECKLIST_FILES: Table = ChecklistFile.__table__  # type: ignore[assignment]
PARTS: Table = models.RoundPart.__table__  # type: ignore[assignment]
EXPLANATIONS: Table = explanation_models.RoundExplanation.__table__  # type: ignore[assignment]


# A round's id: letters, digits, '-', '_' and '.', beginning with a letter or digit, at most
# as long as the column (32): 2025Q2, 2025Q3, 2021-hk1, 2024-special.1. It names the round in
# checklist file names and report titles, so no spaces, slashes or control characters.
ROUND_ID_LENGTH: int = models.Round.__table__.c.id.type.length  # type: ignore[attr-defined]
ROUND_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")


class RoundIdError(ValueError):
    """A round id that does not match `ROUND_ID` or is too long for the store."""


def check_round_id(round_id: str) -> str:
    """``round_id`` if it can name a round, else `RoundIdError` saying what is wrong."""
    if not round_id:
        raise RoundIdError("a round id cannot be empty (e.g. 2025Q2)")
    if len(round_id) > ROUND_ID_LENGTH:
        raise RoundIdError(
            f"round id {round_id[:ROUND_ID_LENGTH]!r}… is {len(round_id)} characters long; at "
            f"most {ROUND_ID_LENGTH} fit the store"
        )
    if not ROUND_ID.fullmatch(round_id):
        raise RoundIdError(
            f"round id {round_id!r} may hold only letters, digits, '-', '_' and '.', beginning "
            "with a letter or digit (e.g. 2025Q2, 2021-hk1)"
        )
    return round_id


class RoundNotFound(LookupError):
    """No round of that id (the message lists the stored ones)."""


class RoundIncomplete(RoundNotFound):
    """A round evaluated by city whose parts are not all stored: not shown, not tracked against."""


@dataclass(frozen=True)
class RoundInfo:
    """A round's header: what it read (crawl run, frozen indicator set) and when."""

    id: str
    kind: str
    as_of: dt.date
    crawl_run: int
    previous_round: str | None
    indicator_set_id: str
    indicator_set_version: str
    indicator_set_sha256: str
    indicator_set_text: str
    pass_line: float
    calendar_estimated_years: list[int] | None = None
    stats: dict[str, Any] | None = None
    created_at: dt.datetime | None = None
    evaluated_at: dt.datetime | None = None
    zwgk_version: str | None = None  # the zwgk that evaluated it last (`store.version`)
    complete: bool = True  # False: evaluated by city and a city's part is missing (round_parts)


@dataclass(frozen=True)
class DecisionInfo:
    """An evaluator's decision on a problem: confirmed, or dismissed with a reason."""

    fingerprint: str
    decision: str
    reason: str | None
    by: str
    at: dt.datetime


def save_round(
    store: Store,
    info: RoundInfo,
    scores: pd.DataFrame,
    totals: pd.DataFrame,
    problems: pd.DataFrame,
) -> RoundInfo:
    """Write (or replace) a round and its rows in one transaction (dropping the explanation an
    earlier evaluation stored: `store.explanations.write_explanation` writes the new one);
    returns the stored header (`write_header`)."""
    with store.engine.begin() as conn:
        header = write_header(conn, info)
        log.debug(
            "round %s: writing %d scores, %d totals and %d problems in one transaction",
            info.id,
            len(scores),
            len(totals),
            len(problems),
        )
        for table, frame in ((SCORES, scores), (TOTALS, totals), (PROBLEMS, problems)):
            _insert(conn, table, frame.assign(round=info.id))
    refresh_statistics(store, (SCORES, TOTALS, PROBLEMS))
    return header


def write_header(conn: Connection, info: RoundInfo, **changes: Any) -> RoundInfo:
    """Write round ``info``'s header (with ``changes``) in the caller's transaction, dropping
    the rows an earlier evaluation of the round left; returns it as stored. A round evaluated
    again keeps its ``created_at``; ``evaluated_at`` is now, ``zwgk_version`` the running
    zwgk's."""
    if info.kind not in models.ROUND_KINDS:
        raise ValueError(f"round {info.id}: kind must be one of {models.ROUND_KINDS}")
    now = utcnow()
    old = conn.execute(select(ROUNDS.c.created_at).where(ROUNDS.c.id == info.id)).first()
    header = asdict(info) | {
        "created_at": old[0] if old else (info.created_at or now),
        "evaluated_at": now,
        "zwgk_version": zwgk_version(),
        **changes,
    }
    if old:
        # Explicit deletes rather than relying on ON DELETE CASCADE, which SQLite only
        # honours with foreign keys switched on.
        for table in (PROBLEMS, TOTALS, SCORES, EXPLANATIONS, PARTS, CHECKLIST_FILES):
            conn.execute(delete(table).where(table.c.round == info.id))
        conn.execute(update(ROUNDS).where(ROUNDS.c.id == info.id).values(**header))
    else:
        conn.execute(ROUNDS.insert().values(**header))
    return RoundInfo(**header)


def _info(row: Mapping[str, Any]) -> RoundInfo:
    return RoundInfo(**{f.name: row[f.name] for f in fields(RoundInfo)})


def list_rounds(store: Store, *, incomplete: bool = False) -> list[RoundInfo]:
    """Every complete round (``incomplete``: those still missing a city's part too), in
    evaluation order (as_of, then when it was first created)."""
    stmt = select(ROUNDS).order_by(ROUNDS.c.as_of, ROUNDS.c.created_at, ROUNDS.c.id)
    if not incomplete:
        stmt = stmt.where(ROUNDS.c.complete)
    with store.engine.connect() as conn:
        return [_info(r) for r in conn.execute(stmt).mappings()]


def get_round(store: Store, round_id: str, *, incomplete: bool = False) -> RoundInfo:
    """The round ``round_id``; `RoundNotFound` names the stored rounds when there is none, and
    `RoundIncomplete` says which city parts are missing when it is not complete (unless
    ``incomplete``: then it is returned as it is)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(ROUNDS).where(ROUNDS.c.id == round_id)).mappings().first()
        missing = [] if row is None or row["complete"] or incomplete else _missing(conn, round_id)
    if row is None:
        known = ", ".join(r.id for r in list_rounds(store)) or "none yet"
        raise RoundNotFound(f"no round {round_id!r} in {store.url} (rounds: {known})")
    if missing:
        raise RoundIncomplete(
            f"round {round_id} is incomplete — evaluated by city, and these parts are not "
            f"stored: {'; '.join(missing)}; it is not shown until `zwgk evaluate --round "
            f"{round_id}` completes it"
        )
    return _info(row)


def _missing(conn: Connection, round_id: str) -> list[str]:
    """The parts of an incomplete round that are not stored, each with its state and error."""
    p = PARTS.c
    rows = conn.execute(
        select(p.part, p.state, p.error)
        .where(p.round == round_id, p.state != "stored")
        .order_by(p.part)
    )
    said = [
        f"{r.part or '(no city)'} {r.state}" + (f" ({r.error})" if r.error else "") for r in rows
    ]
    return said or ["(none recorded)"]


def find_round(store: Store, round_id: str, *, incomplete: bool = False) -> RoundInfo | None:
    """The round ``round_id`` or None (an incomplete one only with ``incomplete``)."""
    try:
        return get_round(store, round_id, incomplete=incomplete)
    except RoundNotFound:
        return None


def round_before(store: Store, as_of: dt.date, exclude: str | None = None) -> RoundInfo | None:
    """The latest round whose as_of is before ``as_of`` (the one a new round is tracked against)."""
    earlier = [r for r in list_rounds(store) if r.as_of < as_of and r.id != exclude]
    return earlier[-1] if earlier else None


def _frame(store: Store, stmt: Any) -> pd.DataFrame:
    with store.engine.connect() as conn:
        frame = read_frame(conn, stmt)
    # read_frame types ints, booleans, text and dates; points and scores are floats here.
    for col in stmt.selected_columns:
        if isinstance(col.type, Float) and col.key in frame:
            frame[col.key] = frame[col.key].astype("float64")
    return frame


def round_scores_frame(
    store: Store, round_id: str, unit_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """A round's unit × indicator rows with their `state` (common.vocabulary.SCORE_STATES) and
    `reason`; rows stored before revision 0010 read as scored, or not_applicable where that
    flag is set."""
    s = SCORES.c
    stmt = select(SCORES).where(s.round == round_id).order_by(s.unit_id, s.indicator_id)
    if unit_ids is not None:
        stmt = stmt.where(s.unit_id.in_(list(unit_ids)))
    frame = _frame(store, stmt)
    if len(frame):
        old = frame["not_applicable"].astype(bool).map({True: "not_applicable", False: "scored"})
        frame["state"] = frame["state"].astype(object).where(frame["state"].notna(), old)
    return frame


def unscored_frame(
    store: Store, round_id: str, unit_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """What a round did not score, unit by unit, and why: unit_id, indicator_id, state
    (not_evaluated / not_applicable / full_marks) and reason (Chinese, for the unit)."""
    frame = round_scores_frame(store, round_id, unit_ids)
    columns = ["unit_id", "indicator_id", "state", "reason"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return frame.loc[frame["state"] != "scored", columns].reset_index(drop=True)


def round_totals_frame(store: Store, round_id: str) -> pd.DataFrame:
    t = TOTALS.c
    return _frame(store, select(TOTALS).where(t.round == round_id).order_by(t.unit_id))


def problems_frame(
    store: Store,
    round_id: str,
    unit_ids: Sequence[str] | None = None,
    *,
    statuses: Sequence[str] | None = None,
    evidence: bool = True,
) -> pd.DataFrame:
    """A round's problems ordered by unit, indicator, subject (``evidence=False``: no JSON)."""
    p = PROBLEMS.c
    cols = [c for c in PROBLEMS.columns if evidence or c.name != "evidence"]
    stmt = select(*cols).where(p.round == round_id).order_by(p.unit_id, p.indicator_id, p.subject)
    if unit_ids is not None:
        stmt = stmt.where(p.unit_id.in_(list(unit_ids)))
    if statuses is not None:
        stmt = stmt.where(p.status.in_(list(statuses)))
    frame = _frame(store, stmt)
    if "rectifiable" in frame:  # rows stored before revision 0010 read as rectifiable
        frame["rectifiable"] = (
            frame["rectifiable"]
            .astype(object)
            .where(frame["rectifiable"].notna(), True)
            .astype(bool)
        )
    return frame


def first_seen_before(
    store: Store, round_ids: Sequence[str], unit_ids: Sequence[str] | None = None
) -> pd.Series:
    """fingerprint → the round it was first seen in, over the rounds ``round_ids`` (and the
    problems of ``unit_ids``, when given)."""
    if not round_ids:
        return pd.Series(dtype=object, name="first_seen_round")
    p = PROBLEMS.c
    stmt = (
        select(p.fingerprint, func.min(p.first_seen_round).label("first_seen_round"))
        .where(p.round.in_(list(round_ids)))
        .group_by(p.fingerprint)
    )
    if unit_ids is not None:
        stmt = stmt.where(p.unit_id.in_(list(unit_ids)))
    frame = _frame(store, stmt)
    return frame.set_index("fingerprint")["first_seen_round"]


def update_problems(store: Store, round_id: str, updates: Iterable[Mapping[str, Any]]) -> int:
    """Change stored problems of a round in place (recheck): each update names its
    ``fingerprint`` and gives new ``status``, ``deduction``, ``evidence``, ``suggestion``,
    ``rechecked_at``. Returns the number of rows changed."""
    allowed = {"status", "deduction", "evidence", "suggestion", "rechecked_at", "decision"}
    p = PROBLEMS.c
    changed = 0
    with store.engine.begin() as conn:
        _rewritten(conn, round_id)
        for up in updates:
            values = {k: v for k, v in up.items() if k in allowed}
            unknown = set(up) - allowed - {"fingerprint"}
            if unknown:
                raise ValueError(f"update_problems: unknown keys {sorted(unknown)}")
            if values.get("status") not in (None, *models.PROBLEM_STATUSES):
                raise ValueError(f"update_problems: bad status {values['status']!r}")
            res = conn.execute(
                update(PROBLEMS)
                .where(p.round == round_id, p.fingerprint == up["fingerprint"])
                .values(**values)
            )
            changed += res.rowcount
    return changed


def _rewritten(conn: Connection, round_id: str) -> None:
    """A round's rows change in place: its checklist files go (made again from the new rows)
    and ``rewritten_at`` says when, for what readers keep of it (portal/round_index.py)."""
    conn.execute(delete(CHECKLIST_FILES).where(CHECKLIST_FILES.c.round == round_id))
    conn.execute(update(ROUNDS).where(ROUNDS.c.id == round_id).values(rewritten_at=utcnow()))


def replace_unit_results(
    store: Store, round_id: str, scores: pd.DataFrame, totals: pd.DataFrame
) -> None:
    """Replace the score and total rows of the units in ``totals`` (recheck re-scores them)."""
    units = sorted(set(totals["unit_id"]))
    with store.engine.begin() as conn:
        _rewritten(conn, round_id)
        for table, frame in ((SCORES, scores), (TOTALS, totals)):
            conn.execute(delete(table).where(table.c.round == round_id, table.c.unit_id.in_(units)))
            _insert(conn, table, frame.assign(round=round_id))


# -- decisions ----------------------------------------------------------------------------------
def known_fingerprint(conn: Connection, fingerprint: str) -> bool:
    q = select(PROBLEMS.c.fingerprint).where(PROBLEMS.c.fingerprint == fingerprint).limit(1)
    return conn.execute(q).first() is not None


def record_decision(
    store: Store,
    fingerprint: str,
    decision: str,
    *,
    by: str,
    reason: str | None = None,
    at: dt.datetime | None = None,
    conn: Connection | None = None,
) -> DecisionInfo:
    """Record an evaluator's decision on the problem ``fingerprint`` (latest wins).

    A dismissal needs a reason; the fingerprint must name a problem of some stored round.
    ``conn``: record it in the caller's transaction (the portal decides many problems and
    audits each in one transaction), else in one of its own."""
    if decision not in models.DECISIONS:
        raise ValueError(f"decision must be one of {models.DECISIONS}, got {decision!r}")
    if decision == "dismissed" and not (reason and reason.strip()):
        raise ValueError(f"dismissing {fingerprint} needs a reason (--reason)")
    if not (by and by.strip()):
        raise ValueError(f"a decision on {fingerprint} needs the evaluator's name (--by)")
    at = at or utcnow()
    if conn is None:
        with store.engine.begin() as own:
            return record_decision(
                store, fingerprint, decision, by=by, reason=reason, at=at, conn=own
            )
    if not known_fingerprint(conn, fingerprint):
        raise LookupError(f"no problem with fingerprint {fingerprint!r} in any round")
    conn.execute(
        DECISIONS.insert().values(
            fingerprint=fingerprint, decision=decision, reason=reason, by=by, at=at
        )
    )
    return DecisionInfo(fingerprint, decision, reason, by, at)


def decision_history(store: Store, fingerprint: str | None = None) -> list[DecisionInfo]:
    """Decisions in the order they were made (all, or one problem's)."""
    d = DECISIONS.c
    stmt = select(d.fingerprint, d.decision, d.reason, d.by, d.at).order_by(d.at, d.id)
    if fingerprint is not None:
        stmt = stmt.where(d.fingerprint == fingerprint)
    with store.engine.connect() as conn:
        return [DecisionInfo(*row) for row in conn.execute(stmt)]


def latest_decisions(store: Store) -> dict[str, DecisionInfo]:
    """fingerprint → the decision in force (the latest one)."""
    latest: dict[str, DecisionInfo] = {}
    for info in decision_history(store):
        latest[info.fingerprint] = info
    return latest
