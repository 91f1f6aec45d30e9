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
scored with and `set_from_text` can load it again. The model itself: `scoring.indicator_model`;
where sets are found: `scoring.indicator_files`; merging and validating the indicators of a
chain: `scoring.indicator_entries`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError

from common.config_file import configured_value
from common.extends import ExtendsCycle, chain
from common.yamlsource import YamlSource, YamlSourceError, load_yaml, pydantic_problems
from scoring.durations import parse_duration
from scoring.indicator_entries import check_types, merge_entries, validate
from scoring.indicator_files import (
    SET_ID,
    SHIPPED_DIR,
    find_by_id,
    find_set,
    head_id,
    newest_set,
    set_files,
    set_folders,
    shipped_sets,
    version_key,
)
from scoring.indicator_model import (
    AppliesTo,
    Deduction,
    Indicator,
    IndicatorError,
    IndicatorSet,
    Problem,
    Strict,
    SuggestionError,
    Veto,
    category_name,
    rule_problems,
    suggestion_values,
    template_fields,
)
from scoring.unit_text import indicator_problems as unit_text_problems

# What other modules import from here (the loader and the model, one door for both).
__all__ = [
    "SHIPPED_DIR", "AppliesTo", "Deduction", "Indicator", "IndicatorError", "IndicatorSet",
    "SuggestionError", "Veto", "category_name", "check_types", "load_indicator_set", "newest_set",
    "rule_problems", "set_folders", "set_from_text", "shipped_sets", "suggestion_values", "template_fields",
    "version_key",
]  # fmt: skip

log = logging.getLogger(__name__)

FILE_MARK = "# zwgk-indicator-file: "
UNIT_TEXT_MODES = ("strict", "warn", "off")


def _duration_text(value: Any) -> str | None:
    """A duration's canonical spelling ("5 workdays"); ValueError names the accepted forms."""
    if value is None:
        return None
    return str(parse_duration(value))


class _SetHead(Strict):
    """The top-level keys of one set file (its indicators are validated one by one)."""

    # Lengths: the store's rounds.indicator_set_id and _version columns are String(64).
    id: Annotated[str, Field(pattern=rf"^{SET_ID}$", max_length=64)]
    version: Annotated[str, Field(min_length=1, max_length=64)]
    name: str | None = None
    description: str = ""
    pass_line: Annotated[float, Field(ge=0, le=100)] | None = None
    # How far ahead the daily patrol warns (`zwgk patrol`): "5 workdays", "7 days"; inherited
    # like pass_line, `zwgk patrol --within` overrides it.
    warn_within: Annotated[str | None, BeforeValidator(_duration_text)] = None
    extends: str | None = None
    remove: list[str] = []
    indicators: list[Any] = []


# -- loading -----------------------------------------------------------------------------------
def _read(path: Path, problems: list[Problem]) -> YamlSource | None:
    try:
        return load_yaml(path)
    except YamlSourceError as exc:
        problems.extend((str(path), line, message) for line, message in exc.problems)
        return None


class _Stop(Exception):
    """A file of the chain cannot be read or extended: its problems are listed already."""


def _chain(
    path: Path, problems: list[Problem], frozen: dict[str, Path] | None = None
) -> list[tuple[YamlSource, _SetHead]]:
    """The files of the `extends:` chain, base first, each with its validated head. Paths stay
    as given (relative ones too), so problems name the file the way the user did."""

    def read(path: Path) -> tuple[YamlSource, _SetHead]:
        source = _read(path, problems)
        if source is None:
            raise _Stop
        if not isinstance(source.data, dict):
            problems.append(
                (str(path), 1, "an indicator set is a mapping: id, version, indicators …")
            )
            raise _Stop
        return source, _head(source, problems)

    def parent(path: Path, item: tuple[YamlSource, _SetHead]) -> Path | None:
        source, head = item
        if not head.extends:
            return None
        where = source.line(("extends",))
        found = find_set(head.extends, path, frozen)
        if found is None:
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: no indicator set {head.extends!r} "
                    f"(neither a file next to this one nor a set id in {SHIPPED_DIR}; a set is "
                    "found by the `id:` line near the top of its file)",
                )
            )
            raise _Stop
        if isinstance(found, list):
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: several sets have id {head.extends!r}: "
                    + ", ".join(str(p) for p in found),
                )
            )
            raise _Stop
        return found

    try:
        return [item for _, item in chain(path, read, parent)]
    except _Stop:
        return []
    except ExtendsCycle as exc:
        source = exc.child[0]
        problems.append((str(source.path), source.line(("extends",)), str(exc)))
        return []


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
        warn_within=None,
        extends=_str("extends"),
        remove=[r for r in _list("remove") if isinstance(r, str)],
        indicators=_list("indicators"),
    )


def _text_of(chain: list[tuple[YamlSource, _SetHead]]) -> str:
    # The text parsed, not the file read again: what the round freezes is what was validated.
    parts = []
    for source, _ in chain:
        parts.append(f"{FILE_MARK}{Path(source.path).name}\n{source.text.rstrip()}\n")
    return "".join(parts)


def unit_text_mode(mode: str | None = None) -> str:
    """How text units read is checked (`scoring.unit_text`): ``strict`` (the default) refuses
    the set, ``warn`` logs each word, ``off`` skips the check (a round's frozen set: it was
    accepted when the round was made). None: zwgk.toml ``indicators.unit_text`` /
    ``$ZWGK_UNIT_TEXT``, else strict."""
    if mode is None:
        mode = configured_value("indicators.unit_text", "strict")
    if mode not in UNIT_TEXT_MODES:
        raise ValueError(f"unit text check {mode!r}: one of {', '.join(UNIT_TEXT_MODES)}")
    return mode


def _unit_text(
    chain: list[tuple[YamlSource, _SetHead]],
    entries: dict[str, Any],
    indicators: list[Indicator | None],
    checks: dict[str, Any],
    mode: str,
    problems: list[Problem],
) -> None:
    """Each word units should not read in an indicator's text, as FILE:LINE of its key."""
    if mode == "off":
        return
    ids = set(entries)
    found = [
        (str(source.path), source.line(("name",)), f"set {message}")
        for source, head in chain
        # The set's name is in every checklist's title block; its description is not shown.
        for _, message in unit_text_problems(SimpleNamespace(name=head.name), ids)
    ]
    for indicator in indicators:
        if indicator is None:
            continue
        model = checks.get(indicator.check)
        params = set(getattr(model, "model_fields", {}))
        entry = entries[indicator.id]
        for loc, message in unit_text_problems(indicator, ids, params):
            found.append((*entry.origin(loc), f"indicator {indicator.id}: {message}"))
    if mode == "strict":
        problems.extend(found)
    for path, line, message in found if mode == "warn" else ():
        log.warning("%s:%s: %s", path, line, message)


def load_indicator_set(
    path_or_id: str | Path,
    *,
    unit_text: str | None = None,
    _frozen: dict[str, Path] | None = None,
) -> IndicatorSet:
    """Load, resolve (`extends:`/`remove:`) and validate a set: a YAML path or a shipped set's id.

    ``unit_text``: how the text units read is checked (`unit_text_mode`). Raises
    IndicatorError listing every problem as FILE:LINE."""
    mode = unit_text_mode(unit_text)
    path = Path(path_or_id)
    if not path.is_file():
        folders = set_folders()
        found = find_by_id(str(path_or_id), folders) if path.suffix == "" else None
        if not isinstance(found, Path):
            files = [p for folder in folders for p in set_files(folder)]
            known = ", ".join(sorted(set(filter(None, map(head_id, files)))))
            raise IndicatorError(
                [(str(path_or_id), None, f"no such file or set id (known: {known})")]
            )
        path = found
    problems: list[Problem] = []
    chain = _chain(path, problems, _frozen)
    if not chain:  # a file unreadable or an `extends:` unresolved: nothing more to check
        raise IndicatorError(problems)
    entries = merge_entries(
        [(source, head.remove, head.indicators) for source, head in chain], problems
    )
    checks = check_types()
    order = {str(source.path): n for n, (source, _) in enumerate(chain)}
    frozen = _frozen is not None  # a round's frozen text: it may predate windows
    indicators = [
        validate(entry, checks, order, problems, frozen=frozen) for entry in entries.values()
    ]
    _unit_text(chain, entries, indicators, checks, mode, problems)
    heads = [head for _, head in chain]
    name = next((h.name for h in reversed(heads) if h.name), None)
    pass_line = next((h.pass_line for h in reversed(heads) if h.pass_line is not None), None)
    warn_within = next((h.warn_within for h in reversed(heads) if h.warn_within), None)
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
        warn_within=warn_within,
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
        # Accepted when the round was made: a later, stricter text check must not lock it out.
        loaded = load_indicator_set(files[-1], unit_text="off", _frozen=frozen)
    loaded = dataclasses.replace(loaded, path=Path(files[-1].name))
    if loaded.sha256 != hashlib.sha256(text.encode("utf-8")).hexdigest():
        log.warning("frozen set %s reads back as a different text", loaded.id)
    return loaded
