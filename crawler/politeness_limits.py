"""How politely each unit is crawled, and the polite-limit check every value goes through.

A unit's crawl settings (delay, requests in flight per host, User-Agent, timeout, robots.txt)
are resolved in layers, each overriding the one before:

    built-in  ←  zwgk.toml [crawl] / $ZWGK_CRAWL_*  ←  registry `defaults:`
              ←  `zwgk crawl -s DOWNLOAD_DELAY=…`    ←  the unit's `overrides:`

A `-s` value acts as the run's defaults: it never overrides what a unit asked for itself (a
site that must be crawled slowly stays slow). Wherever a value comes from it meets the same
bounds (delay 0–600 s, concurrency 1–16, timeout ≤ 600 s) and the same polite limit: at most
`POLITE_CONCURRENCY` requests in flight per host, unless the unit's host is one the office runs
itself (the registry's `owned_hosts:`) or the site's operator agreed (`raise_concurrency_limit:
true`) — and never above `MAX_CONCURRENCY`. A value above the limit is refused once, where it
was written (one message for `defaults:` or `-s`, whatever the number of units it reaches).
Scrapy settings that would undo per-host limits altogether cannot be given with `-s`
(`REFUSED`). docs/registry.md §8 is the operator's page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from common.config_file import ConfigError, configured
from common.errors import did_you_mean

USER_AGENT = "zwgk/0.1 (+政务公开测评; contact: operator)"
POLITE_CONCURRENCY = 2  # requests in flight per host unless the host is lifted
DEFAULT_DELAY = 1.0  # seconds between requests to one host
DEFAULT_TIMEOUT = 30.0  # seconds
# Bounds of what a registry, zwgk.toml or -s may ask for, so a typo (delay: 1e9, concurrency:
# 1000000) stops before a night's crawl rather than stalling or flooding it:
MAX_DELAY = 600.0  # s between two requests: beyond 10 minutes a unit's pages take days
MAX_CONCURRENCY = 16  # requests in flight per host, even on a lifted host
MAX_TIMEOUT = 600.0  # s for one response; the crawl's own limits are far below
RETRY_TIMES = 2  # crawler/settings.py: `-s RETRY_TIMES` may lower it, not raise it

# `-s NAME=VALUE` that is a registry setting: read as that setting and checked like it.
SCRAPY_NAMES = {
    "DOWNLOAD_DELAY": "delay",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "concurrency",
    "DOWNLOAD_TIMEOUT": "timeout",
    "USER_AGENT": "user_agent",
}
# `-s NAME=…` that would step around the per-host limits: refused, with what to do instead.
REFUSED = {
    "ROBOTSTXT_OBEY": "robots.txt is the registry's decision (`robots: ignore` in `defaults:` "
    "or a unit's `overrides:`, with the site owner's agreement)",
    "CONCURRENT_REQUESTS_PER_IP": "it replaces the per-host limit; set `concurrency` in the "
    "registry instead",
    "DOWNLOAD_SLOTS": "per-host settings come from the registry's units",
    "DOWNLOADER_MIDDLEWARES": "it could take out the polite retries and the address policy",
}
# Config keys that are politeness settings (common.config_file.KEYS).
CONFIG_NAMES = {
    "crawl.delay": "delay",
    "crawl.concurrency": "concurrency",
    "crawl.timeout": "timeout",
    "crawl.user_agent": "user_agent",
}


def text_only(what: str) -> Any:
    """A string field that refuses numbers: YAML reads `id: 007` as the int 7."""

    def check(value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{what} must be text; put it in quotes")
        return value

    return BeforeValidator(check)


def printable(value: Any) -> Any:
    """Text sent in an HTTP header or shown in a table must not hold control characters."""
    if isinstance(value, str) and any(ch < " " or ch == "\x7f" for ch in value):
        raise ValueError("must not contain control characters (a line break, a tab, …)")
    return value


class SettingsPatch(BaseModel):
    """Crawl settings as written in `defaults:` or a unit's `overrides:`; unset = inherit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    robots: Literal["obey", "ignore"] | None = None
    delay: float | None = Field(None, ge=0, le=MAX_DELAY)
    concurrency: int | None = Field(None, ge=1, le=MAX_CONCURRENCY)
    raise_concurrency_limit: bool | None = None  # allow concurrency > 2 (site owner agreed)
    user_agent: Annotated[
        Annotated[str, Field(min_length=1, max_length=300)] | None,
        text_only("user_agent"),
        BeforeValidator(printable),
    ] = None
    timeout: float | None = Field(None, gt=0, le=MAX_TIMEOUT)


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """Resolved settings for one unit (the layers of the module's docstring)."""

    robots: str = "obey"
    delay: float = DEFAULT_DELAY
    concurrency: int = POLITE_CONCURRENCY
    raise_concurrency_limit: bool = False
    user_agent: str = USER_AGENT
    timeout: float = DEFAULT_TIMEOUT

    @property
    def obey_robots(self) -> bool:
        return self.robots == "obey"

    def patched(self, patch: SettingsPatch) -> CrawlSettings:
        values = {k: v for k, v in patch.model_dump(exclude={"columns"}).items() if v is not None}
        return dataclasses.replace(self, **values) if values else self


@dataclass(frozen=True)
class Layer:
    """Settings from one place outside the registry file, and how to name that place:
    field → ``$ZWGK_CRAWL_DELAY``, ``/etc/zwgk/zwgk.toml:7`` or ``-s DOWNLOAD_DELAY=0``."""

    patch: SettingsPatch = dataclasses.field(default_factory=SettingsPatch)
    origins: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_setting(self) -> dict[str, Any]:
        """As a Scrapy setting's value (the spider reads the registry again with it)."""
        return {"patch": self.patch.model_dump(exclude_none=True), "origins": self.origins}

    @classmethod
    def from_setting(cls, value: dict[str, Any] | None) -> Layer:
        if not value:
            return cls()
        return cls(SettingsPatch.model_validate(value["patch"]), dict(value["origins"]))


class PolitenessError(ValueError):
    """A politeness value given outside the registry (``-s``) that cannot be used; one sentence."""


def configured_layer() -> Layer:
    """zwgk.toml's `[crawl]` politeness keys (or their environment variables), checked against
    the same bounds as the registry's; ConfigError names the file:line or the variable."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, field in CONFIG_NAMES.items():
        found = configured(name)
        if found is not None:
            values[field], origins[field] = found.value, found.origin
    try:
        return Layer(SettingsPatch.model_validate(values), origins)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0])
        name = next(n for n, f in CONFIG_NAMES.items() if f == field)
        message = err["msg"].removeprefix("Value error, ")
        raise ConfigError(
            origins[field], [(None, f"{name}: {message} (got {values[field]!r})")]
        ) from None


def configured_defaults() -> CrawlSettings:
    """The built-in settings with zwgk.toml's (and its variables') politeness applied: what
    a registry's `defaults:` start from, and what `zwgk units discover` uses."""
    return CrawlSettings().patched(configured_layer().patch)


def command_line_layer(options: dict[str, Any]) -> Layer:
    """The politeness part of `zwgk crawl -s NAME=VALUE`, taken out of ``options`` (the other
    settings stay there for Scrapy) and checked like the registry's values. A setting that would
    step around the per-host limits, or a value out of bounds, is a PolitenessError."""
    for name in options:
        if name.upper() in REFUSED:
            raise PolitenessError(f"-s {name} is not accepted: {REFUSED[name.upper()]}")
    retries = options.get("RETRY_TIMES")
    if retries is not None:
        try:
            ok = 0 <= int(retries) <= RETRY_TIMES
        except ValueError:
            ok = False
        if not ok:
            raise PolitenessError(
                f"-s RETRY_TIMES={retries}: a number from 0 to {RETRY_TIMES} (more retries "
                "press on a site that is already failing)"
            )
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, field in SCRAPY_NAMES.items():
        if name in options:
            value = options.pop(name)
            values[field], origins[field] = value, f"-s {name}={value}"
    try:
        return Layer(SettingsPatch.model_validate(values), origins)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = origins[str(err["loc"][0])]
        message = err["msg"].removeprefix("Value error, ")
        raise PolitenessError(f"{where}: {message} (the registry's limits apply)") from None


def owned_hosts(listed: Iterable[str], entry_hosts: Iterable[str | None]) -> tuple[list, list]:
    """The registry's `owned_hosts:` in lower case, and (index, message) for each listed host
    that no unit's entry is on (a typo would otherwise lift nothing, silently)."""
    hosts = sorted({h for h in entry_hosts if h})
    owned, problems = [], []
    for i, host in enumerate(listed):
        if host.lower() in hosts:
            owned.append(host.lower())
            continue
        hint = did_you_mean(host.lower(), hosts)
        problems.append(
            (
                i,
                f"owned_hosts[{i}]: {host!r} is no unit's entry host{hint} (write the host "
                "name alone: www.example.gov.cn, no http://, path or port)",
            )
        )
    return owned, problems


@dataclass(frozen=True)
class UnitPoliteness:
    """What the polite-limit check needs to know about one unit."""

    id: str
    host: str | None
    settings: CrawlSettings
    own_concurrency: bool  # the unit's `overrides:` set concurrency
    line: int | None  # the line of that override, else of the unit


def limit_problems(
    units: Iterable[UnitPoliteness],
    owned_hosts: Iterable[str],
    defaults_line: int | None,
    run: Layer,
    configured: Layer,
) -> list[tuple[int | None, str]]:
    """Units above the polite limit, one problem per place the too-high value was written:
    each unit's own override on its line, `defaults:` once on its line, `-s` or zwgk.toml once
    (line None: they are not in the registry file)."""
    owned = set(owned_hosts)
    by_place: dict[tuple[int | None, str], list[str]] = {}
    for unit in units:
        s = unit.settings
        if s.concurrency <= POLITE_CONCURRENCY or s.raise_concurrency_limit or unit.host in owned:
            continue
        if unit.own_concurrency:
            place = (unit.line, f"unit {unit.id!r}: concurrency {s.concurrency}")
        elif "concurrency" in run.origins:
            place = (None, run.origins["concurrency"])
        elif defaults_line is not None:
            place = (defaults_line, f"defaults: concurrency {s.concurrency}")
        else:
            place = (
                None,
                f"crawl.concurrency {s.concurrency} ({configured.origins['concurrency']})",
            )
        by_place.setdefault(place, []).append(unit.id)
    problems = []
    for (line, what), ids in by_place.items():
        if what.startswith("unit "):
            problems.append(
                (
                    line,
                    f"{what} is above the polite limit of {POLITE_CONCURRENCY} requests per host; "
                    "if the site's operator agreed, also set raise_concurrency_limit: true "
                    "(for the office's own sites: owned_hosts:)",
                )
            )
            continue
        named = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        problems.append(
            (
                line,
                f"{what} is above the polite limit of {POLITE_CONCURRENCY} requests per host for "
                f"{len(ids)} unit(s) ({named}) whose host is not in owned_hosts: and that do not "
                "set raise_concurrency_limit: true (docs/registry.md §8)",
            )
        )
    return problems
