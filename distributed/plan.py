"""How long a night's crawl takes, for planning machines (容量估算): a small simulation.

Politeness bounds each host: with the default delay (1 s between two requests to a host; with a
delay Scrapy sends one request per delay, whatever the concurrency), a host's part of the night
takes as many seconds as it has requests. A machine bounds the rest: one crawl process handles
about `PAGES_PER_S` pages a second (CPU: extraction and store writes), shared by the jobs it
runs at once (`zwgk worker -c`, `SLOTS`). Host jobs go, longest first, to the first free slot
(what Celery's queue does with jobs enqueued longest first, to within the order).

A night's requests per host: its list and directory pages (an incremental run still reads each
column's first list page: `LIST_REQUESTS_PER_UNIT`, measured on the sample portal's units), plus
each new article's page and its links checked (`REQUESTS_PER_ARTICLE`). New articles are spread
evenly over the hosts, units too.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

DELAY_S = 1.0  # crawl.delay's default (docs/config.md)
PAGES_PER_S = 40.0  # one crawl process without politeness (benchmarks/distributed.py measures it)
# Jobs a machine runs at once. Each is a crawl process of ≈ 200 MB, so 16 fit a 4 GiB machine;
# at one request a second each they stay under `PAGES_PER_S`.
SLOTS = 16
LIST_REQUESTS_PER_UNIT = 23  # an unchanged unit of the sample portal, incremental run
REQUESTS_PER_ARTICLE = 2.0  # its page, and about one new link (attachment) to check


@dataclass(frozen=True)
class Night:
    hosts: int
    units: int  # in all, spread over the hosts
    new_articles: int  # in all, spread over the hosts


def host_requests(night: Night) -> list[float]:
    per_host = (
        night.units * LIST_REQUESTS_PER_UNIT + night.new_articles * REQUESTS_PER_ARTICLE
    ) / night.hosts
    return [per_host] * night.hosts


def simulate(
    night: Night, workers: int, slots: int = SLOTS, delay: float = DELAY_S,
    pages_per_s: float = PAGES_PER_S,
) -> float:  # fmt: skip
    """Seconds from the first request to the last, with ``workers`` machines of ``slots`` jobs
    each. Each running job proceeds at one request per ``delay``, unless its machine's
    ``pages_per_s`` shared by its running jobs is less."""
    jobs = sorted(host_requests(night), reverse=True)
    rate = min(1 / delay, pages_per_s / slots) if delay > 0 else pages_per_s / slots
    # With every slot busy each job runs at `rate`; fewer jobs than slots only at the end,
    # where the tail is short: a slot-level list schedule is close enough for planning.
    free = [0.0] * (workers * slots)
    heapq.heapify(free)
    end = 0.0
    for requests in jobs:
        start = heapq.heappop(free)
        finish = start + requests / rate
        end = max(end, finish)
        heapq.heappush(free, finish)
    return end


def one_process(night: Night, delay: float = DELAY_S, pages_per_s: float = PAGES_PER_S) -> float:
    """A local `zwgk crawl`: every host at once in one process, bounded by the hosts' politeness
    and the process's pages a second."""
    requests = host_requests(night)
    return max(max(requests) * delay, sum(requests) / pages_per_s)


def planning_table(
    nights: list[Night], worker_counts: list[int], slots: int = SLOTS,
    pages_per_s: float = PAGES_PER_S,
) -> list[list[str]]:  # fmt: skip
    """Rows of hours: hosts, units, new articles, one local process, then each worker count."""
    rows = []
    for night in nights:
        row = [str(night.hosts), str(night.units), str(night.new_articles)]
        row.append(f"{one_process(night, pages_per_s=pages_per_s) / 3600:.1f}")
        row += [
            f"{simulate(night, w, slots, pages_per_s=pages_per_s) / 3600:.1f}"
            for w in worker_counts
        ]
        rows.append(row)
    return rows
