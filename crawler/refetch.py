"""What a crawl fetches again whatever its list rows say: the pages problems point at.

An incremental run skips an article whose list row did not change, so a fix made inside the
page (a 文号 corrected, a back-link added, an attachment restored) — or undone again — would
stay unseen until a `--full` run. The pages of the latest round's open and fixed problems are
few (one per problem, plus the article holding each broken link), so every incremental run
fetches them again, whole, and
checks their links again (`zwgk crawl --no-refetch-open` turns this off). `zwgk recheck` (回头看)
uses the same rows for one round.

Links found broken (or suspected) by their latest check are checked again too: an attachment
restored on the server changes no page at all. And before a round, `--revalidate` asks again
(with validators) for the pages stored since the latest round (`unjudged_urls`).

The rows go to the spider as a JSON-lines file (setting ZWGK_REFETCH) of
{url, unit_id, column_url, listed_date}, and {url, unit_id, kind: "link"} for links.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from store import rounds as round_store

if TYPE_CHECKING:
    from store import Store

OPEN = ("new", "open", "regressed", "not_comparable")  # statuses a later look can change
# A nightly run also watches what the latest round saw fixed: a fix undone inside the page
# (反弹) shows in no list row either.
WATCHED = (*OPEN, "fixed")


def refetch_rows(store: Store, problems: pd.DataFrame) -> list[dict[str, Any]]:
    """The articles to fetch again: problem targets that are stored articles, and the articles
    holding the links that broken-link problems point at."""
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
    return rows


def open_problem_rows(store: Store, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Refetch rows for the open and fixed problems of the latest stored round (none: no round
    yet)."""
    rounds = round_store.list_rounds(store)
    if not rounds:
        return []
    latest = rounds[-1]  # in evaluation order
    problems = round_store.problems_frame(
        store, latest.id, list(unit_ids) if unit_ids else None, statuses=WATCHED, evidence=False
    )
    return refetch_rows(store, problems) if len(problems) else []


def broken_link_rows(store: Store, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Links whose latest check was not ok, one row per (unit, URL)."""
    links = store.links_frame(unit_ids=list(unit_ids) if unit_ids else None)
    if links.empty:
        return []
    bad = links[links["outcome"].isin(["confirmed_broken", "suspected"])]
    bad = bad.drop_duplicates(["unit_id", "url"]).sort_values(["unit_id", "url"])
    return [{"url": r.url, "unit_id": r.unit_id, "kind": "link"} for r in bad.itertuples()]


def unjudged_urls(store: Store, unit_ids: Sequence[str] | None = None) -> list[str]:
    """Known articles whose stored copy no round has judged yet: fetched (new or changed) after
    the crawl run the latest round read — every known article when there is no round. Before a
    round these are asked for again (`zwgk crawl --revalidate`): a unit may have fixed such a
    page in place since it was stored, and a deduction must rest on the page as it is."""
    rounds = round_store.list_rounds(store)
    articles = store.articles_frame(
        columns=["url", "version_run"], unit_ids=list(unit_ids) if unit_ids else None
    )
    if rounds:
        articles = articles[articles["version_run"] > rounds[-1].crawl_run]
    return sorted(articles["url"])


def write_rows(rows: Iterable[dict[str, Any] | str], path: Path) -> Path:
    """JSON lines (one row per line); plain strings are written as they are."""
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return path
