"""Every module of the layers is readable in one sitting and says what it owns (issue 11).

A module of common/ (when present), store/, crawler/, scoring/, reports/ or distributed/ has at most `LIMIT`
lines unless `LARGER` names it with the reason it is kept whole; and every module that holds
code opens with a docstring. A module that grows past the limit is split by concern — not by
line count — or listed here with its reason, in the same change.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("common", "store", "crawler", "scoring", "reports", "distributed")
LIMIT = 420  # "a few hundred lines at most" (/work/shared/style.md), ~400 with some slack
CEILING = 600  # not even a listed module grows past this

# Kept over the limit on purpose: path (a file, or a folder for all its modules) → why.
LARGER: dict[str, str] = {
    "store/migrations/versions": (
        "a migration is frozen history, one schema change mirrored exactly; never edited, so "
        "never split"
    ),
    "store/models.py": (
        "the whole schema in one declarative file, read side by side with the migrations that "
        "mirror it: its tables point at each other (runs ← columns, articles, listings, links; "
        "rounds ← scores, problems, decisions, responses) and a split would send the reader "
        "between files at every foreign key"
    ),
}

# TEMPORARY: over the limit now, shrunk on another branch; remove each entry when it merges
# (`test_temporary_entries_are_still_needed` fails once the module is small enough).
TEMPORARY: dict[str, str] = {}


def modules() -> list[Path]:
    """The layers' Python modules, relative to the repository root, in a stable order."""
    found = []
    for layer in LAYERS:
        folder = ROOT / layer
        if folder.is_dir():
            found += [p.relative_to(ROOT) for p in sorted(folder.rglob("*.py"))]
    return found


def lines(path: Path) -> int:
    return len((ROOT / path).read_text(encoding="utf-8").splitlines())


def listed(path: Path, table: dict[str, str]) -> bool:
    return any(path == Path(key) or Path(key) in path.parents for key in table)


def test_the_layers_are_found():
    # Guards the scan itself: a wrong ROOT or layer name would make every other test vacuous.
    found = {p.parts[0] for p in modules()}
    assert {"store", "crawler", "scoring", "reports"} <= found
    assert len(modules()) > 100


def test_every_module_is_readable_in_one_sitting():
    too_long = {
        str(p): lines(p)
        for p in modules()
        if lines(p) > LIMIT and not listed(p, LARGER) and not listed(p, TEMPORARY)
    }
    assert not too_long, (
        f"modules over {LIMIT} lines — split by concern, or list in LARGER with the reason: "
        f"{too_long}"
    )


def test_a_listed_module_stays_under_the_ceiling():
    over = {str(p): lines(p) for p in modules() if listed(p, LARGER) and lines(p) > CEILING}
    assert not over, f"listed modules over {CEILING} lines: {over}"


def test_every_listed_path_exists_and_has_a_reason():
    for table in (LARGER, TEMPORARY):
        for key, reason in table.items():
            assert (ROOT / key).exists(), f"{key} is listed but not in the repository"
            assert len(reason.split()) >= 4, f"{key}: say why it is listed"


def test_temporary_entries_are_still_needed():
    done = [key for key in TEMPORARY if lines(Path(key)) <= LIMIT]
    assert not done, f"now ≤ {LIMIT} lines: remove from TEMPORARY: {done}"


def test_every_module_says_what_it_owns():
    silent = [
        str(p)
        for p in modules()
        if (text := (ROOT / p).read_text(encoding="utf-8")).strip()
        and ast.get_docstring(ast.parse(text)) is None
    ]
    assert not silent, f"modules without a docstring saying what they own: {silent}"
