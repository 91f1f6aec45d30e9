"""`zwgk.toml`, the installation's configuration file (配置文件): where the store is, which unit
registry to crawl, the office's own indicator sets and column map, the politeness defaults.

Where it is looked for — the first that exists is read, the others are not:

1. ``$ZWGK_CONFIG`` — a file named there that does not exist is an error, not a silent
   fallback (``ZWGK_CONFIG=/dev/null`` reads no file at all);
2. ``./zwgk.toml`` — the working directory, the folder that holds the default store ``.zwgk/``
   (a service's ``WorkingDirectory=``);
3. ``/etc/zwgk/zwgk.toml``.

Every key has an environment variable that wins over the file (``KEYS``); a command-line option
wins over both. Relative paths in the file are relative to the file's folder; in an environment
variable, to the working directory. The file is read with the standard library's ``tomllib``
and validated once here with pydantic: an unknown key, a value of the wrong type or a TOML
syntax error is refused with FILE:LINE (and a "did you mean" for a misspelt key). Bounds that
belong to one concern (politeness's 0–600 s delay, 1–16 requests in flight) are checked by that
concern (``crawler.politeness_limits``), naming where the value came from (`Setting.origin`).
docs/config.md is the operator's page.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import suggest

CONFIG_ENV = "ZWGK_CONFIG"
LOCAL_FILE = "zwgk.toml"
SYSTEM_FILE = Path("/etc/zwgk/zwgk.toml")
# A real file is under 2 KB; anything far larger is a mistake (a log or a dump named zwgk.toml).
MAX_BYTES = 64 * 1024
MAX_TEXT = 2000  # characters of one value (a URL, a path, a User-Agent)


@dataclass(frozen=True)
class Key:
    """One configuration key: its dotted name in the file and the variable that overrides it."""

    name: str
    env: str
    is_path: bool
    help: str


KEYS = (
    Key("store.url", "ZWGK_DATABASE_URL", False, "the store's SQLAlchemy URL"),
    Key(
        "store.pool_size",
        "ZWGK_DB_POOL_SIZE",
        False,
        "PostgreSQL: connections each process keeps open (1-100)",
    ),
    Key(
        "store.max_overflow",
        "ZWGK_DB_MAX_OVERFLOW",
        False,
        "PostgreSQL: connections a process may open beyond pool_size at a peak (0-100)",
    ),
    Key("crawl.registry", "ZWGK_REGISTRY", True, "the unit registry (units.yaml)"),
    Key("crawl.delay", "ZWGK_CRAWL_DELAY", False, "seconds between two requests to one host"),
    Key("crawl.concurrency", "ZWGK_CRAWL_CONCURRENCY", False, "requests in flight per host"),
    Key("crawl.timeout", "ZWGK_CRAWL_TIMEOUT", False, "seconds to wait for one response"),
    Key("crawl.user_agent", "ZWGK_USER_AGENT", False, "the User-Agent, with the office's contact"),
    Key("indicators.folder", "ZWGK_INDICATORS", True, "a folder of the office's indicator sets"),
    Key(
        "indicators.column_map", "ZWGK_COLUMN_MAP", True, "a column map instead of the shipped one"
    ),
    Key(
        "indicators.unit_text",
        "ZWGK_UNIT_TEXT",
        False,
        "strict: refuse English, parameter names and codes in text units read; warn: log them",
    ),
    Key("checklist.office", "ZWGK_OFFICE", True, "the office's notice details (office.yaml)"),
    Key(
        "portal.secret_key",
        "ZWGK_PORTAL_SECRET",
        False,
        "the key that signs the portal's session cookies (at least 32 characters)",
    ),
    Key("portal.public_url", "ZWGK_PORTAL_URL", False, "the portal's address, for links to it"),
    Key("portal.snapshot_dir", "ZWGK_SNAPSHOT_DIR", True, "the pictures of stored pages"),
    Key("portal.chromium", "ZWGK_CHROMIUM", True, "the Chromium that draws those pictures"),
    Key(
        "patrol.smtp_host",
        "ZWGK_SMTP_HOST",
        False,
        "the SMTP server the patrol's e-mail goes through",
    ),
    Key("patrol.smtp_port", "ZWGK_SMTP_PORT", False, "its port (25, 465 with smtp_ssl, 587)"),
    Key(
        "patrol.smtp_ssl",
        "ZWGK_SMTP_SSL",
        False,
        "TLS from the start (port 465); else STARTTLS when offered",
    ),
    Key("patrol.smtp_user", "ZWGK_SMTP_USER", False, "the SMTP account, when the server asks"),
    Key("patrol.smtp_password", "ZWGK_SMTP_PASSWORD", False, "its password"),
    Key("patrol.mail_from", "ZWGK_MAIL_FROM", False, "the digest's sender address"),
    Key("patrol.webhook_url", "ZWGK_WEBHOOK_URL", False, "where each digest is posted as JSON"),
    Key(
        "patrol.webhook_secret",
        "ZWGK_WEBHOOK_SECRET",
        False,
        "the key of the webhook's HMAC-SHA256 signature (at least 16 characters)",
    ),
    Key(
        "distributed.broker_url",
        "ZWGK_BROKER_URL",
        False,
        "the Redis that `zwgk crawl --distributed` and `zwgk worker` share (Celery's broker)",
    ),
)
KEY_BY_NAME = {key.name: key for key in KEYS}

_Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class _Section(BaseModel):
    # strict: `concurrency = "4"` or `delay = true` in the file is a mistake, not a number.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class _Store(_Section):
    url: _Text | None = None
    # Bounded so a typo cannot exhaust the server's max_connections (100 by default).
    pool_size: Annotated[int, Field(ge=1, le=100)] | None = None
    max_overflow: Annotated[int, Field(ge=0, le=100)] | None = None


class _Crawl(_Section):
    registry: _Text | None = None
    delay: float | None = None
    concurrency: int | None = None
    timeout: float | None = None
    user_agent: _Text | None = None


class _Indicators(_Section):
    folder: _Text | None = None
    column_map: _Text | None = None
    unit_text: Literal["strict", "warn"] | None = None


class _Checklist(_Section):
    office: _Text | None = None


class _Portal(_Section):
    secret_key: Annotated[str, Field(min_length=32, max_length=MAX_TEXT)] | None = None
    public_url: (
        Annotated[str, Field(max_length=MAX_TEXT, pattern=r"^https?://[^\s/?#]+[^\s?#]*$")] | None
    ) = None
    snapshot_dir: _Text | None = None
    chromium: _Text | None = None


class _Patrol(_Section):
    smtp_host: _Text | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    smtp_ssl: bool | None = None
    smtp_user: _Text | None = None
    smtp_password: _Text | None = None
    mail_from: _Text | None = None
    webhook_url: _Text | None = None
    webhook_secret: Annotated[str, Field(min_length=16, max_length=MAX_TEXT)] | None = None


class _Distributed(_Section):
    broker_url: _Text | None = None


class _File(_Section):
    store: _Store = _Store()
    crawl: _Crawl = _Crawl()
    indicators: _Indicators = _Indicators()
    checklist: _Checklist = _Checklist()
    portal: _Portal = _Portal()
    patrol: _Patrol = _Patrol()
    distributed: _Distributed = _Distributed()


_SECTIONS: dict[str, type[_Section]] = {
    "store": _Store,
    "crawl": _Crawl,
    "indicators": _Indicators,
    "checklist": _Checklist,
    "portal": _Portal,
    "patrol": _Patrol,
    "distributed": _Distributed,
}


class ConfigError(Exception):
    """A configuration that cannot be used. `str()` is one line per problem, each naming the
    file and line (``FILE:LINE: …``) or the environment variable. Not a ValueError: code that
    turns a bad value into its own message (a store that cannot be opened) must let it through,
    and the `zwgk` command prints it as it is."""

    def __init__(self, where: str, problems: list[tuple[int | None, str]]) -> None:
        self.where = where
        self.problems = problems
        super().__init__(
            "\n".join(
                f"{where}:{line}: {msg}" if line else f"{where}: {msg}" for line, msg in problems
            )
        )


@dataclass(frozen=True)
class Setting:
    """A configured value and where it came from: ``FILE:LINE`` or ``$VARIABLE`` (the CLI adds
    ``option --x`` and ``default``)."""

    value: Any
    origin: str


@dataclass(frozen=True)
class ConfigFile:
    """A validated file: dotted key → value (paths made absolute) and the line each is on."""

    path: Path
    values: dict[str, Any]
    lines: dict[str, int]

    def setting(self, name: str) -> Setting | None:
        if name not in self.values:
            return None
        line = self.lines.get(name)
        return Setting(self.values[name], f"{self.path}:{line}" if line else str(self.path))


def config_path() -> Path | None:
    """The file to read (see the module's docstring), or None when there is none."""
    named = os.environ.get(CONFIG_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.exists():
            raise ConfigError(f"${CONFIG_ENV}", [(None, f"{named}: no such file")])
        return path
    for path in (Path.cwd() / LOCAL_FILE, SYSTEM_FILE):
        if path.is_file():
            return path
    return None


def load_config_file(path: str | Path) -> ConfigFile:
    """Read and validate one file; ConfigError names FILE:LINE for every problem found."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(str(path), [(None, f"cannot read ({exc.strerror or exc})")]) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            str(path), [(None, f"larger than {MAX_BYTES // 1024} KiB: not a zwgk.toml")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(str(path), [(line, "not UTF-8 text; save the file as UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's message ends "(at line N, column M)"; the line goes in front.
        found = re.search(r"\s*\(at line (\d+), column \d+\)$", str(exc))
        line = int(found.group(1)) if found else None
        message = str(exc)[: found.start()] if found else str(exc)
        raise ConfigError(str(path), [(line, f"invalid TOML: {message}")]) from None
    lines = _key_lines(text)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), _problems(exc, lines)) from None
    values: dict[str, Any] = {}
    for section, model in (
        ("store", parsed.store),
        ("crawl", parsed.crawl),
        ("indicators", parsed.indicators),
        ("checklist", parsed.checklist),
        ("portal", parsed.portal),
    ):
        for key, value in model.model_dump(exclude_none=True).items():
            name = f"{section}.{key}"
            if KEY_BY_NAME[name].is_path:
                value = (path.parent / Path(value).expanduser()).absolute()
            values[name] = value
    return ConfigFile(
        path,
        values,
        {n: lines[tuple(n.split("."))] for n in values if tuple(n.split(".")) in lines},
    )


_cache: dict[Path, tuple[tuple[int, int], ConfigFile]] = {}


def read_config() -> ConfigFile | None:
    """The configuration file in effect (`config_path`), validated; None when there is none.
    Read again only when the file changes."""
    path = config_path()
    if path is None:
        return None
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp or not path.is_file():
        cached = (stamp, load_config_file(path))
        _cache[path] = cached
    return cached[1]


def configured(name: str) -> Setting | None:
    """A key's value from its environment variable, else from the file; None when neither sets
    it (the caller's built-in default applies)."""
    key = KEY_BY_NAME[name]
    raw = os.environ.get(key.env, "").strip()
    if raw:
        return Setting(_from_env(key, raw), f"${key.env}")
    found = read_config()
    return found.setting(name) if found is not None else None


def configured_value(name: str, default: Any = None) -> Any:
    """`configured(name).value`, or `default`."""
    found = configured(name)
    return default if found is None else found.value


def _from_env(key: Key, raw: str) -> Any:
    section, field = key.name.split(".")
    try:
        value = getattr(_SECTIONS[section].model_validate({field: raw}, strict=False), field)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"]
        raise ConfigError(f"${key.env}", [(None, f"{raw!r}: {message} ({key.help})")]) from None
    return Path(value).expanduser().absolute() if key.is_path else value


def _problems(exc: ValidationError, lines: dict[tuple, int]) -> list[tuple[int | None, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(str(p) for p in err["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        dotted = ".".join(loc)
        if err["type"] == "extra_forbidden":
            message = f"unknown key {dotted!r}{_did_you_mean(loc)}"
        elif err["type"] in ("model_type", "model_attributes_type"):
            message = f"{dotted} must be a table ([{dotted}] with keys under it)"
        else:
            message = f"{dotted}: {err['msg']} (got {err['input']!r})"
        out.append((line, message))
    return sorted(out, key=lambda p: p[0] or 0)


def _did_you_mean(loc: tuple[str, ...]) -> str:
    """A suggestion for an unknown key: the closest known key of its table, or for a key at the
    top, the closest table or the table a known key belongs in (`url = …` → [store] url)."""
    if len(loc) == 1:
        close = difflib.get_close_matches(loc[0], list(_SECTIONS), n=1, cutoff=0.6)
        if close:
            return suggest(f"[{close[0]}]")
        names = {key.name.split(".")[1]: key.name for key in KEYS}
        close = difflib.get_close_matches(loc[0], list(names), n=1, cutoff=0.6)
        if close:
            section, field = names[close[0]].split(".")
            return suggest(f"{field!r} under [{section}]")
        return f" (known tables: {', '.join(f'[{s}]' for s in _SECTIONS)})"
    known = list(_SECTIONS[loc[0]].model_fields) if loc[0] in _SECTIONS else []
    close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    if close:
        return suggest(repr(close[0]))
    return f" (known: {', '.join(known)})"


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _key_lines(text: str) -> dict[tuple, int]:
    """The line of each table header and key (for messages; tomllib gives no positions). Enough
    for a configuration file's shapes: `[table]`, `key = value`, dotted keys."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    for number, line in enumerate(text.splitlines(), 1):
        if found := _TABLE.match(line):
            table = _dotted_parts(found.group(1))
            lines.setdefault(table, number)
        elif found := _ASSIGN.match(line):
            key = (*table, *_dotted_parts(found.group(1)))
            for n in range(len(table) + 1, len(key) + 1):
                lines.setdefault(key[:n], number)
    return lines


def _dotted_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))
