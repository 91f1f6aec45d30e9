"""The version of zwgk that is running (`zwgk --version`), recorded with every crawl run and
every round so a number can be traced to the code that produced it."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def zwgk_version() -> str:
    """The installed `zwgk` distribution's version (pyproject.toml), or "unknown" when zwgk
    runs from a source tree that was never installed."""
    try:
        return version("zwgk")
    except PackageNotFoundError:
        return "unknown"
