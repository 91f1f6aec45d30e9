"""`zwgk report round`: the round report for evaluators (测评情况报告) — an XLSX workbook and a
self-contained HTML page with charts, written from a stored round.

The work is split by output: `round_data` assembles the frames, `round_xlsx` writes the
workbook, `charts` draws, `round_html` renders the page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reports import files
from reports.round_data import round_report_data
from reports.round_html import chart_images, render
from reports.round_xlsx import write_xlsx

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)

# progress(done, total, what): one step per unit (its problems written), then the charts and
# the page.
Progress = Callable[[int, int, str], None]


def report_name(round_id: str) -> str:
    """The files' base name; a round id is free text, so keep it to file-name-safe characters."""
    return "测评情况报告_" + re.sub(r"[^\w.-]+", "_", round_id)


def write_round_report(
    store: Store, round_id: str, out_dir: Path, progress: Progress | None = None
) -> list[Path]:
    """Write the round report of ``round_id`` into ``out_dir``; returns [xlsx, html].

    Raises `store.rounds.RoundNotFound` (naming the stored rounds) for an unknown round."""
    data = round_report_data(store, round_id, patrol=True)
    total, done = len(data.units) + 2, 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    out_dir = Path(out_dir)
    base = report_name(round_id)
    xlsx = write_xlsx(data, out_dir / f"{base}.xlsx", on_unit=step)
    images = chart_images(data)
    step("图表")
    html = out_dir / f"{base}.html"
    files.write_text(html, render(data, images))
    step("网页")
    log.info("round %s: report written to %s and %s", round_id, xlsx, html)
    return [xlsx, html]
