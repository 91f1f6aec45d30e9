"""Check types (检查类型): the registry, the context a check runs in, and what it returns.

One check type is one module in `scoring/checks/` with one `Check` subclass: its `Params`
(a pydantic model, validated when the indicator set is loaded) and `find`, the vectorised
evaluation over a `CrawlData`. Indicators name a check type and give its params; adding an
indicator is YAML only. Other packages add check types through the entry-point group
`zwgk.checks` (the entry point names a `Check` subclass or a module that registers one).

Invariants every check keeps (and `Check.run` enforces as a safety net):
- a finding is only ever about an observed unit/column — a crawl failure is never a unit's
  problem;
- `subject` is a stable string (a URL, `annual_report/2024`, …), never a row position, unique per
  unit within one indicator;
- `evidence` is a JSON-able dict; its keys fill the indicator's suggestion template.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import datetime as dt

    from scoring.data import CrawlData
    from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "zwgk.checks"
FINDING_COLUMNS = ("unit_id", "subject", "target_url", "evidence", "weight")


class CheckParams(BaseModel):
    """Base of every check's `Params`: unknown keys are mistakes, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UnknownCheck(LookupError):
    """No check type of that name (the message lists the known ones)."""


@dataclass(frozen=True)
class CheckContext:
    """Where and when an indicator's check runs.

    `units`: the units the indicator applies to (a slice of `CrawlData.units`, already filtered by
    the indicator's `applies_to.levels`); `categories`: its `applies_to.categories` (None: the
    check's own default); `date_from`/`date_until`: its `applies_to` date range on the publish
    date (undated items stay in: a missing date is itself a problem some checks report).
    """

    as_of: dt.date
    calendar: WorkCalendar
    units: pd.DataFrame
    categories: frozenset[str] | None = None
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    indicator_id: str = ""

    def unit_ids(self, observed_only: bool = True) -> set[str]:
        units = self.units
        if observed_only and "observed" in units:
            units = units[units["observed"].astype(bool)]
        return set(units["id"])


class Check:
    """One check type. Subclasses set `name` and `Params` and implement `find`."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = CheckParams
    description: ClassVar[str] = ""

    def find(self, data: CrawlData, params: Any, ctx: CheckContext) -> pd.DataFrame:
        raise NotImplementedError

    def in_scope(self, problems: pd.DataFrame, params: Any, ctx: CheckContext) -> pd.Series:
        """Which of an earlier round's problems (rows with unit_id, subject, evidence) this check
        still judges as of ``ctx.as_of``. A check with a time window overrides it: a key-area
        month that left the 12-month window, or last year's annual report once another year is
        judged, is not found any more without having been fixed — tracking calls it *expired*."""
        return pd.Series(True, index=problems.index, dtype=bool)

    def looked_at(
        self, problems: pd.DataFrame, data: CrawlData, params: Any, ctx: CheckContext
    ) -> pd.Series:
        """Which of an earlier round's problems, not found now, this round really looked at
        (rows with unit_id, subject, evidence). Tracking calls the others *not comparable*,
        never *fixed*. By default every subject whose unit and column were read was looked at;
        a check whose subject can go unread inside a read page overrides it (a broken link
        checked again only as *suspected* or *unchecked* was not seen working)."""
        return pd.Series(True, index=problems.index, dtype=bool)

    def run(self, data: CrawlData, params: BaseModel, ctx: CheckContext) -> pd.DataFrame:
        """The findings frame (`FINDING_COLUMNS`), one row per problem, sorted by unit and subject."""
        found = self.find(data, params, ctx)
        return _normalise(found, data, ctx, self.name)

    def __repr__(self) -> str:
        return f"<check {self.name}>"


def findings(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A findings frame from dict rows or a frame (missing `weight` → 1.0)."""
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return empty_findings()
    if "weight" not in frame:
        frame["weight"] = 1.0
    missing = [c for c in FINDING_COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"findings lack column(s) {missing}")
    out = frame[list(FINDING_COLUMNS)].reset_index(drop=True)
    out["weight"] = out["weight"].astype(float)
    return out


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": pd.Series(dtype=object),
            "subject": pd.Series(dtype=object),
            "target_url": pd.Series(dtype=object),
            "evidence": pd.Series(dtype=object),
            "weight": pd.Series(dtype=float),
        }
    )


def _normalise(found: pd.DataFrame, data: CrawlData, ctx: CheckContext, name: str) -> pd.DataFrame:
    frame = findings(found)
    if frame.empty:
        return frame
    allowed = ctx.unit_ids(observed_only=False) & set(
        data.units.loc[data.units["observed"].astype(bool), "id"]
    )
    stray = ~frame["unit_id"].isin(allowed)
    if stray.any():
        # A bug in a check, not a unit's problem: drop and say so rather than deduct wrongly.
        log.warning(
            "check %s: dropped %d finding(s) on units outside the indicator or not observed: %s",
            name,
            int(stray.sum()),
            sorted(set(frame.loc[stray, "unit_id"]))[:5],
        )
        frame = frame[~stray]
    dup = frame.duplicated(["unit_id", "subject"])
    if dup.any():
        log.warning("check %s: %d duplicate subject(s) merged", name, int(dup.sum()))
        frame = frame[~dup]
    return frame.sort_values(["unit_id", "subject"], kind="stable").reset_index(drop=True)


# -- the registry -----------------------------------------------------------------------------
_REGISTRY: dict[str, type[Check]] = {}
_LOAD_ERRORS: dict[str, str] = {}
_loaded = False


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make a check type known by its `name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"{cls.__qualname__}: a check needs a `name` that is an identifier")
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, BaseModel)):
        raise TypeError(f"check {name}: `Params` must be a pydantic model")
    old = _REGISTRY.get(name)
    if old is not None and old is not cls and old.__qualname__ != cls.__qualname__:
        raise ValueError(
            f"check {name!r} is defined twice: {old.__module__}.{old.__qualname__} and "
            f"{cls.__module__}.{cls.__qualname__}"
        )
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    """Import the built-in check modules, then the entry points (once per process)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module("scoring.checks")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base" and not module.name.startswith("_"):
            importlib.import_module(f"scoring.checks.{module.name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not take the built-in checks down
            _LOAD_ERRORS[ep.name] = f"entry point {ep.value!r} failed to load: {exc}"
            log.error("zwgk.checks entry point %s (%s) failed to load: %s", ep.name, ep.value, exc)
            continue
        if isinstance(loaded, type) and issubclass(loaded, Check):
            register(loaded)


def get_check(name: str) -> Check:
    """The check type `name` (an instance); `UnknownCheck` lists the known names."""
    _load()
    cls = _REGISTRY.get(name)
    if cls is None:
        hint = f" ({_LOAD_ERRORS[name]})" if name in _LOAD_ERRORS else ""
        raise UnknownCheck(
            f"unknown check type {name!r}{hint}; known: {', '.join(available_checks())}"
        )
    return cls()


def available_checks() -> list[str]:
    """Names of every registered check type, sorted."""
    _load()
    return sorted(_REGISTRY)
