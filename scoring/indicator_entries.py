"""The indicators of an `extends:` chain: merged by id across the files, then validated one by one.

A later file's entry with an id already there patches that indicator (`common.extends.merged`:
mappings key by key, lists and values replaced, a new `check:` drops the old params), a new id
adds one, `remove:` drops ids. Each merged indicator keeps the (file, line) of every key, so a
problem found after merging names the file that made it. `scoring.indicators` reads the files
and builds the set.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from common.errors import Loc, did_you_mean
from common.extends import Tracked, merged
from common.vocabulary import LEVELS
from common.yamlsource import YamlSource
from scoring.indicator_model import CATEGORIES, Indicator, Problem, rule_problems

Where = tuple[str, int | None]  # (file, line)
# Parameters that name other indicators of the same set (check → parameter): they must resolve.
REFERENCE_PARAMS = {"veto_count": "indicators"}


def check_types() -> dict[str, type[BaseModel]]:
    """Every registered check type (built-in and entry points) → its Params model."""
    from scoring.checks.base import available_checks, get_check

    return {name: get_check(name).Params for name in available_checks()}


def merge_entries(
    files: list[tuple[YamlSource, list[str], list[Any]]], problems: list[Problem]
) -> dict[str, Tracked]:
    """The indicators of a chain's files (base first: each file's source, `remove:` and
    `indicators:`) merged by id, with the (file, line) of every key; problems appended."""
    entries: dict[str, Tracked] = {}
    removed: dict[str, Where] = {}
    for source, remove, indicators in files:
        path = str(source.path)
        for i, rid in enumerate(remove):
            where = source.line(("remove", i))
            if rid in entries:
                del entries[rid]
                removed[rid] = (path, where)
            else:
                ids = list(entries)
                problems.append(
                    (
                        path,
                        where,
                        f"remove: no indicator {rid!r} to remove{did_you_mean(rid, ids)}",
                    )
                )
        seen_here: set[str] = set()
        for i, item in enumerate(indicators):
            where = source.line(("indicators", i))
            if not isinstance(item, dict):
                problems.append((path, where, "an indicator is a mapping (id:, name:, check: …)"))
                continue
            iid = item.get("id")
            if not isinstance(iid, str):
                problems.append((path, where, "indicator: missing key 'id'"))
                continue
            if iid in seen_here:
                problems.append((path, where, f"duplicate indicator id {iid!r} in this file"))
                continue
            seen_here.add(iid)
            entry = Tracked.of(source, ("indicators", i))
            if iid in entries:
                old = entries[iid]
                if "check" in item and item["check"] != old.data.get("check"):
                    # Another check type takes other parameters: the old ones must not linger.
                    old.drop("params")
                entries[iid] = merged(old, entry)
            else:
                entries[iid] = entry
    _check_references(entries, removed, problems)
    return entries


def _check_references(
    entries: dict[str, Tracked], removed: dict[str, Where], problems: list[Problem]
) -> None:
    for iid, entry in entries.items():
        check = entry.data.get("check")
        key = REFERENCE_PARAMS.get(check) if isinstance(check, str) else None
        params = entry.data.get("params")
        refs = params.get(key) if key and isinstance(params, dict) else None
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            path, line = entry.origin(("params", key, j))
            if ref == iid:
                problems.append((path, line, f"indicator {iid}: params.{key} names itself"))
            elif ref in removed:
                rpath, rline = removed[ref]
                problems.append(
                    (
                        path,
                        line,
                        f"indicator {iid}: params.{key}: {ref!r} was removed at {rpath}:{rline}",
                    )
                )
            elif ref not in entries:
                problems.append(
                    (
                        path,
                        line,
                        f"indicator {iid}: params.{key}: unknown indicator "
                        f"{ref!r}{did_you_mean(str(ref), [e for e in entries if e != iid])}",
                    )
                )


def validate(
    entry: Tracked,
    checks: dict[str, type[BaseModel]],
    order: dict[str, int],
    problems: list[Problem],
    *,
    frozen: bool = False,
) -> Indicator | None:
    """One merged indicator validated: its keys, its scoring rule (blaming the file that gave a
    key last: `order` ranks the chain's files), its check type and params, the level and
    category names inside them, and its window. None, with problems appended, when anything is
    wrong. ``frozen``: a round's frozen text, which may predate windows (then the check's
    default window)."""
    iid = entry.data["id"]
    out: list[Problem] = []
    indicator = None
    try:
        indicator = Indicator.model_validate(entry.data, context={"defer_rule": True})
    except ValidationError as exc:
        for path, line, message in entry.problems(exc):
            out.append((path, line, f"indicator {iid}: {message.removeprefix('(top level): ')}"))
    else:
        for locs, message in rule_problems(indicator):
            # Blame the key a file gave last: a quarterly patch lowering `points` below the
            # base's `deduct` is the patch's mistake.
            where = max((entry.origin(loc) for loc in locs), key=lambda w: order.get(w[0], -1))
            out.append((*where, f"indicator {iid}: {message}"))
    name = entry.data.get("check")
    if isinstance(name, str) and name not in checks:
        path, line = entry.origin(("check",))
        out.append(
            (
                path,
                line,
                f"indicator {iid}: unknown check type {name!r}"
                f"{did_you_mean(name, list(checks))} (known: {', '.join(sorted(checks))})",
            )
        )
    elif isinstance(name, str) and isinstance(entry.data.get("params", {}) or {}, dict):
        try:
            params = checks[name].model_validate(entry.data.get("params") or {})
        except ValidationError as exc:
            for path, line, message in entry.problems(exc, prefix=("params",)):
                out.append((path, line, f"indicator {iid}: {message}"))
        else:
            out += _vocabulary(entry, params, indicator)
            if indicator is not None:
                indicator = indicator.model_copy(update={"params": params})
                indicator, wrong = _window(entry, indicator, frozen)
                out += wrong
    problems.extend(out)
    return None if out else indicator


def _vocabulary(entry: Tracked, params: BaseModel, indicator: Indicator | None) -> list[Problem]:
    """Level and column-category names inside params must exist (by naming convention: lists
    named `…categories` or `prefer`; the keys of `by_level` and `deadlines` are levels, the values of
    `by_level` categories), and `applies_to.categories` must not be silently overridden by a
    check that reads its own `params.categories`."""
    iid, check = entry.data["id"], entry.data.get("check")
    known = sorted(CATEGORIES)
    out: list[Problem] = []

    def bad(loc: Loc, message: str) -> None:
        out.append((*entry.origin(loc), f"indicator {iid}: {message}"))

    def categories(loc: Loc, names: Any) -> None:
        for j, name in enumerate(names if isinstance(names, list) else []):
            if name not in known:
                dotted = ".".join(map(str, loc))
                bad(
                    (*loc, j),
                    f"{dotted}[{j}]: unknown column category {name!r}"
                    f"{did_you_mean(str(name), known)}",
                )

    for key, value in params.model_dump().items():
        if key.endswith("categories") or key == "prefer":
            categories(("params", key), value)
        if key in ("by_level", "deadlines") and isinstance(value, dict):
            for level, names in value.items():
                if level not in LEVELS:
                    bad(
                        ("params", key, level),
                        f"params.{key}: unknown level {level!r}"
                        f"{did_you_mean(level, LEVELS)} (one of: {' / '.join(LEVELS)})",
                    )
                if key == "by_level":
                    categories(("params", key, level), names)
    own = getattr(params, "categories", None)
    scope = indicator.applies_to.categories if indicator is not None else None
    if scope is not None and own is not None and set(scope) != set(own):
        bad(
            ("applies_to", "categories"),
            f"applies_to.categories is not used by check {check}, "
            f"which reads params.categories ({', '.join(own)}); set params.categories instead",
        )
    return out


def _window(entry: Tracked, indicator: Indicator, frozen: bool) -> tuple[Indicator, list[Problem]]:
    """The indicator's window, rectifiable and warn keys against its check (docs/indicators.md
    §2.5): every indicator states its window (a frozen set from before windows takes the check's
    default), one the check can honour; a check that only finds one-time events is never
    `rectifiable: true`; only a check whose findings come with time can `warn: true`."""
    from scoring.checks.base import get_check

    check, iid = get_check(indicator.check), indicator.id
    out: list[Problem] = []
    if indicator.window is None:
        if frozen:
            indicator = indicator.model_copy(
                update={"window": check.default_window(indicator.params)}
            )
        else:
            out.append(
                (
                    *entry.origin(()),
                    f"indicator {iid}: missing key 'window' (which items a round judges: "
                    "as_of, quarter or a duration such as 12 months; docs/indicators.md §2.5)",
                )
            )
    else:
        wrong = check.window_problem(indicator.params, indicator.window)
        if wrong:
            out.append((*entry.origin(("window",)), f"indicator {iid}: window: {wrong}"))
    if indicator.rectifiable is True and "*" in check.one_time:
        out.append(
            (
                *entry.origin(("rectifiable",)),
                f"indicator {iid}: rectifiable: every problem check {check.name} finds is a "
                "one-time event (it happened and cannot be undone); write rectifiable: false",
            )
        )
    if indicator.warn is True and not check.forecasts:
        out.append(
            (
                *entry.origin(("warn",)),
                f"indicator {iid}: warn: check {check.name} finds nothing by the passage of time "
                "alone, so the patrol has nothing to foresee; write warn: false or leave it out",
            )
        )
    return indicator, out
