"""Planted defects: one module per defect kind, each with its planter, its fix and its regression.

A newcomer looking for where a defect kind is made, fixed or brought back: open
`demo/defects/<kind>.py`. Its `register(Kind(...))` at the bottom names the planter (mutates the
portal, returns manifest entries), the fix and the regression `zwgk demo advance` applies (or says
why the kind has none), when an open defect stops being judged, and whether it can newly appear
between two crawls. When each kind is planted is `_registry.ORDER`; shared state and helpers are
in `_common.py`.

Every planter picks targets that no earlier planter or hazard has touched, so each defect is
exactly one problem a correct evaluator reports, nothing more. `expected` says in Chinese what a
correct evaluator reports; `details` carries the ids and values a test needs to find the defect
in the served pages.

To add a kind: write `demo/defects/<kind>.py` with its planter and `register(Kind(...))`, put its
name in `_registry.ORDER` (at the end, unless every generated portal is meant to change), and
give `tests/test_indicators.py` the indicator that must report it.
"""

from __future__ import annotations

import importlib
import pkgutil

from demo.defects._common import Change, Fix, Planter
from demo.defects._registry import ORDER, Kind, in_order, register

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

# Every planting by key (`stale_column/news`, `missing_field`, …), in planting order.
KINDS: dict[str, Kind] = in_order()
# By the manifest's `kind`: what fixes an open defect, what brings a fixed one back.
FIXES: dict[str, Fix] = {k.name: k.fix for k in KINDS.values() if k.fix is not None}
REGRESSIONS: dict[str, Fix] = {k.name: k.regress for k in KINDS.values() if k.regress is not None}


def plant(
    planter: Planter, rates: dict[str, float] | None = None, *, minimum: int = 1
) -> tuple[list[dict], list[dict]]:
    """Plant every kind at its rate per unit (at least `minimum` times where a target exists).
    Returns (defects, decoys)."""
    rates = {**{k: v.rate for k, v in KINDS.items()}, **(rates or {})}
    unknown = set(rates) - set(KINDS)
    if unknown:
        raise ValueError(
            f"unknown defect kind(s): {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}"
        )
    units = len(planter.portal.units)
    defects: list[dict] = []
    decoys: list[dict] = []
    for name, kind in KINDS.items():
        count = max(minimum, round(rates[name] * units)) if rates[name] > 0 else 0
        for _ in range(count):
            for entry in kind.plant(planter):
                (decoys if entry["details"].get("decoy") else defects).append(entry)
    planter.finish()
    return defects, decoys


def expired(entry: dict, as_of, levels: dict[str, str]) -> bool:
    """True when the evaluation rules no longer judge this open defect on ``as_of``."""
    kind = next((k for k in KINDS.values() if k.name == entry["kind"]), None)
    return kind is not None and kind.expires is not None and kind.expires(entry, as_of, levels)


__all__ = [
    "FIXES",
    "KINDS",
    "ORDER",
    "REGRESSIONS",
    "Change",
    "Fix",
    "Kind",
    "Planter",
    "expired",
    "plant",
    "register",
]
