"""Selectors as profiles write them: CSS (with parsel-style `::text` / `::attr(name)`) or XPath.

A profile string is compiled once (cached by its text) into a `Selector`. Evaluate it on an
element (relative: CSS matches that element and its descendants; XPath as written — start it
with ``./`` or ``.//`` to stay relative) or on a whole page (`DocIndex`): malformed pages can
have several top-level elements, which a query from the root element would miss, so CSS then
runs as ``//…`` from the document node.

XPath is recognised by a leading ``/``, ``./``, ``(`` or an explicit ``xpath:`` prefix.

Speed: most profile selectors are simple (``#zoom``, ``.TRS_Editor``, ``table.table_suoyin``);
on a page they are answered from one id/class index built in a single pass, instead of one
XPath scan of the whole tree per selector (≈0.4 ms each on a 90 KB portal page).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import cssselect
from cssselect import HTMLTranslator, SelectorError
from cssselect.parser import Class, Element, Hash
from lxml import etree

from crawler.extract.text import node_text, own_text

_PSEUDO = re.compile(r"^(?P<css>.*?)::(?:(?P<text>text)|attr\((?P<attr>[\w:.-]+)\))\s*$", re.S)
_XPATH_START = ("/", "./", "(")
_translator = HTMLTranslator()

Simple = tuple[str | None, str | None, tuple[str, ...]]  # (tag, id, classes)


class SelectorSyntaxError(ValueError):
    """A profile selector that is neither valid CSS nor valid XPath."""


class DocIndex:
    """Elements of a whole page by id and by class, in document order (one pass)."""

    def __init__(self, tree: etree._ElementTree, tops: list[etree._Element]) -> None:
        self.tree = tree
        self.by_id: dict[str, list[etree._Element]] = {}
        self.by_class: dict[str, list[etree._Element]] = {}
        for top in tops:
            for el in top.iter(etree.Element):
                ident = el.get("id")
                if ident:
                    self.by_id.setdefault(ident, []).append(el)
                classes = el.get("class")
                if classes:
                    for name in set(classes.split()):
                        self.by_class.setdefault(name, []).append(el)

    def find(self, simple: Simple) -> list[etree._Element]:
        tag, ident, classes = simple
        found = self.by_id.get(ident, []) if ident else self.by_class.get(classes[0], [])
        if tag:
            found = [el for el in found if el.tag == tag]
        for name in classes[0 if ident else 1 :]:
            found = [el for el in found if name in el.get("class", "").split()]
        return found


Context = etree._Element | DocIndex


@dataclass(frozen=True, slots=True)
class Selector:
    """One compiled selector. `attr`/`text` come from a CSS `::attr(x)` / `::text` suffix;
    `::text` is the element's own text, without its children's (as in parsel), so that
    ``h1.newstitle::text`` leaves out a `<span>废止</span>` tag inside the title."""

    source: str
    xpath: etree.XPath
    attr: str | None = None
    text: bool = False
    doc_xpath: etree.XPath | None = None  # CSS only: the same query from the document node
    simple: Simple | None = None  # CSS `tag#id.class` answered from a DocIndex

    def nodes(self, context: Context) -> list:
        """Raw results: elements, or strings when the XPath selects attributes/text."""
        if isinstance(context, DocIndex):
            if self.simple is not None:
                return context.find(self.simple)
            result = (self.doc_xpath or self.xpath)(context.tree)
        else:
            result = self.xpath(context)
        if isinstance(result, list):
            return result
        # XPath functions (string(), count()) return scalars.
        return [] if result is None or result == "" else [str(result)]

    def elements(self, context: Context) -> list[etree._Element]:
        return [n for n in self.nodes(context) if isinstance(n, etree._Element)]

    def values(self, context: Context) -> list[str]:
        """String values: the attribute if asked, else the element's normalised text."""
        out = []
        for node in self.nodes(context):
            if isinstance(node, etree._Element):
                if self.attr is not None:
                    value = node.get(self.attr)
                    if value is None:
                        continue
                elif self.text:
                    value = own_text(node)
                else:
                    value = node_text(node)
            else:
                value = str(node)
            out.append(value)
        return out

    def first(self, context: Context) -> str | None:
        """The first non-blank value, stripped; None when nothing matches."""
        for value in self.values(context):
            value = value.strip()
            if value:
                return value
        return None


def _simple_form(css: str) -> Simple | None:
    """(tag, id, classes) when `css` is one compound selector with an id or a class."""
    try:
        parsed = cssselect.parse(css)
    except SelectorError:
        return None
    if len(parsed) != 1 or parsed[0].pseudo_element:
        return None
    node = parsed[0].parsed_tree
    ident: str | None = None
    classes: list[str] = []
    while not isinstance(node, Element):
        if isinstance(node, Class):
            classes.insert(0, node.class_name)
        elif isinstance(node, Hash) and ident is None:
            ident = node.id
        else:
            return None
        node = node.selector
    if ident is None and not classes:
        return None
    tag = node.element.lower() if node.element not in (None, "*") else None
    return tag, ident, tuple(classes)


@functools.lru_cache(maxsize=4096)
def compile_selector(source: str) -> Selector:
    """Compile a profile selector string (cached). Raises SelectorSyntaxError with the reason."""
    text = source.strip()
    if not text:
        raise SelectorSyntaxError("empty selector")
    if text.startswith("xpath:") or text.startswith(_XPATH_START):
        expr = text.removeprefix("xpath:").strip()
        try:
            return Selector(source, etree.XPath(expr))
        except etree.XPathSyntaxError as exc:
            raise SelectorSyntaxError(f"bad XPath {expr!r}: {exc}") from None
    attr = None
    want_text = False
    match = _PSEUDO.match(text)
    if match:
        text = match["css"].strip()
        attr = match["attr"]
        want_text = bool(match["text"])
    try:
        expr = _translator.css_to_xpath(text, prefix="descendant-or-self::")
        doc_expr = _translator.css_to_xpath(text, prefix="//")
    except SelectorError as exc:
        raise SelectorSyntaxError(f"bad CSS selector {source!r}: {exc}") from None
    return Selector(
        source,
        etree.XPath(expr),
        attr=attr,
        text=want_text,
        doc_xpath=etree.XPath(doc_expr),
        simple=_simple_form(text),
    )


def first_value(selectors: list[Selector], context: Context) -> str | None:
    """The first non-blank value over selectors tried in order."""
    return first_match(selectors, context)[0]


def first_match(selectors: list[Selector], context: Context) -> tuple[str | None, str]:
    """`first_value` and the source text of the selector that gave it ("" when none did)."""
    for sel in selectors:
        value = sel.first(context)
        if value:
            return value, sel.source
    return None, ""


def first_elements(selectors: list[Selector], context: Context) -> list[etree._Element]:
    """Elements of the first selector (in order) that matches anything."""
    for sel in selectors:
        found = sel.elements(context)
        if found:
            return found
    return []


def union_elements(selectors: list[Selector], context: Context) -> list[etree._Element]:
    """Elements of all selectors, each once, in selector order then document order."""
    seen: set[etree._Element] = set()
    out = []
    for sel in selectors:
        for el in sel.elements(context):
            if el not in seen:
                seen.add(el)
                out.append(el)
    return out
