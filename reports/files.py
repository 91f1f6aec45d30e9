"""Report files written whole or not at all.

A process killed while writing (kill -9, a full disk, Ctrl-C) must not leave a truncated
checklist or round report under the name a unit or an evaluator opens. So every writer in
`reports` writes to a temporary name in the same folder and renames it over the final name
(`os.replace`, atomic within one file system): the final name holds the previous complete file
or the new complete file, never a part of one.

The temporary name is ``.<final name>.<pid>.part`` (hidden, and not matched by ``*.xlsx``). One
left behind by a killed process is removed the next time the same file is written.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from pathlib import Path

PART = ".part"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _leftovers(path: Path) -> Iterator[Path]:
    """Temporary files of ``path`` left by processes that no longer run."""
    for part in path.parent.glob(f".{glob.escape(path.name)}.*{PART}"):
        pid = part.name[len(path.name) + 2 : -len(PART)]
        if pid.isdigit() and not _alive(int(pid)):
            yield part


@contextlib.contextmanager
def written(path: Path | str) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; renamed to ``path`` when the block ends
    without an exception, removed when it raises.

    >>> with written(out / "a.xlsx") as tmp:
    ...     workbook.save(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in _leftovers(path):
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{PART}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """``path.write_text(text)``, whole or not at all."""
    with written(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)
