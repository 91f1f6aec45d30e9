"""Where indicator sets are found: the shipped folder (`indicators/`), a set by its id, the newest.

`extends: 2025Q2` and `zwgk evaluate --indicators 2025Q2` name a set by its id. Looking one up
must not parse every YAML file in a folder (a large units.yaml may sit beside a quarterly set),
so a file is a candidate only when an `id:` line near its top says so, and only candidates are
read (within `common.yamlsource`'s bounds). `scoring.indicators` loads what is found here.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from common.config_file import configured
from common.yamlsource import YamlSourceError, load_yaml
from scoring.indicator_model import IndicatorError

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "indicators"

# A set is found by id from an `id:` line at the top level of its first 16 KiB (our sets have it
# on their first lines, after the comments); the id is the pattern of `_SetHead.id`.
HEAD_BYTES = 16 * 1024
SET_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_ID_LINE = re.compile(rf"^id:[ \t]*(?P<q>['\"]?)(?P<id>{SET_ID})(?P=q)[ \t]*(?:#.*)?\r?$", re.M)


def is_set(data: Any) -> bool:
    """An indicator set file, as opposed to other YAML in the folder (columns.yaml)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and ("indicators" in data or "extends" in data)
    )


def set_id(path: Path) -> str | None:
    """The `id:` of a set file, or None for other YAML and unreadable files."""
    try:
        data = load_yaml(path).data
    except YamlSourceError:
        return None
    return data["id"] if is_set(data) else None


def head_id(path: Path) -> str | None:
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


def set_files(directory: Path) -> list[Path]:
    return sorted(p for p in [*directory.glob("*.yaml"), *directory.glob("*.yml")] if p.is_file())


def find_set(
    name: str, child: Path, frozen: dict[str, Path] | None = None
) -> Path | list[Path] | None:
    """`extends:` target of `child`: a path (relative to it) or a set id, looked up next to it
    first (itself excluded), then in `set_folders()` (the office's, then the shipped sets). A list means ambiguous. `frozen`: the
    files of a thawed round text, by the `extends:` value that named them."""
    if frozen is not None:
        return frozen.get(name)
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        path = child.parent / name
        return path if path.is_file() else None
    return find_by_id(name, [child.parent, *set_folders()], exclude=child)


def find_by_id(
    name: str, directories: list[Path], exclude: Path | None = None
) -> Path | list[Path] | None:
    """The set file with `id: name` in the first directory that has one (a list: ambiguous).

    Only files whose first lines say `id: name` are parsed, each within load_yaml's bounds."""
    for directory in {d.resolve(): d for d in directories}.values():
        hits = [
            p
            for p in set_files(directory)
            if (exclude is None or p.resolve() != exclude.resolve())
            and head_id(p) == name
            and set_id(p) == name
        ]
        if len(hits) > 1:
            return hits
        if hits:
            return hits[0]
    return None


def version_key(version: str) -> tuple[int, ...]:
    """Order of set versions: their numbers in turn ("2025.1" < "2025Q2" < "2025Q3")."""
    return tuple(int(n) for n in re.findall(r"\d+", version))


def shipped_sets(directory: Path = SHIPPED_DIR) -> list[tuple[Path, str, str]]:
    """(path, id, version) of every set file in `directory` (other YAML is ignored)."""
    out = []
    for path in set_files(directory):
        try:
            data = load_yaml(path).data
        except YamlSourceError:
            log.warning("%s: not readable as YAML, skipped", path)
            continue
        if is_set(data):
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
