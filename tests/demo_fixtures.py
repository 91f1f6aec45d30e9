"""Hand-built sample-portal models for renderer tests (until demo.generate exists, and after:
these stay small and pin exactly the cases the render tests check)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from demo import model as m
from demo.model import Article, Attachment, Column, Host, Link, Portal, Unit

AS_OF = dt.date(2024, 6, 28)


class _Builder:
    def __init__(self, as_of: dt.date = AS_OF) -> None:
        self.portal = Portal(seed=7, scale="test", city="江淮市", as_of=as_of)
        self.next_column = 1000
        self.serial: dict[str, int] = {}

    def column(self, unit: Unit, name: str, category: str, slug: str, **kw) -> Column:
        self.next_column += 1
        column = Column(
            id=self.next_column,
            unit_id=unit.id,
            name=name,
            category=category,
            slug=slug,
            opened=dt.date(2020, 1, 1),
            **kw,
        )
        self.portal.columns.append(column)
        return column

    def article(self, unit: Unit, column: Column, title: str, day: dt.date | None, **kw) -> Article:
        n = self.serial[unit.id] = self.serial.get(unit.id, 0) + 1
        ident = self.portal.new_id()
        stamp = day or kw.get("written") or AS_OF
        article = Article(
            id=ident,
            unit_id=unit.id,
            column_id=column.id,
            title=title,
            written=kw.pop("written", day),
            published=day,
            index_no=f"{unit.code}/{stamp:%Y%m}-{n:05d}",
            publisher=unit.name,
            seed=ident * 7919,
            **kw,
        )
        self.portal.articles.append(article)
        return article

    def attach(self, article: Article, name: str, ext: str, broken: bool = False) -> Attachment:
        f = Attachment(name=name, ext=ext, file_id=self.portal.new_id(), broken=broken)
        article.attachments.append(f)
        return f


def _unit(
    b: _Builder,
    uid: str,
    name: str,
    short: str,
    level: str,
    host: str,
    num: int,
    slug: str,
    parent=None,
) -> Unit:
    unit = Unit(
        id=uid,
        name=name,
        short=short,
        level=level,
        parent=parent,
        host=host,
        num=num,
        slug=slug,
        code=f"11341500{num:06d}X",
        doc_prefix=short[:2],
        address=f"江淮市{short}行政中心{num % 9 + 1}号楼",
        phone=f"0564-33{num % 100000:05d}",
        leader="王建国" if num % 2 else "李明华",
    )
    b.portal.units.append(unit)
    return unit


def _unit_content(b: _Builder, unit: Unit, list_rows: int, comment_rows: bool) -> dict[str, object]:
    """The standard directory of one unit, with the article kinds the renderers must show."""
    d = {}
    d["rules"] = b.column(unit, "政府信息公开制度", m.RULES, "gkzd", section=1)
    d["guide"] = b.column(unit, "政府信息公开指南", m.GUIDE, "gkzn", section=2)
    d["annual"] = b.column(unit, "政府信息公开年报", m.ANNUAL_REPORT, "gknb", section=3)
    d["policy_group"] = b.column(unit, "政策文件", m.GROUP, "zcwj")
    g = d["policy_group"].id
    d["normative"] = b.column(unit, "行政规范性文件", m.NORMATIVE, "gfxwj", parent=g)
    d["policy"] = b.column(
        unit, "其他文件", m.POLICY, "qtwj", parent=g, rows_in_comment=comment_rows
    )
    d["interp"] = b.column(unit, "政策解读", m.INTERPRETATION, "zcjd", parent=g)
    d["notice"] = b.column(unit, "通知公告", m.NOTICE, "tzgg")
    d["news"] = b.column(unit, "工作动态", m.NEWS, "gzdt")
    d["key_group"] = b.column(unit, "重点领域信息公开", m.GROUP, "zdly")
    d["air"] = b.column(
        unit, "空气质量", m.KEY_AREA, "kqzl", parent=d["key_group"].id, cadence="month"
    )
    d["consult"] = b.column(unit, "意见征集", m.CONSULTATION, "yjzj")
    d["feedback"] = b.column(unit, "意见反馈", m.FEEDBACK, "yjfk")
    d["personnel"] = b.column(unit, "人事信息", m.PERSONNEL, "rsxx")  # stays blank
    d["plan"] = b.column(unit, "规划计划", m.PLAN, "ghjh", hidden=True)

    p = unit.doc_prefix
    b.article(unit, d["rules"], f"{unit.name}政府信息公开工作制度", dt.date(2021, 3, 2))
    b.article(unit, d["guide"], f"{unit.name}政府信息公开指南", dt.date(2022, 1, 10))
    b.article(
        unit,
        d["annual"],
        f"{unit.name}2023年政府信息公开工作年度报告",
        dt.date(2024, 1, 22),
        report_year=2023,
    )

    doc = b.article(
        unit,
        d["normative"],
        f"{unit.name}关于印发《江淮市公共资源交易管理办法》的通知",
        dt.date(2024, 3, 15),
        written=dt.date(2024, 3, 8),
        doc_no=f"{p}〔2024〕3号",
        body_doc_no=f"{p}〔2024〕3号",
        validity="有效",
        subject="综合政务",
        keywords="公共资源 交易",
    )
    b.attach(doc, "附件1：江淮市公共资源交易管理办法.pdf", "pdf")
    b.attach(doc, "附件2：江淮市公共资源交易管理办法.docx", "docx")
    forms = [(m.FORM_TEXT, None), (m.FORM_GRAPHIC, "png"), (m.FORM_VIDEO, "mp4")]
    for i, (form, ext) in enumerate(forms):
        title = {
            "text": "《江淮市公共资源交易管理办法》政策解读",
            "graphic": "一图读懂《江淮市公共资源交易管理办法》",
            "video": "视频解读：《江淮市公共资源交易管理办法》",
        }[form]
        it = b.article(
            unit, d["interp"], title, dt.date(2024, 3, 15 + i), form=form, interprets=[doc.id]
        )
        if ext:
            b.attach(it, f"{title}.{ext}", ext)
        doc.interpretations.append(it.id)
    d["doc"] = doc
    d["interps"] = list(doc.interpretations)

    lone = b.article(
        unit,
        d["normative"],
        f"{unit.name}关于进一步规范行政事业性收费的通知",
        dt.date(2023, 11, 6),
        doc_no=f"{p}〔2023〕21号",
        body_doc_no=f"{p}〔2023〕12号",
        validity="废止",
        keywords="收费 规范",  # set, but planted blank: the page must show them empty
        subject="财政",
        blank_fields=["keywords", "subject"],
    )
    leader_it = b.article(
        unit,
        d["interp"],
        f"{unit.short}主要负责人{unit.leader}解读收费规范",
        dt.date(2023, 11, 20),
        form=m.FORM_LEADER,
        interprets=[lone.id],
        links_back=False,
    )
    lone.interpretations.append(leader_it.id)
    d["repealed"], d["no_link_back"] = lone, leader_it

    d["undated"] = b.article(
        unit, d["notice"], "关于开展安全生产大检查的通知", None, written=dt.date(2024, 5, 6)
    )
    withlinks = b.article(
        unit, d["notice"], "关于公布2024年第一批行政许可事项的公告", dt.date(2024, 4, 2)
    )
    withlinks.links.append(
        Link(text="行政许可事项清单", target=f"/public/{unit.num}/999999.html", broken=True)
    )
    withlinks.links.append(Link(text="国务院政策文件库", target="http://www.gov.cn/zhengce/"))
    b.attach(withlinks, "附件：事项清单.pdf", "pdf", broken=True)
    d["withlinks"] = withlinks

    start = dt.date(2022, 1, 3)
    for i in range(list_rows):
        b.article(
            unit,
            d["policy"],
            f"{unit.short}关于{2022 + i // 30}年第{i + 1}号工作事项的通知",
            start + dt.timedelta(days=9 * i),
            doc_no=f"{p}〔{2022 + i // 30}〕{i + 1}号",
            body_doc_no=f"{p}〔{2022 + i // 30}〕{i + 1}号",
        )
    for k in range(3):
        b.article(
            unit,
            d["news"],
            f"{unit.short}召开第{k + 1}季度工作推进会",
            dt.date(2024, 2 * k + 1, 20),
        )
    for month in (3, 4, 5):
        b.article(
            unit,
            d["air"],
            f"2024年{month}月空气质量状况",
            dt.date(2024, month + 1, 8),
            period=f"2024-{month:02d}",
        )
    c = b.article(
        unit,
        d["consult"],
        "关于《江淮市城市绿化管理办法（征求意见稿）》公开征求意见的公告",
        dt.date(2024, 4, 1),
        open_from=dt.date(2024, 4, 1),
        open_until=dt.date(2024, 4, 30),
    )
    d["feedback_item"] = b.article(
        unit,
        d["feedback"],
        "《江淮市城市绿化管理办法（征求意见稿）》意见采纳情况反馈",
        dt.date(2024, 5, 20),
        feedback_for=c.id,
    )
    d["consultation"] = c
    return d


def small_portal() -> tuple[Portal, dict[str, dict[str, object]]]:
    """Two Lonsun hosts (UTF-8), two TRS hosts (GBK declared / GBK undeclared), one unit each
    plus a department; returns the portal and, per unit id, the named columns and articles."""
    b = _Builder()
    b.portal.hosts = [
        Host("www", "127.0.0.2", 18001, "lonsun", site_id=2653861),
        Host("hs", "127.0.0.3", 18002, "lonsun", site_id=2653862),
        Host("ja", "127.0.0.4", 18003, "trs", encoding="gbk"),
        Host("mdz", "127.0.0.5", 18004, "trs", encoding="gbk", declare_charset=False),
    ]
    units = [
        _unit(b, "jh-szf", "江淮市人民政府办公室", "市政府办", m.CITY_GOV, "www", 6601, "szf"),
        _unit(
            b,
            "jh-fgw",
            "江淮市发展和改革委员会",
            "市发展改革委",
            m.CITY_DEPT,
            "www",
            6602,
            "fgw",
            "jh-szf",
        ),
        _unit(b, "jh-hs", "霍山县人民政府", "霍山县政府", m.COUNTY_GOV, "hs", 7701, "hs", "jh-szf"),
        _unit(
            b,
            "jh-ja",
            "江淮市金安区人民政府",
            "金安区政府",
            m.COUNTY_GOV,
            "ja",
            8801,
            "ja",
            "jh-szf",
        ),
        _unit(
            b,
            "jh-ja-mdz",
            "金安区木厂镇人民政府",
            "木厂镇",
            m.TOWNSHIP,
            "mdz",
            9901,
            "mcz",
            "jh-ja",
        ),
    ]
    named = {}
    for u in units:
        named[u.id] = _unit_content(b, u, list_rows=41, comment_rows=u.id == "jh-ja")
    return b.portal, named


def synthetic_portal(n_articles: int, n_units: int = 40) -> Portal:
    """A bigger model for speed figures: half the units on a Lonsun host, half on a TRS (GBK)
    host, articles spread over two columns per unit, every fifth a document with attachments."""
    b = _Builder()
    b.portal.hosts = [
        Host("big", "127.0.0.2", 18101, "lonsun", site_id=1),
        Host("bigtrs", "127.0.0.3", 18102, "trs", encoding="gbk"),
    ]
    columns = []
    for i in range(n_units):
        host = "big" if i % 2 == 0 else "bigtrs"
        u = _unit(b, f"u{i}", f"江淮市第{i}局", f"市{i}局", m.CITY_DEPT, host, 100 + i, f"u{i}")
        columns.append((u, b.column(u, "政策文件", m.POLICY, "zcwj")))
        columns.append((u, b.column(u, "工作动态", m.NEWS, "gzdt")))
    start = dt.date(2022, 1, 1)
    for k in range(n_articles):
        u, col = columns[k % len(columns)]
        a = b.article(
            u,
            col,
            f"{u.short}关于第{k}项工作的通知",
            start + dt.timedelta(days=k % 900),
            doc_no=f"江{u.num}〔2023〕{k}号",
            body_doc_no=f"江{u.num}〔2023〕{k}号",
            validity="有效",
        )
        if k % 5 == 0:
            b.attach(a, "附件.pdf", "pdf")
    return b.portal


def fetch(site, url: str):
    """Ask a demo.site.Site for an absolute URL, as the server would (host, path, raw query)."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    host = next(h for h in site.portal.hosts if h.base_url == base)
    return site.respond(host.id, parts.path, parts.query)


def page(site, url: str, status: int = 200):
    """`fetch`, asserting the status the test expects."""
    result = fetch(site, url)
    assert result.status == status, url
    return result
