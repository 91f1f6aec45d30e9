"""The label vocabulary (标签词表): every article field's labels as real CMSs print them, the
values that mean "nothing here", and the page furniture cut from values — as validated YAML.

The vocabulary is `crawler/labels.yaml`. It is the bottom layer of every profile: `vocabulary_layer`
gives it as the `article.metadata` part of a profile, and `crawler.profile_model.load_profile`
lays the profile's `extends:` chain on it with the same merge (`common.extends`: mappings key
by key, lists replaced). So a profile extends the vocabulary (a label group of its own, a widget
group, a cleaning rule) or overrides it (a field's labels as a plain list, `meanings:` for a
label whose field differs on its platform, a rule switched off with `null`).

`LabelVocabulary` is the model of those keys; the profile's `MetadataSpec` extends it. Errors
name FILE:LINE: the vocabulary file's own when it is wrong (`load_vocabulary`), the profile's
when the profile is (`label_clashes` walks the merged mapping with its lines).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)

from common.errors import Loc
from common.extends import Tracked
from common.vocabulary import PAGE_FIELDS
from common.yamlsource import YamlSourceError, load_yaml
from crawler.extract.labels import LabelScanner
from crawler.extract.text import squash
from crawler.profile_types import to_regex

VOCABULARY_FILE = Path(__file__).with_name("labels.yaml")
WHERE = ("article", "metadata")  # where the vocabulary sits inside a profile

FieldName = Literal[PAGE_FIELDS]  # type: ignore[valid-type]


class VocabularyError(ValueError):
    """The vocabulary file cannot be read or validated; the message names file and line."""


def _words(value: Any) -> Any:
    """A list of words, written as a list, one word, or named groups of lists (flattened in
    order; an empty or null group adds nothing)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return value
    out: list[Any] = []
    for name, group in value.items():
        if group is None:
            continue
        if isinstance(group, str):
            group = [group]
        if not isinstance(group, list):
            raise ValueError(f"group {name!r}: a list of words, not {type(group).__name__}")
        out += group
    return out


def _nonblank(words: list[str]) -> list[str]:
    for word in words:
        if not squash(word):
            raise ValueError(f"{word!r} is blank: a word needs a visible character")
    return list(dict.fromkeys(words))


Words = Annotated[list[str], BeforeValidator(_words)]


class CleaningRule(BaseModel):
    """What one rule cuts (`cut`, removed wherever it matches) from which fields."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    fields: Annotated[list[FieldName], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]
    cut: Annotated[re.Pattern, BeforeValidator(to_regex)]

    @field_validator("cut")
    @classmethod
    def _cuts_something(cls, pattern: re.Pattern) -> re.Pattern:
        if pattern.search(""):
            raise ValueError(f"{pattern.pattern!r} matches the empty string: it would cut nothing")
        return pattern


class LabelVocabulary(BaseModel):
    """The vocabulary's keys (also keys of a profile's `article.metadata`). After validation
    `labels` is flat — field → every label, `meanings` applied — and `placeholders` and
    `widgets` are plain lists."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False)

    colons: Words = [":", "："]
    labels: dict[FieldName, Words] = {}
    meanings: dict[str, FieldName | None] = {}  # label → its field on this platform; None: none
    colon_required: Words = []  # short labels that only count as "label：value"
    placeholders: Words = []  # values that mean "nothing here" (无, 暂无, --, /)
    widgets: Words = []  # page widget words (字体, 打印, 分享到…): never part of a field's value
    cleaning: dict[str, CleaningRule | None] = {}  # rule name → what it cuts; None: switched off

    @field_validator("colons")
    @classmethod
    def _one_character_each(cls, colons: list[str]) -> list[str]:
        for colon in colons:
            if len(colon) != 1 or colon.isspace() or colon.isalnum():
                raise ValueError(f"a colon is one punctuation character, not {colon!r}")
        if not colons:
            raise ValueError("give at least one colon (：)")
        return colons

    @field_validator("labels")
    @classmethod
    def _labels_visible(cls, labels: dict[str, list[str]]) -> dict[str, list[str]]:
        return {field: _nonblank(words) for field, words in labels.items()}

    @field_validator("placeholders", "widgets", "colon_required")
    @classmethod
    def _words_visible(cls, words: list[str]) -> list[str]:
        return _nonblank(words)

    @model_validator(mode="after")
    def _apply_meanings(self) -> LabelVocabulary:
        """Each label of `meanings` leaves the list that held it and joins its field's."""
        colons = "".join(self.colons)
        for label, field in self.meanings.items():
            key = squash(label).rstrip(colons)
            if not key:
                raise ValueError(f"meanings: {label!r} is blank: a label needs a visible character")
            for words in self.labels.values():
                words[:] = [w for w in words if squash(w).rstrip(colons) != key]
            if field is not None:
                self.labels.setdefault(field, []).append(label)
        return self

    @functools.cached_property
    def scanner(self) -> LabelScanner:
        rules: dict[str, list[re.Pattern]] = {}
        for rule in self.cleaning.values():
            for field in rule.fields if rule else ():
                rules.setdefault(field, []).append(rule.cut)
        return LabelScanner(
            self.labels,
            self.colon_required,
            self.widgets,
            placeholders=self.placeholders,
            rules=rules,
            colons="".join(self.colons),
        )


# -- the file, and what a profile makes of it -------------------------------------------------
def label_clashes(data: dict[str, Any], where: Callable[[Loc], str], at: Loc = ()) -> list[str]:
    """ "FILE:LINE: …" for each label that names two fields in `data` (a vocabulary, or a
    profile's merged `article.metadata` at `at`): listed under two fields, or listed under one
    while `meanings` gives it another. Both are refused: a label means one field on a platform."""
    labels, meanings = data.get("labels"), data.get("meanings")
    if not isinstance(labels, dict):
        return []
    meant = (
        {squash(str(k)).rstrip(":："): v for k, v in meanings.items()}
        if isinstance(meanings, dict)
        else {}
    )
    seen: dict[str, tuple[str, Loc]] = {}
    problems = []
    for field, value in labels.items():
        for loc, word in _items(value, (*at, "labels", field)):
            key = squash(word).rstrip(":：")
            if key in meant:
                if meant[key] not in (None, field):
                    problems.append(
                        f"{where(loc)}: {word!r} is listed under {field} but meanings gives it "
                        f"{meant[key]}: say its field in meanings only"
                    )
                continue
            if key in seen and seen[key][0] != field:
                first, first_loc = seen[key]
                problems.append(
                    f"{where(loc)}: {word!r} is a label of {first} already ({where(first_loc)}); "
                    f"a label names one field — for a platform where it means {field}, write "
                    f"meanings: {{{word}: {field}}}"
                )
            seen.setdefault(key, (field, loc))
    return problems


def _items(value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    """(where, word) of every word of one field's labels: a list or named groups of lists."""
    if isinstance(value, str):
        return [(loc, value)]
    if isinstance(value, list):
        return [((*loc, i), w) for i, w in enumerate(value) if isinstance(w, str)]
    if isinstance(value, dict):
        return [item for name, group in value.items() for item in _items(group, (*loc, name))]
    return []


@functools.lru_cache(maxsize=8)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> tuple[Tracked, LabelVocabulary]:
    """The vocabulary file with the line of every key and word, and its validated model.

    Cached per path; callers copy what they merge (`vocabulary_layer`)."""
    try:
        source = load_yaml(path)
    except YamlSourceError as exc:
        raise VocabularyError(str(exc)) from None
    if not isinstance(source.data, dict):
        raise VocabularyError(
            f"{path}:1: a label vocabulary is a mapping (labels:, placeholders:, widgets: …)"
        )
    tracked = Tracked.of(source)
    problems = label_clashes(tracked.data, tracked.where)
    try:
        model = LabelVocabulary.model_validate(tracked.data)
    except ValidationError as exc:
        problems += tracked.problem_lines(exc)
    if problems:
        raise VocabularyError("invalid label vocabulary:\n  " + "\n  ".join(problems))
    return tracked, model


def vocabulary_layer(path: Path | None = None) -> Tracked:
    """The vocabulary (`VOCABULARY_FILE` unless `path`) as the bottom layer of a profile: a fresh
    mapping {article: {metadata: …}} with the vocabulary file's lines, for
    `common.extends.merged` to lay a profile on."""
    tracked, _ = load_vocabulary(path or VOCABULARY_FILE)
    data: dict[str, Any] = {WHERE[0]: {WHERE[1]: _copy(tracked.data)}}
    lines = {(*WHERE, *loc): at for loc, at in tracked.lines.items() if loc}
    return Tracked(data, lines)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
