"""How documents for units and the office say rounds, dates and numbers: in Chinese.

A round id is the office's own name for a round (``2025Q3``, ``2025-zx1``); documents show a
quarterly one as 2025年第三季度 and any other as it is. Dates are written 2025年10月9日. Both the
checklists and the round report use these, so one round reads the same in every document.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

BEIJING = dt.timezone(dt.timedelta(hours=8))
CN_NUMERALS = "零一二三四五六七八九十"
_QUARTER = re.compile(r"(\d{4})Q([1-4])")


def round_label(round_id: Any) -> str:
    """2025Q3 → 2025年第三季度; any other id as it is."""
    text = "" if round_id is None else str(round_id)
    found = _QUARTER.fullmatch(text)
    if found:
        return f"{found.group(1)}年第{CN_NUMERALS[int(found.group(2))]}季度"
    return text


def cn_date(day: dt.date) -> str:
    """2025-10-09 → 2025年10月9日."""
    return f"{day.year}年{day.month}月{day.day}日"


def points(value: Any) -> str:
    """A score or a number of points as text: 94, 97.36; — when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    rounded = round(float(value), 2)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:g}"


def signed(value: Any) -> str:
    """A change of points as text: +3, −1.2 (a minus sign, not a hyphen), 0."""
    if round(float(value), 2) == 0:
        return "0"
    return f"+{points(value)}" if value > 0 else f"−{points(-float(value))}"


def percent(share: float) -> str:
    """A share as a percentage: 0.917 → 91.7%, 1.0 → 100%."""
    value = round(float(share) * 100, 1)
    return f"{value:g}%"


def today_in_beijing() -> dt.date:
    return dt.datetime.now(BEIJING).date()
