"""Text that units read is plain Chinese: no parameter names, English words or internal codes.

Units read an indicator's `name`, its `group` path (一级/二级/三级指标), its `requirement`
(内容要求) and `basis` (依据) — or its `description` where it has no `requirement`, as the
checklist then shows that — and the literal text of its `suggestion` templates (失分原因, 整改建议);
the `{fields}` filled from a finding's evidence are not the author's text and are not judged
here. Two uses, one rule:

- `indicator_problems`: when a set is loaded (`scoring.indicators`), each offending word of an
  indicator's unit-facing text, with the key it is in — the loader names FILE:LINE;
- `document_problems`: a generated document's text (checklists, round reports), with the
  exceptions a document needs: what it quotes from the unit's own pages.

The rule, token by token (a token is a run of ASCII letters, digits and ``_``, joined by ``.``
or ``-``: ``max_workdays``, ``freshness.news``, ``5xx``, ``2025Q3``). A token with no ASCII letter
(a number, a date) is fine. Refused:

- a fingerprint (16 hex digits, the hidden 问题编号);
- an indicator id of the set;
- a parameter name of the indicator's check (``max_workdays``, ``name_contains``);
- any other token with a letter — an English word or an internal code (``HTTP``, ``5xx``) —
  unless it is one of `ALLOWED_WORDS` (file formats a unit saves and downloads: PDF, WORD/Word,
  WPS, OFD; GB and GB/T, the national standards a basis may cite) or a code a unit knows as its own: at least 6 digits and capital letters, with at
  least as many digits as letters and at least one digit (统一社会信用代码 ``11341702486344515H``,
  a round ``2025Q3``);
- the internal words of `INTERNAL_WORDS` (参数, 指纹): a unit has no parameters or fingerprints.

Documents only (`document_problems`), not in an author's text: http(s) addresses and e-mail
addresses are skipped, and so is whatever stands inside 「」, “”, 《》 or 『』 (nested ones too) —
the titles, column names and 文号 the document quotes from the unit's pages.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

ALLOWED_WORDS = frozenset({"PDF", "WORD", "Word", "WPS", "OFD", "GB"})
INTERNAL_WORDS = ("参数", "指纹")
ADVICE = (
    "write it in plain Chinese (PDF, WORD, WPS, OFD and codes such as 11341702486344515H are "
    "fine; a value a finding fills in goes in a {field})"
)
QUOTES = {"「": "」", "“": "”", "《": "》", "『": "』"}
# Fields of an indicator units read, in the order they are reported; `description` only when
# the indicator has no `requirement` (then the checklist's 内容要求 shows it).
FIELDS = ("name", "group", "requirement", "basis", "description", "suggestion")

# Source tags for the set's authors ([V], [L: 霍邱], [?], docs/domain.md): never shown to units.
SOURCE_TAG = re.compile(r"\s*\[(?:V|L|\?)(?:[:：][^\]]*)?\]")

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.\-][A-Za-z0-9_]+)*")
_LETTER = re.compile(r"[A-Za-z]")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")
_CODE = re.compile(r"[0-9A-Z]{6,}")
_URL = re.compile(r"https?://[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef<>\"']+", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Word:
    """An offending word: the token (or internal word) and what kind it is."""

    text: str
    kind: str  # fingerprint / indicator id / parameter name / English / internal word

    def explain(self) -> str:
        """What is wrong, in the words of the loader's messages (English, like the rest)."""
        advice = {
            "fingerprint": "looks like a problem fingerprint (问题编号)",
            "indicator id": "is an indicator id",
            "parameter name": "is a parameter name of the check",
            "English": "is English or an internal code",
            "internal word": "is an internal word",
        }[self.kind]
        return f"{self.text!r} {advice}"


def _is_code(token: str) -> bool:
    if not _CODE.fullmatch(token):
        return False
    digits = sum(ch.isdigit() for ch in token)
    return digits >= 1 and digits >= len(token) - digits


def classify(token: str, ids: Collection[str] = (), params: Collection[str] = ()) -> str | None:
    """The kind of an offending token (see the module's docstring), None when it is fine."""
    if not _LETTER.search(token):
        return None
    if _FINGERPRINT.fullmatch(token):
        return "fingerprint"
    if token in ids:
        return "indicator id"
    if token in params:
        return "parameter name"
    if token in ALLOWED_WORDS or _is_code(token):
        return None
    return "English"


def words(text: str, ids: Collection[str] = (), params: Collection[str] = ()) -> list[Word]:
    """Every offending word of ``text`` (nothing excepted), each once, in reading order."""
    found: list[Word] = []
    for match in _TOKEN.finditer(text.replace("GB/T", "GB")):
        kind = classify(match.group(0), ids, params)
        if kind is not None:
            found.append(Word(match.group(0), kind))
    found += [Word(w, "internal word") for w in INTERNAL_WORDS if w in text]
    unique: dict[tuple[str, str], Word] = {}
    for word in found:
        unique.setdefault((word.text, word.kind), word)
    return list(unique.values())


def shown_text(text: str) -> str:
    """An indicator's text as documents show it: without its source tags."""
    return SOURCE_TAG.sub("", text).strip()


def literal_text(template: str) -> str:
    """A suggestion template without its ``{fields}`` (what the set's author wrote); a
    template that does not parse is returned whole (the model reports it)."""
    try:
        return "".join(literal for literal, *_ in string.Formatter().parse(template))
    except ValueError:
        return template


def without_quotes(text: str) -> str:
    """``text`` with every span inside 「」“”《》『』 (nested too) replaced by a space."""
    out, stack = [], []
    for ch in text:
        if ch in QUOTES:
            stack.append(QUOTES[ch])
            out.append(ch)
        elif stack and ch == stack[-1]:
            stack.pop()
            out.append(ch)
        elif stack and ch in QUOTES.values():
            continue  # a stray closing mark of another kind, inside a quote
        elif not stack:
            out.append(ch)
    return "".join(out)


def document_problems(
    text: str, ids: Collection[str] = (), params: Collection[str] = ()
) -> list[Word]:
    """Offending words of a generated document's text: URLs, e-mail addresses and quoted text
    (「」“”《》『』) are skipped — they are the unit's own pages and names."""
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return words(without_quotes(text), ids, params)


def unit_texts(indicator: Any) -> Iterable[tuple[tuple[Any, ...], str]]:
    """(key path, text) of every unit-facing text of an indicator (model or hand-made object),
    as documents show it (`shown_text`): whichever of `FIELDS` it has; suggestion templates by
    their literal text."""
    for field in FIELDS:
        value = getattr(indicator, field, None)
        if field == "description" and getattr(indicator, "requirement", None):
            continue  # notes for the set's authors: units read the requirement
        if not value:
            continue
        if field == "group":
            for i, part in enumerate(value):
                yield (field, i), shown_text(str(part))
        elif field == "suggestion" and isinstance(value, dict):
            for kind, template in value.items():
                yield (field, kind), shown_text(literal_text(str(template)))
        elif field == "suggestion":
            yield (field,), shown_text(literal_text(str(value)))
        else:
            yield (field,), shown_text(str(value))
    veto = getattr(indicator, "veto", None)
    if veto is not None and getattr(veto, "reason", ""):
        yield ("veto", "reason"), shown_text(str(veto.reason))


def indicator_problems(
    indicator: Any, ids: Collection[str] = (), params: Collection[str] = ()
) -> list[tuple[tuple[Any, ...], str]]:
    """(key path, message) for each offending word in an indicator's unit-facing text.

    ``ids``: the set's indicator ids; ``params``: the parameter names of its check."""
    out = []
    for loc, text in unit_texts(indicator):
        found = words(text, ids, params)
        if found:
            dotted = ".".join(map(str, loc))
            listed = "; ".join(w.explain() for w in found)
            out.append((loc, f"{dotted}: {listed} — units read this text: {ADVICE}"))
    return out
