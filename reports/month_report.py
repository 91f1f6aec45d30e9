"""`zwgk report month`: the monthly monitoring report (月监测报告) — an XLSX workbook and a
self-contained HTML page with charts, from the stored patrols of one month.

`month_data` reads the frames once (and says what each number means), `month_xlsx` writes the
workbook, `month_charts` draws, `month_html` renders the page.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from patrol.history import DEFAULT_DEADLINE
from reports import files
from reports.month_data import Month, month_report_data
from reports.month_html import chart_images, render
from reports.month_xlsx import write_xlsx

if TYPE_CHECKING:
    from store import Store

log = logging.getLogger(__name__)


def report_name(month: Month) -> str:
    return f"月监测报告_{month}"


def write_month_report(
    store: Store, month: Month, out_dir: Path, deadline: str = DEFAULT_DEADLINE
) -> list[Path]:
    """Write the month's report into ``out_dir``; returns [xlsx, html].

    Raises `reports.month_data.NoPatrols` (naming the months patrolled) for a month without
    a patrol: nothing is written."""
    data = month_report_data(store, month, deadline)
    out_dir = Path(out_dir)
    base = report_name(month)
    xlsx = write_xlsx(data, out_dir / f"{base}.xlsx")
    html = files.write_text(out_dir / f"{base}.html", render(data, chart_images(data)))
    log.info("month %s: report written to %s and %s", month, xlsx, html)
    return [xlsx, html]
