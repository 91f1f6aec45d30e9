"""The sample portal's model: hosts, units, columns and articles, from which every page is rendered.

The generator (`demo.generate`) builds a `Portal`, the defect planters (`demo.defects`) mutate it
and record what they did in the manifest, and the renderers (`demo.render`) turn it into pages
on request — nothing is written file by file, so the `city` scale (≈500 units, ≥200,000 articles)
is one compact gzip'd JSON file.

Everything a page shows must come from these fields (or from a seed stored here), so that the same
model always renders the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Unit levels as the registry spells them: the project's own (市政府/市直部门/县区政府/县直部门/乡镇街道).
from common.vocabulary import CITY_DEPT, CITY_GOV, COUNTY_DEPT, COUNTY_GOV, LEVELS, TOWNSHIP  # noqa: F401 (re-exported)

# Column categories (common/vocabulary.py: what crawler/columns.yaml maps names onto).
NEWS = "news"  # 动态/要闻, 工作动态 — stale after 2 weeks
NOTICE = "notice"  # 通知公告 — 6 months
POLICY = "policy"  # 政策文件 (其他文件) — 6 months
NORMATIVE = "normative"  # 行政规范性文件 — 6 months
INTERPRETATION = "interpretation"  # 政策解读
PERSONNEL = "personnel"  # 人事信息 — 1 year
PLAN = "plan"  # 规划计划 — 1 year
BUDGET = "budget"  # 财政预决算
KEY_AREA = "key_area"  # 重点领域, published monthly or quarterly
CONSULTATION = "consultation"  # 意见征集
FEEDBACK = "feedback"  # 意见反馈
ANNUAL_REPORT = "annual_report"  # 政府信息公开年报
GUIDE = "guide"  # 公开指南
RULES = "rules"  # 公开制度
TOWNSHIP_AREA = "township_area"  # 基层政务公开标准目录 areas
GROUP = "group"  # a tree node that only holds other columns

# List shapes a TRS column's pages may take besides ul.list_ul (demo/render/list_shapes.py).
LIST_TABLE = "table"  # the class-less 信息公开目录 table under a header row
LIST_SCRIPT = "script"  # a JSON array in a script, drawn into an empty container
LIST_BARE = "bare"  # a ul/li without classes, beside a side box of dated links
LIST_SHAPES = (LIST_TABLE, LIST_SCRIPT, LIST_BARE)

# Interpretation forms (政策解读形式).
FORM_TEXT = "text"
FORM_GRAPHIC = "graphic"  # 图解 / 一图读懂
FORM_VIDEO = "video"
FORM_LEADER = "leader"  # 负责人解读
FORMS = (FORM_TEXT, FORM_GRAPHIC, FORM_VIDEO, FORM_LEADER)

# Article metadata fields, by the label the platforms print.
FIELD_LABELS = {
    "index_no": "索引号",
    "category_path": "组配分类",
    "publisher": "发布机构",
    "subject": "主题分类",
    "title": "名称",
    "doc_no": "文号",
    "written": "生成日期",
    "published": "发布日期",
    "validity": "有效性",
    "keywords": "关键词",
}


@dataclass(slots=True)
class Host:
    """One web server of the portal (a platform instance): an address on loopback."""

    id: str
    address: str  # 127.0.0.x
    port: int
    platform: str  # "lonsun" | "trs" | "hanweb" | "govcn"
    encoding: str = "utf-8"  # "utf-8" | "gbk"
    declare_charset: bool = True  # False: neither <meta> nor Content-Type names the charset
    down: bool = False  # hazard: nothing listens here
    site_id: int = 0  # Lonsun siteId, Hanweb webid

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"


@dataclass(slots=True)
class Unit:
    """A disclosing unit (单位)."""

    id: str  # registry id, e.g. "jh-fgw"
    name: str  # 江淮市发展和改革委员会
    short: str  # 市发展改革委
    level: str  # one of LEVELS
    parent: str | None
    host: str  # Host.id
    num: int  # Lonsun unitId (organId); TRS uses `slug`
    slug: str  # TRS path segment, e.g. "fgw"
    code: str  # 统一社会信用代码 or 组织机构代码: the 索引号 prefix
    doc_prefix: str  # 文号 prefix, e.g. 江发改
    address: str = ""
    phone: str = ""
    leader: str = ""  # head of unit, for 负责人解读


@dataclass(slots=True)
class Column:
    """A disclosure column (栏目). `id` doubles as Lonsun catId."""

    id: int
    unit_id: str
    name: str
    category: str  # one of the category constants
    section: int = 4  # Lonsun type=: 1 公开制度, 2 公开指南, 3 公开年报, 4 法定主动公开内容
    parent: int | None = None  # parent column (GROUP) in the directory tree
    slug: str = ""  # TRS path segment
    opened: dt.date | None = None  # when the column was created
    cadence: str = ""  # key areas: "month" | "quarter"
    rows_in_comment: bool = False  # TRS: list rows inside an HTML comment
    # TRS: the markup of the list ("" = ul.list_ul; LIST_TABLE, LIST_SCRIPT, LIST_BARE: see
    # demo/render/list_shapes.py). Set after generation, from the column id (demo.generate).
    list_shape: str = ""
    hidden: bool = False  # planted "missing required column": not in the directory, 404 if asked


@dataclass(slots=True)
class Attachment:
    name: str  # 附件1：…pdf
    ext: str  # pdf | docx | png | mp4
    file_id: int  # stable id used in the URL
    broken: bool = False  # planted 404


@dataclass(slots=True)
class Link:
    """An in-body link. `target` is a path on the same host, or a full URL."""

    text: str
    target: str
    broken: bool = False  # planted 404
    hangs: bool = False  # hazard: the server never answers in time


@dataclass(slots=True)
class Article:
    id: int  # unique in the portal (Lonsun articleId)
    unit_id: str
    column_id: int
    title: str
    written: dt.date | None  # 生成日期 / 成文日期
    published: dt.date | None  # 发布日期 (None: planted "no publish date")
    index_no: str  # 索引号 as displayed (may be planted malformed)
    publisher: str  # 发布机构
    subject: str = ""  # 主题分类
    keywords: str = ""
    doc_no: str = ""  # 文号 in the metadata table
    body_doc_no: str = ""  # 文号 as printed in the body (differs when planted)
    validity: str = ""  # 有效性: 有效 / 失效 / 废止
    blank_fields: list[str] = field(default_factory=list)  # planted missing metadata
    attachments: list[Attachment] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    # Policy documents ↔ interpretations (政策解读):
    interpretations: list[int] = field(default_factory=list)  # on a document: its interpretations
    interprets: list[int] = field(default_factory=list)  # on an interpretation: its documents
    links_back: bool = True  # interpretation shows "| 文件" / 相关文件 back to its document
    form: str = ""  # interpretation form (FORMS)
    # Consultation (意见征集) and feedback (意见反馈):
    open_from: dt.date | None = None
    open_until: dt.date | None = None
    feedback_for: int | None = None  # on a feedback item: the consultation it answers
    report_year: int | None = None  # annual report: the year reported on
    # Written otherwise than the usual template, as real portals do ("variant": an annual report
    # with other headings, a lead sentence and full-width figures; a consultation whose basis is
    # said as 根据《…》 and whose notes are 关于《…》的说明) — demo/defects/reference_decoy_b.
    wording: str = ""
    period: str = ""  # key areas: "2024-05" or "2024Q2"
    seed: int = 0  # body text seed
    modified: dt.date | None = None  # last change (Last-Modified); defaults to published
    # Decoys and duplicates (demo/defects): a paragraph printed first in the body (a cited
    # document, a revision or extension note…); the article whose body text this page reprints
    # (a copy in another column); an interpretation that shows only its picture or video.
    lead: str = ""
    copy_of: int | None = None
    media_only: bool = False
    # The page prints no date of its own (no 发布日期 value, byline date or PubDate): only its
    # column's list shows one. A query string its CMS appends to its links to related pages.
    page_undated: bool = False
    link_query: str = ""


@dataclass
class Portal:
    """The whole sample portal. `as_of` is the portal's "today"."""

    seed: int
    scale: str
    city: str  # 江淮市
    as_of: dt.date
    hosts: list[Host] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    hazards: list[dict[str, Any]] = field(default_factory=list)  # see demo.hazards
    next_id: int = 1  # next free article / attachment id

    # -- look-ups (built lazily, invalidated by `reindex`) -----------------------------------
    def reindex(self) -> None:
        self._index = None

    @property
    def index(self) -> PortalIndex:
        idx = getattr(self, "_index", None)
        if idx is None:
            idx = self._index = PortalIndex(self)
        return idx

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value


class PortalIndex:
    """Dictionaries over a Portal; rebuilt after the model changes."""

    def __init__(self, portal: Portal) -> None:
        self.host = {h.id: h for h in portal.hosts}
        self.unit = {u.id: u for u in portal.units}
        self.unit_by_num = {u.num: u for u in portal.units}
        self.column = {c.id: c for c in portal.columns}
        self.article = {a.id: a for a in portal.articles}
        self.columns_of: dict[str, list[Column]] = {}
        for c in portal.columns:
            self.columns_of.setdefault(c.unit_id, []).append(c)
        self.articles_of: dict[int, list[Article]] = {}
        for a in portal.articles:
            self.articles_of.setdefault(a.column_id, []).append(a)
        # Newest first, as lists show them; ties by id descending (stable, deterministic).
        for items in self.articles_of.values():
            items.sort(key=lambda a: (a.published or dt.date.min, a.id), reverse=True)
        self.attachment = {f.file_id: (a, f) for a in portal.articles for f in a.attachments}
        self.units_on: dict[str, list[Unit]] = {}
        for u in portal.units:
            self.units_on.setdefault(u.host, []).append(u)

    def resort(self, column_id: int) -> None:
        """Restore newest-first order of one column after a publish date changed."""
        self.articles_of.get(column_id, []).sort(
            key=lambda a: (a.published or dt.date.min, a.id), reverse=True
        )

    def discard(self, articles: list[Article]) -> None:
        """Forget articles without rebuilding the whole index (the planters remove thousands)."""
        for a in articles:
            self.article.pop(a.id, None)
            items = self.articles_of.get(a.column_id)
            if items is not None and a in items:
                items.remove(a)
            for f in a.attachments:
                self.attachment.pop(f.file_id, None)

    def discard_column(self, column: Column) -> None:
        self.column.pop(column.id, None)
        self.articles_of.pop(column.id, None)
        siblings = self.columns_of.get(column.unit_id, [])
        if column in siblings:
            siblings.remove(column)


# -- serialisation --------------------------------------------------------------------------
MODEL_FILE = "model.json.gz"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _strip_defaults(obj: Any) -> dict[str, Any]:
    """Dataclass → dict without fields that hold their default (keeps city-scale files small)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.default is not dataclasses.MISSING and value == f.default:
            continue
        if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
            continue
        if isinstance(value, list):
            value = [_strip_defaults(v) if dataclasses.is_dataclass(v) else v for v in value]
        out[f.name] = value
    return out


_DATE_FIELDS = {"as_of", "opened", "written", "published", "open_from", "open_until", "modified"}


def _dates(d: dict[str, Any]) -> dict[str, Any]:
    return {k: dt.date.fromisoformat(v) if k in _DATE_FIELDS and v else v for k, v in d.items()}


def dump_portal(portal: Portal) -> bytes:
    """Deterministic bytes: sorted keys, no gzip timestamp or file name."""
    data = _strip_defaults(portal)
    text = json.dumps(
        data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_encode
    )
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def save_portal(portal: Portal, directory: Path) -> Path:
    path = Path(directory) / MODEL_FILE
    path.write_bytes(dump_portal(portal))
    return path


def load_portal(directory: Path) -> Portal:
    path = Path(directory) / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no sample portal here (run `zwgk demo generate` first)")
    data = json.loads(gzip.decompress(path.read_bytes()))
    articles = []
    for raw in data.get("articles", []):
        raw = _dates(raw)
        raw["attachments"] = [Attachment(**f) for f in raw.get("attachments", [])]
        raw["links"] = [Link(**x) for x in raw.get("links", [])]
        articles.append(Article(**raw))
    return Portal(
        seed=data["seed"],
        scale=data["scale"],
        city=data["city"],
        as_of=dt.date.fromisoformat(data["as_of"]),
        hosts=[Host(**h) for h in data.get("hosts", [])],
        units=[Unit(**u) for u in data.get("units", [])],
        columns=[Column(**_dates(c)) for c in data.get("columns", [])],
        articles=articles,
        hazards=data.get("hazards", []),
        next_id=data.get("next_id", 1),
    )
