"""`extract_article`: an article page → its metadata, body, attachments and cross-links.

Driven entirely by the profile's `article:` section; the order of sources for each field is
fixed here so that every platform behaves the same:
- title: profile selectors → labelled 名称/标题 → `<meta>` → `<title>` (site name cut off);
- publish date: metadata table (date_source 'metadata') → visible date selectors and labels
  ('visible') → `<meta>` ('meta'), because `<meta name="PubDate">` is often the page's
  regeneration time (docs/domain.md §4.2);
- other fields: direct field selectors → labels inside metadata containers → labels elsewhere
  outside the body → `<meta>`.
Which of these gave each field is recorded in `ArticleData.sources` (`crawler.extract.sources`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler.extract import sources as src
from crawler.extract.dom import Document, parse_document, walk_lines
from crawler.extract.labels import Hit, raw_metadata, resolve
from crawler.extract.links import (
    IMAGE_TYPES,
    Attachment,
    Link,
    RelatedLink,
    anchors,
    file_type,
    images,
    related_links,
)
from crawler.extract.selectors import DocIndex, first_match, union_elements
from crawler.extract.sources import FieldSource, Origin
from crawler.extract.text import node_text, norm_space, parse_date, squash

if TYPE_CHECKING:
    from crawler.profile_model import ArticleSpec, Profile

logger = logging.getLogger(__name__)

_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
_TEXT_FIELDS = ("index_no", "publisher", "source", "doc_no", "validity", "subject", "keywords",
                "category", "disclosure_mode", "summary")  # fmt: skip
_DATE_FIELDS = ("written_date", "effective_date", "expiry_date")
_P = etree.XPath("//p")


@dataclass
class ArticleData:
    """What one article page says. Dates are `datetime.date`; absent fields are None."""

    url: str
    title: str | None = None
    index_no: str | None = None  # 索引号
    publisher: str | None = None  # 发布机构 / 发文机关
    source: str | None = None  # 来源 / 信息来源 (news source, not the issuing body)
    doc_no: str | None = None  # 文号 / 发文字号 in the metadata
    written_date: dt.date | None = None  # 生成日期 / 成文日期 / 发文日期
    publish_date: dt.date | None = None  # 发布日期
    validity: str | None = None  # 有效性 / 时效性
    subject: str | None = None  # 主题分类
    keywords: str | None = None  # 关键词 / 主题词
    category: str | None = None  # 组配分类 / 信息分类 / 信息类别 / 公开分类
    disclosure_mode: str | None = None  # 公开方式 (主动公开, 依申请公开, …)
    summary: str | None = None  # 内容概述
    effective_date: dt.date | None = None  # 生效日期
    expiry_date: dt.date | None = None  # 废止日期 / 失效日期
    attachments: list[Attachment] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    body_text: str = ""
    body_links: list[Link] = field(default_factory=list)  # in-body links that are not files
    body_doc_no: str | None = None  # first 文号 printed in the body (〔2018〕43号 form)
    date_source: str | None = None  # 'metadata' | 'visible' | 'meta' | None
    repealed: bool = False  # 废止
    metadata: dict[str, str] = field(default_factory=dict)  # every label found → value
    # field → the rule that read it (字段来源), for every field with a value and the body.
    sources: dict[str, FieldSource] = field(default_factory=dict)
    encoding: str | None = None  # set when bytes were decoded here
    # Why the page's fields could not be read (Chinese, for the crawl issue), None when they
    # were: no title at all, or a metadata table the profile knows with no label in it (the
    # template changed). The crawler records such a page as an extraction_anomaly, not as an
    # article whose empty fields would become the unit's problems.
    anomaly: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, sources as their stored codes, and the fields read
        by a fallback (`fallback_fields`)."""
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.date):
                data[key] = value.isoformat()
        data["sources"] = self.source_codes()
        data["fallback_fields"] = src.fallback_fields(data["sources"])
        return data

    def source_codes(self) -> dict[str, str]:
        """field → ``RULE[:DETAIL]@PROFILE``, as the store keeps it (``extra["sources"]``)."""
        return {name: source.code() for name, source in self.sources.items()}


def extract_article(
    html: str | bytes, url: str, profile: Profile, *, encoding: str | None = None
) -> ArticleData:
    """Read one article page. `html` may be bytes (decoded by `decode_html` unless `encoding`)."""
    doc = parse_document(html, url, encoding)
    return read_article(doc, profile.article, profile.origin_of)


Found = dict[str, tuple[str, FieldSource]]  # field → (raw value, where it was read)


def read_article(doc: Document, spec: ArticleSpec, origin: Origin | None = None) -> ArticleData:
    """`extract_article` on an already parsed page. `origin` names the profile that wrote each
    rule (`Profile.rule_origin`); without it every rule counts as the platform's own."""
    origin = origin or src.own_profile("")
    page = doc.index  # the whole document, also what lxml put after a stray </html>
    body, body_source = _body_element(doc, spec, origin)
    containers = set(union_elements(spec.metadata.containers, page))
    related_blocks = union_elements(spec.related.blocks, page)
    exclude = set(union_elements(spec.body_exclude, page))
    exclude.update(related_blocks)
    lines = walk_lines(doc.tops, body=body, meta=containers, exclude=exclude)
    hits = spec.metadata.scanner.scan(lines)
    printed = _byline_text(doc, spec)
    fields: Found = {
        name: (hit.value, _label_source(hit, origin, printed))
        for name, hit in resolve(hits).items()
    }
    direct: Found = {}
    for name, sels in spec.fields.items():
        value, selector = first_match(sels, page)
        value = _cleaned(spec, value, name)
        if value:
            direct[name] = (value, src.selector(origin, ("article", "fields", name), selector))
    fields.update(direct)

    data = ArticleData(url=doc.url, encoding=doc.encoding)
    data.metadata = raw_metadata(hits)
    data.title = _title(doc, spec, fields, origin, data.sources)
    for name in _TEXT_FIELDS:
        value, source = fields.get(name) or _from_meta(doc, spec, name, origin) or (None, None)
        setattr(data, name, norm_space(value) or None)
        if getattr(data, name) and source:
            data.sources[name] = source
    for name in _DATE_FIELDS:
        value, source = fields.get(name, (None, None))
        setattr(data, name, parse_date(value))
        if getattr(data, name) and source:
            data.sources[name] = source
    data.publish_date, data.date_source, published = _publish_date(
        doc, spec, hits, direct, origin, printed
    )
    if published:
        data.sources["publish_date"] = published

    data.body_text = "\n".join(line.text for line in lines if line.in_body)
    if data.body_text and body_source:
        data.sources["body"] = body_source
    match = _DOC_NO.search(data.body_text)
    data.body_doc_no = re.sub(r"\s+", "", match.group(0)) if match else None
    _collect_links(doc, spec, body, data)
    data.related = related_links(doc, related_blocks, spec.related)
    tags = _repealed_tags(page, spec)
    data.repealed = "废止" in (data.validity or "") or bool(tags)
    if not data.validity:  # 有效性 shown only as the red 废止 tag (docs/domain.md §4.1)
        _validity_from_tag(data, tags, body, origin)
    data.anomaly = _anomaly(data, spec, containers, hits)
    return data


def _anomaly(
    data: ArticleData, spec: ArticleSpec, containers: set[etree._Element], hits: list[Hit]
) -> str | None:
    if not data.title:
        return "未能读出标题（页面中没有标题元素、名称标签或<title>）"
    if containers and not any(hit.in_meta for hit in hits):
        return "页面有元数据表，但未读出其中任何标签（页面模板可能已改变）"
    expected = spec.metadata.expected_at
    if not containers and expected is not None and expected.search(data.url):
        return "该平台此类页面应有元数据表，但未找到（页面模板可能已改变）"
    return None


def _body_element(
    doc: Document, spec: ArticleSpec, origin: Origin
) -> tuple[etree._Element | None, FieldSource | None]:
    for sel in spec.body:
        for el in sel.elements(doc.index):
            if node_text(el) or el.find(".//img") is not None:
                return el, src.selector(origin, ("article", "body"), sel.source)
    if not spec.body_fallback:
        return None, None
    # No known container: the element whose direct <p> children hold the most text.
    weight: dict[etree._Element, int] = {}
    for p in _P(doc.root):
        parent = p.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(node_text(p))
    if not weight:
        return None, None
    return max(weight, key=weight.__getitem__), src.densest(origin)


def _cleaned(spec: ArticleSpec, value: str | None, name: str) -> str | None:
    """A value read without labels, through the label vocabulary's cleaning (labels.py
    `Cleaner`): page furniture glued on cut, a placeholder (无, --) read as None."""
    return spec.metadata.scanner.cleaner.cut(norm_space(value), name) or None


def _byline_text(doc: Document, spec: ArticleSpec) -> str:
    """The text of the profile's bylines, whitespace removed ("" when none)."""
    bylines = union_elements(spec.metadata.bylines, doc.index)
    return squash("".join(node_text(el) for el in bylines)) if bylines else ""


def _label_source(hit: Hit, origin: Origin, byline: str) -> FieldSource:
    """Where a label's value was read; a label and value printed in a byline count as the
    byline's (a string test: the page is not walked twice)."""
    in_byline = bool(byline) and hit.label in byline and squash(hit.value) in byline
    return src.label(origin, hit.field, hit.label, hit.in_meta, in_byline)


def _from_meta(
    doc: Document, spec: ArticleSpec, name: str, origin: Origin
) -> tuple[str, FieldSource] | None:
    for meta_name in spec.meta.get(name, ()):
        value = _cleaned(spec, doc.meta.get(meta_name.lower()), name)
        if value:
            return value, src.meta(origin, name, meta_name)
    return None


def _title(
    doc: Document, spec: ArticleSpec, fields: Found, origin: Origin, sources: dict[str, FieldSource]
) -> str | None:
    value, selector = first_match(spec.title, doc.index)
    value = _cleaned(spec, value, "title")
    found = (value, src.selector(origin, ("article", "title"), selector)) if value else None
    found = found or fields.get("title") or _from_meta(doc, spec, "title", origin)
    if not found:
        head = doc.root.find(".//title")
        text = node_text(head) if head is not None else ""
        title = (
            _cleaned(spec, spec.title_split.split(text, maxsplit=1)[0], "title") if text else None
        )
        if title:
            found = (title, src.page_title())
    title = norm_space(found[0]) if found else ""
    if title:
        sources["title"] = found[1]
    return title or None


Dated = tuple[dt.date | None, str | None, FieldSource | None]


def _publish_date(
    doc: Document,
    spec: ArticleSpec,
    hits: list[Hit],
    direct: Found,
    origin: Origin,
    printed: str,
) -> Dated:
    """(date, date_source, its FieldSource)."""
    if "publish_date" in direct:
        value, source = direct["publish_date"]
        if found := parse_date(value):
            return found, "metadata", source
    for hit in hits:
        if hit.field == "publish_date" and hit.in_meta and (found := parse_date(hit.value)):
            return found, "metadata", _label_source(hit, origin, printed)
    for sel in spec.date:
        for value in sel.values(doc.index):
            if found := parse_date(value):
                return found, "visible", src.selector(origin, ("article", "date"), sel.source)
    for name in ("publish_date", "visible_date"):
        for hit in hits:
            if hit.field == name and (found := parse_date(hit.value)):
                return found, "visible", _label_source(hit, origin, printed)
    for name in ("publish_date", "visible_date"):
        value, source = _from_meta(doc, spec, name, origin) or (None, None)
        if found := parse_date(value):
            return found, "meta", source
    return None, None, None


def _collect_links(
    doc: Document, spec: ArticleSpec, body: etree._Element | None, data: ArticleData
) -> None:
    extensions = spec.attachments.extension_set
    places = [body] if body is not None else []
    places += union_elements(spec.attachments.blocks, doc.index)
    seen: set[str] = set()
    for i, place in enumerate(places):
        for link in anchors(doc, place):
            if link.url in seen:
                continue
            seen.add(link.url)
            kind = file_type(link.url, link.text, extensions)
            if kind in IMAGE_TYPES and not link.text:
                kind = None  # a photo in the body linked to its full size, not a 附件
            if kind:
                text = link.text or link.url.rsplit("/", 1)[-1]
                data.attachments.append(Attachment(link.url, text, kind))
            elif i == 0 and body is not None:
                data.body_links.append(link)
    if spec.attachments.include_images and body is not None:
        for img in images(doc, body):
            kind = file_type(img.url, "", IMAGE_TYPES & extensions)
            if kind and img.url not in seen:
                seen.add(img.url)
                data.attachments.append(Attachment(img.url, img.text, kind))


def _repealed_tags(page: DocIndex, spec: ArticleSpec) -> list[tuple[etree._Element, str]]:
    """The red 废止 tags on the page, each with the profile selector that found it."""
    return [
        (el, sel.source)
        for sel in spec.repealed
        for el in sel.elements(page)
        if spec.repealed_text.search(node_text(el))
    ]


def _validity_from_tag(
    data: ArticleData,
    tags: list[tuple[etree._Element, str]],
    body: etree._Element | None,
    origin: Origin,
) -> None:
    """An empty 有效性 read from a 废止 tag beside the title or metadata: the page states the
    field's value that way. A tag inside the body (a list of repealed documents) is not this
    page's 有效性."""
    for el, source in tags:
        in_body = body is not None and (el is body or any(a is body for a in el.iterancestors()))
        if not in_body:
            data.validity = "废止"
            data.sources["validity"] = src.selector(origin, ("article", "repealed"), source)
            return
