"""The value types profile YAML is read into: selectors and regexes compiled when the profile
loads (a bad one names its FILE:LINE), strings or lists, and the strict base of every part of
a profile (unknown keys refused). Shared by `crawler.profile_model` and `crawler.profile_lists`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from crawler.extract.selectors import Selector, SelectorSyntaxError, compile_selector


def to_selector(value: Any) -> Selector:
    if isinstance(value, Selector):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a selector must be a string, not {type(value).__name__}")
    try:
        return compile_selector(value)
    except SelectorSyntaxError as exc:
        raise ValueError(str(exc)) from None


def to_regex(value: Any) -> re.Pattern:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a regex must be a string, not {type(value).__name__}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regex {value!r}: {exc}") from None


def listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Sel = Annotated[Selector, BeforeValidator(to_selector), PlainSerializer(lambda s: s.source)]
Sels = Annotated[list[Sel], BeforeValidator(listify)]
Rx = Annotated[re.Pattern, BeforeValidator(to_regex), PlainSerializer(lambda p: p.pattern)]
Rxs = Annotated[list[Rx], BeforeValidator(listify)]
Strs = Annotated[list[str], BeforeValidator(listify)]
# YAML reads `4: …` with an int key; section values come from URLs as strings.
StrMap = Annotated[
    dict[str, str],
    BeforeValidator(lambda d: {str(k): v for k, v in d.items()} if isinstance(d, dict) else d),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False)


# The number of a list's first page: CMSs count from 0 or 1; a larger first page would skip
# the newest rows of every column.
FirstPage = Annotated[int, Field(ge=0, le=1)]
