"""Platform profiles (平台配置): what varies by CMS family, as validated YAML.

This module is the profile *model* (the pydantic classes and the loader); the profiles
themselves are the YAML files in the `crawler/profiles/` folder beside it.

A profile says how to find a platform's units (its unit list, for `zwgk units discover`), a
unit's column directory, how to list a column and how to read an article; `crawler.extract`
and `crawler.discover` do the rest and know no platform. Files live in
`crawler/profiles/*.yaml` and in any directory named by ``ZWGK_PROFILE_PATH`` (searched first).
A profile may ``extends:`` another one: mappings merge key by key, lists are replaced.

Errors name the file and line: `common.yamlsource` keeps the line of every key and list item,
`common.extends` merges keeping track of which file each value came from, and pydantic's error
locations are mapped back onto them.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from common.extends import ExtendsCycle, Tracked, chain, merged
from common.vocabulary import PAGE_FIELDS
from common.yamlsource import YamlSourceError, load_yaml
from crawler.extract.selectors import Selector
from crawler.label_vocabulary import (
    WHERE,
    LabelVocabulary,
    VocabularyError,
    label_clashes,
    vocabulary_layer,
)
from crawler.profile_lists import DirectoryRule, ListingSpec, UnitListRule
from crawler.profile_types import Rx, Sel, Sels, Strict, Strs

PROFILE_DIR = Path(__file__).with_name("profiles")
PROFILE_PATH_ENV = "ZWGK_PROFILE_PATH"

FieldName = Literal[PAGE_FIELDS]  # type: ignore[valid-type]


class ProfileError(ValueError):
    """A profile that cannot be found, read or validated; the message names file and line."""


class MetadataSpec(LabelVocabulary):
    """Where metadata sits and how it is labelled: the label vocabulary's keys (labels,
    meanings, placeholders, widgets, cleaning… — crawler/labels.yaml, which every profile
    starts from) and the platform's own containers."""

    containers: Sels = []  # metadata tables; values found inside them win
    # The line the template prints under the title (信息栏: 发布时间：… 来源：… 字体：[大 中 小]).
    # Read like any text; a label found there counts as the platform's own rule, not a
    # fallback (crawler.extract.sources).
    bylines: Sels = []
    # Article URLs whose template always prints a metadata table: such a page without one
    # was not read (ArticleData.anomaly), it did not omit its metadata.
    expected_at: Rx | None = None


class AttachmentSpec(Strict):
    blocks: Sels = []  # attachment lists outside the body
    extensions: Strs = []
    include_images: bool = False  # inline <img> in the body count as attachments

    @cached_property
    def extension_set(self) -> frozenset[str]:
        return frozenset(e.lower().lstrip(".") for e in self.extensions)


class RelatedSpec(Strict):
    """Related-link blocks (相关解读 / 相关文件), kept even when hidden by CSS."""

    blocks: Sels = []
    heading: Sels = []  # relative to a block: its title, a hint for the kind
    kinds: dict[str, Strs] = {}  # kind → keywords in link text (then heading)
    default_kind: str = "related"


class ArticleSpec(Strict):
    title: Sels = []
    title_split: Rx = re.compile(r"\s*(?:__|_|\s[-|｜—–]\s|｜|\|)\s*")
    fields: dict[FieldName, Sels] = {}  # direct value selectors, preferred over labels
    metadata: MetadataSpec = MetadataSpec()
    meta: dict[FieldName, Strs] = {}  # <meta name> per field, the last resort
    body: Sels = []
    body_fallback: bool = False  # no body selector matched: take the densest <p> cluster
    body_exclude: Sels = []
    date: Sels = []  # elements showing the visible publish date
    attachments: AttachmentSpec = AttachmentSpec()
    related: RelatedSpec = RelatedSpec()
    repealed: Sels = []
    repealed_text: Rx = re.compile(r"^[\[【(（]?已?废止[\]】)）]?$")


FINGERPRINT_TESTS = ("url", "link", "generator", "script", "html", "selector")


class Fingerprint(Strict):
    """One sign that a page was served by this platform (平台特征), for `zwgk units probe`:
    exactly one test — `url` (regex searched in the page's address), `link` (in any link's
    absolute URL on the page), `generator` (in `<meta name="generator">`), `script` (in a
    `<script>`'s src or text: `Ls.ajax`, `createPageHTML`), `html` (in the page's source, comments
    included: `<!--StartLabelHtml_`, `<datastore>`) or `selector` (an element that is present:
    `table.table_suoyin`) — and how telling it is (`weight`, 1–10)."""

    url: Rx | None = None
    link: Rx | None = None
    generator: Rx | None = None
    script: Rx | None = None
    html: Rx | None = None
    selector: Sel | None = None
    weight: int = Field(1, ge=1, le=10)
    note: str = ""

    @model_validator(mode="after")
    def _one_test(self) -> Fingerprint:
        given = [k for k in FINGERPRINT_TESTS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a fingerprint has exactly one of {', '.join(FINGERPRINT_TESTS)} "
                f"(got {', '.join(given) or 'none'})"
            )
        return self

    @property
    def test(self) -> tuple[str, str]:
        """(kind, pattern) as written: ("script", "Ls\\.ajax")."""
        kind = next(k for k in FINGERPRINT_TESTS if getattr(self, k) is not None)
        value = getattr(self, kind)
        return kind, value.source if isinstance(value, Selector) else value.pattern


class Profile(Strict):
    """One platform family. `source` is the file it came from (not part of the YAML)."""

    name: str
    description: str = ""
    extends: str | None = None
    # How `zwgk units probe` recognises the platform; a profile's own, never inherited (a city's
    # variant that `extends: lonsun` is chosen with --profile, not detected as lonsun).
    fingerprints: list[Fingerprint] = []
    unit_list: UnitListRule = Field(default_factory=UnitListRule)
    directory: list[DirectoryRule] = []
    listing: ListingSpec = ListingSpec()
    article: ArticleSpec = ArticleSpec()
    _source: str = PrivateAttr(default="")
    # article.* key path → the name of the profile whose file wrote it (see `rule_origin`).
    _origins: dict[tuple[str, ...], str] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        return self._source

    def rule_origin(self, *loc: str) -> str:
        """The profile that wrote the rule at `loc` (``"article", "metadata", "containers"``):
        this one, or one it extends (``generic``) — the key or its nearest written ancestor.
        A profile not loaded from files wrote all its rules itself. Extraction records it in
        each field's source (`crawler.extract.sources`)."""
        for end in range(len(loc), 0, -1):
            found = self._origins.get(loc[:end])
            if found:
                return found
        return self.name

    @cached_property
    def origin_of(self) -> Callable[..., str]:
        """`rule_origin` as a plain function that remembers its answers: extraction asks it
        for every field of every page (a pydantic private attribute is slow to reach)."""
        memo: dict[tuple[str, ...], str] = {}

        def lookup(*loc: str) -> str:
            found = memo.get(loc)
            if found is None:
                found = memo[loc] = self.rule_origin(*loc)
            return found

        return lookup


# -- loading ---------------------------------------------------------------------------------
def _read(path: Path) -> Tracked:
    """One profile file with the (file, line) of every key and item."""
    try:
        source = load_yaml(path)
    except YamlSourceError as exc:
        raise ProfileError(str(exc)) from None
    if not isinstance(source.data, dict):
        raise ProfileError(f"{path}:1: a profile must be a mapping (name:, listing:, article: …)")
    return Tracked.of(source)


def _parent(path: Path, profile: Tracked) -> Path | None:
    name = profile.data.get("extends")
    if not name:
        return None
    if not isinstance(name, str):
        raise ProfileError(
            f"{profile.where(('extends',))}: extends: names a profile (lonsun) or a file, "
            f"not {name!r}"
        )
    return _find(name, relative_to=path.parent)


def load_profile(path: str | Path) -> Profile:
    """Read, merge (`extends:`) and validate one profile file."""
    path = Path(path).resolve()
    try:
        files = chain(path, _read, _parent)
    except ExtendsCycle as exc:
        where = exc.child.where(("extends",))
        raise ProfileError(f"{where}: extends cycle through {exc.files[-1]}") from None
    # Each file's own name (before merging drops it), to say which file wrote each rule.
    names = {str(p): str(t.data.get("name") or p.stem) for p, t in files}
    profile = files[0][1]
    for _, child in files[1:]:
        for key in ("name", "description", "extends", "fingerprints"):  # never inherited
            profile.drop(key)
        profile = merged(profile, child)
    profile.data.setdefault("name", path.stem)
    try:  # every profile starts from the label vocabulary (crawler/labels.yaml)
        profile = merged(vocabulary_layer(), profile)
    except VocabularyError as exc:
        raise ProfileError(str(exc)) from None
    article = profile.data.get(WHERE[0])
    metadata = article.get(WHERE[1]) if isinstance(article, dict) else None
    problems = label_clashes(metadata, profile.where, WHERE) if isinstance(metadata, dict) else []
    try:
        loaded = Profile.model_validate(profile.data)
    except ValidationError as exc:
        problems += profile.problem_lines(exc)
    if problems:
        raise ProfileError("invalid profile:\n  " + "\n  ".join(problems)) from None
    loaded._source = str(path)
    loaded._origins = {
        loc: names.get(file, Path(file).stem)
        for loc, (file, _) in profile.lines.items()
        if loc[:1] == ("article",) and all(isinstance(key, str) for key in loc)
    }
    return loaded


def profile_dirs() -> list[Path]:
    """Where profile names are looked up: ZWGK_PROFILE_PATH entries, then the bundled ones."""
    extra = [Path(p) for p in os.environ.get(PROFILE_PATH_ENV, "").split(os.pathsep) if p]
    return [*extra, PROFILE_DIR]


def available_profiles() -> list[str]:
    names = {p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("*.yaml")}
    return sorted(names)


def _find(name: str, relative_to: Path | None = None) -> Path:
    if name.endswith((".yaml", ".yml")) or "/" in name or os.sep in name:
        candidate = Path(name)
        if not candidate.is_absolute() and relative_to is not None:
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate.resolve()
        raise ProfileError(f"{candidate}: no such profile file")
    for directory in profile_dirs():
        candidate = directory / f"{name}.yaml"
        if candidate.is_file():
            return candidate.resolve()
    known = ", ".join(available_profiles()) or "none"
    raise ProfileError(f"unknown profile {name!r} (known: {known})")


@functools.lru_cache(maxsize=64)
def get_profile(name: str) -> Profile:
    """A profile by name (`lonsun`, `trs`, `generic`, or one on ZWGK_PROFILE_PATH) or path.

    Cached: selectors and regexes are compiled once per process.
    """
    return load_profile(_find(name))
