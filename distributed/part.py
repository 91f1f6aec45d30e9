"""One host's part of a distributed crawl run, in a process of its own (`zwgk crawl-part
FOLDER`, started by the worker's job; a Twisted reactor cannot restart in one process).

The job folder is a `crawler.jobdir` folder whose ``job.json`` names the coordinator's run and
the host's units, plus ``distributed.json`` (the registry the coordinator crawled and its
``-s`` settings). Every start of the part — the first, or again after a kill on this machine or
another — is a resume of that job (`crawler.jobdir.resume_job` without reopening the run, which
the coordinator holds): what the store already holds for the run is not fetched again, and the
paging decisions are taken against the article index of the run's start. The part writes its
status and figures to ``part.json`` (``ZWGK_RUN_PART``); the coordinator closes the run.
"""

from __future__ import annotations

import json
from pathlib import Path

from crawler.jobdir import JobError, check_matches, check_resumable, read_job, resume_job
from crawler.politeness_limits import command_line_layer
from crawler.registry import load_registry
from crawler.run import crawl_settings, run_crawl

SETTINGS = "distributed.json"
RESULT = "part.json"
# `zwgk crawl-part`'s exit status: 0 the part finished, 1 it did not (killed, interrupted),
# 2 the job cannot run here (another registry, another store), 5 the store failed.
EXIT = {"finished": 0, "interrupted": 1, "failed": 5}


def part_settings(registry: Path, overrides: dict[str, str], max_unobserved: float) -> bytes:
    return json.dumps(
        {"registry": str(registry), "settings": overrides, "max_unobserved": max_unobserved},
        ensure_ascii=False,
    ).encode()


def run_part(folder: Path, registry: Path | None, database_url: str | None) -> int:
    """Crawl the job in ``folder`` into its run; returns the exit status (`EXIT`).
    ``registry``: this machine's copy of the registry (default: the coordinator's path); it
    must be the same file (its hash is checked)."""
    from store import open_store

    extra = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    overrides: dict = dict(extra["settings"])
    registry = registry or Path(extra["registry"])
    reg = load_registry(registry, run=command_line_layer(overrides))
    job = read_job(folder)
    if job is None:
        raise JobError(f"{folder}: no job.json, not a job folder")
    check_matches(job, folder, reg.hash, job.units, job.full)
    (folder / RESULT).unlink(missing_ok=True)
    store = open_store(database_url)
    try:
        check_resumable(store, job, folder)
        settings, _ = resume_job(folder, store, job, reopen=False)
    finally:
        store.close()
    overrides.update(settings)
    overrides.update(
        {
            "ZWGK_LOCK_HELD": True,  # the coordinator holds the store's crawl lock
            "ZWGK_RUN_ID": job.run_id,
            "ZWGK_RUN_PART": str(folder / RESULT),
            "ZWGK_MAX_UNOBSERVED": extra["max_unobserved"],
        }
    )
    settings = crawl_settings(reg, full=job.full, database_url=database_url, overrides=overrides)
    run_crawl(settings, overrides, registry, job.units, job.full)
    return EXIT.get(read_result(folder)[0] or "interrupted", 1)


def read_result(folder: Path) -> tuple[str | None, dict]:
    """The part's status and figures; (None, {}) when it never wrote them (killed)."""
    try:
        data = json.loads((folder / RESULT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    return data["status"], data["stats"]
