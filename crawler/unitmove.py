"""`zwgk units move UNIT NEW_ENTRY`: a unit's site changed address (网站迁移).

Two things change together: the registry's `entry:` line of the unit, and a move recorded in
the store (`store.moves`) from which tracking and the refetch of open problems map the unit's
old URLs to new ones — so its open problems stay open with their history instead of becoming
未能复核 and coming back as new (docs/registry.md §7).

The registry is edited in place, one value: the `entry:` scalar of that unit, found by its
position in the file, replaced in the same quoting style; comments, order and every other
byte stay. The edited text must load as a valid registry whose only change is that entry, and
it replaces the file by a rename — otherwise the file is left alone and the line to change is
printed (a registry kept elsewhere, e.g. under configuration management: `--no-edit`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from common.yamlsource import parse_yaml
from crawler.registry import Registry, RegistryError, load_registry, url_problem
from store import moves as unit_moves

BOM = "\ufeff"


class MoveRefused(ValueError):
    """The move cannot be made; the message is one sentence naming the file, unit or URL."""


@dataclass(frozen=True)
class PlannedMove:
    """What `zwgk units move` will do: the unit, both entries, the rules and the new file text
    (None when the file cannot be edited safely: ``why_not`` says why)."""

    unit_id: str
    old_entry: str
    new_entry: str
    rules: tuple[tuple[str, str], ...]
    line: int | None
    text: str | None
    why_not: str | None = None
    already: bool = False  # the registry names the new entry already (edited by hand)

    @property
    def prefixes(self) -> tuple[str, str]:
        return unit_moves.default_prefixes(self.old_entry, self.new_entry)

    def maps(self, url: str) -> str:
        """``url`` as the recorded move will map it."""
        move = unit_moves.UnitMove(
            0, self.unit_id, dt.date.min, 0, self.old_entry, self.new_entry, self.rules
        )
        return move.map_url(url)


def plan_move(
    registry_path: Path,
    unit_id: str,
    new_entry: str,
    patterns: list[str],
    stored_entry: Callable[[], str | None] = lambda: None,
) -> PlannedMove:
    """Check the move and prepare the registry's new text. ``stored_entry()``: the unit's entry
    as the store recorded it at its last crawl (the old address when the registry was edited by
    hand already; asked only then)."""
    try:
        registry = load_registry(registry_path)
    except RegistryError as exc:
        raise MoveRefused(
            f"{registry_path} is not a valid registry ({exc.problems[0][1]}, line {exc.line}); "
            f"run `zwgk units check {registry_path}`"
        ) from None
    try:
        unit = registry.unit(unit_id)
    except KeyError as exc:
        raise MoveRefused(str(exc.args[0])) from None
    problem = url_problem(new_entry)
    if problem:
        raise MoveRefused(f"NEW_ENTRY {new_entry!r} is not a usable entry URL: {problem}")
    try:
        rules = tuple(unit_moves.parse_rule(p) for p in patterns)
    except unit_moves.MoveError as exc:
        raise MoveRefused(str(exc)) from None
    old_entry = unit.entry
    if old_entry == new_entry:
        stored = stored_entry()
        if not stored or stored == new_entry:
            raise MoveRefused(
                f"{registry.where(unit_id)}: {new_entry} is already the entry of unit "
                f"{unit_id!r} in the registry and in the store; nothing moves"
            )
        # The registry was edited by hand: the store still knows the old address.
        return PlannedMove(unit_id, stored, new_entry, rules, unit.line, None, already=True)
    text, line, why_not = edited_text(registry, unit_id, new_entry)
    return PlannedMove(unit_id, old_entry, new_entry, rules, line or unit.line, text, why_not)


def edited_text(
    registry: Registry, unit_id: str, new_entry: str
) -> tuple[str | None, int, str | None]:
    """(the registry's text with the unit's entry replaced, the entry's line, None), or
    (None, the line, why not)."""
    raw = registry.path.read_bytes()
    text = raw.decode("utf-8-sig")
    index = next(i for i, u in enumerate(registry.units) if u.id == unit_id)
    # Positions from PyYAML's pure-Python composer: character offsets into `text`. The file
    # has just loaded within bounds and without aliases (common/yamlsource.py).
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    units = next(v for k, v in root.value if k.value == "units")
    entry = next(v for k, v in units.value[index].value if k.value == "entry")
    line = entry.start_mark.line + 1
    if entry.style not in (None, "'", '"') or entry.start_mark.line != entry.end_mark.line:
        return None, line, "its entry is not written on one line"
    scalar = _scalar(new_entry, entry.style)
    edited = text[: entry.start_mark.index] + scalar + text[entry.end_mark.index :]
    expected = parse_yaml(text, registry.path).data
    expected["units"][index]["entry"] = new_entry
    if parse_yaml(edited, registry.path).data != expected:
        return None, line, "the edited file would read differently"
    return (BOM if raw.startswith(BOM.encode()) else "") + edited, line, None


def _scalar(value: str, style: str | None) -> str:
    """``value`` as a YAML scalar in the old value's style where it reads back the same."""
    if style is None:
        try:
            if yaml.safe_load(f"k: {value}\n") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars


def write_registry(path: Path, text: str) -> None:
    """Replace ``path`` by a rename (a crash leaves the old or the new file, never half), after
    checking the new text loads as a registry."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        load_registry(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
