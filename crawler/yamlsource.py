"""YAML files whose every key and list item remembers its line, so config errors name FILE:LINE.

The registry (`crawler.registry`) and the column map (`crawler.columns`) are written by hand;
a mistake must point at the line to fix, as soda-core's `common/yaml.py` does. PyYAML's
`safe_load` drops the positions, so the file is composed into nodes with the safe loader and
built back into plain Python while recording the line of each key and item. Only safe tags are
constructed (no Python objects). Duplicate keys, which `safe_load` silently lets win, are errors.

Used by `crawler.registry`, `crawler.columns` and `crawler.profiles` (which adds `extends:`
merging on top); this module knows none of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[Any, ...]  # a path into the data: ("units", 3, "level")

# libyaml's parser when PyYAML was built with it: ~10× faster on a 1,000-unit registry. Both
# loaders construct with SafeConstructor, so only safe tags are ever built.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSourceError(ValueError):
    """A problem in a YAML file. `str()` is ``FILE:LINE: message``; `.problems` lists every
    (line, message) found, `.line` is the first one's line (None when unknown)."""

    def __init__(self, path: str | Path, problems: Sequence[tuple[int | None, str]]) -> None:
        self.path = str(path)
        self.problems = list(problems) or [(None, "invalid file")]
        self.line = self.problems[0][0]
        super().__init__("\n".join(self._one(line, msg) for line, msg in self.problems))

    def _one(self, line: int | None, message: str) -> str:
        return f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"


@dataclass
class YamlSource:
    """A parsed YAML file: its data, the line of every key and list item, and its bytes' hash."""

    path: Path
    data: Any
    sha256: str
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Sequence[Any]) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one (1 for the root)."""
        loc = tuple(loc)
        for end in range(len(loc), -1, -1):
            found = self.lines.get(loc[:end])
            if found:
                return found
        return None

    def where(self, loc: Sequence[Any]) -> str:
        line = self.line(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def load_yaml(path: str | Path, error: type[YamlSourceError] = YamlSourceError) -> YamlSource:
    """Read `path` (UTF-8, BOM allowed) and return its data with lines; raise `error` on any
    problem (unreadable, not UTF-8, invalid YAML, duplicate key)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, [(None, f"cannot read ({exc.strerror or exc})")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, [(line, "not UTF-8 text; save the file as UTF-8")]) from None
    source = YamlSource(path=path, data=None, sha256=hashlib.sha256(raw).hexdigest())
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            source.data = _build(loader, root, (), source.lines, path, error)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(path, [(mark.line + 1 if mark else None, f"invalid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    source.lines[()] = 1
    return source


def _build(
    loader: Any,
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    path: Path,
    error: type[YamlSourceError],
) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, list | dict):
                raise error(path, [(line, "a key must be a plain value, not a list or mapping")])
            if key in out:
                raise error(path, [(line, f"duplicate key {key!r}")])
            lines[(*loc, key)] = line
            out[key] = _build(loader, value_node, (*loc, key), lines, path, error)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            items.append(_build(loader, item, (*loc, i), lines, path, error))
        return items
    return loader.construct_object(node, deep=True)


def pydantic_problems(
    source: YamlSource, exc: ValidationError, prefix: Loc = ()
) -> list[tuple[int | None, str]]:
    """pydantic errors as (line, "dotted.key: message (got value)") for a YamlSource.

    `prefix` is where the validated object sits in the file (validating one list item)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *err["loc"])
        dotted = _dotted(loc) or "(top level)"
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        if err["type"] in ("extra_forbidden", "missing") and loc:
            what = "unknown" if err["type"] == "extra_forbidden" else "missing"
            message = f"{what} key {loc[-1]!r}"
            dotted = _dotted(loc[:-1]) or "(top level)"
        elif (
            err["type"] != "missing"
            and not isinstance(err.get("input"), dict | list)
            and repr(err.get("input")) not in message
        ):
            message = f"{message} (got {err['input']!r})"
        out.append((source.line(loc), f"{dotted}: {message}"))
    return out


def _dotted(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
