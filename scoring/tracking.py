"""Tracking (整改跟踪): each problem's status compared with the previous round.

- **new**: never reported before;
- **open**: reported in the previous round (or carried there as not comparable) and still there;
- **regressed**: fixed in an earlier round, found again now;
- **fixed**: reported before, and its subject was observed this round without the problem;
- **not_comparable**: reported before, but this round could not look at it (the unit or the
  column was not read, the indicator did not run for the unit, or the check could not see the
  subject — a broken link checked again only as suspected or unchecked: `Check.looked_at`) —
  never "fixed";
- **expired**: reported before, not found now because its indicator no longer judges it (a
  key-area month that left the 12-month window, last year's annual report once the next year is
  judged — `Check.in_scope`) — not "fixed" either: the unit did nothing.

Fixed, expired and not-comparable problems are kept as rows of the new round (deducting nothing), so a
round's problem list shows what was fixed; a fixed or expired problem drops out after that,
and if it comes back it is "regressed". Decisions follow the fingerprint.

A unit whose site moved between two rounds (`zwgk units move`, store/moves.py): its earlier
problems are first mapped to the new addresses (`moved`), so one still there stays open with its
first round and decision, under the fingerprint of its new subject (`moved_from` names the old).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from common.vocabulary import UNRESOLVED
from scoring.checks.base import get_check
from scoring.scorer import VETO_COUNT, Scored, check_context, fingerprint
from store import moves as unit_moves
from store import rounds as round_store

if TYPE_CHECKING:
    import datetime as dt

    from scoring.checks.base import Check, CheckContext
    from scoring.data import CrawlData
    from scoring.indicator_model import Indicator, IndicatorSet
    from scoring.workdays import WorkCalendar
    from store import Store
    from store.moves import UnitMove

log = logging.getLogger(__name__)


def statuses(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    seen_earlier: pd.Series,
    round_id: str,
) -> pd.DataFrame:
    """Status and first_seen_round of the problems found now.

    ``previous``: the previous round's problems (fingerprint, status, first_seen_round);
    ``seen_earlier``: fingerprint → first_seen_round over the rounds before that one.
    """
    out = current.copy()
    prev = (
        previous.set_index("fingerprint")[["status", "first_seen_round"]]
        if previous is not None and len(previous)
        else pd.DataFrame(columns=["status", "first_seen_round"])
    )
    before = out["fingerprint"].map(prev["status"])
    earlier = (
        out["fingerprint"].map(seen_earlier)
        if len(seen_earlier)
        else pd.Series(None, index=out.index, dtype=object)
    )
    status = pd.Series("new", index=out.index, dtype=object)
    status[before.isin(UNRESOLVED)] = "open"
    status[before.eq("fixed")] = "regressed"
    # Absent from the previous round but reported earlier: it was fixed and dropped out.
    status[before.isna() & earlier.notna()] = "regressed"
    out["status"] = status
    first = out["fingerprint"].map(prev["first_seen_round"]).astype(object)
    out["first_seen_round"] = first.where(first.notna(), earlier.astype(object)).fillna(round_id)
    return out


def carried(
    previous: pd.DataFrame | None,
    found_now: set[str],
    comparable: pd.Series,
    decisions: Mapping[str, str],
    expired: pd.Series | None = None,
) -> pd.DataFrame:
    """Rows for the previous round's open problems not found now: fixed, not comparable or
    expired.

    ``comparable``: indexed like ``previous``, True where this round looked at the subject;
    ``expired``: True where the indicator no longer judges the subject."""
    if previous is None or previous.empty:
        return pd.DataFrame()
    gone = previous[previous["status"].isin(UNRESOLVED) & ~previous["fingerprint"].isin(found_now)]
    if gone.empty:
        return pd.DataFrame()
    rows = gone.copy()
    rows["status"] = comparable.reindex(rows.index).map({True: "fixed", False: "not_comparable"})
    if expired is not None:
        rows.loc[expired.reindex(rows.index, fill_value=False).astype(bool), "status"] = "expired"
    rows["deduction"] = 0.0
    rows["decision"] = rows["fingerprint"].map(decisions)
    rows["rechecked_at"] = None
    return rows


def column_of(data: CrawlData) -> dict[str, int]:
    """URL → column id, for columns themselves, their articles and those articles' links."""
    out: dict[str, int] = {}
    links = getattr(data, "links", None)
    articles = getattr(data, "articles", None)
    if articles is not None and len(articles) and "column_id" in articles:
        known = articles.dropna(subset=["column_id"])
        by_article = dict(zip(known["url"], known["column_id"].astype(int), strict=True))
        if links is not None and len(links) and "article_url" in links:
            for url, article_url in zip(links["url"], links["article_url"], strict=True):
                if article_url in by_article:
                    out.setdefault(url, by_article[article_url])
        out.update(by_article)
    out.update(zip(data.columns["url"], data.columns["id"].astype(int), strict=True))
    return out


def evaluated_pairs(scores: pd.DataFrame) -> set[tuple[str, str]]:
    """(unit, indicator) pairs whose earlier problems this round may compare: looked at (scored,
    full marks, nothing to judge, or partly read — `scoring.states`), not a listed 不适用 unit
    nor one whose site or needed columns were all unread."""
    looked = scores["looked"] if "looked" in scores else ~scores["not_applicable"]
    live = scores[looked.astype(bool).to_numpy()]
    return set(zip(live["unit_id"], live["indicator_id"], strict=True))


def comparable(rows: pd.DataFrame, data: CrawlData, evaluated: set[tuple[str, str]]) -> pd.Series:
    """True where this round looked at the problem's subject: its unit was read, its indicator
    ran for the unit, and the column the subject lives in (when one can be named) was read."""
    if rows.empty:
        return pd.Series(dtype=bool)
    units = data.units.set_index("id")["observed"].astype(bool)
    columns = data.columns.set_index("id")["observed"].astype(bool)
    urls = column_of(data)
    prefixes = sorted(data.columns["url"], key=len, reverse=True)
    ids = dict(zip(data.columns["url"], data.columns["id"].astype(int), strict=True))
    out = []
    for row in rows.itertuples(index=False):
        ok = bool(units.get(row.unit_id, False)) and (row.unit_id, row.indicator_id) in evaluated
        if ok:
            column = _subject_column(row, urls, prefixes, ids)
            ok = column is None or bool(columns.get(column, False))
        out.append(ok)
    return pd.Series(out, index=rows.index, dtype=bool)


def _subject_column(
    row: Any, urls: Mapping[str, int], prefixes: list[str], ids: Mapping[str, int]
) -> int | None:
    for candidate in (row.target_url, row.subject, str(row.subject).split("#", 1)[0]):
        if isinstance(candidate, str) and candidate in urls:
            return urls[candidate]
    subject = str(row.subject)
    # Subjects such as "<column url>/2024-10" (a missing period of a key-area column).
    for prefix in prefixes:
        if subject.startswith(prefix + "/") or subject.startswith(prefix + "#"):
            return ids[prefix]
    return None


def track_round(
    store: Store,
    round_id: str,
    previous: round_store.RoundInfo | None,
    scored: Scored,
    data: CrawlData,
    decisions: Mapping[str, str],
    in_scope: Callable[[pd.DataFrame], pd.Series] | None = None,
    looked_at: Callable[[pd.DataFrame], pd.Series] | None = None,
    unit_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The round's problem rows with statuses: those found now, then the carried ones (of the
    units ``unit_ids`` only, when given: one city's part of a round, `scoring.by_city`).

    ``in_scope(rows)``: True where the round's indicator still judges the row's subject
    (`Check.in_scope`); None: all are. ``looked_at(rows)``: True where the round really looked
    at the subject (`Check.looked_at`); None: wherever its unit and column were read."""
    # Only rounds before the previous one: a round evaluated again after later rounds exist
    # must not see them.
    prev_rows = None
    earlier: list[round_store.RoundInfo] = []
    moves = unit_moves.list_moves(store)
    if previous is not None:
        rounds = [r for r in round_store.list_rounds(store) if r.id != round_id]
        prev_rows = round_store.problems_frame(store, previous.id, unit_ids)
        prev_rows = prev_rows.assign(moved_from=None)
        # A unit whose site moved since: its earlier problems at their new addresses.
        prev_rows = moved(prev_rows, unit_moves.between(moves, previous.crawl_run, data.run_id))
        earlier = rounds[: [r.id for r in rounds].index(previous.id)]
    seen_earlier = round_store.first_seen_before(store, [r.id for r in earlier], unit_ids)
    for old, new in moved_links(store, earlier, data.run_id, moves).items():
        if old in seen_earlier.index:
            seen_earlier[new] = min(seen_earlier.get(new, seen_earlier[old]), seen_earlier[old])
    current = statuses(scored.problems, prev_rows, seen_earlier, round_id)
    if prev_rows is not None and len(prev_rows):
        current["moved_from"] = current["fingerprint"].map(
            prev_rows.set_index("fingerprint")["moved_from"]
        )
    evaluated = evaluated_pairs(scored.scores)
    if prev_rows is not None and len(prev_rows):
        gone = prev_rows[~prev_rows["fingerprint"].isin(set(current["fingerprint"]))]
        gone = gone[gone["status"].isin(UNRESOLVED)]
        mask = comparable(gone, data, evaluated)
        if looked_at is not None and len(gone):
            mask &= looked_at(gone).reindex(gone.index, fill_value=True).astype(bool)
        expired = ~in_scope(gone) if in_scope is not None and len(gone) else None
        old = carried(gone, set(), mask, decisions, expired)
    else:
        old = pd.DataFrame()
    current["rechecked_at"] = None
    frames = [f for f in (current, old) if len(f)]
    if not frames:
        return current
    out = pd.concat(frames, ignore_index=True)
    return out.drop(columns=[c for c in ("round",) if c in out])


# -- asking the checks about earlier problems ---------------------------------------------------
def still_judged(
    rows: pd.DataFrame,
    indicator_set: IndicatorSet,
    units: pd.DataFrame,
    as_of: dt.date,
    calendar: WorkCalendar,
) -> pd.Series:
    """True where the row's indicator (in ``indicator_set``) still judges its subject as of
    ``as_of`` (`Check.in_scope`); a row whose indicator the set lacks is left to tracking
    (its indicator did not run: not comparable)."""
    return _ask_checks(
        rows, indicator_set, units, as_of, calendar,
        lambda check, group, indicator, ctx: check.in_scope(group, indicator.params, ctx),
    )  # fmt: skip


def looked_at(
    rows: pd.DataFrame,
    indicator_set: IndicatorSet,
    data: CrawlData,
    as_of: dt.date,
    calendar: WorkCalendar,
) -> pd.Series:
    """True where this round really looked at the subject of an earlier problem it did not
    find again (`Check.looked_at`); False makes it *not comparable* rather than *fixed*."""
    return _ask_checks(
        rows, indicator_set, data.units, as_of, calendar,
        lambda check, group, indicator, ctx: check.looked_at(group, data, indicator.params, ctx),
    )  # fmt: skip


def _ask_checks(
    rows: pd.DataFrame,
    indicator_set: IndicatorSet,
    units: pd.DataFrame,
    as_of: dt.date,
    calendar: WorkCalendar,
    ask: Callable[[Check, pd.DataFrame, Indicator, CheckContext], pd.Series],
) -> pd.Series:
    """`ask(check, rows of one indicator, indicator, ctx)` for each indicator of ``rows``,
    as one boolean Series (True for rows whose indicator the set lacks or is a veto count)."""
    out = pd.Series(True, index=rows.index, dtype=bool)
    known = {i.id: i for i in indicator_set.indicators}
    for indicator_id, group in rows.groupby("indicator_id", sort=False):
        indicator = known.get(indicator_id)
        if indicator is None or getattr(indicator, "check", None) in (None, VETO_COUNT):
            continue
        ctx = check_context(indicator, units, as_of, calendar)
        mine = ask(get_check(indicator.check), group, indicator, ctx)
        out.loc[group.index] = mine.reindex(group.index, fill_value=True).astype(bool)
    return out


# -- units that moved (网站迁移, store/moves.py) --------------------------------------------------
def moved(rows: pd.DataFrame, by_unit: Mapping[str, Sequence[UnitMove]]) -> pd.DataFrame:
    """Problem ``rows`` with their subjects and target URLs at their units' new addresses
    (``by_unit``: unit id → its moves, `store.moves.between`). A row whose subject changed gets
    the new subject's fingerprint, and the old one in ``moved_from``; two rows that land on one
    fingerprint keep the one seen first."""
    mine = rows["unit_id"].isin(list(by_unit)) if len(rows) and by_unit else None
    if mine is None or not mine.any():
        return rows
    out = rows.copy()
    part = out[mine]
    subjects = unit_moves.map_urls(by_unit, part["unit_id"], part["subject"])
    fingerprints = [
        fingerprint(u, i, s)
        for u, i, s in zip(part["unit_id"], part["indicator_id"], subjects, strict=True)
    ]
    out["moved_from"] = out["moved_from"].astype(object) if "moved_from" in out else None
    changed = part.index[part["fingerprint"].to_numpy() != pd.Series(fingerprints).to_numpy()]
    out.loc[changed, "moved_from"] = out.loc[changed, "fingerprint"]
    out.loc[mine, "subject"] = subjects
    out.loc[mine, "fingerprint"] = fingerprints
    out.loc[mine, "target_url"] = unit_moves.map_urls(by_unit, part["unit_id"], part["target_url"])
    twice = out.sort_values("first_seen_round", kind="stable").duplicated("fingerprint")
    if twice.any():
        log.warning("%d problems land on one address after a unit moved; kept once", twice.sum())
    return out[~twice.reindex(out.index)]


def moved_links(
    store: Store, rounds: Sequence[round_store.RoundInfo], run_id: int, moves: Sequence[UnitMove]
) -> dict[str, str]:
    """Old fingerprint → new one, for the problems of ``rounds`` whose unit moved between the
    crawl the round read and crawl run ``run_id``."""
    links: dict[str, str] = {}
    for info in rounds:
        by_unit = unit_moves.between(moves, info.crawl_run, run_id)
        if not by_unit:
            continue
        rows = round_store.problems_frame(store, info.id, list(by_unit), evidence=False)
        rows = moved(rows.assign(moved_from=None), by_unit)
        linked = rows[rows["moved_from"].notna()]
        links.update(zip(linked["moved_from"], linked["fingerprint"], strict=True))
    return links


def decisions_in_force(
    store: Store, round_id: str, previous: round_store.RoundInfo | None, run_id: int
) -> dict[str, str]:
    """Fingerprint → the decision in force (确认/驳回), a problem whose unit moved since
    inheriting its old fingerprint's decision unless a later one was made on the new one."""
    latest = round_store.latest_decisions(store)
    out = {fp: d.decision for fp, d in latest.items()}
    moves = unit_moves.list_moves(store) if previous is not None and latest else []
    if not moves:
        return out
    rounds = [r for r in round_store.list_rounds(store) if r.id != round_id]
    upto = rounds[: [r.id for r in rounds].index(previous.id) + 1]  # type: ignore[union-attr]
    for old, new in moved_links(store, upto, run_id, moves).items():
        if old in latest and (new not in latest or latest[new].at < latest[old].at):
            out[new] = latest[old].decision
    return out
