"""Helpers for the check tests: hand-built `CrawlData`, and the crawled small sample portal.

`crawl_data(...)` builds a CrawlData from a few dict rows (dates as ISO text; every column a test
does not name gets an empty value), through the same `scoring.data.assemble` that `load_crawl`
uses, so "observed" is decided the real way.

`crawled_sample(tmp_path_factory)` generates the small sample portal, serves it and crawls it
with `zwgk crawl` in a subprocess (≈2 minutes), once per test run — the first xdist worker to ask
builds it under a lock in the run's common temporary folder, the others wait and read it; later
calls return the same directory. Its users copy the store before they write to it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.checks.base import CheckContext, get_check
from scoring.data import CrawlData, assemble
from scoring.workdays import default_calendar

AS_OF = dt.date(2025, 6, 30)
RUN = 1
_DATES = ("written_date", "publish_date", "listed_date")


def unit(uid: str, level: str = "市直部门", **extra: Any) -> dict:
    return {"id": uid, "name": uid, "level": level, "parent": None,
            "entry_url": f"http://gov.test/{uid}/", **extra}  # fmt: skip


def column(cid: int, unit_id: str, category: str, **extra: Any) -> dict:
    row = {"id": cid, "unit_id": unit_id, "url": f"http://gov.test/{unit_id}/col/{cid}/",
           "name": f"{category}-{cid}", "category": category, "path": category,
           "last_listed_run": RUN}  # fmt: skip
    row.update(extra)
    return row


def article(aid: int, unit_id: str, column_id: int, **extra: Any) -> dict:
    row = {"id": aid, "unit_id": unit_id, "column_id": column_id,
           "url": f"http://gov.test/{unit_id}/art/{aid}.html", "title": f"标题{aid}"}  # fmt: skip
    row.update(extra)
    return row


def crawl_data(
    units: Iterable[dict],
    columns: Iterable[dict] = (),
    articles: Iterable[dict] = (),
    *,
    listings: Iterable[dict] = (),
    links: Iterable[dict] = (),
    issues: Iterable[dict] = (),
    texts: dict[int, str] | None = None,
) -> CrawlData:
    """A CrawlData from rows. A column's `last_row_count` defaults to the number of pages
    listed in it or first found there."""
    arts = pd.DataFrame(list(articles))
    for name in _DATES:
        if name in arts:
            arts[name] = pd.to_datetime(arts[name]).astype("datetime64[s]")
    cols = pd.DataFrame(list(columns))
    lst = pd.DataFrame(list(listings))
    if len(cols) and "last_row_count" not in cols:
        pairs = [arts[["column_id", "url"]]] if len(arts) else []
        pairs += [lst[["column_id", "url"]]] if len(lst) else []
        rows = pd.concat(pairs).drop_duplicates() if pairs else pd.DataFrame(columns=["column_id"])
        counts = rows.groupby("column_id").size()
        cols["last_row_count"] = cols["id"].map(counts).fillna(0).astype("Int64")
    if len(cols):
        cols["last_row_count"] = cols["last_row_count"].astype("Int64")
    if "listed_date" in lst:
        lst["listed_date"] = pd.to_datetime(lst["listed_date"]).astype("datetime64[s]")
    iss = pd.DataFrame(list(issues))
    if len(iss) and "run_id" not in iss:
        iss["run_id"] = RUN
    loader = None
    if texts is not None:

        def loader(ids: list[int]) -> pd.Series:
            return pd.Series({i: texts[i] for i in ids if i in texts}, dtype=object)

    return assemble(
        pd.DataFrame(list(units)),
        cols,
        arts,
        lst,
        pd.DataFrame(list(links)),
        iss,
        run_id=RUN,
        text_loader=loader,
    )


def context(data: CrawlData, categories: Iterable[str] | None = None, **kw: Any) -> CheckContext:
    return CheckContext(
        as_of=kw.pop("as_of", AS_OF),
        calendar=kw.pop("calendar", default_calendar()),
        units=kw.pop("units", data.units),
        categories=frozenset(categories) if categories is not None else None,
        **kw,
    )


def run_check(
    name: str, data: CrawlData, params: dict | None = None, categories=None, **kw: Any
) -> pd.DataFrame:
    check = get_check(name)
    return check.run(
        data, check.Params.model_validate(params or {}), context(data, categories, **kw)
    )


# -- the crawled sample portal ------------------------------------------------------------------
_SAMPLE: dict[str, Path] = {}
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=4"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crawled_sample(tmp_path_factory, seed: int = 11, first_address: int = 101) -> Path:
    """A directory with the sample's model, manifest.json and zwgk.sqlite (crawled once; a
    template: tests copy it onto the suite's backend with `store.testing.StoreUrls.copy_of`)."""
    key = f"{seed}/{first_address}"
    if key in _SAMPLE:
        return _SAMPLE[key]
    from demo.generate import make_sample, write_portal

    directory = _run_folder(tmp_path_factory) / f"sample{seed}-{first_address}"
    done = directory.with_name(directory.name + ".done")
    with _locked(directory.with_name(directory.name + ".lock")):
        if not done.exists():
            shutil.rmtree(directory, ignore_errors=True)  # left half-built by a failed worker
            directory.mkdir()
            portal = make_sample(seed=seed, port=_free_port(), first_address=first_address)
            write_portal(directory, *portal)
            crawl_portal(directory)
            done.touch()
    _SAMPLE[key] = directory
    return directory


def _run_folder(tmp_path_factory) -> Path:
    """The temporary folder every process of this test run shares: under xdist each worker's
    base folder (``…/pytest-N/popen-gwK``) sits in the run's (``…/pytest-N``)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (released by the kernel if the process dies)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def crawl_portal(
    directory: Path, *options: str, db_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Serve the portal in ``directory`` and run `zwgk crawl` on it (a subprocess: one reactor
    per process) into ``db_url`` (default ``directory/zwgk.sqlite``); the server stops
    afterwards."""
    from demo import model as m
    from demo.server import PortalServer
    from demo.site import Site

    portal = m.load_portal(directory)
    server = PortalServer(portal, Site(portal))
    server.start()
    try:
        db_url = db_url or f"sqlite:///{directory / 'zwgk.sqlite'}"
        env = {**os.environ, "ZWGK_DATABASE_URL": db_url}
        command = [sys.executable, "-m", "zwgk", "crawl", "-r", str(directory / "units.yaml")]
        result = subprocess.run(
            [*command, "-q", *FAST, *options],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        server.stop()
    return result
