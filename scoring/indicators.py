"""Indicator sets (指标体系): YAML an evaluator reads and changes, validated before anything is scored.

A set (`indicators/base.yaml`) has an id, a version, a name, a pass line and a list of indicators
(指标). Each indicator names a check type (`scoring/checks/<check>.py`) with its parameters, the
units and columns it applies to, its points and how a problem deducts them (扣分), or makes it a
veto (单项否决) or a bonus (加分项). A quarterly set `extends:` another one: an entry whose id
already exists patches that indicator (only the keys given; mappings merge key by key, lists and
values are replaced, `null` clears a key, a new `check:` replaces the params), a new id adds one,
`remove:` drops ids.

Every mistake — unknown key, unknown check type, bad parameter or duration, deduction above the
points, duplicate id, dangling `extends:` or reference — is collected across all the files of the
chain and raised at once as `IndicatorError`, each line ``FILE:LINE: message``.

The resolved set carries `text` (the source files of the chain, base first, each under a
``# zwgk-indicator-file: NAME`` line) and its `sha256`, so a round can freeze exactly what it was
scored with and `set_from_text` can load it again. The model itself: `scoring.indicator_model`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from common.config_file import configured
from crawler.columns import default_column_map
from crawler.registry import LEVELS
from crawler.yamlsource import YamlSource, YamlSourceError, load_yaml, pydantic_problems
from scoring.indicator_model import (
    AppliesTo,
    Deduction,
    Indicator,
    IndicatorError,
    IndicatorSet,
    Loc,
    Problem,
    Strict,
    SuggestionError,
    Veto,
    category_name,
    did_you_mean,
    rule_problems,
    suggestion_values,
    template_fields,
)

__all__ = [
    "AppliesTo", "Deduction", "Indicator", "IndicatorError", "IndicatorSet", "SuggestionError",
    "Veto", "category_name", "check_types", "load_indicator_set", "newest_set", "rule_problems",
    "set_folders", "set_from_text", "shipped_sets", "suggestion_values", "template_fields",
    "version_key",
]  # fmt: skip

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "indicators"
FILE_MARK = "# zwgk-indicator-file: "
# Parameters that name other indicators of the same set (check → parameter): they must resolve.
REFERENCE_PARAMS = {"veto_count": "indicators"}

Where = tuple[str, int | None]  # (file, line)

# A set is found by id from an `id:` line at the top level of its first 16 KiB (our sets have it
# on their first lines, after the comments); the id is the pattern of `_SetHead.id`.
HEAD_BYTES = 16 * 1024
SET_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_ID_LINE = re.compile(rf"^id:[ \t]*(?P<q>['\"]?)(?P<id>{SET_ID})(?P=q)[ \t]*(?:#.*)?\r?$", re.M)


class _SetHead(Strict):
    """The top-level keys of one set file (its indicators are validated one by one)."""

    # Lengths: the store's rounds.indicator_set_id and _version columns are String(64).
    id: Annotated[str, Field(pattern=rf"^{SET_ID}$", max_length=64)]
    version: Annotated[str, Field(min_length=1, max_length=64)]
    name: str | None = None
    description: str = ""
    pass_line: Annotated[float, Field(ge=0, le=100)] | None = None
    extends: str | None = None
    remove: list[str] = []
    indicators: list[Any] = []


# -- the check registry (scoring/checks) ---------------------------------------------------------
def check_types() -> dict[str, type[BaseModel]]:
    """Every registered check type (built-in and entry points) → its Params model."""
    from scoring.checks.base import available_checks, get_check

    return {name: get_check(name).Params for name in available_checks()}


# -- loading -----------------------------------------------------------------------------------
@dataclass
class _Entry:
    """An indicator's mapping as merged so far, with the (file, line) of every key and item."""

    data: dict[str, Any]
    lines: dict[Loc, Where]

    def where(self, loc: Loc) -> Where:
        for end in range(len(loc), -1, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found:
                return found
        return ("?", None)


class _EntryLines:
    """`pydantic_problems` asks its source for `.line(loc)`; this one answers (file, line)."""

    def __init__(self, entry: _Entry) -> None:
        self.entry = entry

    def line(self, loc: Loc) -> Where:
        return self.entry.where(loc)


def _read(path: Path, problems: list[Problem]) -> YamlSource | None:
    try:
        return load_yaml(path)
    except YamlSourceError as exc:
        problems.extend((str(path), line, message) for line, message in exc.problems)
        return None


def _is_set(data: Any) -> bool:
    """An indicator set file, as opposed to other YAML in the folder (columns.yaml)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and ("indicators" in data or "extends" in data)
    )


def _set_id(path: Path) -> str | None:
    """The `id:` of a set file, or None for other YAML and unreadable files."""
    try:
        data = load_yaml(path).data
    except YamlSourceError:
        return None
    return data["id"] if _is_set(data) else None


def _head_id(path: Path) -> str | None:
    """The top-level `id:` line in a file's first HEAD_BYTES, read without parsing the file:
    looking a set up by id must not parse every YAML file in a folder (a large units.yaml may
    sit beside a quarterly set)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    found = _ID_LINE.search(head.decode("utf-8-sig", errors="replace"))
    return found.group("id") if found else None


def _set_files(directory: Path) -> list[Path]:
    return sorted(p for p in [*directory.glob("*.yaml"), *directory.glob("*.yml")] if p.is_file())


def _find_set(
    name: str, child: Path, frozen: dict[str, Path] | None = None
) -> Path | list[Path] | None:
    """`extends:` target of `child`: a path (relative to it) or a set id, looked up next to it
    first (itself excluded), then among the shipped sets. A list means ambiguous. `frozen`: the
    files of a thawed round text, by the `extends:` value that named them."""
    if frozen is not None:
        return frozen.get(name)
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        path = child.parent / name
        return path if path.is_file() else None
    return _find_by_id(name, [child.parent, *set_folders()], exclude=child)


def _find_by_id(
    name: str, directories: list[Path], exclude: Path | None = None
) -> Path | list[Path] | None:
    """The set file with `id: name` in the first directory that has one (a list: ambiguous).

    Only files whose first lines say `id: name` are parsed, each within load_yaml's bounds."""
    for directory in {d.resolve(): d for d in directories}.values():
        hits = [
            p
            for p in _set_files(directory)
            if (exclude is None or p.resolve() != exclude.resolve())
            and _head_id(p) == name
            and _set_id(p) == name
        ]
        if len(hits) > 1:
            return hits
        if hits:
            return hits[0]
    return None


def _chain(
    path: Path, problems: list[Problem], frozen: dict[str, Path] | None = None
) -> list[tuple[YamlSource, _SetHead]]:
    """The files of the `extends:` chain, base first, each with its validated head. Paths stay
    as given (relative ones too), so problems name the file the way the user did."""
    chain: list[tuple[YamlSource, _SetHead]] = []
    seen: list[Path] = []
    while True:
        source = _read(path, problems)
        if source is None:
            return []
        if not isinstance(source.data, dict):
            problems.append(
                (str(path), 1, "an indicator set is a mapping: id, version, indicators …")
            )
            return []
        head = _head(source, problems)
        chain.insert(0, (source, head))
        seen.append(path)
        if not head.extends:
            return chain
        where = source.line(("extends",))
        parent = _find_set(head.extends, path, frozen)
        if parent is None:
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: no indicator set {head.extends!r} "
                    f"(neither a file next to this one nor a set id in {SHIPPED_DIR}; a set is "
                    "found by the `id:` line near the top of its file)",
                )
            )
            return []
        if isinstance(parent, list):
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: several sets have id {head.extends!r}: "
                    + ", ".join(str(p) for p in parent),
                )
            )
            return []
        if parent.resolve() in {p.resolve() for p in seen}:
            cycle = " → ".join(p.name for p in [*seen, parent])
            problems.append((str(path), where, f"extends: cycle {cycle}"))
            return []
        path = parent


def _head(source: YamlSource, problems: list[Problem]) -> _SetHead:
    """The file's head; on problems, a best-effort one so its indicators are still checked."""
    try:
        return _SetHead.model_validate(source.data)
    except ValidationError as exc:
        problems.extend((str(source.path), ln, msg) for ln, msg in pydantic_problems(source, exc))
    data = source.data

    def _str(key: str) -> str | None:
        return data.get(key) if isinstance(data.get(key), str) else None

    def _list(key: str) -> list:
        return data.get(key) if isinstance(data.get(key), list) else []

    return _SetHead.model_construct(
        id=_str("id") or "?",
        version=_str("version") or "?",
        name=_str("name"),
        description="",
        # Kept even when out of range: the problem is reported already, not "missing".
        pass_line=data.get("pass_line") if isinstance(data.get("pass_line"), int | float) else None,
        extends=_str("extends"),
        remove=[r for r in _list("remove") if isinstance(r, str)],
        indicators=_list("indicators"),
    )


def _entry_of(source: YamlSource, index: int) -> _Entry:
    prefix = ("indicators", index)
    lines = {
        loc[2:]: (str(source.path), line) for loc, line in source.lines.items() if loc[:2] == prefix
    }
    return _Entry(dict(source.data["indicators"][index]), lines)


def _patch(entry: _Entry, patch: _Entry, loc: Loc = ()) -> None:
    """Merge `patch` into `entry`: mappings key by key, everything else replaced (lines too)."""
    base = entry.data if not loc else _at(entry.data, loc)
    over = patch.data if not loc else _at(patch.data, loc)
    for key, value in over.items():
        sub = (*loc, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            entry.lines[sub] = patch.lines.get(sub, entry.where(sub))
            _patch(entry, patch, sub)
            continue
        base[key] = value
        for old in [k for k in entry.lines if k[: len(sub)] == sub]:
            del entry.lines[old]
        entry.lines.update({k: v for k, v in patch.lines.items() if k[: len(sub)] == sub})


def _at(data: dict, loc: Loc) -> dict:
    for key in loc:
        data[key] = dict(data[key])  # copy on write: the parent file's data stays untouched
        data = data[key]
    return data


def _merge(chain: list[tuple[YamlSource, _SetHead]], problems: list[Problem]) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    removed: dict[str, Where] = {}
    for source, head in chain:
        path = str(source.path)
        for i, rid in enumerate(head.remove):
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
        for i, item in enumerate(head.indicators):
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
            entry = _entry_of(source, i)
            if iid in entries:
                old = entries[iid]
                if "check" in item and item["check"] != old.data.get("check"):
                    # Another check type takes other parameters: the old ones must not linger.
                    old.data.pop("params", None)
                    old.lines = {k: v for k, v in old.lines.items() if k[:1] != ("params",)}
                _patch(old, entry)
            else:
                entries[iid] = entry
    _check_references(entries, removed, problems)
    return entries


def _check_references(
    entries: dict[str, _Entry], removed: dict[str, Where], problems: list[Problem]
) -> None:
    for iid, entry in entries.items():
        check = entry.data.get("check")
        key = REFERENCE_PARAMS.get(check) if isinstance(check, str) else None
        params = entry.data.get("params")
        refs = params.get(key) if key and isinstance(params, dict) else None
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            path, line = entry.where(("params", key, j))
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


def _validate(
    entry: _Entry,
    checks: dict[str, type[BaseModel]],
    order: dict[str, int],
    problems: list[Problem],
) -> Indicator | None:
    iid = entry.data["id"]
    out: list[Problem] = []
    indicator = None
    try:
        indicator = Indicator.model_validate(entry.data, context={"defer_rule": True})
    except ValidationError as exc:
        for (path, line), message in pydantic_problems(_EntryLines(entry), exc):  # type: ignore[arg-type]
            out.append((path, line, f"indicator {iid}: {message.removeprefix('(top level): ')}"))
    else:
        for locs, message in rule_problems(indicator):
            # Blame the key a file gave last: a quarterly patch lowering `points` below the
            # base's `deduct` is the patch's mistake.
            where = max((entry.where(loc) for loc in locs), key=lambda w: order.get(w[0], -1))
            out.append((*where, f"indicator {iid}: {message}"))
    name = entry.data.get("check")
    if isinstance(name, str) and name not in checks:
        path, line = entry.where(("check",))
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
            for (path, line), message in pydantic_problems(  # type: ignore[arg-type]
                _EntryLines(entry), exc, prefix=("params",)
            ):
                out.append((path, line, f"indicator {iid}: {message}"))
        else:
            out += _vocabulary(entry, params, indicator)
            if indicator is not None:
                indicator = indicator.model_copy(update={"params": params})
    problems.extend(out)
    return None if out else indicator


def _vocabulary(entry: _Entry, params: BaseModel, indicator: Indicator | None) -> list[Problem]:
    """Level and column-category names inside params must exist (by naming convention: lists
    named `…categories` or `prefer`; the keys of `by_level` and `deadlines` are levels, the values of
    `by_level` categories), and `applies_to.categories` must not be silently overridden by a
    check that reads its own `params.categories`."""
    iid, check = entry.data["id"], entry.data.get("check")
    known = sorted(default_column_map().known)
    out: list[Problem] = []

    def bad(loc: Loc, message: str) -> None:
        out.append((*entry.where(loc), f"indicator {iid}: {message}"))

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


def _text_of(chain: list[tuple[YamlSource, _SetHead]]) -> str:
    # The text parsed, not the file read again: what the round freezes is what was validated.
    parts = []
    for source, _ in chain:
        parts.append(f"{FILE_MARK}{Path(source.path).name}\n{source.text.rstrip()}\n")
    return "".join(parts)


def load_indicator_set(
    path_or_id: str | Path, *, _frozen: dict[str, Path] | None = None
) -> IndicatorSet:
    """Load, resolve (`extends:`/`remove:`) and validate a set: a YAML path or a shipped set's id.

    Raises IndicatorError listing every problem as FILE:LINE."""
    path = Path(path_or_id)
    if not path.is_file():
        folders = set_folders()
        found = _find_by_id(str(path_or_id), folders) if path.suffix == "" else None
        if not isinstance(found, Path):
            files = [p for folder in folders for p in _set_files(folder)]
            known = ", ".join(sorted(set(filter(None, map(_head_id, files)))))
            raise IndicatorError(
                [(str(path_or_id), None, f"no such file or set id (known: {known})")]
            )
        path = found
    problems: list[Problem] = []
    chain = _chain(path, problems, _frozen)
    if not chain:  # a file unreadable or an `extends:` unresolved: nothing more to check
        raise IndicatorError(problems)
    entries = _merge(chain, problems)
    checks = check_types()
    order = {str(source.path): n for n, (source, _) in enumerate(chain)}
    indicators = [_validate(entry, checks, order, problems) for entry in entries.values()]
    heads = [head for _, head in chain]
    name = next((h.name for h in reversed(heads) if h.name), None)
    pass_line = next((h.pass_line for h in reversed(heads) if h.pass_line is not None), None)
    root_path = str(chain[0][0].path)
    if not name:
        problems.append((root_path, 1, "missing key 'name'"))
    if pass_line is None:
        problems.append((root_path, 1, "missing key 'pass_line' (e.g. pass_line: 60)"))
    if not entries and not problems:
        problems.append((str(chain[-1][0].path), 1, "the set has no indicators"))
    if problems:
        # In reading order: base file first, then by line.
        problems.sort(key=lambda p: (order.get(p[0], len(order)), p[1] or 0))
        raise IndicatorError(problems)
    text = _text_of(chain)
    return IndicatorSet(
        id=heads[-1].id,
        version=heads[-1].version,
        name=name,
        pass_line=pass_line,
        path=Path(chain[-1][0].path),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        indicators=[i for i in indicators if i is not None],
        extends=tuple(h.id for h in reversed(heads[:-1])),
        description=heads[-1].description,
        origins={
            iid: {
                ".".join(map(str, k)): f"{Path(p).name}:{ln}"
                for k, (p, ln) in e.lines.items()
                if len(k) <= 1
            }
            for iid, e in entries.items()
        },
    )


def set_from_text(text: str, name: str = "<frozen set>") -> IndicatorSet:
    """Load a set frozen by a round (`IndicatorSet.text`) again, without the files it came from.

    Each file's `extends:` resolves to the file before it in the text, whatever it named."""
    parts = re.split(rf"^{re.escape(FILE_MARK)}(.+)\n", text, flags=re.M)
    if len(parts) < 3 or parts[0].strip():
        raise IndicatorError([(name, None, "not a frozen indicator set text")])
    with tempfile.TemporaryDirectory(prefix="zwgk-indicators-") as tmp:
        files = []
        for i, (filename, body) in enumerate(zip(parts[1::2], parts[2::2], strict=True)):
            path = Path(tmp) / str(i) / Path(filename).name
            path.parent.mkdir()
            path.write_text(body, encoding="utf-8")
            files.append(path)
        frozen = {}
        for parent, child in zip(files, files[1:], strict=False):
            data = load_yaml(child).data
            if isinstance(data, dict) and isinstance(data.get("extends"), str):
                frozen[data["extends"]] = parent
        loaded = load_indicator_set(files[-1], _frozen=frozen)
    loaded = dataclasses.replace(loaded, path=Path(files[-1].name))
    if loaded.sha256 != hashlib.sha256(text.encode("utf-8")).hexdigest():
        log.warning("frozen set %s reads back as a different text", loaded.id)
    return loaded


def version_key(version: str) -> tuple[int, ...]:
    """Order of set versions: their numbers in turn ("2025.1" < "2025Q2" < "2025Q3")."""
    return tuple(int(n) for n in re.findall(r"\d+", version))


def shipped_sets(directory: Path = SHIPPED_DIR) -> list[tuple[Path, str, str]]:
    """(path, id, version) of every set file in `directory` (other YAML is ignored)."""
    out = []
    for path in _set_files(directory):
        try:
            data = load_yaml(path).data
        except YamlSourceError:
            log.warning("%s: not readable as YAML, skipped", path)
            continue
        if _is_set(data):
            out.append((path, data["id"], str(data.get("version", ""))))
    return out


def set_folders() -> list[Path]:
    """Where a set is found by id and the newest one chosen: zwgk.toml's ``[indicators]
    folder`` ($ZWGK_INDICATORS) first — the office's own sets, e.g. next quarter's — then the
    shipped ones. A configured folder that is not there is an IndicatorError naming where it
    was configured."""
    own = configured("indicators.folder")
    if own is None:
        return [SHIPPED_DIR]
    if not own.value.is_dir():
        raise IndicatorError([(own.origin, None, f"indicators.folder {own.value}: no such folder")])
    return [own.value, SHIPPED_DIR]


def newest_set(directory: Path | None = None) -> Path:
    """The set with the highest version in `directory`, or by default in `set_folders()` (the
    office's folder wins a tie): the default of `zwgk evaluate --indicators`."""
    folders = [directory] if directory is not None else set_folders()
    sets = [s for folder in folders for s in shipped_sets(folder)]
    if not sets:
        raise IndicatorError([(str(folders[0]), None, "no indicator set here")])
    return max(sets, key=lambda s: (version_key(s[2]), s[2]))[0]
