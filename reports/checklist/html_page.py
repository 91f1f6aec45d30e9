"""The checklist as one printable HTML page (Jinja2, autoescaped): the notice (整改通知) and the
list as its attachment; inline CSS, no scripts, no external files. Printed on A4 — the notice
portrait, the list landscape with its header row repeated — with the page number (第 N 页，共
M 页) at the foot of every page."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from reports import files
from reports.checklist import layout
from reports.checklist.data import NO_VALUE, Checklist
from reports.checklist.notice import NOT_EVALUATED_HEADERS, SUMMARY_HEADERS, build_notice
from reports.checklist.snapshots import snapshot_link
from reports.wording import cn_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "checklist.html.j2"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@cache
def _template() -> Template:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value may be crawled text
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _cell
    return env.get_template(TEMPLATE)


def render_html(cl: Checklist) -> str:
    rows = []
    for row in cl.rows:
        item = asdict(row) | {"answerable": row.answerable, "future": row.for_the_future}
        suffix = f"\n网页：{row.url}" if row.url else ""
        item["reason_text"] = row.reason.removesuffix(suffix)
        pictured = row.fingerprint in cl.snapshots
        item["snapshot"] = snapshot_link(cl.round_id, row.fingerprint) if pictured else None
        rows.append(item)
    return _template().render(
        title=layout.title(cl),
        cl=cl,
        notice=build_notice(cl),
        summary_headers=SUMMARY_HEADERS,
        not_evaluated_headers=NOT_EVALUATED_HEADERS,
        as_of=cn_date(cl.as_of),
        issued=cn_date(cl.issued),
        deadline=cn_date(cl.deadline),
        total=NO_VALUE if cl.total is None else _cell(cl.total),
        rows=rows,
        columns=layout.VISIBLE,
        total_width=sum(c.width for c in layout.VISIBLE),
        instructions=layout.INSTRUCTIONS,
    )


def write_html(cl: Checklist, path: Path) -> Path:
    return files.write_text(path, render_html(cl))
