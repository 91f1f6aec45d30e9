"""Planted defects: each kind is one planter that mutates the portal and returns manifest entries.

A newcomer looking for where a defect kind is made: find its name in `KINDS` at the bottom; the
function beside it makes it. Every planter picks targets that no earlier planter or hazard has
touched, so each defect is exactly one problem a correct evaluator reports, nothing more.

`expected` says in Chinese what a correct evaluator reports; `details` carries the ids and values a
test needs to find the defect in the served pages.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from demo import model as m
from demo import timeline, urls
from demo.model import Article, Column, Link, Portal, Unit
from scoring.workdays import default_calendar

# Freshness classes (docs/domain.md §3.1): category → (class name, days, words).
FRESHNESS = {
    m.NEWS: ("news", 14, "2周"),
    m.NOTICE: ("notice_policy", 183, "6个月"),
    m.POLICY: ("notice_policy", 183, "6个月"),
    m.NORMATIVE: ("notice_policy", 183, "6个月"),
    m.PERSONNEL: ("personnel_plan", 365, "1年"),
    m.PLAN: ("personnel_plan", 365, "1年"),
}
LATE_WORKDAYS = 20  # 条例 art. 26
INTERPRETATION_LAG = 3  # working days [L: 郑州 2016]
CONSULTATION_DAYS = 30


@dataclass
class Planter:
    """State shared by the planters of one run: the portal, the dice, what is already taken."""

    portal: Portal
    rng: random.Random
    since: dt.date
    used_units: set[str] = field(default_factory=set)  # units excluded entirely (hazards)
    used_columns: set[int] = field(default_factory=set)
    used_articles: set[int] = field(default_factory=set)
    form_units: set[str] = field(default_factory=set)  # units whose interpretation forms are pinned
    frozen: set[int] = field(default_factory=set)  # columns that must get no new items
    skip: set[tuple] = field(default_factory=set)  # periodic items that must stay missing
    serial: int = 0
    recent: dt.date | None = (
        None  # advance: article-level defects only on articles published after this
    )
    removed: set[int] = field(default_factory=set)  # articles to drop from portal.articles

    @property
    def as_of(self) -> dt.date:
        return self.portal.as_of

    def units(self, levels: Iterable[str] | None = None) -> list[Unit]:
        levels = set(levels) if levels else None
        return [
            u
            for u in self.portal.units
            if u.id not in self.used_units and (levels is None or u.level in levels)
        ]

    def columns(self, *categories: str) -> list[Column]:
        return [
            c
            for c in self.portal.columns
            if c.category in categories
            and c.id not in self.used_columns
            and c.unit_id not in self.used_units
            and not c.hidden
        ]

    def articles(
        self, *categories: str, where: Callable[[Article], bool] | None = None
    ) -> list[Article]:
        out = []
        for column in self.columns(*categories):
            for a in self.portal.index.articles_of.get(column.id, []):
                if self.recent and (a.published is None or a.published <= self.recent):
                    continue
                if a.id not in self.used_articles and (where is None or where(a)):
                    out.append(a)
        return out

    # The sets a later `advance` needs to keep planting without touching the same targets.
    STATE = ("used_units", "used_columns", "used_articles", "form_units", "frozen", "skip")

    def state(self) -> dict[str, list]:
        return {
            name: sorted(list(v) if isinstance(v, tuple) else v for v in getattr(self, name))
            for name in self.STATE
        }

    def restore(self, state: dict[str, list]) -> None:
        for name in self.STATE:
            values = state.get(name, [])
            setattr(self, name, {tuple(v) if isinstance(v, list) else v for v in values})

    def entry(self, unit_id: str, kind: str, target_url: str, expected: str, **details) -> dict:
        self.serial += 1
        return {
            "id": f"{self.since:%Y%m%d}-{self.serial:03d}",
            "unit_id": unit_id,
            "kind": kind,
            "target_url": target_url,
            "expected": expected,
            "since": self.since.isoformat(),
            "details": details,
        }

    def take(self, article: Article) -> Article:
        self.used_articles.add(article.id)
        return article

    def remove_articles(self, doomed: Iterable[Article]) -> None:
        """Take articles off the portal; the index is updated at once, the list in `finish`."""
        doomed = list(doomed)
        for a in doomed:
            for doc_id in a.interprets:
                doc = self.portal.index.article.get(doc_id)
                if doc is not None and a.id in doc.interpretations:
                    doc.interpretations.remove(a.id)
            self.removed.add(a.id)
        self.portal.index.discard(doomed)

    def finish(self) -> None:
        if self.removed:
            self.portal.articles = [a for a in self.portal.articles if a.id not in self.removed]
            self.removed.clear()
        self.portal.reindex()


def _title(a: Article) -> str:
    """A title quoted as evaluators write it: 《…》, or “…” when it already holds 《》."""
    return f"“{a.title}”" if "《" in a.title else f"《{a.title}》"


def _column_label(p: Planter, column: Column) -> str:
    return f"「{column.name}」栏目"


# -- column-level kinds -----------------------------------------------------------------------
def stale_column(p: Planter, category: str) -> list[dict]:
    klass, days, words = FRESHNESS[category]
    candidates = [
        c
        for c in p.columns(category)
        if len(p.portal.index.articles_of.get(c.id, [])) >= 4
        and not any(a.id in p.used_articles for a in p.portal.index.articles_of[c.id])
    ]
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    cutoff = p.as_of - dt.timedelta(days=days + p.rng.randint(12, 60))
    items = p.portal.index.articles_of[column.id]
    doomed = [a for a in items if a.published and a.published > cutoff]
    kept = [a for a in items if a.published and a.published <= cutoff]
    if not kept:
        return []
    p.remove_articles(doomed)
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    return stale_entry(p, column)


def stale_entry(p: Planter, column: Column) -> list[dict]:
    """The manifest entry of a column whose newest item is past its freshness window."""
    klass, days, words = FRESHNESS[column.category]
    newest = max(
        (a.published for a in p.portal.index.articles_of.get(column.id, []) if a.published),
        default=None,
    )
    if newest is None:
        return []
    age = (p.as_of - newest).days
    return [
        p.entry(
            column.unit_id,
            "stale_column",
            urls.column_url(p.portal, column),
            f"{_column_label(p, column)}最新信息发布于{newest:%Y-%m-%d}，距评估日{age}天，超过{words}未更新",
            column_id=column.id,
            freshness=klass,
            newest=newest.isoformat(),
            threshold_days=days,
        )
    ]


def blank_column(p: Planter) -> list[dict]:
    candidates = p.columns(m.PERSONNEL, m.PLAN, m.TOWNSHIP_AREA)
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    p.remove_articles(list(p.portal.index.articles_of.get(column.id, [])))
    p.used_columns.add(column.id)
    p.frozen.add(column.id)
    return [
        p.entry(
            column.unit_id,
            "blank_column",
            urls.column_url(p.portal, column),
            f"{_column_label(p, column)}自开设以来无任何信息，属空白栏目",
            column_id=column.id,
        )
    ]


def missing_column(p: Planter) -> list[dict]:
    candidates = p.columns(m.BUDGET)
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    unit = p.portal.index.unit[column.unit_id]
    p.remove_articles(list(p.portal.index.articles_of.get(column.id, [])))
    p.portal.columns.remove(column)
    p.portal.index.discard_column(column)
    p.used_columns.add(column.id)
    return [
        p.entry(
            unit.id,
            "missing_column",
            urls.unit_entry(p.portal, unit),
            f"公开目录中缺少必设栏目「{column.name}」",
            category=column.category,
            column_name=column.name,
        )
    ]


def key_area_missing_period(p: Planter) -> list[dict]:
    candidates = [c for c in p.columns(m.KEY_AREA) if c.cadence == "month"]
    if not candidates:
        return []
    column = p.rng.choice(candidates)
    window = p.as_of - dt.timedelta(days=330)
    items = [a for a in p.portal.index.articles_of[column.id] if a.published > window]
    if len(items) < 4:
        return []
    victim = p.rng.choice(items[1:-1])  # never the newest or oldest in the window
    p.remove_articles([victim])
    p.skip.add(("period", column.id, victim.period))
    p.used_columns.add(column.id)
    year, month = victim.period.split("-")
    return [
        p.entry(
            column.unit_id,
            "key_area_missing_period",
            urls.column_url(p.portal, column),
            f"{_column_label(p, column)}缺少{year}年{int(month)}月的信息（应按月发布）",
            column_id=column.id,
            period=victim.period,
        )
    ]


# -- article metadata kinds -------------------------------------------------------------------
def missing_field(p: Planter) -> list[dict]:
    candidates = p.articles(m.NORMATIVE)
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    name = p.rng.choice(["validity", "keywords", "subject"])
    doc.blank_fields = [name]
    label = m.FIELD_LABELS[name]
    return [
        p.entry(
            doc.unit_id,
            "missing_field",
            urls.article_url(p.portal, doc),
            f"{_title(doc)}元数据缺少「{label}」",
            article_id=doc.id,
            field=name,
            label=label,
        )
    ]


def malformed_index_no(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, m.POLICY)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    original = a.index_no
    code, rest = a.index_no.split("/", 1)
    period, seq = rest.rsplit("-", 1)
    a.index_no = p.rng.choice(
        [f"{code}-{period}-{seq}", f"{code}/{period}-{int(seq)}", f"/{period}-{seq}"]
    )
    return [
        p.entry(
            a.unit_id,
            "malformed_index_no",
            urls.article_url(p.portal, a),
            f"{_title(a)}索引号「{a.index_no}」格式不规范（应为 机构代码/年月-5位流水号）",
            article_id=a.id,
            index_no=a.index_no,
            original=original,
        )
    ]


def doc_no_mismatch(p: Planter) -> list[dict]:
    candidates = p.articles(m.NORMATIVE, m.POLICY, where=lambda a: bool(a.doc_no))
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    head, number = doc.doc_no.rsplit("〕", 1)
    n = int(number.rstrip("号"))
    doc.body_doc_no = f"{head}〕{n + p.rng.randint(1, 9)}号"
    return [
        p.entry(
            doc.unit_id,
            "doc_no_mismatch",
            urls.article_url(p.portal, doc),
            f"{_title(doc)}元数据文号「{doc.doc_no}」与正文文号「{doc.body_doc_no}」不一致",
            article_id=doc.id,
            doc_no=doc.doc_no,
            body_doc_no=doc.body_doc_no,
        )
    ]


def no_publish_date(p: Planter) -> list[dict]:
    candidates = [
        a for a in p.articles(m.NOTICE) if p.portal.index.articles_of[a.column_id][0].id != a.id
    ]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    original, a.published = a.published, None
    return [
        p.entry(
            a.unit_id,
            "no_publish_date",
            urls.article_url(p.portal, a),
            f"{_title(a)}未标注发布日期",
            article_id=a.id,
            original=original.isoformat(),
        )
    ]


def _weekdays(start: dt.date, end: dt.date) -> int:
    return sum(
        1 for i in range(1, (end - start).days + 1) if (start + dt.timedelta(days=i)).weekday() < 5
    )


def late_disclosure(p: Planter) -> list[dict]:
    """Three cases: plainly late; late only because of a make-up workday (调休), which a
    weekends-only count misses; and a decoy that looks late in calendar days but is not."""
    cal = default_calendar()
    entries: list[dict] = []
    candidates = p.articles(m.NOTICE)
    p.rng.shuffle(candidates)
    wanted = ["plain", "makeup_workday", "calendar_only"]
    for a in candidates:
        if not wanted:
            break
        variant = wanted[0]
        written = _find_written(cal, a.published, variant)
        if written is None:
            continue
        wanted.pop(0)
        p.take(a)
        a.written = written
        lag = cal.lag(written, a.published)
        span = (a.published - written).days
        if variant == "calendar_only":
            entries.append(
                p.entry(
                    a.unit_id,
                    "late_disclosure_decoy",
                    urls.article_url(p.portal, a),
                    f"不应判为迟发：{_title(a)}生成于{written:%Y-%m-%d}、发布于{a.published:%Y-%m-%d}，"
                    f"相隔{span}个自然日但仅{lag}个工作日（含节假日），未超过20个工作日",
                    article_id=a.id,
                    written=written.isoformat(),
                    published=a.published.isoformat(),
                    workdays=lag,
                    calendar_days=span,
                    decoy=True,
                )
            )
            continue
        extra = (
            "（期间含调休上班日，按周一至周五计仅" + str(_weekdays(written, a.published)) + "天）"
            if variant == "makeup_workday"
            else ""
        )
        entries.append(
            p.entry(
                a.unit_id,
                "late_disclosure",
                urls.article_url(p.portal, a),
                f"{_title(a)}生成于{written:%Y-%m-%d}、发布于{a.published:%Y-%m-%d}，"
                f"相隔{lag}个工作日{extra}，超过20个工作日公开时限",
                article_id=a.id,
                written=written.isoformat(),
                published=a.published.isoformat(),
                workdays=lag,
                variant=variant,
            )
        )
    return entries


def _find_written(cal, published: dt.date, variant: str) -> dt.date | None:
    for back in range(1, 80):
        day = published - dt.timedelta(days=back)
        if not cal.is_workday(day):
            continue
        lag = cal.lag(day, published)
        weekdays = _weekdays(day, published)
        if variant == "plain" and 24 <= lag <= 40 and weekdays == lag:
            return day
        if variant == "makeup_workday" and lag == LATE_WORKDAYS + 1 and weekdays <= LATE_WORKDAYS:
            return day
        if variant == "calendar_only" and 17 <= lag <= LATE_WORKDAYS and back >= 32:
            return day
    return None


# -- interpretation (政策解读) kinds -----------------------------------------------------------
def _has_other_form(p: Planter, unit_id: str, dropping: set[int]) -> bool:
    forms = [
        a.form
        for c in p.portal.index.columns_of.get(unit_id, [])
        if c.category == m.INTERPRETATION
        for a in p.portal.index.articles_of.get(c.id, [])
        if a.id not in dropping
    ]
    return not forms or any(f != m.FORM_TEXT for f in forms)


def normative_without_interpretation(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.NORMATIVE,
        where=lambda a: (
            bool(a.interpretations)
            and a.unit_id not in p.form_units
            and not any(i in p.used_articles for i in a.interpretations)
        ),
    )
    p.rng.shuffle(candidates)
    for doc in candidates:
        if _has_other_form(p, doc.unit_id, set(doc.interpretations)):
            p.take(doc)
            p.remove_articles([p.portal.index.article[i] for i in doc.interpretations])
            return [
                p.entry(
                    doc.unit_id,
                    "normative_without_interpretation",
                    urls.article_url(p.portal, doc),
                    f"行政规范性文件{_title(doc)}未发布政策解读",
                    article_id=doc.id,
                )
            ]
    return []


def interpretation_late(p: Planter) -> list[dict]:
    cal = default_calendar()
    candidates = p.articles(
        m.INTERPRETATION,
        where=lambda a: (
            len(a.interprets) == 1
            and p.portal.index.article[a.interprets[0]].id not in p.used_articles
        ),
    )
    p.rng.shuffle(candidates)
    for interp in candidates:
        doc = p.portal.index.article[interp.interprets[0]]
        lag = p.rng.randint(INTERPRETATION_LAG + 2, 15)
        published = cal.add(doc.published, lag)
        if published > p.as_of or len(doc.interpretations) != 1:
            continue
        p.take(interp)
        p.take(doc)
        interp.published = published
        p.portal.index.resort(interp.column_id)
        return [
            p.entry(
                interp.unit_id,
                "interpretation_late",
                urls.article_url(p.portal, interp),
                f"政策解读{_title(interp)}发布于{published:%Y-%m-%d}，晚于所解读文件{_title(doc)}"
                f"（{doc.published:%Y-%m-%d}）{lag}个工作日，超过3个工作日",
                article_id=interp.id,
                document_id=doc.id,
                workdays=lag,
            )
        ]
    return []


def interpretation_no_backlink(p: Planter) -> list[dict]:
    candidates = p.articles(m.INTERPRETATION, where=lambda a: len(a.interprets) == 1)
    if not candidates:
        return []
    interp = p.take(p.rng.choice(candidates))
    interp.links_back = False
    doc = p.portal.index.article[interp.interprets[0]]
    return [
        p.entry(
            interp.unit_id,
            "interpretation_no_backlink",
            urls.article_url(p.portal, interp),
            f"政策解读{_title(interp)}未链接所解读的文件{_title(doc)}（未双向关联）",
            article_id=interp.id,
            document_id=doc.id,
        )
    ]


def interpretation_text_only(p: Planter) -> list[dict]:
    units = [u for u in p.units([m.CITY_DEPT, m.COUNTY_DEPT]) if u.id not in p.form_units]
    p.rng.shuffle(units)
    for unit in units:
        column = next(
            (
                c
                for c in p.portal.index.columns_of.get(unit.id, [])
                if c.category == m.INTERPRETATION
            ),
            None,
        )
        if column is None or column.id in p.used_columns:
            continue
        interps = p.portal.index.articles_of.get(column.id, [])
        if len(interps) < 3 or any(a.id in p.used_articles for a in interps):
            continue
        # One interpretation per document, all plain text.
        seen: set[int] = set()
        extra = []
        for a in sorted(interps, key=lambda a: a.id):
            if a.interprets[0] in seen:
                extra.append(a)
            seen.add(a.interprets[0])
        p.remove_articles(extra)
        for a in p.portal.index.articles_of.get(column.id, []):
            doc = p.portal.index.article[a.interprets[0]]
            a.form = m.FORM_TEXT
            a.attachments = []
            a.title = timeline.INTERPRETATION_TITLES[m.FORM_TEXT].format(
                doc=timeline._doc_short(doc.title), short=unit.short
            )
        p.form_units.add(unit.id)
        count = len(p.portal.index.articles_of.get(column.id, []))
        return [
            p.entry(
                unit.id,
                "interpretation_text_only",
                urls.column_url(p.portal, column),
                f"本单位{count}条政策解读均为文字解读，解读形式单一（无图解、音视频、负责人解读等）",
                column_id=column.id,
                count=count,
            )
        ]
    return []


# -- consultation (意见征集/反馈) kinds ---------------------------------------------------------
def _feedback_of(p: Planter, consultation: Article) -> Article | None:
    for c in p.portal.index.columns_of.get(consultation.unit_id, []):
        if c.category == m.FEEDBACK:
            for a in p.portal.index.articles_of.get(c.id, []):
                if a.feedback_for == consultation.id:
                    return a
    return None


def consultation_too_short(p: Planter) -> list[dict]:
    candidates = [a for a in p.articles(m.CONSULTATION) if _feedback_of(p, a)]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.open_until = a.open_from + dt.timedelta(days=p.rng.randint(9, 19))
    days = (a.open_until - a.open_from).days + 1
    return [
        p.entry(
            a.unit_id,
            "consultation_too_short",
            urls.article_url(p.portal, a),
            f"意见征集{_title(a)}征求意见期为{a.open_from:%Y-%m-%d}至{a.open_until:%Y-%m-%d}，"
            f"共{days}天，少于30天",
            article_id=a.id,
            open_from=a.open_from.isoformat(),
            open_until=a.open_until.isoformat(),
            days=days,
        )
    ]


def consultation_without_feedback(p: Planter) -> list[dict]:
    limit = p.as_of - dt.timedelta(days=45)
    candidates = [
        a for a in p.articles(m.CONSULTATION) if a.open_until < limit and _feedback_of(p, a)
    ]
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    p.remove_articles([_feedback_of(p, a)])
    p.skip.add(("feedback", a.id))
    return [
        p.entry(
            a.unit_id,
            "consultation_without_feedback",
            urls.article_url(p.portal, a),
            f"意见征集{_title(a)}已于{a.open_until:%Y-%m-%d}截止，未发布意见采纳情况反馈",
            article_id=a.id,
            open_until=a.open_until.isoformat(),
        )
    ]


# -- annual report (政府信息公开年报) kinds -----------------------------------------------------
def _last_report(p: Planter, unit: Unit) -> tuple[Column, Article, int] | None:
    year = p.as_of.year - 1
    if p.as_of <= timeline.annual_report_deadline(unit.level, year):
        year -= 1
    column = next(
        (c for c in p.portal.index.columns_of.get(unit.id, []) if c.category == m.ANNUAL_REPORT),
        None,
    )
    if column is None or column.id in p.used_columns:
        return None
    report = next(
        (a for a in p.portal.index.articles_of.get(column.id, []) if a.report_year == year), None
    )
    return (column, report, year) if report else None


def annual_report_missing(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = _last_report(p, unit)
        if found:
            column, report, year = found
            p.remove_articles([report])
            p.skip.add(("annual", unit.id, year))
            p.used_columns.add(column.id)
            deadline = timeline.annual_report_deadline(unit.level, year)
            return [
                p.entry(
                    unit.id,
                    "annual_report_missing",
                    urls.column_url(p.portal, column),
                    f"未发布{year}年政府信息公开工作年度报告（应于{deadline:%Y-%m-%d}前发布）",
                    column_id=column.id,
                    year=year,
                    deadline=deadline.isoformat(),
                )
            ]
    return []


def annual_report_late(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = _last_report(p, unit)
        if found:
            column, report, year = found
            deadline = timeline.annual_report_deadline(unit.level, year)
            day = timeline.on_or_after(deadline + dt.timedelta(days=p.rng.randint(5, 40)))
            if day > p.as_of:
                continue
            p.take(report)
            report.written = report.published = day
            p.used_columns.add(column.id)
            p.portal.index.resort(column.id)
            return [
                p.entry(
                    unit.id,
                    "annual_report_late",
                    urls.article_url(p.portal, report),
                    f"{year}年政府信息公开工作年度报告发布于{day:%Y-%m-%d}，晚于规定期限{deadline:%Y-%m-%d}",
                    article_id=report.id,
                    year=year,
                    deadline=deadline.isoformat(),
                    published=day.isoformat(),
                )
            ]
    return []


# -- links and duplicates ---------------------------------------------------------------------
def broken_attachment(p: Planter) -> list[dict]:
    candidates = p.articles(m.POLICY, m.NORMATIVE, m.NOTICE, where=lambda a: bool(a.attachments))
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    f = a.attachments[0]
    f.broken = True
    url = urls.attachment_url(p.portal, a, f)
    return [
        p.entry(
            a.unit_id,
            "broken_attachment",
            url,
            f"{_title(a)}的附件「{f.name}」无法打开（404）",
            article_id=a.id,
            file_id=f.file_id,
            page_url=urls.article_url(p.portal, a),
        )
    ]


def broken_link(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, m.NEWS)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    unit = p.portal.index.unit[a.unit_id]
    ghost = p.portal.new_id()  # an id no article has: the page does not exist
    host = p.portal.index.host[unit.host]
    if host.platform == "lonsun":
        target = f"/public/{unit.num}/{ghost}.html"
    else:
        column = p.portal.index.column[a.column_id]
        target = (
            f"/{unit.slug}/xxgk/{column.slug}/{a.written:%Y%m}/t{a.written:%Y%m%d}_{ghost}.html"
        )
    a.links.append(Link(text="相关文件", target=target, broken=True))
    url = urls.link_url(p.portal, a, target)
    return [
        p.entry(
            a.unit_id,
            "broken_link",
            url,
            f"{_title(a)}正文中的链接「相关文件」指向的页面不存在（404）",
            article_id=a.id,
            page_url=urls.article_url(p.portal, a),
            target=target,
        )
    ]


def duplicate_title(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        cols = {c.category: c for c in p.portal.index.columns_of.get(unit.id, [])}
        if (
            m.NOTICE not in cols
            or m.NEWS not in cols
            or {cols[m.NOTICE].id, cols[m.NEWS].id} & p.used_columns
        ):
            continue
        notices = [
            a for a in p.portal.index.articles_of[cols[m.NOTICE].id] if a.id not in p.used_articles
        ]
        news = [
            a
            for a in p.portal.index.articles_of[cols[m.NEWS].id]
            if a.id not in p.used_articles
            and (not p.recent or (a.published or p.recent) > p.recent)
        ]
        if not notices or not news:
            continue
        original, copy = p.take(p.rng.choice(notices)), p.take(p.rng.choice(news))
        own_title, copy.title = copy.title, original.title
        return [
            p.entry(
                unit.id,
                "duplicate_title",
                urls.article_url(p.portal, copy),
                f"同一信息{_title(copy)}在「{cols[m.NOTICE].name}」和「{cols[m.NEWS].name}」两个栏目重复发布",
                article_id=copy.id,
                other_article_id=original.id,
                other_url=urls.article_url(p.portal, original),
                original=own_title,
            )
        ]
    return []


# -- the catalogue ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    plant: Callable[[Planter], list[dict]]
    rate: float  # expected share of eligible units that get one (at least one is always planted)


KINDS: dict[str, Kind] = {
    # Pinning interpretation forms first, so later planters keep them pinned.
    "interpretation_text_only": Kind(interpretation_text_only, 0.03),
    "stale_column/news": Kind(lambda p: stale_column(p, m.NEWS), 0.08),
    "stale_column/notice": Kind(lambda p: stale_column(p, m.NOTICE), 0.05),
    "stale_column/personnel": Kind(lambda p: stale_column(p, m.PERSONNEL), 0.04),
    "blank_column": Kind(blank_column, 0.04),
    "missing_column": Kind(missing_column, 0.03),
    "key_area_missing_period": Kind(key_area_missing_period, 0.05),
    "missing_field": Kind(missing_field, 0.06),
    "malformed_index_no": Kind(malformed_index_no, 0.06),
    "doc_no_mismatch": Kind(doc_no_mismatch, 0.05),
    "no_publish_date": Kind(no_publish_date, 0.05),
    "late_disclosure": Kind(late_disclosure, 0.03),
    "normative_without_interpretation": Kind(normative_without_interpretation, 0.05),
    "interpretation_late": Kind(interpretation_late, 0.05),
    "interpretation_no_backlink": Kind(interpretation_no_backlink, 0.05),
    "consultation_too_short": Kind(consultation_too_short, 0.04),
    "consultation_without_feedback": Kind(consultation_without_feedback, 0.04),
    "annual_report_missing": Kind(annual_report_missing, 0.03),
    "annual_report_late": Kind(annual_report_late, 0.03),
    "broken_attachment": Kind(broken_attachment, 0.06),
    "broken_link": Kind(broken_link, 0.06),
    "duplicate_title": Kind(duplicate_title, 0.04),
}


def plant(
    planter: Planter, rates: dict[str, float] | None = None, *, minimum: int = 1
) -> tuple[list[dict], list[dict]]:
    """Plant every kind at its rate per unit (at least `minimum` times where a target exists).
    Returns (defects, decoys)."""
    rates = {**{k: v.rate for k, v in KINDS.items()}, **(rates or {})}
    unknown = set(rates) - set(KINDS)
    if unknown:
        raise ValueError(
            f"unknown defect kind(s): {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}"
        )
    units = len(planter.portal.units)
    defects: list[dict] = []
    decoys: list[dict] = []
    for name, kind in KINDS.items():
        count = max(minimum, round(rates[name] * units)) if rates[name] > 0 else 0
        for _ in range(count):
            for entry in kind.plant(planter):
                (decoys if entry["details"].get("decoy") else defects).append(entry)
    planter.finish()
    return defects, decoys
