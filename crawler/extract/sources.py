"""Where each field of an article came from (字段来源): the rule that read it and whose rule it is.

Extraction tries several places for a field (`crawler.extract.article`); a value read from the
place the platform's profile names is as good as the page, one read by a fallback may be wrong
(a `<meta name="PubDate">` that is the page's regeneration time, a 日期： in the page furniture,
the `<title>` with the site name cut off). Each article records, per field, a `FieldSource`;
the crawl summary counts the fallback ones per unit (需核对的字段) so an evaluator knows which
values to double-check. docs/crawl.md explains how to read them.

A source is stored as one short code, ``RULE[:DETAIL]@PROFILE``:

==========  ===============================================  ==================  ========
rule        where the value was read                         detail              fallback
==========  ===============================================  ==================  ========
sel         a selector the profile gives for the field        the selector        if generic
            (article.title, article.fields, article.date)
table       a label inside a metadata table (元数据表,          the label printed   if generic
            article.metadata.containers)
byline      a label in the line the profile says its         the label printed   if generic
            template prints under the title (信息栏:
            发布时间/来源, article.metadata.bylines)
text        a label in the page's text outside any table     the label printed   yes
meta        a ``<meta name=…>`` tag (article.meta)           the meta name       yes
page_title  the page's ``<title>``, cut at the site name     —                   yes
densest     the body as the element with the most ``<p>``    —                   yes
            text (article.body_fallback)
==========  ===============================================  ==================  ========

PROFILE is the profile whose file wrote the rule: the article's own platform profile
(``lonsun``), one it extends, or ``generic`` — the base every profile extends, whose rules
are written for no platform in particular, so a value read by a rule inherited from it is a
fallback too. Examples: ``table:发文字号@trs``, ``meta:PubDate@generic``,
``sel:h1.newstitle::text@lonsun``, ``text:发布时间@generic``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BASE_PROFILE = "generic"
RULES = ("sel", "table", "byline", "text", "meta", "page_title", "densest")
# Rules that are guesses whichever profile wrote them.
FALLBACK_RULES = frozenset({"text", "meta", "page_title", "densest"})

# `Profile.rule_origin`: the profile whose file wrote the rule at a key path of the profile
# (("article", "metadata", "containers")).
Origin = Callable[..., str]


@dataclass(frozen=True, slots=True)
class FieldSource:
    """One field's source: the rule (`RULES`), its detail (selector, label or meta name; ""
    for the heuristics) and the profile that wrote the rule."""

    rule: str
    detail: str = ""
    profile: str = ""

    @property
    def fallback(self) -> bool:
        """True when the value should be double-checked: a guessing rule, or any rule
        inherited from the `generic` profile."""
        return self.rule in FALLBACK_RULES or self.profile == BASE_PROFILE

    def code(self) -> str:
        """The stored form, ``RULE[:DETAIL]@PROFILE``."""
        head = f"{self.rule}:{self.detail}" if self.detail else self.rule
        return f"{head}@{self.profile}"

    @classmethod
    def parse(cls, code: str) -> FieldSource:
        """A stored code read back (a selector may hold ``:`` and ``@``: the rule ends at the
        first ``:``, the profile starts after the last ``@``)."""
        head, at, profile = code.rpartition("@")
        if not at:
            head, profile = code, ""
        rule, _, detail = head.partition(":")
        return cls(rule, detail, profile)


def is_fallback(code: str) -> bool:
    """Whether a stored source code names a fallback (see `FieldSource.fallback`)."""
    return FieldSource.parse(code).fallback


def fallback_fields(codes: dict[str, str] | None) -> list[str]:
    """The fields of one article's stored sources that came from a fallback, sorted."""
    if not isinstance(codes, dict):
        return []
    return sorted(
        name for name, code in codes.items() if isinstance(code, str) and is_fallback(code)
    )


def own_profile(name: str) -> Origin:
    """The origin of a profile that was not loaded from files: every rule is its own."""
    return lambda *loc: name


def selector(origin: Origin, loc: tuple[str, ...], source: str) -> FieldSource:
    return FieldSource("sel", source, origin(*loc))


def label(
    origin: Origin, field: str, printed: str, in_table: bool, in_byline: bool = False
) -> FieldSource:
    """A label's value: inside a metadata table the table is the rule (its profile named the
    table), inside a byline the byline; elsewhere the label alone found it, wherever it
    stood."""
    if in_table:
        return FieldSource("table", printed, origin("article", "metadata", "containers"))
    if in_byline:
        return FieldSource("byline", printed, origin("article", "metadata", "bylines"))
    return FieldSource("text", printed, origin("article", "metadata", "labels", field))


def meta(origin: Origin, field: str, name: str) -> FieldSource:
    return FieldSource("meta", name, origin("article", "meta", field))


def page_title() -> FieldSource:
    """The `<title>` cut is zwgk's own last resort, written in no profile: the base's."""
    return FieldSource("page_title", "", BASE_PROFILE)


def densest(origin: Origin) -> FieldSource:
    return FieldSource("densest", "", origin("article", "body_fallback"))
