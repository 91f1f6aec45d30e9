"""A problem's page as a picture (网页快照): what zwgk saw, for a unit to see at a glance — the
stored page drawn in headless Chromium with the element the problem names highlighted, and
beside it the fetch time (抓取时间, Beijing time) and the content hash (内容哈希: SHA-256 of the
stored page bytes, decompressed — the bytes as fetched).

The page and what to highlight are the text view's (`portal.evidence.problem_page`: the
version the round read, the links and texts its evidence names); the drawing is
`portal.snapshot_render`'s (sandboxed, bounded, one at a time). Scope is the caller's
``visible``, as for the text view: a problem outside it is None, as one that does not exist.

Made on demand and kept: a picture is drawn on its first request and kept as a PNG file in a
folder on disk — `portal.snapshot_dir`, default ``snapshots/`` beside a SQLite store (another
database: ``.zwgk/snapshots/`` in the working directory, as the portal's key) — named by the
SHA-256 of what it shows: the content hash, the highlight target, and the address and fetch
time stamped in its caption. So the same page with the same target is drawn once, for every
round and every portal process that asks, and a page that changed is a new picture. On disk
rather than in the store: pictures are a cache that can be dropped at any time (they are made
again), no migration is needed, and a store backup does not carry them. Nothing removes old
pictures; ``rm -r`` the folder when it grows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from common.config_file import configured_value
from portal.evidence import ARTICLES, ProblemPage, problem_page
from portal.sessions import secret_file
from portal.snapshot_render import DEFAULT_CHROMIUM, SnapshotError, Target, draw
from store import Store, models, states
from store.types import beijing_time

__all__ = ["Snapshot", "SnapshotError", "problem_snapshot", "snapshot_folder", "snapshot_png"]

RUNS = models.CrawlRun.__table__
FOLDER = "snapshots"
RENDERING = "1"  # bump when the drawing changes: every picture is drawn again


@dataclass(frozen=True)
class Snapshot:
    """What the picture of a problem's page shows, before it is drawn. ``available`` False:
    no picture, ``message`` says why."""

    available: bool
    message: str = ""
    url: str | None = None
    fetched_at: dt.datetime | None = None
    sha256: str = ""
    version_run: int | None = None
    key: str = ""  # the picture's file name in the cache (without .png)
    target: Target = Target()

    @property
    def fetched_zh(self) -> str:
        return f"{beijing_time(self.fetched_at)}（北京时间）" if self.fetched_at else "—"


def snapshot_folder(store: Store) -> Path:
    """Where the pictures of ``store``'s pages are kept (see the module's docstring)."""
    configured = configured_value("portal.snapshot_dir")
    if configured:
        return Path(configured)
    beside = secret_file(store)  # where the portal keeps its key for this store
    return (beside.parent if beside else Path.cwd() / ".zwgk") / FOLDER


def problem_snapshot(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> Snapshot | None:
    """The picture of problem ``fingerprint``'s page, described (not drawn); None when there is
    no such problem or its unit is not in ``visible`` (None: every unit)."""
    found = _described(store, round_id, fingerprint, visible)
    return None if found is None else found[0]


def _described(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> tuple[Snapshot, ProblemPage] | None:
    page = problem_page(store, round_id, fingerprint, visible)
    if page is None:
        return None
    if page.html is None or page.url is None:
        return Snapshot(False, page.message), page
    sha256 = hashlib.sha256(page.html).hexdigest()
    fetched = _fetched_at(store, page.article_id, page.run, page.version_run)
    target = Target(tuple(sorted(page.links)), page.needles)
    key = hashlib.sha256(
        json.dumps(
            [RENDERING, sha256, target.links, target.texts, page.url, beijing_time(fetched)],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    return Snapshot(True, "", page.url, fetched, sha256, page.version_run, key, target), page


def snapshot_png(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> bytes | None:
    """The picture of problem ``fingerprint``'s page, drawn on first request and kept; None
    when the problem is not there for ``visible`` (as `problem_snapshot`). `SnapshotError`
    when it has no page or cannot be drawn, naming the problem and the page."""
    found = _described(store, round_id, fingerprint, visible)
    if found is None:
        return None
    shot, page = found
    if not shot.available or page.html is None or shot.url is None:
        raise SnapshotError(f"问题 {fingerprint} 没有网页快照：{shot.message}")
    path = snapshot_folder(store) / shot.key[:2] / f"{shot.key}.png"
    if path.is_file():
        return path.read_bytes()
    caption = [
        "政务公开测评系统保存的网页（测评时抓取的内容，不是网站当前的页面；图片、样式和脚本未加载）",
        f"网址：{shot.url}",
        f"抓取时间：{shot.fetched_zh}　内容哈希（SHA-256）：{shot.sha256}",
    ]
    chromium = Path(configured_value("portal.chromium") or DEFAULT_CHROMIUM)
    try:
        drawn = draw(page.html, shot.url, shot.target, caption, chromium=chromium)
    except SnapshotError as failed:
        raise SnapshotError(f"问题 {fingerprint}：{failed}") from None
    _keep(path, drawn.png)
    return drawn.png


def _keep(path: Path, png: bytes) -> None:
    """Write the picture whole or not at all (two processes may draw the same one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(png)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fetched_at(
    store: Store, article_id: int | None, run: int | None, version_run: int | None
) -> dt.datetime | None:
    """When the page was fetched as the problem's run left it (`store.states`: a later crawl
    overwrites the time in place); else when the run that fetched the version started."""
    a = ARTICLES
    with store.reader.connect() as conn:
        fetched = None
        if article_id is not None and run is not None:
            kept = states.at(states.ARTICLE, run)
            fetched = conn.scalar(
                select(states.as_of(states.ARTICLE, kept, "fetched_at"))
                .select_from(a.outerjoin(kept, kept.c.key == a.c.id))
                .where(a.c.id == article_id)
            )
        if fetched is None and version_run is not None:
            fetched = conn.scalar(select(RUNS.c.started_at).where(RUNS.c.id == version_run))
    if isinstance(fetched, dt.datetime) and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.UTC)
    return fetched
