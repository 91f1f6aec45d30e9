"""`extends:` — a YAML file written on top of another, each value still naming its file and line.

Platform profiles (`crawler.profile_model`) and indicator sets (`scoring.indicators`) both let a
file extend another one. Both merge the same way, here: mappings key by key (the later file's
keys win), anything else — a list, a value, `null` — replaced whole. A merged value keeps the
(file, line) it came from, so a mistake found after merging names the file that made it.

`Tracked` is a mapping with those origins, `merged` lays one on another, `chain` walks the
`extends:` links from a file to its base and refuses a cycle. What `extends:` names (a profile
name, a set id, a path) and what a file may hold are the callers' business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from common.errors import Loc
from common.yamlsource import YamlSource, validation_messages

Origin = tuple[str, int | None]  # (file, line); line None when unknown
T = TypeVar("T")


@dataclass
class Tracked:
    """A mapping as merged so far, with the (file, line) of every key and list item in it."""

    data: dict[str, Any]
    lines: dict[Loc, tuple[str, int]]

    @classmethod
    def of(cls, source: YamlSource, at: Loc = ()) -> Tracked:
        """The mapping at `at` inside `source` (the whole file by default), its data copied at
        the top level so that merging into it leaves the file's data as read."""
        data = source.data
        for key in at:
            data = data[key]
        n, where = len(at), str(source.path)
        lines = {loc[n:]: (where, line) for loc, line in source.lines.items() if loc[:n] == at}
        return cls(dict(data), lines)

    def origin(self, loc: Loc) -> Origin:
        """The (file, line) of `loc`, or of its nearest ancestor that has one; ("?", None)."""
        loc = tuple(loc)
        for end in range(len(loc), -1, -1):
            found = self.lines.get(loc[:end])
            if found:
                return found
        return ("?", None)

    def line(self, loc: Loc) -> int | None:
        return self.origin(loc)[1]

    def where(self, loc: Loc) -> str:
        """``FILE:LINE`` of `loc` ("?" when unknown)."""
        path, line = self.origin(loc)
        return f"{path}:{line}" if line else path

    def drop(self, key: str) -> None:
        """Forget a top-level key and the lines under it."""
        self.data.pop(key, None)
        self.lines = {loc: at for loc, at in self.lines.items() if loc[:1] != (key,)}

    def problems(self, exc: ValidationError, prefix: Loc = ()) -> list[tuple[str, int | None, str]]:
        """pydantic's errors on this mapping as (file, line, "dotted.key: message")."""
        return [(*self.origin(loc), message) for loc, message in validation_messages(exc, prefix)]

    def problem_lines(self, exc: ValidationError) -> list[str]:
        """`problems` as the lines an error lists: "FILE:LINE: message" (FILE alone, no line)."""
        return [
            f"{file}:{line}: {message}" if line else f"{file}: {message}"
            for file, line, message in self.problems(exc)
        ]


def merged(base: Tracked, over: Tracked) -> Tracked:
    """`over` laid on `base`: mappings merge key by key (over's keys win, and a merged mapping's
    key takes over's line); anything else is replaced whole, lines included. Neither changes."""
    lines = dict(base.lines)
    return Tracked(_merge(base.data, over.data, lines, over.lines, ()), lines)


def _merge(base: dict, over: dict, lines: dict, over_lines: dict, loc: Loc) -> dict:
    out = dict(base)
    for key, value in over.items():
        sub = (*loc, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            if sub in over_lines:
                lines[sub] = over_lines[sub]
            out[key] = _merge(base[key], value, lines, over_lines, sub)
            continue
        out[key] = value
        n = len(sub)
        for old in [k for k in lines if k[:n] == sub]:
            del lines[old]
        lines.update({k: v for k, v in over_lines.items() if k[:n] == sub})
    return out


class ExtendsCycle(ValueError):
    """A file's `extends:` leads back to a file of its own chain. `files` is the walk, the file
    that came round again last; `child` is what `read` gave for the file that named it."""

    def __init__(self, files: list[Path], child: Any) -> None:
        self.files = files
        self.child = child
        super().__init__("extends: cycle " + self.path_text)

    @property
    def path_text(self) -> str:
        """The walk by file name: ``a.yaml → b.yaml → a.yaml``."""
        return " → ".join(p.name for p in self.files)


def chain(
    path: Path, read: Callable[[Path], T], parent: Callable[[Path, T], Path | None]
) -> list[tuple[Path, T]]:
    """The files of `path`'s `extends:` chain, base first, each with what `read` made of it.

    `parent(path, item)` is the file `item` extends (None: it extends nothing); `read` and
    `parent` raise the caller's own errors. Raises ExtendsCycle when a file comes round again."""
    walk: list[tuple[Path, T]] = []
    while True:
        item = read(path)
        walk.append((path, item))
        up = parent(path, item)
        if up is None:
            return walk[::-1]
        if up.resolve() in {p.resolve() for p, _ in walk}:
            raise ExtendsCycle([*(p for p, _ in walk), up], item)
        path = up
