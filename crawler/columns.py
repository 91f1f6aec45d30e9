"""Column classification (栏目分类): a column's name, and its parent's, → a scoring category.

Portals name the same column many ways (工作动态, 部门动态, 本地要闻 …); the scorer needs one
category per column (`news`, `notice`, `normative` …: `common.vocabulary.COLUMN_CATEGORIES`,
mapped by `crawler/columns.yaml`). The map is
an ordered list of keyword/regex rules — first match wins — plus two built-ins decided without
the map: `group` (the column holds other columns) and `skip` (an override: not evaluated).
Per-unit overrides (from the unit registry) win over everything. A name no rule matches, below a
folder whose name one does (财政预决算 › 2024年度), takes the folder's category. Names that match
nothing, nor their folders, are reported, never guessed: `classify_all` returns them separately so the operator can add a rule
or an override.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from common.config_file import configured_value
from common.vocabulary import BUILT_IN_CATEGORIES, COLUMN_CATEGORIES, GROUP
from common.yamlsource import YamlSourceError, load_yaml, pydantic_problems
from crawler.profile_types import listify, to_regex

logger = logging.getLogger(__name__)

COLUMN_MAP_PATH = Path(__file__).resolve().with_name("columns.yaml")
BUILT_IN = BUILT_IN_CATEGORIES  # group: holds other columns; skip: not evaluated (an override)

_ENUM_PREFIX = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）])"
)
_COUNT_SUFFIX = re.compile(r"\(\d+\)$")
_BRACKETS = re.compile(r"^[\[【](.*)[\]】]$")


class ColumnMapError(YamlSourceError):
    """columns.yaml cannot be read or is invalid; `str()` names FILE:LINE."""


def normalise(name: str | None) -> str:
    """The comparable form of a column name: NFKC (full-width → half-width), no whitespace,
    no leading enumeration (一、 / (三) / 1.), no trailing count (12), no 【】 around it."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(text.split())
    text = _ENUM_PREFIX.sub("", text)
    text = _COUNT_SUFFIX.sub("", text)
    bracketed = _BRACKETS.match(text)
    return bracketed.group(1) if bracketed else text


Words = Annotated[list[str], BeforeValidator(listify)]
Patterns = Annotated[
    list[Annotated[re.Pattern, BeforeValidator(to_regex)]], BeforeValidator(listify)
]


class Rule(BaseModel):
    """One line of the map: `category` when the name holds a keyword or matches a pattern (and,
    with `under`, the parent's name holds one of those words)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    category: str
    keywords: Words = []
    patterns: Patterns = []
    under: Words = []

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if not self.keywords and not self.patterns:
            raise ValueError("a rule needs `keywords` or `patterns`")
        self.keywords = [normalise(k) for k in self.keywords]
        self.under = [normalise(u) for u in self.under]
        return self

    def hit(self, name: str, ancestors: tuple[str, ...]) -> str | None:
        """What matched (a keyword or a pattern) on normalised names, or None. `ancestors`
        are the parent's name and the names above it."""
        if self.under and not any(w in a for w in self.under for a in ancestors):
            return None
        for word in self.keywords:
            if word in name:
                return word
        for pattern in self.patterns:
            if pattern.search(name):
                return pattern.pattern
        return None


# A category is stored with each column (store/models.py: DisclosureColumn.category String(32))
# and named in indicator sets: a short identifier.
CategoryName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]


class _MapFile(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    version: Literal[1]
    # The project's categories unless the file declares its own (name → description).
    categories: dict[CategoryName, str] = dict(COLUMN_CATEGORIES)
    rules: list[Rule]

    @model_validator(mode="after")
    def _known_categories(self) -> _MapFile:
        clash = set(self.categories) & set(BUILT_IN)
        if clash:
            raise ValueError(f"{sorted(clash)} are built in; do not list them under categories")
        return self


@dataclass(frozen=True, slots=True)
class Match:
    """A classification and why: `reason` names the override, the tree, or FILE:LINE + keyword."""

    category: str
    reason: str


@dataclass(frozen=True, slots=True)
class Classified:
    """One input column with its category (None: unmatched). `column` is the object given."""

    name: str
    parent: str | None
    category: str | None
    reason: str
    column: Any = None


class ColumnMap:
    """A loaded `columns.yaml`. Build with `load_column_map`."""

    def __init__(self, path: Path, categories: dict[str, str], rules: list[tuple[Rule, str]]):
        self.path = path
        self.categories = categories  # category → description
        self._rules = rules  # (rule, "FILE:LINE")

    @property
    def known(self) -> frozenset[str]:
        """Every category a column may get, built-ins included."""
        return frozenset([*self.categories, *BUILT_IN])

    def check_overrides(self, overrides: Mapping[str, str]) -> list[tuple[str, str]]:
        """(column name, message) for every override naming an unknown category."""
        known = ", ".join(sorted(self.known))
        return [
            (name, f"unknown column category {category!r} (known: {known})")
            for name, category in overrides.items()
            if category not in self.known
        ]

    def match(
        self,
        name: str,
        parent: str | None = None,
        overrides: Mapping[str, str] | None = None,
        *,
        is_group: bool = False,
        path: Iterable[str] = (),
    ) -> Match | None:
        """The category of column `name` under `parent`, with the reason; None if unmatched.

        Order: a per-unit override (key = the column name, or "parent/name"), then `group` for
        a column that holds others, then the map's rules in file order. `path` (the group names
        from the root down, as `ColumnLink.path` holds them) lets an `under:` rule see
        grandparents too."""
        key = normalise(name)
        up = normalise(parent)
        if overrides:
            wanted = {normalise(k): v for k, v in overrides.items()}
            for probe in (f"{up}/{key}" if up else None, key):
                if probe and probe in wanted:
                    category = wanted[probe]
                    if category not in self.known:
                        raise ValueError(f"override {probe!r}: unknown category {category!r}")
                    return Match(category, f"override {probe!r}")
        if is_group:
            return Match(GROUP, "holds other columns")
        ancestors = tuple(dict.fromkeys(a for a in (up, *map(normalise, path)) if a))
        for rule, where in self._rules:
            hit = rule.hit(key, ancestors)
            if hit is not None:
                return Match(rule.category, f"{where} {hit!r}")
        # A name that says nothing by itself (2024年度, 市教育局) below a folder that does
        # (财政预决算 › 2024年度): the folder's category, the nearest folder first.
        for folder in ancestors:
            for rule, where in self._rules:
                hit = None if rule.under else rule.hit(folder, ())
                if hit is not None:
                    return Match(rule.category, f"{where} {hit!r} (folder {folder!r})")
        return None

    def classify(
        self,
        name: str,
        parent: str | None = None,
        overrides: Mapping[str, str] | None = None,
        *,
        is_group: bool = False,
        path: Iterable[str] = (),
    ) -> str | None:
        """The category of column `name` under `parent` (None: matches nothing)."""
        found = self.match(name, parent, overrides, is_group=is_group, path=path)
        return found.category if found else None

    def classify_all(
        self, columns: Iterable[Any], overrides: Mapping[str, str] | None = None
    ) -> tuple[list[Classified], list[Classified]]:
        """Classify one unit's columns; returns (classified, unmatched), input order kept.

        A column is any object with `.name` and `.parent` (e.g. `crawler.extract.ColumnLink`),
        a mapping with those keys, a (name, parent) tuple or a bare name. A column whose name is
        another column's parent (or appears in its `.path`) is a `group`."""
        items = [(c, *_name_parent(c)) for c in columns]
        holders = {normalise(p) for _, _, p in items if p}
        for column, *_ in items:
            holders.update(normalise(p) for p in getattr(column, "path", ()) or ())
        classified: list[Classified] = []
        unmatched: list[Classified] = []
        for column, name, parent in items:
            found = self.match(
                name,
                parent,
                overrides,
                is_group=normalise(name) in holders,
                path=getattr(column, "path", ()) or (),
            )
            if found is None:
                unmatched.append(Classified(name, parent, None, "no rule matched", column))
            else:
                classified.append(Classified(name, parent, found.category, found.reason, column))
        if unmatched:
            logger.info("unclassified columns: %s", ", ".join(c.name for c in unmatched))
        return classified, unmatched


def _name_parent(column: Any) -> tuple[str, str | None]:
    if isinstance(column, str):
        return column, None
    if isinstance(column, tuple):
        return column[0], column[1] if len(column) > 1 else None
    if isinstance(column, Mapping):
        return column["name"], column.get("parent")
    return column.name, getattr(column, "parent", None)


def column_map_path() -> Path:
    """The column map in use: zwgk.toml's ``[indicators] column_map`` ($ZWGK_COLUMN_MAP), else
    the bundled `indicators/columns.yaml`."""
    return configured_value("indicators.column_map", COLUMN_MAP_PATH)


def load_column_map(path: str | Path | None = None) -> ColumnMap:
    """Read and validate a column map (default: `column_map_path`).

    Raises ColumnMapError naming FILE:LINE for unknown keys, unknown categories, bad regexes."""
    source = load_yaml(path or column_map_path(), error=ColumnMapError)
    if not isinstance(source.data, dict):
        raise ColumnMapError(
            source.path, [(1, "a column map is a mapping: version, categories, rules")]
        )
    try:
        parsed = _MapFile.model_validate(source.data)
    except ValidationError as exc:
        raise ColumnMapError(source.path, pydantic_problems(source, exc)) from None
    problems = []
    known = set(parsed.categories) | set(BUILT_IN)
    for i, rule in enumerate(parsed.rules):
        if rule.category not in known:
            problems.append(
                (
                    source.line(("rules", i, "category")),
                    f"rules[{i}].category: unknown category {rule.category!r} "
                    f"(one of common/vocabulary.py's COLUMN_CATEGORIES, or declared under `categories:`; "
                    f"known: {', '.join(sorted(known))})",
                )
            )
    if problems:
        raise ColumnMapError(source.path, problems)
    rules = [(rule, source.where(("rules", i))) for i, rule in enumerate(parsed.rules)]
    return ColumnMap(source.path, dict(parsed.categories), rules)


def default_column_map() -> ColumnMap:
    """The map in use (`column_map_path`), loaded once per process and path."""
    return _loaded(column_map_path())


@functools.lru_cache(maxsize=8)
def _loaded(path: Path) -> ColumnMap:
    return load_column_map(path)
