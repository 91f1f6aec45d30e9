"""A distributed run's board in Redis (看板): what each host's job is doing, the files a job
starts from, and whether the coordinator is still there.

Keys, under ``zwgk:crawl:<run>-<token>`` (the token keeps two stores' runs of the same id apart):

- ``…:jobs`` — a hash, host → the job's state as JSON (`JobState`); one job per host writes its
  own field (the host lock makes it one at a time), the coordinator reads them all;
- ``…:seen`` — the article index at the run's start (``seen.json.gz``), once for every job;
- ``…:files:<host>`` — the rest of the host's job folder (``job.json``, ``open.jsonl``,
  ``revalidate.txt``, ``distributed.json``): any worker, on any machine, makes the folder from
  these, so a job redelivered elsewhere resumes as it would where it started;
- ``…:alive`` — set by the coordinator every few seconds, expiring: a job whose coordinator is
  gone (killed, its run closed) is not started, and a running one is stopped.

Everything expires `KEEP_S` after it was last written; the coordinator deletes it at the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis

KEEP_S = 3 * 24 * 3600
ALIVE_TTL_S = 30
TERMINAL = ("done", "failed", "abandoned")


@dataclass
class JobState:
    """One host's job as the board shows it."""

    state: str = "queued"  # queued, waiting, host_down, running, retrying, done, failed, abandoned
    units: list[str] = field(default_factory=list)
    worker: str | None = None
    pid: int | None = None
    attempts: int = 0  # crawl processes started for this job
    down_checks: int = 0  # times the host refused a connection
    since: float = field(default_factory=time.time)
    detail: str = ""
    status: str | None = None  # the part's crawl status at the end (finished, interrupted, …)
    stats: dict[str, Any] | None = None

    @property
    def ended(self) -> bool:
        return self.state in TERMINAL


class Board:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self.redis, self.key = client, key

    @classmethod
    def connect(cls, url: str, key: str) -> Board:
        return cls(redis.Redis.from_url(url), key)

    def _keep(self, *names: str) -> None:
        for name in names:
            self.redis.expire(name, KEEP_S)

    # -- the coordinator ------------------------------------------------------------------
    def publish(self, seen: bytes, folders: Mapping[str, Path], units: Mapping[str, list[str]]):
        """Put the run's files and each host's queued job on the board."""
        self.redis.set(f"{self.key}:seen", seen, ex=KEEP_S)
        for host, folder in folders.items():
            files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
            files.pop("seen.json.gz", None)
            self.redis.hset(f"{self.key}:files:{host}", mapping=files)
            self._keep(f"{self.key}:files:{host}")
            self.put(host, JobState(units=units[host]))

    def beat(self) -> None:
        self.redis.set(f"{self.key}:alive", b"1", ex=ALIVE_TTL_S)

    def states(self) -> dict[str, JobState]:
        raw = self.redis.hgetall(f"{self.key}:jobs")
        return {k.decode(): JobState(**json.loads(v)) for k, v in raw.items()}

    def clear(self) -> None:
        names = [f"{self.key}:{n}" for n in ("jobs", "seen", "alive")]
        names += [k.decode() for k in self.redis.scan_iter(f"{self.key}:files:*")]
        self.redis.delete(*names)

    # -- a job ------------------------------------------------------------------------------
    def alive(self) -> bool:
        return bool(self.redis.exists(f"{self.key}:alive"))

    def has(self, host: str) -> bool:
        return bool(self.redis.hexists(f"{self.key}:jobs", host))

    def get(self, host: str) -> JobState:
        raw = self.redis.hget(f"{self.key}:jobs", host)
        return JobState(**json.loads(raw)) if raw else JobState()

    def put(self, host: str, state: JobState) -> None:
        self.redis.hset(f"{self.key}:jobs", host, json.dumps(asdict(state), ensure_ascii=False))
        self._keep(f"{self.key}:jobs")

    def update(self, host: str, **changes: Any) -> JobState:
        state = self.get(host)
        for name, value in changes.items():
            setattr(state, name, value)
        if "state" in changes:
            state.since = time.time()
        self.put(host, state)
        return state

    def make_folder(self, host: str, folder: Path) -> None:
        """The host's job folder from the board, unless this machine has it already (a job
        run here before: its ``resume.json`` and log are kept). ``job.json`` is written last,
        so a folder cut short by a kill is made again."""
        if (folder / "job.json").is_file():
            return
        files = self.redis.hgetall(f"{self.key}:files:{host}")
        seen = self.redis.get(f"{self.key}:seen")
        if not files or seen is None:
            raise LookupError(f"the board {self.key} has no job for host {host} (expired?)")
        folder.mkdir(parents=True, exist_ok=True)
        files = {k.decode(): v for k, v in files.items()}
        files["seen.json.gz"] = seen
        for name in sorted(files, key=lambda n: n == "job.json"):
            tmp = folder / f"{name}.tmp"
            tmp.write_bytes(files[name])
            tmp.replace(folder / name)
