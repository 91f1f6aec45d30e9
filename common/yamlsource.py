"""YAML files whose every key and list item remembers its line, so config errors name FILE:LINE —
and every YAML file zwgk reads, read within bounds.

The registry (`crawler.registry`) and the column map (`crawler.columns`) are written by hand;
a mistake must point at the line to fix, as soda-core's `common/yaml.py` does. PyYAML's
`safe_load` drops the positions, so the file is composed into nodes from the safe parser's
events and built back into plain Python while recording the line of each key and item. Only
safe tags are constructed (no Python objects). Duplicate keys, which `safe_load` silently lets
win, are errors.

Bounded, because these files come from users and from the store (a round's frozen set): at
most MAX_BYTES read, no aliases (`*name`, the "billion laughs" file) nor merge keys, at most
MAX_DEPTH levels and MAX_NODES values, no `.inf`/`.nan` or integers beyond MAX_INT. Each refusal
names FILE:LINE. Files zwgk writes go through `dump_yaml`, which never writes an alias.

Used by `crawler.registry`, `crawler.columns`, `crawler.profile_model` and `scoring.indicators`
(which add `extends:` merging on top, `common.extends`) and `scoring.workdays`; this module knows
none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from common.errors import Loc

# libyaml's parser when PyYAML was built with it: ~10× faster on a 1,000-unit registry. Both
# loaders construct with SafeConstructor, so only safe tags are ever built.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP, _SET, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:set", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_KIND_NAMES = {
    "timestamp": "a date",
    "int": "an integer",
    "float": "a number",
    "bool": "true/false",
}

MIB = 1 << 20
# Limits on what any zwgk YAML file may be: far above real files, far below what hurts. Our
# largest file (indicators/base.yaml) is 19 KB; a 10,000-unit registry (a whole province) is
# 2.1 MB of 130,000 values (keys included) and loads in 0.8 s. At the limits, 500,000
# one-character values load in 3.2 s and 290 MB, and an 8 MiB file of them is refused after
# 2 s (measured 2026-12 on the project's 2-core machine).
MAX_BYTES = 8 * MIB
MAX_NODES = 500_000  # values: scalars, lists and mappings
MAX_DEPTH = 32  # nesting levels; our deepest file nests 6
MAX_INT = 2**53  # larger integers are no count, limit or id of ours (and not exact as floats)


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
    text: str = ""  # the text parsed (what `sha256` is the hash of, BOM aside)
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
    problem: unreadable, larger than MAX_BYTES, not UTF-8, invalid YAML, an alias, nesting
    deeper than MAX_DEPTH, more than MAX_NODES values, a duplicate key, a non-finite or huge
    number, a value its tag cannot build (a date 2025-13-01)."""
    path = Path(path)
    raw = read_bounded(path, error)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, [(line, "not UTF-8 text; save the file as UTF-8")]) from None
    return parse_yaml(text, path, error, sha256=hashlib.sha256(raw).hexdigest())


def read_bounded(path: Path, error: type[YamlSourceError] = YamlSourceError) -> bytes:
    """The bytes of `path`, refused before parsing when there are more than MAX_BYTES (a device
    or a pipe that never ends is refused the same way: at most MAX_BYTES + 1 bytes are read)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(path, [(None, f"cannot read ({exc.strerror or exc})")]) from None
    if len(raw) > MAX_BYTES:
        raise error(path, [(None, f"larger than {MAX_BYTES // MIB} MiB: not a zwgk file")])
    return raw


def parse_yaml(
    text: str,
    path: str | Path,
    error: type[YamlSourceError] = YamlSourceError,
    sha256: str | None = None,
) -> YamlSource:
    """`load_yaml` on text already read (`path` names it in errors)."""
    path = Path(path)
    if len(text) > MAX_BYTES:  # characters: at least as many bytes
        raise error(path, [(None, f"larger than {MAX_BYTES // MIB} MiB: not a zwgk file")])
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = YamlSource(path=path, data=None, sha256=sha256, text=text)
    loader = _Loader(text)
    try:
        root = _compose(loader, path, error)
        if root is not None:
            source.data = _Builder(loader, source, error).build(root, ())
    except yaml.YAMLError as exc:
        raise error(path, [_yaml_problem(exc, text)]) from None
    finally:
        loader.dispose()
    source.lines[()] = 1
    return source


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """(line, message) of PyYAML's error: a parser error has a mark, a reader error (a control
    character) only the character's position."""
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts the position in UTF-8 bytes, PyYAML's own reader in characters.
        if _Loader is yaml.SafeLoader:
            line = text[: exc.position].count("\n") + 1
        else:
            line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return line, f"invalid YAML: character U+{char:04X} ({exc.reason}); remove it"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return mark.line + 1 if mark else None, f"invalid YAML: {problem}"


def _compose(loader: Any, path: Path, error: type[YamlSourceError]) -> yaml.Node | None:
    """The document's node tree, built from the parser's events without recursion.

    PyYAML's own composer cannot be told to stop: it shares an anchored node between its aliases
    (a 342-byte file of nested aliases then stands for 10⁹ values once walked) and recurses once
    per nesting level. Here an alias is refused where it stands, and depth and size are counted
    as the events arrive, so no file costs more than its bytes."""
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    root: yaml.Node | None = None
    stack: list[yaml.Node] = []  # open sequences and mappings, innermost last
    pending_key: list[yaml.Node | None] = []  # per open mapping: a key waiting for its value
    count = 0
    while True:
        event = loader.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentEndEvent):
            break
        if isinstance(event, yaml.AliasEvent):
            message = (
                f"alias *{event.anchor}: aliases (*name) and merge keys are not accepted in zwgk "
                "files; write the value out (a file of nested aliases can stand for billions of "
                "values)"
            )
            raise error(path, [(line, message)])
        if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            node = stack.pop()
            pending_key.pop()
            node.end_mark = event.end_mark
            continue
        count += 1
        if count > MAX_NODES:
            raise error(path, [(line, f"more than {MAX_NODES:,} values: not a zwgk file")])
        node = _node(loader, event)
        if stack:
            parent = stack[-1]
            if isinstance(parent, yaml.SequenceNode):
                parent.value.append(node)
            elif pending_key[-1] is None:
                pending_key[-1] = node
            else:
                parent.value.append((pending_key[-1], node))
                pending_key[-1] = None
        else:
            root = node
        if isinstance(node, yaml.CollectionNode):
            if len(stack) >= MAX_DEPTH:
                raise error(
                    path, [(line, f"nested more than {MAX_DEPTH} levels deep: not a zwgk file")]
                )
            stack.append(node)
            pending_key.append(None)
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise error(
            path,
            [(event.start_mark.line + 1, "a second document (---): one document per file")],
        )
    return root


def _node(loader: Any, event: yaml.Event) -> yaml.Node:
    """The node an event starts, its tag resolved as PyYAML's composer would."""
    tag = event.tag
    if isinstance(event, yaml.ScalarEvent):
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, [], event.start_mark, None, flow_style=event.flow_style)


class _Builder:
    """Node tree → plain Python, recording the line of every key and item. Recursion is bounded
    by MAX_DEPTH (the composer refused deeper files)."""

    def __init__(self, loader: Any, source: YamlSource, error: type[YamlSourceError]) -> None:
        self.loader = loader
        self.source = source
        self.error = error

    def fail(self, node: yaml.Node, message: str) -> NoReturn:
        raise self.error(self.source.path, [(node.start_mark.line + 1, message)])

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        lines = self.source.lines
        if isinstance(node, yaml.MappingNode):
            if node.tag not in (_MAP, _SET):
                self.fail(node, f"tag {node.tag} is not accepted on a mapping")
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, "a key must be a plain value, not a list or mapping")
                if key_node.tag == _MERGE:
                    self.fail(key_node, "merge keys (<<) are not accepted; write the keys out")
                key = self.scalar(key_node)
                if key in out:
                    self.fail(key_node, f"duplicate key {key!r}")
                lines[(*loc, key)] = line
                out[key] = self.build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.fail(node, f"tag {node.tag} is not accepted on a list")
            items = []
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + 1
                items.append(self.build(item, (*loc, i)))
            return items
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        # PyYAML's constructors fail each their own way on a value their tag cannot build:
        # !!int 0x, 2025-13-01, !!bool maybe (KeyError), !!int "" (IndexError), !!timestamp x …
        except (ValueError, OverflowError, TypeError, KeyError, IndexError, AttributeError) as exc:
            tag = node.tag.rsplit(":", 1)[-1]
            kind = _KIND_NAMES.get(tag, tag)
            why = f": {shown(str(exc))}" if type(exc) is ValueError else ""  # 2025-13-01: month
            self.fail(node, f"{shown(node.value)} cannot be read as {kind}{why}")
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(node, f"{shown(node.value)} is not a finite number")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            self.fail(node, f"{shown(node.value)} is too large a number (at most {MAX_INT:,})")
        return value


def dump_yaml(data: Any) -> str:
    """YAML text for a file zwgk writes (a registry draft, the sample portal's units.yaml): never
    an anchor or alias, which `load_yaml` refuses, even when one object appears twice."""
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=200)


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def pydantic_problems(
    source: YamlSource, exc: ValidationError, prefix: Loc = ()
) -> list[tuple[int | None, str]]:
    """pydantic errors as (line, "dotted.key: message (got value)") for a YamlSource.

    `prefix` is where the validated object sits in the file (validating one list item)."""
    return [(source.line(loc), message) for loc, message in validation_messages(exc, prefix)]


def validation_messages(exc: ValidationError, prefix: Loc = ()) -> list[tuple[Loc, str]]:
    """pydantic errors as (where in the data, "dotted.key: message (got value)")."""
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
            message = f"{message} (got {shown(err['input'])})"
        out.append((loc, f"{dotted}: {message}"))
    return out


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: dates as written, long text cut (a 5,000-digit number
    or a pasted page must not fill the screen)."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def _dotted(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
