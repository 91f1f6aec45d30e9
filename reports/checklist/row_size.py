"""How tall a worksheet row must be for its wrapped text: Excel does not grow rows to fit text
written by a library, so the checklist sheets estimate it."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

LINE_HEIGHT = 15.0  # points per wrapped line (11 pt text)
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def display_width(text: str) -> int:
    """Width in Excel's character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines(value: Any, width: float) -> int:
    if value is None:
        return 1
    chars = max(int(width) - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / chars)) for part in str(value).split("\n"))


def row_height(values: list[Any], widths: list[float]) -> float:
    """The height of a row holding ``values`` in columns of ``widths`` characters."""
    most = max(lines(v, w) for v, w in zip(values, widths, strict=True))
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * most + 3)
