"""What a crawl run *observed* (看到了什么) — the one definition, shared by the scorer and the run's
outcome.

A column is observed when the run listed it (its row count is the run's or a later run's), no
crawl issue says its list page could not be read, and it did not go from rows to none; a unit
is observed when the run was asked for it and read at least one of its column lists. A unit
or column the crawl could not read is never judged (docs/domain.md §3.6): `scoring.data`
marks it `observed=False`, and `store.runs.finish_run` counts the units a run observed to
decide whether the run `finished`, was `degraded` or `failed`.

These are pure functions over store-shaped frames (`observed_columns`, `observed_units`), plus
`unit_observation`, which reads the frames of one run from a connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, and_, or_, select

from store import states
from store.reads import columns_stmt, crawl_issues_stmt, listings_stmt, read_frame, units_stmt
from store.writes import ARTICLES, LISTINGS

# Crawl issues that mean "this page could not be read" (not "the page says nothing").
UNREADABLE = frozenset(
    {
        "host_unreachable",
        "anti_bot",
        "robots_blocked",
        "http_error",
        "timeout",
        "too_large",
        "extraction_anomaly",
    }
)


def ensure_columns(frame: pd.DataFrame, wanted: dict[str, Any], copy: bool = True) -> pd.DataFrame:
    """A copy (or, `copy=False`, the frame itself) with every `wanted` column present (missing
    ones empty, of the given dtype)."""
    out = frame.copy() if copy else frame
    for name, dtype in wanted.items():
        if name not in out:
            out[name] = (
                pd.Series([pd.NA] * len(out), index=out.index, dtype=dtype)
                if len(out)
                else pd.Series([], dtype=dtype)
            )
    return out


def _issue_urls(issues: pd.DataFrame, kinds: frozenset[str]) -> set[str]:
    if issues.empty:
        return set()
    bad = issues[issues["kind"].isin(kinds)]
    return {_norm_url(u) for u in bad["url"].dropna()}


def _norm_url(url: str) -> str:
    return url.rstrip("/")


def observed_columns(
    columns: pd.DataFrame, issues: pd.DataFrame, listings: pd.DataFrame, run_id: int | None
) -> pd.DataFrame:
    """``columns`` with `rows` (listed at the last listing), `ever_listed` and `observed`."""
    out = ensure_columns(
        columns,
        {
            "id": "Int64",
            "unit_id": object,
            "url": object,
            "name": object,
            "category": object,
            "path": object,
            "last_row_count": "Int64",
            "last_listed_run": "Int64",
        },
    )
    counted = out["last_row_count"].notna()
    if run_id is not None and out["last_listed_run"].notna().any():
        # Listed by this run or later (see scoring/data.py's module note); an older listing is
        # not this run's.
        counted &= out["last_listed_run"].fillna(-1).astype("int64") >= run_id
    unreadable = _issue_urls(issues, UNREADABLE)
    blocked = out["url"].map(lambda u: isinstance(u, str) and _norm_url(u) in unreadable)
    out["rows"] = out["last_row_count"].fillna(0).astype("int64")
    if not listings.empty and "column_id" in listings:
        ever = listings.groupby("column_id").size()
        out["ever_listed"] = out["id"].map(ever).fillna(0).astype("int64")
    else:
        out["ever_listed"] = 0
    # No rows now but rows before: the list was mis-parsed (the crawler records an
    # extraction_anomaly, on the list page's URL) or emptied. What it holds now is unknown, so
    # it is neither blank nor stale.
    emptied = (out["rows"] == 0) & (out["ever_listed"] > 0)
    out["observed"] = (counted & ~blocked.astype(bool) & ~emptied).astype(bool)
    return out


def observed_units(
    units: pd.DataFrame, columns: pd.DataFrame, run_units: Iterable[str] | None
) -> pd.DataFrame:
    """``units`` with `observed`, given the columns `observed_columns` returned."""
    out = ensure_columns(
        units,
        {"id": object, "name": object, "level": object, "parent": object, "entry_url": object},
    )
    # Observed: the run read at least one of the unit's column lists. A unit never crawled
    # has no directory; a unit whose entry page failed, or that a killed run never reached
    # (its columns known from an earlier run, none listed by this one), shows nothing this run
    # — judged, it would lack every required column. Nothing seen, nothing judged.
    seen = set(columns.loc[columns["observed"], "unit_id"])
    observed = out["id"].isin(seen)
    if run_units:
        observed &= out["id"].isin(set(run_units))
    out["observed"] = observed.astype(bool)
    return out


def added_listings_stmt(run_id: int, unit_ids: Sequence[str] | None = None) -> Select[Any]:
    """The listings that add to the articles as of ``run_id``: rows of pages the store has not
    (yet) fetched, and rows of a page in another column than the one it was first found in
    (信息多头发布).

    The other rows — a million, one per article in its own column — repeat what the articles
    say and would cost as much to read as the articles themselves."""
    li, a = LISTINGS.c, ARTICLES.c
    # An article's column is set once, when first unknown (store.writes): as of the run it is
    # the current one, or none for the few whose state then has none — a short list, looked up
    # instead of every article's state.
    kept = states.ARTICLE.states.c
    unset = select(kept.article_id).where(
        kept.valid_from_run <= run_id, kept.valid_to_run > run_id, kept.column_id.is_(None)
    )
    # The rows are picked first, the listing's and column's values as of the run read for them
    # only: read for every listing, they cost as much as the rest of the read.
    added = (
        select(li.id)
        .select_from(
            LISTINGS.outerjoin(ARTICLES, and_(a.url == li.url, a.first_seen_run <= run_id))
        )
        .where(li.first_seen_run <= run_id)
        .where(
            or_(
                a.id.is_(None),
                a.column_id.is_(None),
                a.column_id != li.column_id,
                a.id.in_(unset),
            )
        )
    )
    return listings_stmt(unit_ids, run_id).where(li.id.in_(added))


@dataclass(frozen=True)
class UnitObservation:
    """Which of the units a run was asked for it observed."""

    asked: list[str]
    not_observed: list[str]

    @property
    def observed(self) -> int:
        return len(self.asked) - len(self.not_observed)


def unit_observation(
    conn: Connection, run_id: int, run_units: Iterable[str] | None
) -> UnitObservation:
    """Read run ``run_id``'s frames and apply the definition above (``run_units``: the units the
    run was asked for; None: every stored unit)."""
    units = read_frame(conn, units_stmt())
    columns = read_frame(conn, columns_stmt(None, run_id))
    issues = read_frame(conn, crawl_issues_stmt(run_id))
    listings = read_frame(conn, added_listings_stmt(run_id))
    columns = observed_columns(columns, issues, listings, run_id)
    units = observed_units(units, columns, run_units)
    asked = sorted(run_units) if run_units is not None else sorted(units["id"])
    seen = set(units.loc[units["observed"], "id"])
    return UnitObservation(asked, [u for u in asked if u not in seen])
