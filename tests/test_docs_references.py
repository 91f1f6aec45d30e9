"""Every document the repository cites is in the repository, and so is every § it names.

Code, indicator sets, profiles and docs cite pages such as `docs/domain.md §3.1` or
`docs/checklist.md`. A citation of a file that is not here (the old bare `domain.md`, a
`scoring.md` that was never written) or of a section the page does not have is a dangling
reference: this test lists each one with FILE:LINE so CI fails on it.

How a citation is read:
- a path ending in `.md`, relative to the repository root or to the citing file's folder (as a
  Markdown link is), and inside the repository — `../shared/…` is not shipped with it;
- the `§N` / `§N.M` that follow it (`§2–§3`, `§2、§3.8`, `§3.6, §4.2`) must be numbered headings
  of that page (`## 3. …`, `### 3.1 …`); in a Markdown page a bare `§N` means its own headings;
- URLs (`https://…/x.md`, `file:///…/README.md`) are not citations; `tests/` holds fixture text,
  not citations, and is not scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCANNED_SUFFIXES = {
    ".py",
    ".yaml",
    ".yml",
    ".md",
    ".toml",
    ".cfg",
    ".j2",
    ".txt",
    ".sh",
    ".service",
    ".timer",
    ".cron",
}
SKIPPED_DIRS = {"tests", "__pycache__", "node_modules", "build", "dist"}

_SECTION = r"§\d+(?:\.\d+)*"
# A path ending in .md, not the tail of a longer path or URL, and the § list after it.
_CITATION = re.compile(
    r"(?<![\w/.:~-])((?:\.\./)*(?:[\w-]+/)*[\w.-]*\w\.md)\b"
    rf"((?:\s*{_SECTION}(?:\s*(?:[,，、–—~-]|and|和|至)\s*{_SECTION})*)?)"
)
_SECTION_NUMBER = re.compile(r"§(\d+(?:\.\d+)*)")
_HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)[.\s]")


def scanned_files(root: Path) -> list[Path]:
    """The repository's text files that may cite a document, in a stable order."""
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in SKIPPED_DIRS or p.endswith(".egg-info") for p in parts):
            continue
        if path.is_file() and path.suffix in SCANNED_SUFFIXES:
            found.append(path)
    return found


def section_numbers(page: Path) -> set[str]:
    """Numbers of a Markdown page's numbered headings (`## 3. …` → "3", `### 3.1 …` → "3.1"),
    headings inside fenced code blocks left out."""
    numbers, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            numbers.add(m.group(1))
    return numbers


def _resolve(root: Path, citing: Path, target: str) -> Path | None:
    for base in (citing.parent, root):
        candidate = (base / target).resolve()
        if candidate.is_relative_to(root.resolve()) and candidate.is_file():
            return candidate
    return None


def dangling_references(root: Path) -> list[str]:
    """Every citation under `root` whose page or section does not exist, as "FILE:LINE: …"."""
    problems = []
    for path in scanned_files(root):
        where = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            cited_spans = []
            for m in _CITATION.finditer(line):
                cited_spans.append(m.span())
                target, sections = m.group(1), _SECTION_NUMBER.findall(m.group(2))
                page = _resolve(root, path, target)
                if page is None:
                    problems.append(f"{where}:{lineno}: {target} is not in the repository")
                    continue
                have = section_numbers(page)
                problems += [
                    f"{where}:{lineno}: {target} has no section §{s}"
                    for s in sections
                    if s not in have
                ]
            if path.suffix != ".md":
                continue
            for m in _SECTION_NUMBER.finditer(line):
                bare = not any(a <= m.start() < b for a, b in cited_spans)
                if bare and m.group(1) not in section_numbers(path):
                    problems.append(f"{where}:{lineno}: this page has no section §{m.group(1)}")
    return problems


def test_every_cited_document_and_section_exists():
    assert dangling_references(ROOT) == []


def test_the_domain_reference_has_every_section_the_code_cites():
    """The sections the scorer, the crawler and the sample portal lean on (thresholds, rules,
    page shapes) are all there — also a guard against renumbering docs/domain.md."""
    have = section_numbers(ROOT / "docs" / "domain.md")
    cited = {
        "1",
        "2",
        "3",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
        "3.7",
        "3.8",
        "4",
        "4.1",
        "4.2",
    }
    assert cited <= have, sorted(cited - have)


# The checker itself, on small trees: it must find each kind of dangling reference.

PAGE = "# 参考\n\n## 1. 总则\n\n## 3. 规则\n\n### 3.1 栏目更新\n\n```\n# 4. not a heading\n```\n"


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("pkg/mod.py", '"""Rules (docs/ref.md §3.1)."""\n', []),
        ("pkg/mod.py", "# see docs/ref.md §1, §3.1 and docs/ref.md\n", []),
        ("pkg/mod.py", "# docs/ref.md §1–§3\n", []),
        ("pkg/mod.py", "# docs/ref.md §1、§3.1\n", []),
        ("docs/other.md", "见 [参考](ref.md) 和 ref.md §3。\n", []),
        ("pkg/mod.py", "# https://example.org/x/missing.md and file:///opt/x/README.md\n", []),
        ("pkg/mod.py", "# RFC 9110 §10.2.3 is not a citation of a page here\n", []),
        (
            "pkg/mod.py",
            '"""Rules (ref.md §3.1)."""\n',
            ["pkg/mod.py:1: ref.md is not in the repository"],
        ),
        (
            "pkg/mod.py",
            "x = 1\n# frames (see scoring.md)\n",
            ["pkg/mod.py:2: scoring.md is not in the repository"],
        ),
        (
            "set.yaml",
            "source: docs/ref.md §3.2 [V]\n",
            ["set.yaml:1: docs/ref.md has no section §3.2"],
        ),
        ("pkg/mod.py", "# docs/ref.md §2–§3\n", ["pkg/mod.py:1: docs/ref.md has no section §2"]),
        ("pkg/mod.py", "# docs/ref.md §4\n", ["pkg/mod.py:1: docs/ref.md has no section §4"]),
        (
            "pkg/mod.py",
            "# ../shared/ref.md §1\n",
            ["pkg/mod.py:1: ../shared/ref.md is not in the repository"],
        ),
        (
            "docs/other.md",
            "## 1. 一\n\n见§1和§2。\n",
            ["docs/other.md:3: this page has no section §2"],
        ),
    ],
)
def test_checker_finds_dangling_references(tmp_path, file, text, expected):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "ref.md").write_text(PAGE, encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ref.md").write_text(PAGE, encoding="utf-8")
    (repo / file).parent.mkdir(parents=True, exist_ok=True)
    (repo / file).write_text(text, encoding="utf-8")
    assert dangling_references(repo) == expected


def test_checker_skips_tests_and_hidden_folders(tmp_path):
    for folder in ("tests", ".git", "pkg/__pycache__"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.py").write_text("# missing.md §9\n", encoding="utf-8")
    assert dangling_references(tmp_path) == []
