"""docs/indicators.md §11.1 states, indicator by indicator, the rule, its source tag and its
window (issue 12): every indicator of the shipped sets has its row, and the window the row names
first is the one its YAML gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.indicators import load_indicator_set, shipped_sets

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(?P<id>[a-z][a-z0-9_.]*)`(?:（[^|]*）)? \|(?P<cells>.*)\|\s*$")


def table_rows() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    section = text.split("### 11.1", 1)[1].split("### 11.2", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = ROW.match(line)
        if found:
            rows[found["id"]] = [c.strip() for c in found["cells"].split("|")]
    return rows


@pytest.mark.parametrize("path", [p for p, _, _ in shipped_sets()], ids=lambda p: p.stem)
def test_every_shipped_indicator_has_its_row_with_its_window(path):
    rows = table_rows()
    for indicator in load_indicator_set(path).indicators:
        assert indicator.id in rows, f"docs/indicators.md §11.1 has no row for {indicator.id}"
        cells = rows[indicator.id]
        assert any(tag in " ".join(cells) for tag in ("[V]", "[L]", "[?]")), indicator.id
        named = re.search(r"`([^`]+)`", cells[-1])
        assert named, f"{indicator.id}: the row names no window"
        assert named.group(1) == str(indicator.window), (indicator.id, cells[-1])
