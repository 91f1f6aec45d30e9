"""The unit registry (单位名录): which units the crawler visits, where, and how politely.

A YAML file (docs/registry.md) lists each unit's id, name, level (市政府 / 市直部门 / 县区政府 /
县直部门 / 乡镇街道), parent, platform profile and entry URL, with crawl defaults and per-unit
overrides (robots, delay, concurrency, user agent, timeout, column categories). It is read
with the safe loader, validated once here with pydantic, and trusted afterwards. Every mistake —
an unknown key, a duplicate id, a missing parent, a parent cycle, an unknown level or profile, a
malformed URL — is reported with FILE:LINE, all of them at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from common.errors import did_you_mean
from common.vocabulary import LEVELS
from common.yamlsource import YamlSource, YamlSourceError, load_yaml, pydantic_problems
from crawler.columns import ColumnMap, default_column_map
from crawler.politeness_limits import (
    CrawlSettings,
    Layer,
    SettingsPatch,
    UnitPoliteness,
    configured_layer,
    limit_problems,
    owned_hosts,
    printable,
    text_only,
)
from crawler.profile_model import available_profiles

logger = logging.getLogger(__name__)

# Lengths of the store's columns (store/models.py: Unit.id and .parent String(128), .profile
# String(64)); a longer value would fail at the end of a crawl, not here.
MAX_ID = 128
MAX_PROFILE = 64
MAX_NAME = 200  # characters; real unit names are under 40
MAX_URL = 2000  # characters, what browsers and servers commonly accept
MAX_OWNED_HOSTS = 1000  # hosts the office runs itself; a city has a few dozen at most

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RegistryError(YamlSourceError):
    """An unreadable or invalid registry. `str()` lists every problem as ``FILE:LINE: …``;
    `.path`, `.line` (the first problem's) and `.problems` [(line, message)] are set."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Overrides(SettingsPatch):
    """Per-unit exceptions: crawl settings, and column name → category (or "skip")."""

    columns: dict[str, str] = {}

    @field_validator("columns")
    @classmethod
    def _known_categories(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        column_map: ColumnMap | None = (info.context or {}).get("column_map")
        if column_map is not None:
            problems = column_map.check_overrides(value)
            if problems:
                raise ValueError("; ".join(f"{name!r}: {msg}" for name, msg in problems))
        return value


MAX_CONTACTS = 20
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _email(value: Any) -> Any:
    """An e-mail address, one only: a name with it (`李明 <a@b>`) or a list in one string is
    refused, so a digest never goes where the office did not mean."""
    if isinstance(value, str) and not _EMAIL.match(value.strip()):
        raise ValueError(f"{value!r} is not one e-mail address (e.g. zwgk@xhx.gov.cn)")
    return value.strip() if isinstance(value, str) else value


class UnitEntry(_Strict):
    """One unit (单位) of the registry. `settings` and `line` are filled in by `load_registry`."""

    id: Annotated[str, Field(max_length=MAX_ID), text_only("id")]
    name: Annotated[
        str, Field(min_length=1, max_length=MAX_NAME), text_only("name"), BeforeValidator(printable)
    ]
    level: str
    parent: Annotated[
        Annotated[str, Field(max_length=MAX_ID)] | None,
        BeforeValidator(_blank_is_none),
        text_only("parent"),
    ] = None
    profile: Annotated[str, Field(max_length=MAX_PROFILE), text_only("profile")]
    entry: Annotated[str, Field(max_length=MAX_URL), text_only("entry")]
    overrides: Overrides = Overrides()
    # The unit's contacts (联络员) by e-mail: the daily patrol's digest goes to them (zwgk patrol).
    contacts: list[Annotated[str, Field(max_length=254), BeforeValidator(_email)]] = Field(
        [], max_length=MAX_CONTACTS
    )
    _settings: CrawlSettings = PrivateAttr(default_factory=CrawlSettings)
    _line: int | None = PrivateAttr(default=None)

    @property
    def settings(self) -> CrawlSettings:
        return self._settings

    @property
    def line(self) -> int | None:
        """The line of this unit's entry in the registry file."""
        return self._line

    @property
    def column_overrides(self) -> dict[str, str]:
        return self.overrides.columns

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"unit id {value!r} must be letters, digits, '-', '_' or '.', "
                "starting with a letter or digit (e.g. jh-d01)"
            )
        return value

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value not in LEVELS:
            raise ValueError(
                f"unknown level {value!r}{did_you_mean(value, LEVELS)} "
                f"(one of: {' / '.join(LEVELS)})"
            )
        return value

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("profiles")
        if known is not None and value not in known:
            raise ValueError(
                f"unknown profile {value!r}{did_you_mean(value, known)} "
                f"(known: {', '.join(known) or 'none'}; "
                "profiles are the crawler/profiles/*.yaml files)"
            )
        return value

    @field_validator("entry")
    @classmethod
    def _entry_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise ValueError(f"entry {value!r} is not a usable URL: {problem}")
        return value


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an entry URL (None when it can)."""
    if any(ch.isspace() for ch in url):
        return "it contains a space"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it has no host name"
    try:
        parts.port  # noqa: B018  (raises on a non-numeric or out-of-range port)
    except ValueError:
        return "its port is not a number between 0 and 65535"
    return None


class _RegistryFile(_Strict):
    version: Literal[1]
    name: Annotated[
        str, Field(max_length=MAX_NAME), text_only("name"), BeforeValidator(printable)
    ] = ""
    defaults: SettingsPatch = SettingsPatch()
    # Hosts the office runs itself (its 集约化 platform, its own departments' sites): their
    # units may have more than POLITE_CONCURRENCY requests in flight, up to MAX_CONCURRENCY.
    owned_hosts: list[Annotated[str, Field(min_length=1, max_length=253), text_only("host")]] = (
        Field([], max_length=MAX_OWNED_HOSTS)
    )
    units: list[UnitEntry] = Field(min_length=1)


@dataclass
class Registry:
    """A validated registry. `hash` is the sha256 of the file's bytes (stored with crawl runs)."""

    path: Path
    hash: str
    name: str
    defaults: CrawlSettings
    units: list[UnitEntry]
    version: int = 1
    owned_hosts: tuple[str, ...] = ()  # hosts the office runs itself (politeness may be lifted)
    run: Layer = field(default_factory=Layer)  # `zwgk crawl -s` politeness it was loaded with
    _by_id: dict[str, UnitEntry] = field(default_factory=dict, repr=False)
    _children: dict[str, list[UnitEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {u.id: u for u in self.units}
        for u in self.units:
            if u.parent:
                self._children.setdefault(u.parent, []).append(u)

    def where(self, unit_id: str) -> str:
        """FILE:LINE of a unit's entry, for messages."""
        line = self.unit(unit_id).line
        return f"{self.path}:{line}" if line else str(self.path)

    def unit(self, unit_id: str) -> UnitEntry:
        try:
            return self._by_id[unit_id]
        except KeyError:
            raise KeyError(f"{self.path}: no unit with id {unit_id!r}") from None

    def children(self, unit_id: str) -> list[UnitEntry]:
        """Direct children, in file order."""
        self.unit(unit_id)
        return list(self._children.get(unit_id, []))

    def descendants(self, unit_id: str) -> list[UnitEntry]:
        """Children, their children and so on, in file order."""
        found: set[str] = set()
        todo = [unit_id]
        while todo:
            for child in self.children(todo.pop()):
                found.add(child.id)
                todo.append(child.id)
        return [u for u in self.units if u.id in found]

    def select(
        self,
        ids: Iterable[str] | None = None,
        levels: Iterable[str] | None = None,
        *,
        include_children: bool = False,
    ) -> list[UnitEntry]:
        """Units to crawl, in file order: those named by `ids` (all when None), with their
        descendants if `include_children` (a county and its departments and townships), then
        kept only if their level is in `levels` (when given). Unknown ids or levels → KeyError
        / ValueError naming them."""
        chosen: set[str] | None = None
        if ids is not None:
            ids = list(ids)
            unknown = [i for i in ids if i not in self._by_id]
            if unknown:
                raise KeyError(f"{self.path}: no unit with id {', '.join(map(repr, unknown))}")
            chosen = set(ids)
            if include_children:
                for i in ids:
                    chosen.update(u.id for u in self.descendants(i))
        wanted_levels: set[str] | None = None
        if levels is not None:
            wanted_levels = set(levels)
            bad = sorted(wanted_levels - set(LEVELS))
            if bad:
                raise ValueError(f"unknown level {', '.join(bad)} (one of: {' / '.join(LEVELS)})")
        return [
            u
            for u in self.units
            if (chosen is None or u.id in chosen)
            and (wanted_levels is None or u.level in wanted_levels)
        ]


def load_registry(
    path: str | Path, column_map: ColumnMap | None = None, run: Layer | None = None
) -> Registry:
    """Read and validate a registry file. Raises RegistryError listing every problem with
    FILE:LINE. Column overrides are checked against `column_map` (default: the bundled one).
    Each unit's crawl settings are resolved over zwgk.toml's and the run's (`run`: `zwgk crawl
    -s …`) and put through the polite-limit check (`crawler.politeness_limits`)."""
    source = load_yaml(path, error=RegistryError)
    if not isinstance(source.data, dict):
        raise RegistryError(
            source.path, [(1, "a registry is a mapping with version:, defaults: and units:")]
        )
    context = {
        "profiles": available_profiles(),
        "column_map": column_map or default_column_map(),
    }
    # Tree problems are found on the raw entries so that they are reported together with
    # schema problems: one run of `zwgk units check` shows everything to fix.
    problems = _tree_problems(source)
    try:
        parsed = _RegistryFile.model_validate(source.data, context=context)
    except ValidationError as exc:
        problems += pydantic_problems(source, exc)
        raise RegistryError(source.path, sorted(problems, key=lambda p: p[0] or 0)) from None
    run = run or Layer()
    configured = configured_layer()
    defaults = CrawlSettings().patched(configured.patch).patched(parsed.defaults)
    defaults = defaults.patched(run.patch)
    for i, unit in enumerate(parsed.units):
        unit._line = source.line(("units", i))
        unit._settings = defaults.patched(unit.overrides)
    owned, unknown = owned_hosts(
        parsed.owned_hosts, [urlsplit(u.entry).hostname for u in parsed.units]
    )
    problems += [(source.line(("owned_hosts", i)), message) for i, message in unknown]
    problems += limit_problems(
        (
            UnitPoliteness(
                unit.id,
                urlsplit(unit.entry).hostname,
                unit.settings,
                own_concurrency=unit.overrides.concurrency is not None,
                line=source.line(("units", i, "overrides", "concurrency")),
            )
            for i, unit in enumerate(parsed.units)
        ),
        owned,
        source.lines.get(("defaults", "concurrency")),
        run,
        configured,
    )
    if problems:
        raise RegistryError(source.path, sorted(problems, key=lambda p: p[0] or 0))
    registry = Registry(
        path=source.path,
        hash=source.sha256,
        name=parsed.name,
        defaults=defaults,
        units=parsed.units,
        version=parsed.version,
        owned_hosts=tuple(owned),
        run=run,
    )
    logger.debug("%s: %d units, sha256 %s", source.path, len(registry.units), registry.hash)
    return registry


def _tree_problems(source: YamlSource) -> list[tuple[int | None, str]]:
    """Duplicate ids, parents that do not exist, parent cycles (on the raw entries: entries
    whose id or parent is not text are left to the schema check)."""
    raw = source.data.get("units")
    entries = [
        (i, u["id"], u.get("parent") or None)
        for i, u in enumerate(raw if isinstance(raw, list) else [])
        if isinstance(u, dict) and isinstance(u.get("id"), str)
    ]
    problems: list[tuple[int | None, str]] = []
    first: dict[str, int] = {}
    for i, uid, _ in entries:
        if uid in first:
            problems.append(
                (
                    source.line(("units", i, "id")),
                    f"units[{i}].id: duplicate unit id {uid!r} "
                    f"(first used on line {source.line(('units', first[uid], 'id'))})",
                )
            )
        else:
            first[uid] = i
    parent_of = {uid: p for _, uid, p in entries if isinstance(p, str)}
    for i, uid, parent in entries:
        if isinstance(parent, str) and parent not in first:
            problems.append(
                (
                    source.line(("units", i, "parent")),
                    f"units[{i}].parent: unit {uid!r} names parent {parent!r}, "
                    "which is not a unit id in this file",
                )
            )
    reported: set[str] = set()
    for i, uid, _ in entries:
        chain = [uid]
        current = parent_of.get(uid)
        while current and current in parent_of and current not in chain:
            chain.append(current)
            current = parent_of[current]
        if current == uid and uid not in reported:
            reported.update(chain)
            problems.append(
                (
                    source.line(("units", i, "parent")),
                    f"units[{i}].parent: parent cycle {' → '.join([*chain, uid])}",
                )
            )
    return problems
