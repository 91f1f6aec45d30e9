"""What each column publishes over time — the defect-free baseline of the sample portal.

`populate(portal, start, end, rng)` adds every item dated in (start, end]: the initial history at
generation and the new items of `zwgk demo advance`. Periodic items (annual reports, key-area
reports, consultation feedback) are *settled*: whatever is due by `end` and missing is added,
unless the defect planter deliberately removed it (`skip`).

Every rule an evaluator checks holds here by construction: news at most a week old, documents
published within 8 working days of being written, interpretations within 3 working days of their
document and in mixed forms, consultations open for 31+ days and answered within 12 days, annual
reports before the deadline of the unit's level, one key-area report per month or quarter.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from demo import model as m
from demo import urls, vocab
from demo.model import Article, Attachment, Column, Link, Portal, Unit
from scoring.workdays import default_calendar

# Mean days between items, per category (news depends on the scale and level).
EVERY = {
    m.NOTICE: 24,
    m.POLICY: 50,
    m.NORMATIVE: 80,
    m.PERSONNEL: 70,
    m.PLAN: 95,
    m.CONSULTATION: 150,
    m.TOWNSHIP_AREA: 75,
}
GOVERNMENTS = (m.CITY_GOV, m.COUNTY_GOV, m.TOWNSHIP)  # annual report due 31 Mar; departments 31 Jan


def annual_report_deadline(level: str, year: int) -> dt.date:
    """条例 art. 49: governments by 31 Mar, departments by 31 Jan of the next year."""
    return dt.date(year + 1, 3, 31) if level in GOVERNMENTS else dt.date(year + 1, 1, 31)


def on_or_after(day: dt.date) -> dt.date:
    """The first working day on or after `day`."""
    return default_calendar().add(day - dt.timedelta(days=1), 1)


class _Writer:
    """Adds articles to a portal with unique titles and running 索引号/文号 numbers."""

    def __init__(self, portal: Portal, rng: random.Random) -> None:
        self.portal = portal
        self.rng = rng
        self.cal = default_calendar()
        self.titles: dict[str, set[str]] = {}
        self.index_seq: dict[tuple[str, str], int] = {}
        self.doc_seq: dict[tuple[str, str], int] = {}
        for a in portal.articles:
            self.titles.setdefault(a.unit_id, set()).add(a.title)
            self._bump_seq(a)

    def _bump_seq(self, a: Article) -> None:
        if "/" in a.index_no:
            period, seq = a.index_no.split("/", 1)[1].rsplit("-", 1)
            key = (a.unit_id, period)
            # The highest number, not the count: a planter took items off (no number twice).
            last = self.index_seq.get(key, 0)
            self.index_seq[key] = max(last, int(seq)) if seq.isdigit() else last + 1
        if a.doc_no:
            key = (a.unit_id, a.doc_no.split("〔")[0] + a.doc_no[a.doc_no.find("〔") :][:6])
            self.doc_seq[key] = self.doc_seq.get(key, 0) + 1

    def unique_title(self, unit: Unit, make) -> str:
        used = self.titles.setdefault(unit.id, set())
        for _ in range(40):
            title = make()
            if title not in used:
                used.add(title)
                return title
        # Fall back to an explicit serial: still a plausible title, always unique.
        n = 2
        while f"{title}（{n}）" in used:
            n += 1
        used.add(f"{title}（{n}）")
        return f"{title}（{n}）"

    def index_no(self, unit: Unit, published: dt.date) -> str:
        lonsun = self.portal.index.host[unit.host].platform == "lonsun"
        period = f"{published:%Y%m}" if lonsun else f"{published:%Y}"
        key = (unit.id, period)
        self.index_seq[key] = self.index_seq.get(key, 0) + 1
        return f"{unit.code}/{period}-{self.index_seq[key]:05d}"

    def doc_no(self, unit: Unit, year: int, normative: bool) -> str:
        prefix = unit.doc_prefix + ("规" if normative else "")
        key = (unit.id, f"{prefix}〔{year}〕")
        self.doc_seq[key] = self.doc_seq.get(key, 0) + 1
        return f"{prefix}〔{year}〕{self.doc_seq[key]}号"

    def add(
        self, unit: Unit, column: Column, title: str, written: dt.date, published: dt.date, **fields
    ) -> Article:
        article = Article(
            id=self.portal.new_id(),
            unit_id=unit.id,
            column_id=column.id,
            title=title,
            written=written,
            published=published,
            index_no=self.index_no(unit, published),
            publisher=unit.name,
            subject=fields.pop("subject", self.rng.choice(vocab.SUBJECTS)),
            seed=self.rng.getrandbits(31),
            **fields,
        )
        self.portal.articles.append(article)
        return article

    def attach(self, article: Article, *exts: str) -> None:
        names = {"pdf": "PDF版", "docx": "WORD版", "png": "图解", "mp4": "视频"}
        for i, ext in enumerate(exts, start=1):
            label = f"附件{i}：{_doc_short(article.title)}（{names[ext]}）.{ext}"
            article.attachments.append(
                Attachment(name=label, ext=ext, file_id=self.portal.new_id())
            )


def _dates(start: dt.date, end: dt.date, every: float, rng: random.Random) -> Iterator[dt.date]:
    """Working days in (start, end] about `every` days apart."""
    day = start + dt.timedelta(days=max(1, round(rng.uniform(0.2, 1.0) * every)))
    while day <= end:
        work = on_or_after(day)
        if work <= end:
            yield work
        day += dt.timedelta(days=max(1, round(every * rng.uniform(0.5, 1.5))))


def populate(
    portal: Portal,
    start: dt.date,
    end: dt.date,
    rng: random.Random,
    skip: set[tuple] | None = None,
    frozen: set[int] | None = None,
) -> list[Article]:
    """Add every item dated in (start, end]. `skip`: periodic items the defects removed, as
    ("annual", unit_id, year) / ("period", column_id, period) / ("feedback", consultation_id);
    `frozen`: column ids that must not get new items (planted stale or blank columns)."""
    skip = skip or set()
    frozen = frozen or set()
    writer = _Writer(portal, rng)
    before = len(portal.articles)
    initial = not portal.articles
    news_every = _news_every(portal)
    for unit in portal.units:
        columns = {c.category: c for c in portal.index.columns_of.get(unit.id, [])}
        for column in portal.index.columns_of.get(unit.id, []):
            if column.id in frozen or column.category == m.GROUP:
                continue
            if column.category == m.NEWS:
                every = news_every * {m.CITY_GOV: 0.5, m.COUNTY_GOV: 0.6, m.TOWNSHIP: 1.0}.get(
                    unit.level, 0.8
                )
                for day in _dates(start, end, every, rng):
                    _news(writer, unit, column, day)
            elif column.category in (m.NOTICE, m.PERSONNEL, m.PLAN, m.TOWNSHIP_AREA):
                for day in _dates(start, end, EVERY[column.category], rng):
                    _simple(writer, unit, column, day)
            elif column.category in (m.POLICY, m.NORMATIVE):
                every = EVERY[column.category] * (0.7 if unit.level in GOVERNMENTS else 1.0)
                first = initial
                for day in _dates(start, end, every, rng):
                    _document(writer, unit, column, columns.get(m.INTERPRETATION), day, end, first)
                    first = False
            elif column.category == m.CONSULTATION:
                for day in _dates(start, end, EVERY[m.CONSULTATION], rng):
                    _consultation(writer, unit, column, day)
            elif initial and column.category in (m.RULES, "org"):
                _static(writer, unit, column, start)
            elif column.category in (m.GUIDE, m.BUDGET):
                _yearly(writer, unit, column, start, end)
    portal.reindex()
    _settle(writer, start, end, skip, frozen)
    portal.reindex()
    return portal.articles[before:]


def _news_every(portal: Portal) -> float:
    from demo.generate import SCALES

    return SCALES[portal.scale].news_every


def jurisdiction(portal: Portal, unit: Unit) -> str:
    """The place a unit's documents are named after: the city, or the unit's county."""
    county = unit
    while county.level not in (m.CITY_GOV, m.COUNTY_GOV) and county.parent:
        county = portal.index.unit[county.parent]
    return county.name.removesuffix("人民政府") if county.level == m.COUNTY_GOV else vocab.CITY


def _fill(template: str, unit: Unit, writer: _Writer, year: int, month: int = 0) -> str:
    rng = writer.rng
    when = (
        rng.choice(["", "", f"{year}年", f"{year}年第{(month + 2) // 3}季度", f"{month}月份"])
        if month
        else ""
    )
    return template.format(
        when=when,
        short=unit.short,
        unit=unit.name,
        topic=rng.choice(vocab.TOPICS),
        year=year,
        next=year + 1,
        city=jurisdiction(writer.portal, unit),
        publisher=unit.name,
        person=rng.choice(vocab.SURNAMES) + rng.choice(vocab.GIVEN),
    )


def _news(writer: _Writer, unit: Unit, column: Column, day: dt.date) -> None:
    title = writer.unique_title(
        unit, lambda: _fill(writer.rng.choice(vocab.NEWS_TITLES), unit, writer, day.year)
    )
    writer.add(unit, column, title, day, day, keywords="工作动态")


def _simple(writer: _Writer, unit: Unit, column: Column, day: dt.date) -> None:
    rng = writer.rng
    if column.category == m.TOWNSHIP_AREA:
        title = writer.unique_title(
            unit,
            lambda: (
                f"{unit.short}{day.year}年{day.month}月{column.name}{rng.choice(['情况公示', '资金发放公示', '对象名单公示'])}"
            ),
        )
    else:
        templates = {
            m.NOTICE: vocab.NOTICE_TITLES,
            m.PERSONNEL: vocab.PERSONNEL_TITLES,
            m.PLAN: vocab.PLAN_TITLES,
        }
        title = writer.unique_title(
            unit, lambda: _fill(rng.choice(templates[column.category]), unit, writer, day.year)
        )
    written = day if rng.random() < 0.5 else _written_before(writer, day, rng.randint(1, 6))
    article = writer.add(unit, column, title, written, day, keywords=column.name)
    if column.category == m.NOTICE and rng.random() < 0.3:
        writer.attach(article, "docx")
    if column.category == m.NOTICE and rng.random() < 0.25:
        _link_to_document(writer, unit, article)


def _written_before(writer: _Writer, published: dt.date, workdays: int) -> dt.date:
    """A working day `workdays` working days before `published`."""
    day = published
    while writer.cal.lag(day, published) < workdays:
        day -= dt.timedelta(days=1)
    return on_or_after(day)


def _link_to_document(writer: _Writer, unit: Unit, article: Article) -> None:
    """An in-body link to one of the unit's earlier policy documents (on-site, working)."""
    docs = [
        a
        for c in writer.portal.index.columns_of.get(unit.id, [])
        if c.category in (m.POLICY, m.NORMATIVE)
        for a in writer.portal.index.articles_of.get(c.id, [])
    ]
    if docs:
        target = writer.rng.choice(docs)
        path = urls.article_url(writer.portal, target).split("/", 3)[3]
        article.links.append(Link(text=target.title, target="/" + path))


def _document(
    writer: _Writer,
    unit: Unit,
    column: Column,
    interp_column: Column | None,
    day: dt.date,
    end: dt.date,
    must_interpret: bool,
) -> None:
    rng = writer.rng
    normative = column.category == m.NORMATIVE
    templates = vocab.NORMATIVE_TITLES if normative else vocab.POLICY_TITLES
    title = writer.unique_title(unit, lambda: _fill(rng.choice(templates), unit, writer, day.year))
    written = _written_before(writer, day, rng.randint(1, 8))
    doc_no = writer.doc_no(unit, written.year, normative)
    doc = writer.add(
        unit,
        column,
        title,
        written,
        day,
        doc_no=doc_no,
        body_doc_no=doc_no,
        validity="有效",
        keywords=f"{column.name},{_doc_short(title).removeprefix(jurisdiction(writer.portal, unit))}",
    )
    writer.attach(doc, *(("pdf", "docx") if normative else ("pdf",)))
    # Some older documents have since been repealed (废止, shown in red) or expired (失效).
    if (end - day).days > 540 and rng.random() < (0.12 if normative else 0.08):
        doc.validity = "废止" if normative else "失效"
        doc.modified = min(end, day + dt.timedelta(days=rng.randint(200, 400)))
    if interp_column is not None and (normative or must_interpret or rng.random() < 0.3):
        forms = [rng.choices(m.FORMS, weights=(45, 25, 12, 18))[0]]
        if rng.random() < 0.2:
            forms.append(rng.choice([f for f in m.FORMS if f != forms[0]]))
        for form in forms:
            _interpretation(writer, unit, interp_column, doc, form, end)


INTERPRETATION_TITLES = {
    m.FORM_TEXT: "《{doc}》政策解读",
    m.FORM_GRAPHIC: "图解：《{doc}》",
    m.FORM_VIDEO: "视频解读：《{doc}》",
    m.FORM_LEADER: "{short}主要负责人解读《{doc}》",
}


def _doc_short(title: str) -> str:
    """The document name an interpretation cites: the quoted name inside 《》 if any."""
    if "《" in title and "》" in title:
        return title[title.index("《") + 1 : title.index("》")]
    return title.replace(f"{vocab.CITY}", "", 1)


def _interpretation(
    writer: _Writer,
    unit: Unit,
    column: Column,
    doc: Article,
    form: str,
    end: dt.date,
    lag: int | None = None,
) -> Article:
    rng = writer.rng
    lag = rng.choice([0, 0, 1, 2, 3]) if lag is None else lag
    published = writer.cal.add(doc.published, lag)
    while published > end and lag > 0:
        lag -= 1
        published = writer.cal.add(doc.published, lag)
    base = INTERPRETATION_TITLES[form].format(doc=_doc_short(doc.title), short=unit.short)
    title = writer.unique_title(unit, lambda: base)
    interp = writer.add(
        unit,
        column,
        title,
        doc.published,
        published,
        form=form,
        interprets=[doc.id],
        keywords="政策解读",
    )
    if form == m.FORM_GRAPHIC:
        writer.attach(interp, "png")
    elif form == m.FORM_VIDEO:
        writer.attach(interp, "mp4")
    doc.interpretations.append(interp.id)
    return interp


def _consultation(
    writer: _Writer, unit: Unit, column: Column, day: dt.date, until: dt.date | None = None
) -> Article:
    """A draft open for comment from ``day`` (to ``until``, else 31–45 days counting both ends)."""
    rng = writer.rng
    title = writer.unique_title(
        unit,
        lambda: (
            f"关于《{jurisdiction(writer.portal, unit)}{rng.choice(vocab.TOPICS)}管理办法（征求意见稿）》"
            "公开征求意见的公告"
        ),
    )
    if until is None:
        until = day + dt.timedelta(days=rng.randint(30, 44))  # open 31–45 days, both ends
    article = writer.add(
        unit, column, title, day, day, open_from=day, open_until=until, keywords="意见征集"
    )
    writer.attach(article, "docx")
    return article


def feedback_day(consultation: Article) -> dt.date:
    """When the feedback on a consultation is published: 3–12 days after it closes."""
    return on_or_after(consultation.open_until + dt.timedelta(days=3 + consultation.seed % 10))


def _static(writer: _Writer, unit: Unit, column: Column, start: dt.date) -> None:
    day = on_or_after(start - dt.timedelta(days=200))
    if column.category == m.RULES:
        for name in (
            "政府信息公开工作制度",
            "政府信息公开保密审查制度",
            "政府信息依申请公开工作制度",
        ):
            writer.add(unit, column, f"{unit.name}{name}", day, day, keywords="公开制度")
    else:
        writer.add(unit, column, f"{unit.name}机构职能", day, day, keywords="机构职能")


def _yearly(writer: _Writer, unit: Unit, column: Column, start: dt.date, end: dt.date) -> None:
    for year in range(start.year, end.year + 1):
        if column.category == m.GUIDE:
            items = [(dt.date(year, 2, 10), f"{unit.name}政府信息公开指南（{year}年修订）")]
        else:
            items = [
                (dt.date(year, 3, 5), f"{unit.name}{year}年部门预算"),
                (dt.date(year, 8, 20), f"{unit.name}{year - 1}年部门决算"),
            ]
        for day, title in items:
            day = on_or_after(day + dt.timedelta(days=unit.num % 9))
            if start < day <= end:
                writer.titles.setdefault(unit.id, set()).add(title)
                article = writer.add(unit, column, title, day, day, keywords=column.name)
                if column.category == m.BUDGET:
                    writer.attach(article, "pdf")


def _settle(
    writer: _Writer, start: dt.date, end: dt.date, skip: set[tuple], frozen: set[int]
) -> None:
    portal = writer.portal
    for column in portal.columns:
        if column.id in frozen:
            continue
        unit = portal.index.unit[column.unit_id]
        if column.category == m.ANNUAL_REPORT:
            for year in range(start.year - 1, end.year):
                deadline = annual_report_deadline(unit.level, year)
                day = on_or_after(deadline - dt.timedelta(days=6 + (unit.num + year) % 20))
                title = f"{unit.name}{year}年政府信息公开工作年度报告"
                if (
                    day <= end
                    and ("annual", unit.id, year) not in skip
                    and title not in writer.titles.get(unit.id, ())
                ):
                    writer.titles.setdefault(unit.id, set()).add(title)
                    report = writer.add(
                        unit, column, title, day, day, report_year=year, keywords="政府信息公开年报"
                    )
                    writer.attach(report, "pdf")
        elif column.category == m.KEY_AREA:
            for period, title, day in _periods(unit, column, start, end):
                if ("period", column.id, period) in skip or title in writer.titles.get(unit.id, ()):
                    continue
                writer.titles.setdefault(unit.id, set()).add(title)
                writer.add(unit, column, title, day, day, period=period, keywords=column.name)
        elif column.category == m.CONSULTATION:
            feedback_column = next(
                (c for c in portal.index.columns_of[unit.id] if c.category == m.FEEDBACK), None
            )
            # A feedback may sit in the consultation column itself (a decoy plants one there).
            answered = {
                a.feedback_for
                for c in portal.index.columns_of[unit.id]
                for a in portal.index.articles_of.get(c.id, [])
                if a.feedback_for
            }
            for consultation in portal.index.articles_of.get(column.id, []):
                if consultation.open_until is None or consultation.feedback_for:
                    continue  # a 公示 or a feedback filed in the column: nothing to answer
                day = feedback_day(consultation)
                if (
                    consultation.id in answered
                    or day > end
                    or ("feedback", consultation.id) in skip
                ):
                    continue
                name = consultation.title[
                    consultation.title.index("《") + 1 : consultation.title.index("》")
                ]
                title = f"《{name}》征求意见采纳情况的反馈"
                writer.titles.setdefault(unit.id, set()).add(title)
                writer.add(
                    unit,
                    feedback_column,
                    title,
                    day,
                    day,
                    feedback_for=consultation.id,
                    keywords="意见反馈",
                )


def _periods(
    unit: Unit, column: Column, start: dt.date, end: dt.date
) -> Iterator[tuple[str, str, dt.date]]:
    """Key-area reports due in (start - 1 year, end]: one per month (published by the 10th of the
    next month) or per quarter (by the 15th of the month after the quarter)."""
    year, month = start.year - 1, start.month
    while True:
        if column.cadence == "quarter":
            if month % 3:
                month += 1
                if month > 12:
                    year, month = year + 1, 1
                continue
            period, label = f"{year}Q{month // 3}", f"{year}年第{month // 3}季度"
            offset = 9 + unit.num % 5
        else:
            period, label = f"{year}-{month:02d}", f"{year}年{month}月"
            offset = 1 + unit.num % 6
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = on_or_after(first_next + dt.timedelta(days=offset))
        if day > end:
            return
        if day > start - dt.timedelta(days=365):
            yield period, f"{unit.short}{label}{column.name}状况", day
        month += 1
        if month > 12:
            year, month = year + 1, 1
