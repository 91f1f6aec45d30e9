"""A problem's evidence page (证据): the stored page of its target as escaped text lines, with what
the problem's evidence names — a title, a 文号, a date, a link's text and address — highlighted.

The stored HTML is never rendered: a crawled page is untrusted (scripts, forms, tracking, and
markup a unit could plant in a title), so it is parsed by the crawler's own bounded parser
(`crawler.extract.dom`) into the lines a reader sees, every line escaped with markupsafe and
only the highlights (``<mark>``) added. A link named by the evidence (a broken attachment, the
interpretation it should point to) gets its address written after its text, since the text
alone does not show where it leads.

The page shown is the version the round read: the newest stored version at or before the
problem's crawl run (`article_pages`, keyed by article and the run that fetched the version).
Its size is bounded: the page decompressed (`MAX_PAGE_BYTES`, the crawler's own cap), each line
(`MAX_LINE_CHARS`), and the lines shown (`MAX_LINES`: around the highlights when the page is
longer, gaps marked). A problem about a column or a whole site has no stored page, and says so.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from markupsafe import Markup, escape
from sqlalchemy import select

from crawler.extract.dom import MAX_PAGE_BYTES, ExtractionError, parse_document, walk_lines
from reports.checklist.data import web_url
from store import Store, models
from store.rounds import PROBLEMS, get_round

ARTICLES = models.Article.__table__
PAGES = models.ArticlePage.__table__
COLUMNS = models.DisclosureColumn.__table__
MAX_LINES = 300
MAX_LINE_CHARS = 400
CONTEXT = 3  # lines shown around a highlighted one
MAX_NEEDLES = 60  # strings highlighted (a date counts in each printed form)
GAP = Markup('<span class="gap">⋯</span>')
# Evidence values that are about the finding, not text on the page.
NOT_ON_PAGE = frozenset({
    "kind", "kind_zh", "status_zh", "category", "problem", "period", "period_zh", "why", "reason",
    "other_pages_zh", "unseen", "where", "crawl_run", "quarter", "state",
})  # fmt: skip
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_LINK = etree.XPath("//a[@href]")


@dataclass(frozen=True)
class EvidencePage:
    """What the evidence view shows. ``lines`` are safe markup; ``found`` False: no stored
    page, ``message`` says why."""

    url: str | None  # the live page (http/https only), for a link beside the stored copy
    found: bool
    message: str = ""
    lines: tuple[Markup, ...] = ()
    highlighted: tuple[str, ...] = ()  # what was found on the page and marked
    version_run: int | None = None
    truncated: bool = False  # lines were left out (marked by gaps)
    needles: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class ProblemPage:
    """A problem's stored page as its round read it, and what its evidence names on it — what
    the text view here and the picture (`portal.snapshot`) both show. ``html`` None: no page
    to show, ``message`` says why."""

    url: str | None  # the problem's target as stored (None: a column or whole-site problem)
    html: bytes | None  # the stored bytes, decompressed within `MAX_PAGE_BYTES`
    message: str = ""
    version_run: int | None = None  # the run that fetched the version shown
    run: int | None = None  # the run the problem was found in
    article_id: int | None = None
    links: frozenset[str] = frozenset()  # other pages' addresses the evidence names
    needles: tuple[str, ...] = ()  # text the evidence names, longest first


def problem_page(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> ProblemPage | None:
    """The stored page of problem ``fingerprint`` of round ``round_id``; None when there is no
    such problem or its unit is not in ``visible`` (None: every unit)."""
    info = get_round(store, round_id)
    p = PROBLEMS.c
    with store.reader.connect() as conn:
        row = conn.execute(
            select(p.unit_id, p.target_url, p.evidence).where(
                p.round == round_id, p.fingerprint == fingerprint
            )
        ).first()
    if row is None or (visible is not None and row.unit_id not in set(visible)):
        return None
    evidence = row.evidence or {}
    url = row.target_url
    if not url:
        return ProblemPage(None, None, "该问题针对栏目或整个网站，没有对应的单个页面，无页面可显示")
    run = evidence.get("crawl_run") if isinstance(evidence.get("crawl_run"), int) else None
    run = run or info.crawl_run
    stored = _stored_page(store, url, run)
    if isinstance(stored, str):
        return ProblemPage(url, None, stored, run=run)
    blob, version, article = stored
    html = _decompressed(blob)
    links = frozenset(u for u in _urls(evidence) if u != url)
    if html is None:
        return ProblemPage(url, None, "保存的页面过大，无法显示", version, run, article)
    needles = tuple(_needles(evidence, url, set(links)))
    return ProblemPage(url, html, "", version, run, article, links, needles)


def problem_evidence(
    store: Store, round_id: str, fingerprint: str, visible: Collection[str] | None
) -> EvidencePage | None:
    """The evidence page of problem ``fingerprint`` of round ``round_id``; None when there is
    no such problem or its unit is not in ``visible`` (None: every unit)."""
    page = problem_page(store, round_id, fingerprint, visible)
    if page is None:
        return None
    live = web_url(page.url) if page.url else None
    if page.html is None:
        return EvidencePage(live, False, page.message, version_run=page.version_run)
    try:
        doc = parse_document(page.html, page.url)
    except ExtractionError:
        return EvidencePage(
            live, False, "保存的页面无法解析为网页，无法显示", version_run=page.version_run
        )
    _note_links(doc, set(page.links))
    needles = list(page.needles)
    lines, highlighted, truncated = _shown([ln.text for ln in walk_lines(doc.tops)], needles)
    return EvidencePage(
        live, True, "", lines, highlighted, page.version_run, truncated, tuple(needles)
    )


def _stored_page(store: Store, url: str, run: int) -> tuple[bytes, int, int] | str:
    """(gzip bytes, version run, article id) of the version valid at ``run``, or why there is
    none."""
    a, pg = ARTICLES.c, PAGES.c
    with store.reader.connect() as conn:
        article = conn.scalar(select(a.id).where(a.url == url))
        if article is None and conn.scalar(select(COLUMNS.c.id).where(COLUMNS.c.url == url)):
            return "该问题针对栏目，栏目页面不保存，请打开原网址查看"
        if article is None:
            return "未保存该页面（本系统只保存信息页面，不保存栏目页、列表页和附件）"
        found = conn.execute(
            select(pg.html_gz, pg.version_run)
            .where(pg.article_id == article, pg.version_run <= run)
            .order_by(pg.version_run.desc())
            .limit(1)
        ).first()
    if found is None:
        return "本轮采集时该页面的内容未保存（可能已被清理），无法显示"
    return found.html_gz, int(found.version_run), int(article)


def _decompressed(blob: bytes) -> bytes | None:
    """The page, or None when it would be larger than `MAX_PAGE_BYTES` (a gzip bomb)."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    page = inflate.decompress(blob, MAX_PAGE_BYTES + 1)
    return None if len(page) > MAX_PAGE_BYTES or inflate.unconsumed_tail else page


def _values(evidence: Any, key: str = "") -> Iterable[tuple[str, str]]:
    """(key, string value) of the evidence, lists and nested dicts included."""
    if isinstance(evidence, dict):
        for k, v in evidence.items():
            if k not in NOT_ON_PAGE:
                yield from _values(v, str(k))
    elif isinstance(evidence, list):
        for v in evidence:
            yield from _values(v, key)
    elif isinstance(evidence, str) and evidence.strip():
        yield key, evidence.strip()


def _urls(evidence: Any) -> set[str]:
    return {v for _, v in _values(evidence) if web_url(v)}


def _note_links(doc: Any, urls: set[str]) -> None:
    """Write the address after the text of each link to one of ``urls``."""
    for link in _LINK(doc.root) if urls else ():
        target = doc.absolute(link.get("href"))
        if target in urls:
            link.tail = f"〔链接地址：{target}〕" + (link.tail or "")


def _dates(value: str) -> list[str]:
    """A date as pages print it: 2025-05-20, 2025年5月20日, 2025年05月20日, 2025/5/20, 2025.05.20."""
    found = _ISO_DATE.fullmatch(value)
    if not found:
        return [value]
    y, m, d = found.groups()
    m1, d1 = str(int(m)), str(int(d))
    return [value, f"{y}年{m1}月{d1}日", f"{y}年{m}月{d}日", f"{y}/{m1}/{d1}", f"{y}.{m}.{d}"]


def _needles(evidence: Any, url: str, links: set[str]) -> list[str]:
    """What to highlight: the evidence's text values (dates in their printed forms) and the
    addresses of the links it names, longest first."""
    found: list[str] = sorted(links)
    for _, value in _values(evidence):
        if value == url or web_url(value) or not 2 <= len(value) <= 200:
            continue
        found += _dates(value)
    return sorted(dict.fromkeys(found), key=len, reverse=True)[:MAX_NEEDLES]


def _marked(text: str, pattern: re.Pattern[str] | None) -> tuple[Markup, set[str]]:
    if pattern is None:
        return escape(text), set()
    parts, hits, last = [], set(), 0
    for m in pattern.finditer(text):
        parts += [
            escape(text[last : m.start()]),
            Markup("<mark>"),
            escape(m.group()),
            Markup("</mark>"),
        ]
        hits.add(m.group())
        last = m.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts), hits


def _shown(
    texts: list[str], needles: list[str]
) -> tuple[tuple[Markup, ...], tuple[str, ...], bool]:
    """The lines to show (escaped, highlighted, within the bounds), what was found, and whether
    lines were left out."""
    pattern = re.compile("|".join(map(re.escape, needles))) if needles else None
    texts = [t if len(t) <= MAX_LINE_CHARS else t[:MAX_LINE_CHARS] + "…" for t in texts]
    marked = [_marked(t, pattern) for t in texts]
    hits = [i for i, (_, h) in enumerate(marked) if h]
    if len(texts) <= MAX_LINES:
        keep = list(range(len(texts)))
    elif hits:
        wanted = sorted(
            {j for i in hits for j in range(i - CONTEXT, i + CONTEXT + 1) if 0 <= j < len(texts)}
        )
        keep = wanted[:MAX_LINES]
    else:
        keep = list(range(MAX_LINES))
    lines: list[Markup] = []
    for n, i in enumerate(keep):
        if (n == 0 and i > 0) or (n and i != keep[n - 1] + 1):
            lines.append(GAP)
        lines.append(marked[i][0])
    if keep and keep[-1] < len(texts) - 1:
        lines.append(GAP)
    seen = {h for _, hs in marked for h in hs}
    found = [n for n in needles if n in seen]
    return tuple(lines), tuple(found), len(keep) < len(texts)
