"""The checklist as one printable HTML page (Jinja2, autoescaped): inline CSS, no scripts, no
external files, A4 landscape when printed with the header row repeated on every page."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from reports import files
from reports.checklist import layout
from reports.checklist.data import NO_VALUE, Checklist

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
        item = asdict(row) | {"answerable": row.answerable}
        suffix = f"\n网页：{row.url}" if row.url else ""
        item["reason_text"] = row.reason.removesuffix(suffix)
        rows.append(item)
    return _template().render(
        title=f"{cl.unit_name}政务公开整改清单（{cl.round_id}）",
        cl=cl,
        total=NO_VALUE if cl.total is None else _cell(cl.total),
        rows=rows,
        columns=layout.VISIBLE,
        total_width=sum(c.width for c in layout.VISIBLE),
        instructions=layout.INSTRUCTIONS,
    )


def write_html(cl: Checklist, path: Path) -> Path:
    return files.write_text(path, render_html(cl))
