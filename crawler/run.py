"""`zwgk crawl`: run the disclosure spider once, holding the store's crawl lock, then print a
summary table from what the run stored (with `-q`: the run and each crawl issue on one line).

With `--jobdir DIR` a killed crawl is finished by the same command, in the same crawl run
(`crawler.jobdir`); a folder that cannot be resumed is refused before anything is written.

The exit status says how the run ended (`EXIT_CODES`, docs/crawl.md): 0 finished, 1 not
finished (interrupted: run it again, with --jobdir to continue it), 2 bad input, 3 another crawl
holds the lock, 4 degraded (more than --max-unobserved of the units not observed), 5 failed (no
unit observed, or the store unreachable — at the start or during the run).

A Twisted reactor cannot restart in one process, so this is a once-per-process entry point;
tests run it in a subprocess.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from crawler.crawl_summary import outcome_line, print_failures, print_summary
from crawler.jobdir import (
    Job,
    JobError,
    check_matches,
    check_resumable,
    clear_job,
    create_job,
    read_job,
    resume_job,
)
from crawler.politeness_limits import PolitenessError, command_line_layer
from crawler.quiet import crawl_logging
from crawler.registry import RegistryError, load_registry
from store.refetch import broken_link_rows, open_problem_rows, unjudged_urls, write_rows
from store.runs import MAX_UNOBSERVED
from store.text import console as output_console
from store.text import shown

# `zwgk crawl`'s exit status by the run's outcome (2: bad input, 3: the crawl lock is held).
EXIT_CODES = {"finished": 0, "interrupted": 1, "degraded": 4, "failed": 5}
STORE_UNREACHABLE = 5

CRAWL_HELP = """Crawl the registry's units: directory → columns → lists → articles → links, into the
store.

\b
Exit status (for cron, systemd and monitors; `zwgk status` reads the same outcome later):
  0  finished: every unit observed (or all but --max-unobserved of them)
  1  interrupted: the run did not finish (killed); run the same command again
  2  bad input: registry, --unit/--level, --jobdir folder
  3  another crawl holds the store's crawl lock
  4  degraded: more than --max-unobserved of the units were not observed
  5  failed: no unit observed, or the store unreachable (at the start or during the run)
"""


def crawl_settings(
    registry,
    *,
    full: bool,
    database_url: str | None,
    overrides: dict | None = None,
):
    """Scrapy settings for one run: crawler/settings.py, then the registry's defaults (over
    zwgk.toml's, under `-s`: `crawler.politeness_limits`), then the other ``overrides``.

    Scrapy's JOBDIR is not set: it does not survive kill -9 (`crawler.jobdir` says why and
    what `--jobdir` keeps instead)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # zwgk installs its own handler (`zwgk.cli`); Scrapy's would print every record twice.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")
    defaults = registry.defaults
    settings.set("DOWNLOAD_DELAY", defaults.delay, priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", defaults.delay, priority="cmdline")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency, priority="cmdline")
    settings.set("USER_AGENT", defaults.user_agent, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", defaults.timeout, priority="cmdline")
    settings.set("ROBOTSTXT_OBEY", defaults.obey_robots, priority="cmdline")
    # Units whose overrides change politeness get their own download slot settings.
    slots = {}
    for unit in registry.units:
        mine = unit.settings
        if (mine.delay, mine.concurrency) != (defaults.delay, defaults.concurrency):
            slots[urlsplit(unit.entry).hostname] = {
                "delay": mine.delay,
                "concurrency": mine.concurrency,
            }
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    settings.set("ZWGK_FULL", full, priority="cmdline")
    if database_url:
        settings.set("ZWGK_DATABASE_URL", database_url, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    # The spider reads the registry again: with the same `-s` politeness, it resolves the same.
    settings.set("ZWGK_RUN_POLITENESS", registry.run.to_setting(), priority="cmdline")
    return settings


# The registry of every command that reads one; resolved by `registry_path`.
REGISTRY_OPTION = typer.Option(
    None,
    "--registry",
    "-r",
    help="Unit registry (YAML); default: zwgk.toml's crawl.registry ($ZWGK_REGISTRY), "
    "else ./units.yaml.",
)


def crawl(  # the help text is CRAWL_HELP (mounted in zwgk.cli)
    registry: Path | None = REGISTRY_OPTION,
    unit: list[str] = typer.Option([], "--unit", "-u", help="Only these unit ids (repeatable)."),
    level: list[str] = typer.Option(
        [], "--level", help="Only units of these levels (市直部门, 乡镇街道…)."
    ),
    full: bool = typer.Option(
        False, "--full", help="Re-read every article, not only new or changed ones."
    ),
    revalidate: bool = typer.Option(
        False,
        "--revalidate",
        help="Before a round: ask again, with If-None-Match/If-Modified-Since (a 304 when "
        "unchanged), for every page stored since the latest round (every known page when there "
        "is none), so pages edited in place since are read as they are now.",
    ),
    jobdir: Path | None = typer.Option(
        None,
        "--jobdir",
        help="Keep this crawl's state in this folder, so that if it is killed (kill -9, "
        "SIGTERM, a reboot) the same command finishes the same crawl run.",
    ),
    database_url: str | None = typer.Option(
        None, "--db", envvar="ZWGK_DATABASE_URL", help="Store URL."
    ),
    setting: list[str] = typer.Option(
        [],
        "--set",
        "-s",
        help="Scrapy setting NAME=VALUE (repeatable); DOWNLOAD_DELAY, "
        "CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_TIMEOUT, USER_AGENT are checked as the "
        "registry's delay, concurrency, timeout, user_agent (docs/registry.md).",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bars; one line per failure, no tables."
    ),
    refetch_open: bool = typer.Option(
        True,
        "--refetch-open/--no-refetch-open",
        help="Fetch again the pages of the latest round's open and fixed problems (a fix, or "
        "a fix undone, inside a page does not show in its list row).",
    ),
    max_unobserved: float = typer.Option(
        MAX_UNOBSERVED,
        "--max-unobserved",
        envvar="ZWGK_MAX_UNOBSERVED",
        min=0.0,
        max=1.0,
        help="Share of the units (0–1) that may go unobserved (site down, anti-bot page…) "
        "before the run ends degraded (exit 4) rather than finished.",
    ),
) -> None:
    from store import CrawlLocked, StoreUnavailable, open_store

    console = output_console(stderr=True)
    registry = registry_path(registry)
    overrides = dict(s.split("=", 1) for s in setting if "=" in s)
    try:
        reg = load_registry(registry, run=command_line_layer(overrides))
    except (RegistryError, PolitenessError, FileNotFoundError) as exc:
        console.print(shown(exc, style="red"))
        raise typer.Exit(2) from exc
    selected = reg.select(ids=unit or None, levels=level or None)
    if not selected:
        console.print("[red]no unit matches --unit/--level[/red]")
        raise typer.Exit(2)
    if not quiet and sys.stderr.isatty():
        overrides["ZWGK_PROGRESS"] = True
    overrides["ZWGK_MAX_UNOBSERVED"] = max_unobserved
    ids = [u.id for u in selected]
    try:  # before the store is opened: a folder that cannot be resumed changes nothing
        job = read_job(jobdir) if jobdir else None
        if job is not None:
            check_matches(job, jobdir, reg.hash, ids, full)
    except JobError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    try:
        store = open_store(database_url, create=True)  # a crawl may make the store
    except StoreUnavailable as exc:
        console.print(shown(f"error: {exc}", style="red"), soft_wrap=True)
        raise typer.Exit(STORE_UNREACHABLE) from exc
    try:
        with tempfile.TemporaryDirectory(prefix="zwgk-refetch-") as folder:
            if not full and job is None:  # a recheck names its own ZWGK_REFETCH
                open_ones = refetch_open and "ZWGK_REFETCH" not in overrides
                overrides.update(
                    look_again(store, ids, Path(folder), console, revalidate, open_ones)
                )
            with store.acquire_crawl_lock():
                run_id = begin(store, reg, ids, full, jobdir, job, overrides, console)
                overrides.update({"ZWGK_LOCK_HELD": True, "ZWGK_RUN_ID": run_id})
                settings = crawl_settings(
                    reg, full=full, database_url=database_url, overrides=overrides
                )
                run_crawl(settings, overrides, registry, ids, full)
    except CrawlLocked as exc:
        console.print(shown(f"another crawl is running: {exc}", style="red"))
        raise typer.Exit(3) from exc
    except JobError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:  # the store went away while the run was being set up
        raise store_gone(console, store, None, exc) from None
    raise typer.Exit(end_of_run(store, run_id, quiet, console, jobdir))


def end_of_run(store, run_id: int, quiet: bool, console: Console, jobdir: Path | None) -> int:
    """What `zwgk crawl` prints when a run ends (`crawler.crawl_summary`), and its exit status
    by the run's outcome (`EXIT_CODES`); also the end of `zwgk crawl --distributed`."""
    try:
        run = next(r for r in store.runs() if r.id == run_id)
        if quiet:
            print_failures(store, run_id, Console(width=10_000, soft_wrap=True))
        else:
            print_summary(store, run_id, output_console())
    except SQLAlchemyError as exc:  # the store went away during the run
        raise store_gone(console, store, run_id, exc) from None
    store.close()
    if run.status == "finished" and jobdir:
        clear_job(jobdir)
    if run.status == "interrupted" and jobdir:
        console.print(
            f"crawl run {run_id} is {run.status}: run the same command again "
            f"(--jobdir {jobdir}) to finish it",
            highlight=False,
        )
    outcome = run.outcome or "interrupted"  # no outcome: the run was never closed
    if outcome in ("degraded", "failed"):
        console.print(shown(outcome_line(run), style="red" if outcome == "failed" else "yellow"))
    return EXIT_CODES.get(outcome, 5)


def store_gone(console: Console, store, run_id: int | None, exc: BaseException) -> typer.Exit:
    """One line for a store that stopped answering; exit 5 (failed). The run, if one was
    started, stays 'running' in the store and the next crawl marks it interrupted."""
    from store.core import _first_line

    what = f"crawl run {run_id}" if run_id else "the crawl"
    console.print(
        shown(f"error: the store {store.url} stopped answering during {what}: {_first_line(exc)}",
              style="red"),
        soft_wrap=True,
    )  # fmt: skip
    store.close()
    return typer.Exit(STORE_UNREACHABLE)


def registry_path(option: Path | None) -> Path:
    """The registry to crawl: the option, else zwgk.toml's `crawl.registry` ($ZWGK_REGISTRY),
    else ./units.yaml."""
    from common.config_file import configured_value

    return option or configured_value("crawl.registry", Path("units.yaml"))


def begin(
    store, reg, ids: list[str], full: bool, jobdir: Path | None, job, overrides: dict, console
) -> int:
    """Start the crawl run, or continue the one a job folder holds (holding the crawl lock);
    with a job folder, the settings that let a later run finish this one go into
    ``overrides``. Returns the run id."""
    if job is not None:
        check_resumable(store, job, jobdir)
        settings, progress = resume_job(jobdir, store, job)
        overrides.update(settings)
        console.print(
            f"resuming crawl run {job.run_id} from {jobdir}: {len(progress.seen)} articles "
            f"and {len(progress.checked)} link checks of it are stored, "
            f"{len(progress.unchecked)} links of stored pages still to check",
            highlight=False,
        )
        return job.run_id
    run_id = store.start_run("full" if full else "incremental", ids, reg.hash)
    if jobdir is None:
        return run_id
    try:
        started = next(r.started_at for r in store.runs() if r.id == run_id)
        new = Job(run_id, started.isoformat(), reg.hash, ids, full)
        overrides.update(create_job(jobdir, store, new, overrides))
    except BaseException:
        store.finish_run(run_id, "failed", None)
        raise
    return run_id


def run_crawl(settings, overrides: dict, registry: Path, ids: list[str], full: bool) -> None:
    """The Scrapy part, once per process. Scrapy's own records of expected network failures
    are left out unless `zwgk -v` (`crawler.quiet`): the crawl issues say it once."""
    from scrapy.crawler import CrawlerProcess

    level = logging.getLevelName(overrides["LOG_LEVEL"]) if "LOG_LEVEL" in overrides else None
    with crawl_logging(level if isinstance(level, int) else logging.getLogger().level):
        process = CrawlerProcess(settings)
        quiet_scrapy_loggers(overrides)
        process.crawl("disclosure", registry=str(registry), units=ids, full=full)
        process.start()


def look_again(
    store, unit_ids: list[str], folder: Path, console: Console, revalidate: bool, open_ones: bool
) -> dict[str, str]:
    """Settings naming what an incremental run reads whatever its list rows say
    (`store.refetch`): with ``revalidate`` the pages no round has judged yet
    (ZWGK_REVALIDATE); with ``open_ones`` the pages of the latest round's problems and the links
    found broken before (ZWGK_REFETCH). The files are written into ``folder``."""
    out = {}
    if revalidate:
        urls = unjudged_urls(store, unit_ids)
        out["ZWGK_REVALIDATE"] = str(write_rows(urls, folder / "revalidate.txt"))
        console.print(f"asking again for {len(urls)} pages stored since the latest round")
    if open_ones:
        pages, links = open_problem_rows(store, unit_ids), broken_link_rows(store, unit_ids)
        if pages or links:
            out["ZWGK_REFETCH"] = str(write_rows(pages + links, folder / "open.jsonl"))
            console.print(
                f"fetching again {len(pages)} pages of the latest round's problems, "
                f"checking again {len(links)} links found broken before",
                highlight=False,
            )
    return out


def quiet_scrapy_loggers(overrides: dict) -> None:
    """Give Scrapy's loggers zwgk's verbosity (`zwgk -v`: DEBUG, else WARNING), or the level
    asked for with ``-s LOG_LEVEL=…``.

    Without its root handler Scrapy still sets its ``scrapy`` logger to DEBUG, and those records
    reach the handler `zwgk.cli` installed: every response and every scraped item (with its
    page HTML) was written to stderr, about 11 kB per request, slowing the crawl.
    """
    level = overrides.get("LOG_LEVEL") or logging.getLogger().getEffectiveLevel()
    logging.getLogger("scrapy").setLevel(level)
