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

Windows and one-time events (docs/indicators.md §2.5): a check whose findings carry a date
(`dated_by`: the evidence key, per kind of problem) is judged in the round whose window holds that
date — `run` drops findings dated outside it and `in_scope` says an earlier one left the window
(tracking: *expired*); the kinds in `one_time` are events that cannot be rectified. Which units
the check could not judge, and why, is `coverage` (scoring.checks._coverage).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict

from scoring.checks import _coverage
from scoring.windows import AS_OF, AS_OF_WINDOW, Window

if TYPE_CHECKING:
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
    date (undated items stay in: a missing date is itself a problem some checks report);
    `window`: the indicator's assessment window (scoring.windows), applied by `_scope.articles`.
    """

    as_of: dt.date
    calendar: WorkCalendar
    units: pd.DataFrame
    categories: frozenset[str] | None = None
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    indicator_id: str = ""
    window: Window = AS_OF_WINDOW

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
    # Evidence key holding the date that places a finding in a window, per kind of problem (the
    # evidence's `problem`; "*" for every kind). Undated kinds are states judged on the day.
    dated_by: ClassVar[Mapping[str, str]] = {}
    # Kinds ("*": all) that are one-time events: they happened and cannot be rectified.
    one_time: ClassVar[frozenset[str]] = frozenset()
    # What `coverage` counts as the items to judge: "articles" (the pages of the wanted columns
    # in the window), "column_items" (what the wanted columns list), "columns" (the columns
    # themselves) or "units" (the directory: an observed unit always has something to judge).
    judges: ClassVar[str] = "articles"
    # Column categories the check reads whatever `applies_to` says (None: applies_to's, or the
    # check's own params.categories).
    reads: ClassVar[frozenset[str] | None] = None
    # Whether a finding can come by the passage of time alone, the crawl unchanged (a column
    # going stale, a deadline passing): the daily patrol then judges the check as of the days
    # ahead, to warn a unit before the problem is found (`zwgk patrol`, patrol/forecast.py).
    forecasts: ClassVar[bool] = False

    def find(self, data: CrawlData, params: Any, ctx: CheckContext) -> pd.DataFrame:
        raise NotImplementedError

    # -- windows ----------------------------------------------------------------------------
    def window_problem(self, params: Any, window: Window) -> str | None:
        """Why ``window`` cannot be this check's (None: it can). A check whose findings carry no
        date judges the state on the day: only `as_of`."""
        if window.bounded and not self.dated_by:
            return (
                f"check {self.name} judges the state on the round's day, so its window is "
                f"{AS_OF} (not {window})"
            )
        return None

    def default_window(self, params: Any) -> Window:
        """The window of an indicator stored before windows existed (a frozen set's text)."""
        return AS_OF_WINDOW

    def effective_window(self, params: Any, ctx: CheckContext) -> Window:
        """The window the check applies (the indicator's; a check may refine it)."""
        return ctx.window

    def event_date(self, evidence: Mapping[str, Any] | None) -> tuple[bool, dt.date | None]:
        """(dated, date): whether this kind of finding is dated, and its date (None: unknown)."""
        evidence = evidence if isinstance(evidence, Mapping) else {}
        kind = evidence.get("problem")
        key = self.dated_by.get(kind, self.dated_by.get("*")) if self.dated_by else None
        if key is None:
            return False, None
        value = evidence.get(key)
        if isinstance(value, dt.datetime):
            return True, value.date()
        if isinstance(value, dt.date):
            return True, value
        try:
            return True, dt.date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return True, None

    def is_one_time(self, evidence: Mapping[str, Any] | None) -> bool:
        """Whether the finding is a one-time event (never rectifiable)."""
        kind = evidence.get("problem") if isinstance(evidence, Mapping) else None
        return "*" in self.one_time or kind in self.one_time

    def in_scope(self, problems: pd.DataFrame, params: Any, ctx: CheckContext) -> pd.Series:
        """Which of an earlier round's problems (rows with unit_id, subject, evidence) this check
        still judges as of ``ctx.as_of``: a dated problem whose date left the window (a late
        document of last quarter, a key-area month older than 12 months) is not found any more
        without having been fixed — tracking calls it *expired*. Undated ones stay in scope."""
        window = self.effective_window(params, ctx)
        out = []
        for evidence in problems["evidence"] if len(problems) and window.bounded else ():
            dated, day = self.event_date(evidence)
            out.append(not dated or day is None or window.holds(day, ctx.as_of))
        if not window.bounded:
            out = [True] * len(problems)
        return pd.Series(out, index=problems.index, dtype=bool)

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
        """The findings frame (`FINDING_COLUMNS`), one row per problem, sorted by unit and
        subject; a dated finding outside the window belongs to another round and is dropped."""
        found = _normalise(self.find(data, params, ctx), data, ctx, self.name)
        window = self.effective_window(params, ctx)
        if found.empty or not self.dated_by or not window.bounded:
            return found
        dates = [self.event_date(e) for e in found["evidence"]]
        keep = [not dated or window.holds(day, ctx.as_of) for dated, day in dates]
        return found[keep].reset_index(drop=True)

    # -- coverage ---------------------------------------------------------------------------
    def read_categories(self, params: Any, ctx: CheckContext) -> frozenset[str] | None:
        """The column categories the check reads (None: every evaluated one)."""
        if self.reads is not None:
            return self.reads
        own = getattr(params, "categories", None)
        return frozenset(own) if own is not None else ctx.categories

    def wanted_columns(self, data: CrawlData, params: Any, ctx: CheckContext) -> pd.DataFrame:
        """Every column (read or not) of the in-scope observed units the check needs."""
        return _coverage.wanted_columns(data, ctx, self.read_categories(params, ctx))

    def coverage(self, data: CrawlData, params: Any, ctx: CheckContext) -> pd.DataFrame:
        """Units in scope the check could not judge whole: rows (unit_id, state, reason, unseen)
        with state *not_evaluated* (every column it needs unread), *partial* (some unread) or
        *nothing* (nothing to judge: no item in the window). Units not listed were judged."""
        return _coverage.coverage(self, data, params, ctx)

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
# Pages are served from a thread pool: threads asking at once wait for one load, and none reads
# a half-filled registry. Re-entrant, for a check module that asks while it is being imported.
_load_lock = threading.RLock()
_loading = False


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
    global _loaded, _loading
    if _loaded:
        return
    with _load_lock:
        if _loaded or _loading:  # loaded meanwhile, or this thread is loading it now
            return
        _loading = True
        try:
            _import_checks()
            _loaded = True
        finally:
            _loading = False


def _import_checks() -> None:
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
