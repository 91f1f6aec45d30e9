"""What `zwgk crawl` prints when a run ends: per unit of the run (its own units only) whether
it was observed, what was listed, fetched and seen, the run's figures, columns that match no
category, and the crawl issues — site problems, kept apart from the units' findings. With `-q`,
the run and each crawl issue on one line. Read from what the run stored, never from the spider.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from crawler.fallbacks import print_fallbacks
from store.text import shown


def outcome_line(run) -> str:
    """Why a run is degraded or failed, in one line."""
    stats = run.stats or {}
    missing = stats.get("zwgk/units_not_observed")
    if missing is None:
        return f"crawl run {run.id} {run.ended}: it did not run to its end (see the log above)"
    shown_ids = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
    return (
        f"crawl run {run.id} {run.ended}: {len(missing)} of {stats.get('zwgk/units')} units "
        f"not observed ({shown_ids}); their crawl issues say why"
    )


def run_title(run) -> str:
    resumed = ", resumed: figures of the last part" if (run.stats or {}).get("zwgk/resumed") else ""
    return f"crawl run {run.id}: {run.ended} ({run.mode}{resumed})"


def figures(stats: dict) -> str:
    text = ", ".join(
        f"{label} {stats.get(key, 0)}"
        for label, key in (
            ("requests", "downloader/request_count"),
            ("articles fetched", "zwgk/articles_fetched"),
            ("skipped as known", "zwgk/articles_skipped_known"),
            ("links ok", "zwgk/links_ok"),
            ("broken", "zwgk/links_confirmed_broken"),
            ("suspected", "zwgk/links_suspected"),
        )
    )
    if "zwgk/units" in stats:
        text += f", units observed {stats['zwgk/units_observed']} of {stats['zwgk/units']}"
    return text


def print_failures(store, run_id: int, console: Console) -> None:
    """`zwgk crawl -q`: the run on one line, then each crawl issue on one line (kind, unit,
    URL, detail), nothing else."""
    run = next(r for r in store.runs() if r.id == run_id)
    line = f"{run_title(run)}; {figures(run.stats or {})}"
    console.print(line, highlight=False, markup=False)
    issues = store.crawl_issues_frame(run_id)
    for row in issues.itertuples():
        detail = " ".join(str(row.detail or "").split())
        console.print(
            f"{row.kind} {row.unit_id or '-'} {row.url} {detail}", highlight=False, markup=False
        )


def print_summary(store, run_id: int, console: Console) -> None:
    """Per-unit figures of one run — its own units only, the ones it was asked for — then its
    crawl issues (kept apart from unit findings)."""
    run = next(r for r in store.runs() if r.id == run_id)
    stats = run.stats or {}
    issues = store.crawl_issues_frame(run_id)
    mine = list(run.units) if run.units is not None else None
    listings = store.listings_frame(unit_ids=mine, as_of_run=run_id)
    listings = listings[listings["last_seen_run"] == run_id]  # listed by this run
    articles = store.articles_frame(
        columns=["unit_id", "url", "first_seen_run", "last_seen_run"], unit_ids=mine
    )
    unseen = set(stats.get("zwgk/units_not_observed") or [])
    table = Table(title=run_title(run))
    for name in ("unit", "observed", "listed", "new articles", "seen", "crawl issues"):
        table.add_column(name, justify="right" if name != "unit" else "left")
    units = sorted(mine) if mine is not None else sorted(
        set(articles["unit_id"]) | set(issues["unit_id"].dropna() if len(issues) else [])
    )  # fmt: skip
    for unit_id in units:
        read = articles[articles["unit_id"] == unit_id]
        table.add_row(
            shown(unit_id),
            ("no" if unit_id in unseen else "yes") if "zwgk/units" in stats else "—",
            str(int((listings["unit_id"] == unit_id).sum())),
            str(int((read["first_seen_run"] == run_id).sum())),
            str(int((read["last_seen_run"] == run_id).sum())),
            str(int((issues["unit_id"] == unit_id).sum())) if len(issues) else "0",
        )
    console.print(table)
    console.print(figures(stats))
    print_fallbacks(store, run_id, mine, console)
    columns = store.columns_frame()
    unmatched = columns[columns["category"].isna() & (columns["last_seen_run"] == run_id)]
    if len(unmatched):
        console.print(
            f"[yellow]{len(unmatched)} columns match no category; add their names to "
            "crawler/columns.yaml or to the unit's `overrides: columns:` in the registry:[/yellow]"
        )
        for row in unmatched.itertuples():
            label = row.path if isinstance(row.path, str) and row.path else row.name
            console.print(shown(f"  {row.unit_id}  {label}  {row.url}"))
    if len(issues):
        problems = Table(title="crawl issues (site problems — not the units' findings)")
        for name in ("kind", "unit", "url", "detail"):
            problems.add_column(name)
        for row in issues.itertuples():
            problems.add_row(*map(shown, (row.kind, row.unit_id, row.url, row.detail)))
        console.print(problems)
