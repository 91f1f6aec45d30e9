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
import string
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from common.extends import ExtendsCycle, Tracked, chain, merged
from common.vocabulary import PAGE_FIELDS
from common.yamlsource import YamlSourceError, load_yaml
from crawler.extract.labels import LabelScanner
from crawler.extract.selectors import Selector, SelectorSyntaxError, compile_selector

PROFILE_DIR = Path(__file__).with_name("profiles")
PROFILE_PATH_ENV = "ZWGK_PROFILE_PATH"

FieldName = Literal[PAGE_FIELDS]  # type: ignore[valid-type]


class ProfileError(ValueError):
    """A profile that cannot be found, read or validated; the message names file and line."""


def _to_selector(value: Any) -> Selector:
    if isinstance(value, Selector):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a selector must be a string, not {type(value).__name__}")
    try:
        return compile_selector(value)
    except SelectorSyntaxError as exc:
        raise ValueError(str(exc)) from None


def _to_regex(value: Any) -> re.Pattern:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a regex must be a string, not {type(value).__name__}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regex {value!r}: {exc}") from None


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Sel = Annotated[Selector, BeforeValidator(_to_selector), PlainSerializer(lambda s: s.source)]
Sels = Annotated[list[Sel], BeforeValidator(_listify)]
Rx = Annotated[re.Pattern, BeforeValidator(_to_regex), PlainSerializer(lambda p: p.pattern)]
Rxs = Annotated[list[Rx], BeforeValidator(_listify)]
Strs = Annotated[list[str], BeforeValidator(_listify)]
# YAML reads `4: …` with an int key; section values come from URLs as strings.
StrMap = Annotated[
    dict[str, str],
    BeforeValidator(lambda d: {str(k): v for k, v in d.items()} if isinstance(d, dict) else d),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False)


# The number of a list's first page: CMSs count from 0 or 1; a larger first page would skip
# the newest rows of every column.
FirstPage = Annotated[int, Field(ge=0, le=1)]


class DirectoryRule(_Strict):
    """Column links on a unit's entry page, and the group headings above them (栏目目录)."""

    links: Sels
    name: Sels = []  # relative to the link; default: its text, else @title
    path: Sels = []  # relative to the link: group names from the root down to the parent
    url_pattern: Rx | None = None  # keep only links whose absolute URL matches
    exclude_url: Rxs = []
    exclude_text: Strs = []
    section_param: str | None = None  # URL query parameter naming the section (Lonsun type=)
    sections: StrMap = {}  # section parameter value → name (4 → 法定主动公开内容)
    same_host: bool = True


class UnitListRule(_Strict):
    """A platform's list of units (单位列表), read by `zwgk units discover`: link selectors
    tried in order (the first that yields unit links wins), the URL shape of a unit's entry with
    its id in the named group `id`, and the heading above a group of links (a level name on many
    platforms). Without `entry_pattern`, links whose text matches `unit_name` are units and the
    id comes from the link's path."""

    # Defaults are written as in YAML and compiled like it, so a profile without `unit_list:`
    # gets the same rule as one that spells these out.
    model_config = ConfigDict(validate_default=True)

    links: Sels = ["a[href]"]
    entry_pattern: Rx | None = None  # (?P<id>…) names the unit's id inside its entry URL
    # Link text that ends like a unit's name (…局, …委员会, …人民政府, …办事处).
    unit_name: Rx = r"(人民政府|政府|办公室|委员会|局|办事处|管委会|中心|委|办|院|署|社|会)$"
    heading: Sel = "xpath:ancestor::ul[1]/preceding-sibling::*[self::h2 or self::h3 or self::h4][1]"

    @field_validator("entry_pattern")
    @classmethod
    def _entry_names_the_id(cls, pattern: re.Pattern | None) -> re.Pattern | None:
        if pattern is not None and "id" not in pattern.groupindex:
            raise ValueError(
                f"entry_pattern {pattern.pattern!r} needs a named group (?P<id>…) for the unit's id"
            )
        return pattern

    @field_validator("links")
    @classmethod
    def _some_links(cls, links: list[Selector]) -> list[Selector]:
        if not links:
            raise ValueError("give at least one selector for the unit links")
        return links


class EndpointSpec(_Strict):
    """A data URL that holds a column's rows (Lonsun /site/label/8888?…), built from values
    found by regex in the column page's URL (tried first) or its source text."""

    applies_to: Rx  # column-page URLs that need the endpoint
    template: str  # str.format template; {page} is the page number
    params: dict[str, Rxs]
    first_page: FirstPage = 1

    @model_validator(mode="after")
    def _placeholders_known(self) -> EndpointSpec:
        names = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        unknown = names - set(self.params) - {"page"}
        if unknown:
            raise ValueError(
                f"template uses {sorted(unknown)} but params define {sorted(self.params)}"
            )
        return self


class PaginationSpec(_Strict):
    page_count: Rxs = []  # group 'count' (or group 1); optional groups 'name', 'ext'
    scheme: Literal["auto", "param", "index", "next_link", "none"] = "auto"
    params: Strs = ["pageIndex", "pageNo", "pageNum", "page", "curPage"]
    first_page: FirstPage = 1  # number of the first page in a page parameter
    next_link: Sels = []


class ListingSpec(_Strict):
    endpoint: EndpointSpec | None = None
    rows: Sels = []  # first selector that finds rows wins
    rows_in_comments: bool = False  # also read rows kept inside <!-- --> (TRS)
    auto_rows: bool = False  # find the dated link list by itself when no selector matches
    # What a list prints when it holds nothing (div.no_data 暂无信息): such a page has no rows,
    # none are guessed from the latest-news widgets beside it.
    empty: Sels = []
    link: Sels = ["a[href]"]  # the row's article link (relative to the row)
    title: Sels = []  # default: the link's @title, else its text
    date: Sels = []  # default: the first date in the row's text outside the link
    index_no: Sels = []
    index_no_pattern: Rx | None = None
    related: Sels = []  # 解读 / 文件 cross-links in the row
    repealed: Sels = []  # a red 废止 tag
    repealed_text: Rx = re.compile(r"^[\[【(（]?已?废止[\]】)）]?$")
    pagination: PaginationSpec = PaginationSpec()


class MetadataSpec(_Strict):
    containers: Sels = []  # metadata tables; values found inside them win
    labels: dict[FieldName, Strs] = {}
    colon_required: Strs = []  # short labels that only count as "label：value"
    widgets: Strs = []  # page widget words (字体, 打印, 分享到…): never part of a field's value
    # Article URLs whose template always prints a metadata table: such a page without one
    # was not read (ArticleData.anomaly), it did not omit its metadata.
    expected_at: Rx | None = None

    @cached_property
    def scanner(self) -> LabelScanner:
        return LabelScanner(self.labels, self.colon_required, self.widgets)


class AttachmentSpec(_Strict):
    blocks: Sels = []  # attachment lists outside the body
    extensions: Strs = []
    include_images: bool = False  # inline <img> in the body count as attachments

    @cached_property
    def extension_set(self) -> frozenset[str]:
        return frozenset(e.lower().lstrip(".") for e in self.extensions)


class RelatedSpec(_Strict):
    """Related-link blocks (相关解读 / 相关文件), kept even when hidden by CSS."""

    blocks: Sels = []
    heading: Sels = []  # relative to a block: its title, a hint for the kind
    kinds: dict[str, Strs] = {}  # kind → keywords in link text (then heading)
    default_kind: str = "related"


class ArticleSpec(_Strict):
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


class Profile(_Strict):
    """One platform family. `source` is the file it came from (not part of the YAML)."""

    name: str
    description: str = ""
    extends: str | None = None
    unit_list: UnitListRule = Field(default_factory=UnitListRule)
    directory: list[DirectoryRule] = []
    listing: ListingSpec = ListingSpec()
    article: ArticleSpec = ArticleSpec()
    _source: str = PrivateAttr(default="")

    @property
    def source(self) -> str:
        return self._source


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
    profile = files[0][1]
    for _, child in files[1:]:
        for key in ("name", "description", "extends"):  # the child's own, never inherited
            profile.drop(key)
        profile = merged(profile, child)
    profile.data.setdefault("name", path.stem)
    try:
        loaded = Profile.model_validate(profile.data)
    except ValidationError as exc:
        problems = [
            f"{file}:{line}: {message}" if line else f"{file}: {message}"
            for file, line, message in profile.problems(exc)
        ]
        raise ProfileError("invalid profile:\n  " + "\n  ".join(problems)) from None
    loaded._source = str(path)
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
