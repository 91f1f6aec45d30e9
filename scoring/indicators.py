"""Indicator sets (指标体系): YAML an evaluator reads and changes, validated before anything is scored.

A set (`indicators/base.yaml`) has an id, a version, a name, a pass line and a list of indicators
(指标). Each indicator names a check type (`scoring/checks/<check>.py`) with its parameters, the
units and columns it applies to, its points and how a problem deducts them (扣分), or makes it a
veto (单项否决) or a bonus (加分项). A quarterly set `extends:` another one: an entry whose id
already exists patches that indicator (only the keys given; mappings merge key by key, lists and
values are replaced, `null` clears a key), a new id adds one, `remove:` drops ids.

Every mistake — unknown key, unknown check type, bad parameter or duration, deduction above the
points, duplicate id, dangling `extends:` or reference — is collected across all the files of the
chain and raised at once as `IndicatorError`, each line ``FILE:LINE: message``.

The resolved set carries `text` (the source files of the chain, base first, each under a
``# zwgk-indicator-file: NAME`` line) and its `sha256`, so a round can freeze exactly what it was
scored with and `set_from_text` can load it again. See docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import re
import string
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crawler.columns import default_column_map
from crawler.registry import LEVELS
from crawler.yamlsource import YamlSourceError, load_yaml, pydantic_problems

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "indicators"
FILE_MARK = "# zwgk-indicator-file: "
ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
# Parameters that name other indicators of the same set (check → parameter): they must resolve.
REFERENCE_PARAMS = {"veto_count": "indicators"}

Where = tuple[str, int | None]  # (file, line)
Problem = tuple[str, int | None, str]  # (file, line, message)
Loc = tuple[Any, ...]


class IndicatorError(ValueError):
    """Problems in an indicator set. `str()` is one ``FILE:LINE: message`` per line;
    `.problems` lists (file, line, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(_format(p) for p in self.problems))


class SuggestionError(KeyError):
    """A suggestion template names an evidence key the finding does not have (scoring time)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _format(problem: Problem) -> str:
    path, line, message = problem
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


# -- the model ---------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _did_you_mean(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class AppliesTo(_Strict):
    """Which units, columns and dates an indicator judges (适用范围)."""

    levels: tuple[str, ...] = LEVELS
    categories: tuple[str, ...] | None = (
        None  # column categories (indicators/columns.yaml); None: all
    )
    date_from: dt.date | None = None  # items published on or after
    date_until: dt.date | None = None  # items published on or before

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        if not levels:
            raise ValueError("name at least one level")
        for level in levels:
            if level not in LEVELS:
                raise ValueError(
                    f"unknown level {level!r}{_did_you_mean(level, LEVELS)} "
                    f"(one of: {' / '.join(LEVELS)})"
                )
        return levels

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, categories: tuple[str, ...] | None) -> tuple[str, ...] | None:
        known = sorted(default_column_map().known)
        for category in categories or ():
            if category not in known:
                raise ValueError(
                    f"unknown column category {category!r}{_did_you_mean(category, known)} "
                    f"(known: {', '.join(known)})"
                )
        return categories

    @model_validator(mode="after")
    def _ordered(self) -> AppliesTo:
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError(f"date_from {self.date_from} is after date_until {self.date_until}")
        return self


class Deduction(_Strict):
    """扣分规则: `per_problem` points per problem (× the finding's weight), at most `max`
    (default: the indicator's points). Partial credit is a fractional per_problem (0.64)."""

    per_problem: PositiveFloat
    max: PositiveFloat | None = None

    def amount(self, problems: float, points: float) -> float:
        """Points lost for `problems` (the sum of the findings' weights), never above the cap."""
        cap = points if self.max is None else min(points, self.max)
        return round(min(cap, problems * self.per_problem), 4)


class Veto(_Strict):
    """单项否决: any finding of the indicator fails the unit (不合格), whatever its score."""

    reason: str = ""


def _veto(value: Any) -> Any:
    # `veto: true` is the usual spelling; `veto: {reason: …}` adds the wording of the verdict.
    if value is True:
        return {}
    if value is False:
        return None
    return value


def template_fields(template: str) -> list[str]:
    """The `{name}` fields of a suggestion template; ValueError for anything but plain names."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template ({exc}); write {{{{ and }}}} for literal braces") from None
    names = []
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        if not name.isidentifier() or "{" in (spec or ""):
            raise ValueError(
                f"{{{name}{':' + spec if spec else ''}}} is not a plain field: use an evidence key "
                "by name, e.g. {column_name}"
            )
        names.append(name)
    return names


class Indicator(_Strict):
    """One indicator (指标). `params` is the check's validated `Params` model after loading."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    name: Annotated[str, Field(min_length=1)]
    group: Annotated[
        tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1, max_length=3)
    ]
    applies_to: AppliesTo = AppliesTo()
    check: Annotated[str, Field(min_length=1)]
    params: Any = Field(default_factory=dict)
    points: Annotated[float, Field(ge=0)] = 0
    deduct: Deduction | None = None
    veto: Annotated[Veto | None, BeforeValidator(_veto)] = None
    bonus: bool = False
    suggestion: str = ""
    description: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    not_applicable: tuple[str, ...] = ()  # unit ids with a published 规范性说明

    @field_validator("params", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping | BaseModel):
            raise ValueError("params must be a mapping of parameter: value")
        return value

    @field_validator("suggestion")
    @classmethod
    def _template(cls, value: str) -> str:
        template_fields(value)
        return value

    @model_validator(mode="after")
    def _scoring_rule(self, info: ValidationInfo) -> Indicator:
        # The loader checks the rule itself, to point each problem at its own line.
        if not (info.context or {}).get("defer_rule"):
            problems = rule_problems(self)
            if problems:
                raise ValueError("; ".join(message for _, message in problems))
        return self

    @property
    def kind(self) -> str:
        return "veto" if self.veto else "bonus" if self.bonus else "deduction"

    def suggest(self, evidence: Mapping[str, Any]) -> str:
        """The suggestion filled from a finding's evidence (plus `suggestion_values`' derived
        keys); SuggestionError names a key the evidence lacks."""
        values = suggestion_values(evidence)
        try:
            return self.suggestion.format_map(values)
        except KeyError as exc:
            raise SuggestionError(
                f"indicator {self.id}: suggestion uses {{{exc.args[0]}}} but the finding's "
                f"evidence has only {sorted(values)}"
            ) from None
        except (ValueError, TypeError) as exc:
            raise SuggestionError(
                f"indicator {self.id}: suggestion cannot be filled: {exc}"
            ) from None


def category_name(category: str) -> str:
    """A column category's Chinese name from indicators/columns.yaml (news → 动态/要闻)."""
    found = re.match(r"[\u4e00-\u9fff/]+", default_column_map().categories.get(category, ""))
    return found.group(0) if found else category


def suggestion_values(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence keys plus derived ones a template may use: `<key>_quoted` for `title` and every
    `…_title` (《title》, or “title” when it already holds 《》), `category_name` for `category`."""
    values = dict(evidence)
    for key, value in evidence.items():
        if (key == "title" or key.endswith("_title")) and isinstance(value, str):
            values.setdefault(f"{key}_quoted", f"“{value}”" if "《" in value else f"《{value}》")
    if isinstance(evidence.get("category"), str):
        values.setdefault("category_name", category_name(evidence["category"]))
    return values


def rule_problems(indicator: Indicator) -> list[tuple[Loc, str]]:
    """(key path, message) for a scoring rule that cannot work: points, deduct, veto, bonus."""
    if indicator.veto and indicator.bonus:
        return [(("bonus",), "an indicator is a veto or a bonus, not both")]
    if indicator.veto:
        if indicator.points or indicator.deduct:
            key = "points" if indicator.points else "deduct"
            return [((key,), "a veto indicator has no points or deduct: it fails the unit")]
        return []
    if not indicator.points:
        return [(("points",), "points must be above 0 (or make the indicator `veto: true`)")]
    if indicator.deduct is None:
        return [((), "missing key 'deduct' (e.g. deduct: {per_problem: 1})")]
    out: list[tuple[Loc, str]] = []
    for key in ("per_problem", "max"):
        value = getattr(indicator.deduct, key)
        if value is not None and value > indicator.points:
            out.append(
                (
                    ("deduct", key),
                    f"deduct.{key} {value:g} is more than the points {indicator.points:g}",
                )
            )
    if not indicator.bonus and not indicator.suggestion:
        out.append(((), "missing key 'suggestion' (the 整改 advice shown with each problem)"))
    return out


class _SetHead(_Strict):
    """The top-level keys of one set file (its indicators are validated one by one)."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    version: Annotated[str, Field(min_length=1)]
    name: str | None = None
    description: str = ""
    pass_line: Annotated[float, Field(ge=0, le=100)] | None = None
    extends: str | None = None
    remove: list[str] = []
    indicators: list[Any] = []


@dataclass(frozen=True)
class IndicatorSet:
    """A resolved, validated set. `text`/`sha256` freeze it for a round (`set_from_text`)."""

    id: str
    version: str
    name: str
    pass_line: float
    path: Path
    text: str
    sha256: str
    indicators: list[Indicator]
    extends: tuple[str, ...] = ()  # ids of the sets it builds on, nearest first
    description: str = ""
    origins: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def get(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        ids = [i.id for i in self.indicators]
        raise KeyError(
            f"no indicator {indicator_id!r} in {self.id}{_did_you_mean(indicator_id, ids)}"
        )

    @property
    def total_points(self) -> float:
        """Full marks of the deduction indicators (bonus and veto items excluded)."""
        return sum(i.points for i in self.indicators if i.kind == "deduction")


# -- the check registry (scoring/checks) ---------------------------------------------------------
# The check types notes/scoring.md names, accepted by name while scoring/checks is being written
# (their parameters are validated as soon as the module registers them).
PLANNED_CHECKS = (
    "column_freshness", "blank_column", "required_columns", "required_fields", "field_format",
    "field_consistency", "date_sanity", "disclosure_lag", "interpretation_coverage",
    "interpretation_lag", "interpretation_backlink", "interpretation_forms",
    "periodic_publication", "annual_report", "broken_links", "duplicate_titles", "consultation",
    "term_list", "veto_count",
)  # fmt: skip


def check_types() -> dict[str, type[BaseModel] | None]:
    """Every check type a set may name → its Params model (None: not registered yet)."""
    try:
        from scoring.checks.base import available_checks, get_check
    except ModuleNotFoundError as exc:
        if exc.name not in ("scoring.checks.base", "scoring.checks"):
            raise
        return dict.fromkeys(PLANNED_CHECKS)
    found: dict[str, type[BaseModel] | None] = dict.fromkeys(PLANNED_CHECKS)
    found.update({name: get_check(name).Params for name in available_checks()})
    return found


# -- loading -----------------------------------------------------------------------------------
@dataclass
class _Entry:
    """An indicator's mapping as merged so far, with the (file, line) of every key and item."""

    data: dict[str, Any]
    lines: dict[Loc, Where]

    def where(self, loc: Loc) -> Where:
        for end in range(len(loc), -1, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found:
                return found
        return ("?", None)


class _EntryLines:
    """`pydantic_problems` asks its source for `.line(loc)`; this one answers (file, line)."""

    def __init__(self, entry: _Entry) -> None:
        self.entry = entry

    def line(self, loc: Loc) -> Where:
        return self.entry.where(loc)


def _read(path: Path, problems: list[Problem]) -> Any:
    try:
        return load_yaml(path)
    except YamlSourceError as exc:
        problems.extend((str(path), line, message) for line, message in exc.problems)
        return None


def _set_id(path: Path) -> str | None:
    """The `id:` of a set file, or None for other YAML (columns.yaml) and unreadable files."""
    try:
        data = load_yaml(path).data
    except YamlSourceError:
        return None
    if isinstance(data, dict) and "indicators" in data and isinstance(data.get("id"), str):
        return data["id"]
    return None


def _set_files(directory: Path) -> list[Path]:
    return sorted(p for p in [*directory.glob("*.yaml"), *directory.glob("*.yml")] if p.is_file())


def _find_set(name: str, near: Path) -> Path | list[Path] | None:
    """`extends:` target: a path (relative to the extending file) or a set id, looked up next to
    the extending file first, then among the shipped sets. A list means ambiguous."""
    if name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name:
        path = (near / name).resolve()
        return path if path.is_file() else None
    for directory in dict.fromkeys([near.resolve(), SHIPPED_DIR]):
        hits = [p.resolve() for p in _set_files(directory) if _set_id(p) == name]
        if len(hits) > 1:
            return hits
        if hits:
            return hits[0]
    return None


def _chain(path: Path, problems: list[Problem]) -> list[tuple[Any, _SetHead]]:
    """The files of the `extends:` chain, base first, each with its validated head."""
    chain: list[tuple[Any, _SetHead]] = []
    seen: list[Path] = []
    while True:
        path = path.resolve()
        source = _read(path, problems)
        if source is None:
            return []
        if not isinstance(source.data, dict):
            problems.append(
                (str(path), 1, "an indicator set is a mapping: id, version, indicators …")
            )
            return []
        head = _head(source, problems)
        chain.insert(0, (source, head))
        seen.append(path)
        if not head.extends:
            return chain
        where = source.line(("extends",))
        parent = _find_set(head.extends, path.parent)
        if parent is None:
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: no indicator set {head.extends!r} "
                    f"(neither a file next to this one nor a set id in {SHIPPED_DIR})",
                )
            )
            return []
        if isinstance(parent, list):
            problems.append(
                (
                    str(path),
                    where,
                    f"extends: several sets have id {head.extends!r}: "
                    + ", ".join(str(p) for p in parent),
                )
            )
            return []
        if parent in seen:
            cycle = " → ".join(p.name for p in [*seen, parent])
            problems.append((str(path), where, f"extends: cycle {cycle}"))
            return []
        path = parent


def _head(source: Any, problems: list[Problem]) -> _SetHead:
    """The file's head; on problems, a best-effort one so its indicators are still checked."""
    try:
        return _SetHead.model_validate(source.data)
    except ValidationError as exc:
        problems.extend((str(source.path), ln, msg) for ln, msg in pydantic_problems(source, exc))
    data = source.data

    def _str(key: str) -> str | None:
        return data.get(key) if isinstance(data.get(key), str) else None

    def _list(key: str) -> list:
        return data.get(key) if isinstance(data.get(key), list) else []

    return _SetHead.model_construct(
        id=_str("id") or "?",
        version=_str("version") or "?",
        name=_str("name"),
        description="",
        pass_line=None,
        extends=_str("extends"),
        remove=[r for r in _list("remove") if isinstance(r, str)],
        indicators=_list("indicators"),
    )


def _entry_of(source: Any, index: int) -> _Entry:
    prefix = ("indicators", index)
    lines = {
        loc[2:]: (str(source.path), line) for loc, line in source.lines.items() if loc[:2] == prefix
    }
    return _Entry(dict(source.data["indicators"][index]), lines)


def _patch(entry: _Entry, patch: _Entry, loc: Loc = ()) -> None:
    """Merge `patch` into `entry`: mappings key by key, everything else replaced (lines too)."""
    base = entry.data if not loc else _at(entry.data, loc)
    over = patch.data if not loc else _at(patch.data, loc)
    for key, value in over.items():
        sub = (*loc, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            entry.lines[sub] = patch.lines.get(sub, entry.where(sub))
            _patch(entry, patch, sub)
            continue
        base[key] = value
        for old in [k for k in entry.lines if k[: len(sub)] == sub]:
            del entry.lines[old]
        entry.lines.update({k: v for k, v in patch.lines.items() if k[: len(sub)] == sub})


def _at(data: dict, loc: Loc) -> dict:
    for key in loc:
        data[key] = dict(data[key])  # copy on write: the parent file's data stays untouched
        data = data[key]
    return data


def _merge(chain: list[tuple[Any, _SetHead]], problems: list[Problem]) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    removed: dict[str, Where] = {}
    for source, head in chain:
        path = str(source.path)
        for i, rid in enumerate(head.remove):
            where = source.line(("remove", i))
            if rid in entries:
                del entries[rid]
                removed[rid] = (path, where)
            else:
                ids = list(entries)
                problems.append(
                    (
                        path,
                        where,
                        f"remove: no indicator {rid!r} to remove{_did_you_mean(rid, ids)}",
                    )
                )
        seen_here: set[str] = set()
        for i, item in enumerate(head.indicators):
            where = source.line(("indicators", i))
            if not isinstance(item, dict):
                problems.append((path, where, "an indicator is a mapping (id:, name:, check: …)"))
                continue
            iid = item.get("id")
            if not isinstance(iid, str):
                problems.append((path, where, "indicator: missing key 'id'"))
                continue
            if iid in seen_here:
                problems.append((path, where, f"duplicate indicator id {iid!r} in this file"))
                continue
            seen_here.add(iid)
            entry = _entry_of(source, i)
            if iid in entries:
                _patch(entries[iid], entry)
            else:
                entries[iid] = entry
    _check_references(entries, removed, problems)
    return entries


def _check_references(
    entries: dict[str, _Entry], removed: dict[str, Where], problems: list[Problem]
) -> None:
    for iid, entry in entries.items():
        key = REFERENCE_PARAMS.get(entry.data.get("check"))
        params = entry.data.get("params")
        refs = params.get(key) if key and isinstance(params, dict) else None
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            path, line = entry.where(("params", key, j))
            if ref == iid:
                problems.append((path, line, f"indicator {iid}: params.{key} names itself"))
            elif ref in removed:
                rpath, rline = removed[ref]
                problems.append(
                    (
                        path,
                        line,
                        f"indicator {iid}: params.{key}: {ref!r} was removed at {rpath}:{rline}",
                    )
                )
            elif ref not in entries:
                problems.append(
                    (
                        path,
                        line,
                        f"indicator {iid}: params.{key}: unknown indicator "
                        f"{ref!r}{_did_you_mean(str(ref), list(entries))}",
                    )
                )


def _validate(entry: _Entry, checks: dict[str, Any], problems: list[Problem]) -> Indicator | None:
    iid = entry.data["id"]
    out: list[Problem] = []
    indicator = None
    try:
        indicator = Indicator.model_validate(entry.data, context={"defer_rule": True})
    except ValidationError as exc:
        for (path, line), message in pydantic_problems(_EntryLines(entry), exc):  # type: ignore[arg-type]
            out.append((path, line, f"indicator {iid}: {message.removeprefix('(top level): ')}"))
    else:
        for loc, message in rule_problems(indicator):
            out.append((*entry.where(loc), f"indicator {iid}: {message}"))
    name = entry.data.get("check")
    if isinstance(name, str) and name not in checks:
        path, line = entry.where(("check",))
        out.append(
            (
                path,
                line,
                f"indicator {iid}: unknown check type {name!r}"
                f"{_did_you_mean(name, list(checks))} (known: {', '.join(sorted(checks))})",
            )
        )
    elif isinstance(name, str) and isinstance(entry.data.get("params", {}) or {}, dict):
        model = checks[name]
        if model is None:
            log.debug("check %s is not registered yet: params of %s not validated", name, iid)
        else:
            try:
                params = model.model_validate(entry.data.get("params") or {})
            except ValidationError as exc:
                for (path, line), message in pydantic_problems(  # type: ignore[arg-type]
                    _EntryLines(entry), exc, prefix=("params",)
                ):
                    out.append((path, line, f"indicator {iid}: {message}"))
            else:
                if indicator is not None:
                    indicator = indicator.model_copy(update={"params": params})
    problems.extend(out)
    return None if out else indicator


def _text_of(chain: list[tuple[Any, _SetHead]]) -> str:
    parts = []
    for source, _ in chain:
        text = Path(source.path).read_bytes().decode("utf-8-sig")
        parts.append(f"{FILE_MARK}{Path(source.path).name}\n{text.rstrip()}\n")
    return "".join(parts)


def load_indicator_set(path_or_id: str | Path) -> IndicatorSet:
    """Load, resolve (`extends:`/`remove:`) and validate a set: a YAML path or a shipped set's id.

    Raises IndicatorError listing every problem as FILE:LINE."""
    path = Path(path_or_id)
    if not path.is_file():
        found = _find_set(str(path_or_id), Path.cwd()) if path.suffix == "" else None
        if not isinstance(found, Path):
            known = ", ".join(sorted(filter(None, map(_set_id, _set_files(SHIPPED_DIR)))))
            raise IndicatorError(
                [(str(path_or_id), None, f"no such file or set id (shipped: {known})")]
            )
        path = found
    problems: list[Problem] = []
    chain = _chain(path, problems)
    if problems:
        raise IndicatorError(problems)
    entries = _merge(chain, problems)
    checks = check_types()
    indicators = [_validate(entry, checks, problems) for entry in entries.values()]
    heads = [head for _, head in chain]
    name = next((h.name for h in reversed(heads) if h.name), None)
    pass_line = next((h.pass_line for h in reversed(heads) if h.pass_line is not None), None)
    root_path = str(chain[0][0].path)
    if not name:
        problems.append((root_path, 1, "missing key 'name'"))
    if pass_line is None:
        problems.append((root_path, 1, "missing key 'pass_line' (e.g. pass_line: 60)"))
    if not entries and not problems:
        problems.append((str(chain[-1][0].path), 1, "the set has no indicators"))
    if problems:
        raise IndicatorError(problems)
    text = _text_of(chain)
    return IndicatorSet(
        id=heads[-1].id,
        version=heads[-1].version,
        name=name,
        pass_line=pass_line,
        path=Path(chain[-1][0].path),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        indicators=[i for i in indicators if i is not None],
        extends=tuple(h.id for h in reversed(heads[:-1])),
        description=heads[-1].description,
        origins={
            iid: {
                str(k[0]): f"{Path(p).name}:{ln}" for k, (p, ln) in e.lines.items() if len(k) == 1
            }
            for iid, e in entries.items()
        },
    )


def set_from_text(text: str, name: str | None = None) -> IndicatorSet:
    """Load a set frozen by a round (`IndicatorSet.text`) again, without the files it came from."""
    parts = re.split(rf"^{re.escape(FILE_MARK)}(.+)\n", text, flags=re.M)
    if len(parts) < 3 or parts[0].strip():
        raise IndicatorError([(name or "<frozen set>", None, "not a frozen indicator set text")])
    with tempfile.TemporaryDirectory(prefix="zwgk-indicators-") as tmp:
        last = None
        for filename, body in zip(parts[1::2], parts[2::2], strict=True):
            last = Path(tmp) / Path(filename).name
            last.write_text(body, encoding="utf-8")
        loaded = load_indicator_set(last)
    if loaded.text != text:
        log.warning("frozen set %s was re-serialised differently", loaded.id)
    return loaded


def version_key(version: str) -> tuple[int, ...]:
    """Order of set versions: their numbers in turn ("2025.1" < "2025Q2" < "2025Q3")."""
    return tuple(int(n) for n in re.findall(r"\d+", version))


def shipped_sets(directory: Path = SHIPPED_DIR) -> list[tuple[Path, str, str]]:
    """(path, id, version) of every set file in `directory` (other YAML is ignored)."""
    out = []
    for path in _set_files(directory):
        try:
            data = load_yaml(path).data
        except YamlSourceError:
            log.warning("%s: not readable as YAML, skipped", path)
            continue
        if isinstance(data, dict) and "indicators" in data and "id" in data:
            out.append((path, str(data["id"]), str(data.get("version", ""))))
    return out


def newest_set(directory: Path = SHIPPED_DIR) -> Path:
    """The shipped set with the highest version (the default of `zwgk evaluate --indicators`)."""
    sets = shipped_sets(directory)
    if not sets:
        raise IndicatorError([(str(directory), None, "no indicator set here")])
    return max(sets, key=lambda s: (version_key(s[2]), s[2]))[0]
