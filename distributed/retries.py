"""How a run's jobs retry and how long a dead worker's host lock lives, chosen by the
coordinator (`zwgk crawl --distributed` options) and carried in each job's message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Retries:
    down_retries: int  # times a host that refuses connections is tried again
    backoff: float  # seconds before a job's first retry, doubling
    job_retries: int  # times a crawl process that did not finish is run again (it resumes)
    lock_ttl: float  # seconds a dead worker's host lock outlives it
