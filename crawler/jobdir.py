"""A crawl's job folder (`zwgk crawl --jobdir DIR`): what the next run needs to finish a crawl
that was killed (kill -9, SIGTERM, a reboot) — the same crawl run, completed.

Scrapy's own JOBDIR is not used: it does not survive kill -9. Its request queue's index
(``requests.queue/active.json``) is written only at a clean close, while ``requests.seen`` grows
as requests are scheduled, so after a kill the resumed crawl found its queue empty and every
entry page "already seen" and finished "successfully" with 0 requests, the units not reached
missing from the run. Requests in flight and rows still buffered were lost either way.

Here the store is the authority. A resumed run continues the *same* crawl run (one run holds
the whole crawl, as `zwgk evaluate` reads it), walks the directory and list pages again and
fetches only what the store does not hold for the run yet (`store.runs.run_progress`): article
pages neither stored nor sighted in the run, links of stored pages without a check in the run.
Decisions the first part took against the store as it was are taken the same way: the article
index it started from (new / changed / unchanged rows, where list paging stops) and the files of
pages it reads again are kept in the folder.

The folder holds ``job.json`` (written last, atomically: a folder without it was never started),
``seen.json.gz`` (the article index at the run's start), ``revalidate.txt`` / ``open.jsonl``
(`store.refetch`), and on each resume ``resume.json`` and ``refetch.jsonl``. When the run
finishes they are removed, so a nightly command with a fixed ``--jobdir`` starts a new run the
next night; a job whose run finished all the same (a copy of the folder, a kill between the
end of the run and the clean-up) is refused.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import NotConfigured

from crawler.seen import SeenIndex
from store import runs as run_store
from store.refetch import write_rows

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from store import Store

FORMAT = 1
JOB = "job.json"
SEEN = "seen.json.gz"
REVALIDATE = "revalidate.txt"
OPEN = "open.jsonl"
RESUME = "resume.json"
REFETCH = "refetch.jsonl"
# Every file this module writes: a folder holding only these (no job.json) was being set up
# when the process died, and is set up again.
OWN_FILES = {JOB, SEEN, REVALIDATE, OPEN, RESUME, REFETCH}


class JobError(RuntimeError):
    """The job folder cannot be used; the message is one sentence naming the folder."""


@dataclass(frozen=True)
class Job:
    run_id: int
    started_at: str  # the run's start (ISO), to tell it from a run of the same id elsewhere
    registry_hash: str
    units: list[str]
    full: bool
    format: int = FORMAT


def _own(name: str) -> bool:
    return name.removesuffix(".tmp") in OWN_FILES


def read_job(folder: Path) -> Job | None:
    """The job kept in ``folder``; None when there is none yet (no folder, an empty one, or one
    a killed process was still setting up). `JobError` when it cannot be read."""
    if not folder.exists():
        return None
    if not folder.is_dir():
        raise JobError(f"--jobdir {folder}: not a folder")
    path = folder / JOB
    if not path.exists():
        foreign = sorted(p.name for p in folder.iterdir() if not _own(p.name))
        if foreign:
            raise JobError(
                f"--jobdir {folder}: not a zwgk job folder (no {JOB}; it holds "
                f"{', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}, perhaps Scrapy's "
                "JOBDIR of an older zwgk, which cannot be resumed safely); remove it or choose "
                "an empty folder"
            )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        job = Job(**data)
        if job.format != FORMAT or not isinstance(job.run_id, int) or not job.registry_hash:
            raise ValueError(f"format {job.format!r}, run {job.run_id!r}")
        if not (folder / SEEN).is_file():
            raise ValueError(f"{SEEN} is missing")
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise JobError(
            f"--jobdir {folder}: {path.name} cannot be read ({exc}); this job cannot be "
            "resumed — remove the folder to start a new crawl"
        ) from exc
    return job


def check_matches(job: Job, folder: Path, registry_hash: str, units: list[str], full: bool) -> None:
    """The command resuming a job must ask for the same crawl."""
    if job.registry_hash != registry_hash:
        raise JobError(
            f"--jobdir {folder}: crawl run {job.run_id} was started with another registry "
            f"(sha256 {job.registry_hash[:12]}, now {registry_hash[:12]}); it cannot be resumed "
            "with this one — remove the folder to start a new crawl"
        )
    if sorted(job.units) != sorted(units) or job.full != full:
        raise JobError(
            f"--jobdir {folder}: crawl run {job.run_id} crawls {len(job.units)} units"
            f"{' (--full)' if job.full else ''}, not the {len(units)} units"
            f"{' (--full)' if full else ''} asked for; repeat its command to resume it, or "
            "remove the folder to start a new crawl"
        )


def check_resumable(store: Store, job: Job, folder: Path) -> None:
    """The store must hold the job's run, unfinished, and no run after it."""
    runs = store.runs()
    run = next((r for r in runs if r.id == job.run_id), None)
    if run is None or run.started_at.isoformat() != job.started_at:
        raise JobError(
            f"--jobdir {folder}: the store {store.url} has no crawl run {job.run_id} started "
            f"at {job.started_at}; this job belongs to another store"
        )
    if run.status == "finished":
        when = f"{run.finished_at:%Y-%m-%d %H:%M:%S} UTC" if run.finished_at else "already"
        raise JobError(
            f"--jobdir {folder}: crawl run {job.run_id} finished {when}, there is nothing to "
            "resume; remove the folder (or choose another) to start a new crawl"
        )
    later = [r.id for r in runs if r.id > job.run_id]
    if later:
        raise JobError(
            f"--jobdir {folder}: crawl run {job.run_id} cannot be resumed, crawl run "
            f"{later[0]} started after it; remove the folder to start a new crawl"
        )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def seen_bytes(store: Store) -> bytes:
    """The article index as it is now, as ``seen.json.gz`` holds it."""
    seen = SeenIndex.from_store(store)
    rows = {
        url: [title, day.isoformat() if day else None, etag, modified]
        for url, (title, day, etag, modified) in seen.rows.items()
    }
    return gzip.compress(json.dumps(rows, ensure_ascii=False).encode())


def create_job(
    folder: Path, store: Store, job: Job, files: dict[str, str], seen: bytes | None = None
) -> dict[str, Any]:
    """Set up ``folder`` for the run just started: the article index as it is now (or
    ``seen``, taken once for the parts of a distributed run), copies of the files the run reads
    again, then ``job.json``. Returns the crawl's settings."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # a set-up the process did not finish
        stale.unlink()
    _write_atomic(folder / SEEN, seen if seen is not None else seen_bytes(store))
    for setting, name in (("ZWGK_REVALIDATE", REVALIDATE), ("ZWGK_REFETCH", OPEN)):
        if setting in files:
            shutil.copyfile(files[setting], folder / name)
    _write_atomic(folder / JOB, json.dumps(asdict(job), ensure_ascii=False, indent=1).encode())
    return settings_for(folder, resumed=False)


def settings_for(folder: Path, resumed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"ZWGK_SEEN": str(folder / SEEN)}
    if (folder / REVALIDATE).exists():
        out["ZWGK_REVALIDATE"] = str(folder / REVALIDATE)
    if resumed:
        out["ZWGK_RESUME"] = str(folder / RESUME)
        out["ZWGK_REFETCH"] = str(folder / REFETCH)
    elif (folder / OPEN).exists():
        out["ZWGK_REFETCH"] = str(folder / OPEN)
    return out


def resume_job(
    folder: Path, store: Store, job: Job, reopen: bool = True
) -> tuple[dict[str, Any], run_store.RunProgress]:
    """Open the job's run again and write what its resumed part must not do again
    (``resume.json``) and what it fetches whatever the lists say (``refetch.jsonl``: the pages
    the first part was to read again and has not, and the links of the job's units' stored pages
    not checked yet). Call it holding the crawl lock. Returns the crawl's settings and the
    progress. ``reopen=False``: the run is still running, one host's part of a distributed run
    (`distributed`) whose coordinator holds the lock; the other parts' links are theirs."""
    with store.engine.begin() as conn:
        if reopen:
            run_store.resume_run(conn, job.run_id)
        progress = run_store.run_progress(conn, job.run_id)
    mine = set(job.units)
    rows: list[dict[str, Any]] = []
    if (folder / OPEN).exists():
        for line in (folder / OPEN).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if not row:
                continue
            done = progress.checked if row.get("kind") == "link" else progress.fetched
            if row["url"] not in done:
                rows.append(row)
    rows += [
        {"url": url, "unit_id": unit, "kind": "link"}
        for url, unit in progress.unchecked
        if unit in mine
    ]
    write_rows(rows, folder / REFETCH)
    state = {"seen": sorted(progress.seen), "checked": sorted(progress.checked)}
    _write_atomic(folder / RESUME, json.dumps(state, ensure_ascii=False).encode())
    return settings_for(folder, resumed=True), progress


def clear_job(folder: Path) -> None:
    """A finished run's job is over: its files go (``job.json`` first, so a kill half-way
    leaves a folder that starts a new job), the folder stays. The same command the next night
    then starts a new run in it."""
    for name in (JOB, *sorted(OWN_FILES - {JOB})):
        for path in (folder / name, folder / f"{name}.tmp"):
            path.unlink(missing_ok=True)


def load_seen(path: str | Path) -> SeenIndex:
    """The article index a job's run started from (``seen.json.gz``)."""
    import datetime as dt

    data = json.loads(gzip.decompress(Path(path).read_bytes()))
    return SeenIndex(
        {
            url: (title, dt.date.fromisoformat(day) if day else None, etag, modified)
            for url, (title, day, etag, modified) in data.items()
        }
    )


class ResumeFilter:
    """Spider middleware of a resumed run: drops the requests whose outcome the store already
    holds for the run — article pages stored or sighted in it (a 304 included), links checked
    in it. The pages and links to read again come through ZWGK_REFETCH, already filtered."""

    def __init__(self, crawler: Crawler, seen: frozenset[str], checked: frozenset[str]) -> None:
        self.crawler, self.seen, self.checked = crawler, seen, checked

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResumeFilter:
        path = crawler.settings.get("ZWGK_RESUME")
        if not path:
            raise NotConfigured
        state = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(crawler, frozenset(state["seen"]), frozenset(state["checked"]))

    def keep(self, element: Any) -> bool:
        if not isinstance(element, scrapy.Request) or element.meta.get("zwgk_refetch"):
            return True
        kind = element.meta.get("zwgk_kind")
        if kind == "article" and element.url in self.seen:
            self.crawler.stats.inc_value("zwgk/resume_skipped_articles")
            return False
        if kind == "link" and element.url in self.checked:
            self.crawler.stats.inc_value("zwgk/resume_skipped_links")
            return False
        return True

    def process_spider_output(self, response, result):
        for element in result:
            if self.keep(element):
                yield element

    async def process_spider_output_async(self, response, result):
        async for element in result:
            if self.keep(element):
                yield element
