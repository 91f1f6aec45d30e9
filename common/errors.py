"""What every error message about a user's file is built from: a location inside the file's data
(`Loc`) and the "did you mean" hint for a misspelt name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

Loc = tuple[Any, ...]  # a path into a file's data: ("units", 3, "level")


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice `value` most likely misspells (case aside: TRS → trs), or None."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(value).lower(), list(by_lower), n=1, cutoff=0.5)
    return by_lower[close[0]] if close else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest choice, or ""."""
    found = closest(value, choices)
    return suggest(repr(found)) if found else ""


def suggest(shown: str) -> str:
    """The one wording of every "did you mean" hint: `shown` is what to write instead."""
    return f" (did you mean {shown}?)"
