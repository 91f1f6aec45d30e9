"""Every unit-facing string of a round's documents, and what in them is not plain Chinese.

"Unit-facing" is what a reader sees: in an XLSX, the cells of visible sheets outside hidden
columns (the hidden 问题编号 column and the very hidden ``_meta`` sheet are for the import) and
the sheet names; in an HTML page, the text of the body and the title, and images' alt text (not
markup, styles or attributes); in a CSV, every cell. `scoring.unit_text.document_problems`
judges each string, with its exceptions: http(s) and e-mail addresses, and text quoted in 「」
“”《》『』 (titles, column names, 文号 quoted from the unit's pages).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from pathlib import Path

import lxml.html
import openpyxl
from openpyxl.utils import get_column_letter

from scoring.checks.base import available_checks, get_check
from scoring.round import frozen_set
from scoring.unit_text import document_problems
from store import Store
from store import rounds as round_store


def all_param_names() -> set[str]:
    return {name for check in available_checks() for name in get_check(check).Params.model_fields}


def codes(store: Store, round_id: str) -> tuple[set[str], set[str]]:
    """(indicator ids of the round's set, fingerprints of every stored round)."""
    ids = {i.id for i in frozen_set(round_store.get_round(store, round_id)).indicators}
    prints = set()
    for info in round_store.list_rounds(store):
        prints |= set(round_store.problems_frame(store, info.id, evidence=False)["fingerprint"])
    return ids, prints


def xlsx_strings(path: Path) -> Iterator[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        yield f"{path.name}[{ws.title}]", ws.title
        hidden = {k for k, dim in ws.column_dimensions.items() if dim.hidden}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or get_column_letter(cell.column) in hidden:
                    continue
                yield f"{path.name}!{ws.title}!{cell.coordinate}", str(cell.value)


def html_strings(path: Path) -> Iterator[tuple[str, str]]:
    root = lxml.html.fromstring(path.read_bytes())
    for node in root.xpath("//style|//script"):
        node.drop_tree()
    for i, element in enumerate(root.iter()):
        if not isinstance(element.tag, str):
            continue  # a comment
        for text in (element.text, element.get("alt") if element.tag == "img" else None):
            if text and text.strip():
                yield f"{path.name}<{element.tag}#{i}>", text.strip()
        if element.tail and element.tail.strip():
            yield f"{path.name}<after {element.tag}#{i}>", element.tail.strip()


def csv_strings(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for r, row in enumerate(csv.reader(handle), start=1):
            for c, value in enumerate(row, start=1):
                if value:
                    yield f"{path.name}:{r}:{c}", value


READERS = {".xlsx": xlsx_strings, ".html": html_strings, ".csv": csv_strings}


def unit_facing_strings(paths: Collection[Path]) -> Iterator[tuple[str, str]]:
    for path in sorted(paths):
        yield from READERS[path.suffix](path)


def offending(
    paths: Collection[Path],
    ids: Collection[str],
    params: Collection[str],
    fingerprints: Collection[str],
) -> list[str]:
    """``where: word (kind) in "…"`` for every offending word of every unit-facing string."""
    out = []
    for where, text in unit_facing_strings(paths):
        words = document_problems(text, ids, params)
        words += [w for w in _fingerprints(text, fingerprints) if w not in words]
        for word in words:
            out.append(f"{where}: {word.text} ({word.kind}) in {text[:80]!r}")
    return out


def _fingerprints(text: str, fingerprints: Collection[str]):
    from scoring.unit_text import Word

    return [Word(f, "fingerprint") for f in fingerprints if f in text]
