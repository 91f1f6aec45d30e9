"""What a crawl fetches again whatever its list rows say: the pages problems point at.

Read from the store (stored rounds, articles, links) by both `zwgk crawl` (crawler.run) and
`zwgk recheck` (scoring.recheck), so it lives below both.

An incremental run skips an article whose list row did not change, so a fix made inside the
page (a 文号 corrected, a back-link added, an attachment restored) — or undone again — would
stay unseen until a `--full` run. The pages of the latest round's open and fixed problems,
and of the latest patrols' problems, are few (one per problem, plus the article holding each
broken link), so every incremental run fetches them again, whole, and checks their links
again (`zwgk crawl --no-refetch-open` turns this off). `zwgk recheck` (回头看) uses the same rows
for one round.

Links found broken (or suspected) by their latest check are checked again too: an attachment
restored on the server changes no page at all. And before a round, `--revalidate` asks again
(with validators) for the pages stored since the latest round (`unjudged_urls`).

A unit whose site moved since (`zwgk units move`, `store.moves`) is asked at its new address:
its pages' and columns' URLs, and the links of its pages, are mapped before they are written.

The rows go to the spider as a JSON-lines file (setting ZWGK_REFETCH) of
{url, unit_id, column_url, listed_date}, and {url, unit_id, kind: "link"} for links.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from common.vocabulary import UNRESOLVED
from store import moves as unit_moves
from store import patrols
from store import rounds as round_store

if TYPE_CHECKING:
    from store import Store

# A nightly run looks again at what is still to fix, and at what the latest round saw fixed: a
# fix undone inside the page (反弹) shows in no list row either.
WATCHED = (*UNRESOLVED, "fixed")


def refetch_rows(
    store: Store, problems: pd.DataFrame, read_by: int | None = None
) -> list[dict[str, Any]]:
    """The articles to fetch again: problem targets that are stored articles, and the articles
    holding the links that broken-link problems point at. ``read_by``: the crawl run the
    problems' round read; the rows of units that moved since are at their new addresses."""
    units = sorted(set(problems["unit_id"]))
    if not units:
        return []
    articles = store.articles_frame(
        columns=["url", "unit_id", "column_id", "listed_date"], unit_ids=units
    )
    columns = store.columns_frame(unit_ids=units).set_index("id")["url"]
    links = store.links_frame(unit_ids=units)
    targets = set(problems["target_url"].dropna()) | {
        s.split("#", 1)[0] for s in problems["subject"]
    }
    holders = set(links.loc[links["url"].isin(targets), "article_url"])
    wanted = articles[articles["url"].isin(targets | holders) & articles["column_id"].notna()]
    rows = []
    for a in wanted.itertuples(index=False):
        rows.append(
            {
                "url": a.url,
                "unit_id": a.unit_id,
                "column_url": columns.get(int(a.column_id)),
                "listed_date": None if pd.isna(a.listed_date) else a.listed_date.date().isoformat(),
            }
        )
    if read_by is None:
        return rows
    by_unit = unit_moves.between(unit_moves.list_moves(store, units), read_by, _next_run(store))
    for row in rows:
        if row["unit_id"] in by_unit:
            for key in ("url", "column_url"):
                if isinstance(row[key], str):
                    row[key] = unit_moves.map_url(by_unit[row["unit_id"]], row[key])
    return rows


def _next_run(store: Store) -> int:
    """The id the coming crawl run will have at least: every recorded move is before it."""
    return max((r.id for r in store.runs()), default=0) + 1


def open_problem_rows(store: Store, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Refetch rows for the open and fixed problems of the latest stored round, and for the
    problems of the latest two patrols (`zwgk patrol`: found last night, or the night before and
    gone since — a fix undone shows in no list row either); none before the first of either."""
    wanted = list(unit_ids) if unit_ids else None
    rows: list[dict[str, Any]] = []
    rounds = round_store.list_rounds(store)
    if rounds:
        latest = rounds[-1]  # in evaluation order
        problems = round_store.problems_frame(
            store, latest.id, wanted, statuses=WATCHED, evidence=False
        )
        rows += refetch_rows(store, problems, latest.crawl_run) if len(problems) else []
    patrol = patrols.latest_patrol(store)
    for seen in (patrol, patrol and patrols.patrol_before(store, patrol.id)):
        if seen is None:
            continue
        found = patrols.patrol_findings(store, seen.id)
        found = found[found["kind"] == "problem"]
        if wanted is not None:
            found = found[found["unit_id"].isin(wanted)]
        rows += refetch_rows(store, found, seen.crawl_run) if len(found) else []
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["url"], row)
    return list(unique.values())


def broken_link_rows(store: Store, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Links whose latest check was not ok, one row per (unit, URL)."""
    links = store.links_frame(unit_ids=list(unit_ids) if unit_ids else None)
    if links.empty:
        return []
    bad = links[links["outcome"].isin(["confirmed_broken", "suspected"])]
    moves = unit_moves.list_moves(store, sorted(set(bad["unit_id"])))
    if moves:  # links of a unit that moved since they were checked: at the new address
        upto = _next_run(store)
        bad = bad.assign(
            url=[
                unit_moves.map_url(unit_moves.between(moves, int(run), upto).get(unit, []), url)
                for unit, url, run in zip(
                    bad["unit_id"], bad["url"], bad["checked_run"], strict=True
                )
            ]
        )
    bad = bad.drop_duplicates(["unit_id", "url"]).sort_values(["unit_id", "url"])
    return [{"url": r.url, "unit_id": r.unit_id, "kind": "link"} for r in bad.itertuples()]


def unjudged_urls(store: Store, unit_ids: Sequence[str] | None = None) -> list[str]:
    """Known articles whose stored copy no round has judged yet: fetched (new or changed) after
    the crawl run the latest round read — every known article when there is no round. Before a
    round these are asked for again (`zwgk crawl --revalidate`): a unit may have fixed such a
    page in place since it was stored, and a deduction must rest on the page as it is."""
    rounds = round_store.list_rounds(store)
    articles = store.articles_frame(
        columns=["url", "unit_id", "version_run"], unit_ids=list(unit_ids) if unit_ids else None
    )
    if rounds:
        articles = articles[articles["version_run"] > rounds[-1].crawl_run]
    moves = unit_moves.list_moves(store, sorted(set(articles["unit_id"])))
    if not moves:
        return sorted(articles["url"])
    upto = _next_run(store)  # pages of a unit that moved since: at the new address
    return sorted(
        {
            unit_moves.map_url(unit_moves.between(moves, int(run), upto).get(unit, []), url)
            for unit, url, run in zip(
                articles["unit_id"], articles["url"], articles["version_run"], strict=True
            )
        }
    )


def write_rows(rows: Iterable[dict[str, Any] | str], path: Path) -> Path:
    """JSON lines (one row per line); plain strings are written as they are."""
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return path
