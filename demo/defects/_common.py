"""What every defect kind's planter, fix and regression share: the planting state, the context a
fix runs in, the freshness classes and the way evaluators quote titles.

`Planter` is the state of one run of planting (the portal, the dice, what is already taken);
`Change` is what a fix or a regression gets during `zwgk demo advance` (the portal a few weeks
later, and a writer to publish new items with).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from demo import model as m
from demo import timeline
from demo.model import Article, Column, Portal, Unit

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
FEEDBACK_DAYS = 30  # feedback within 30 days of a consultation's close (consultation.process)
KEY_AREA_GRACE_DAYS = 15  # a month's key-area item by the 15th of the next (key_area.monthly)
# How far past the portal's day a `…/coming` planting falls due: not yet a problem on the day,
# one a short `zwgk demo advance` (two weeks) reaches and the daily patrol warns of before.
COMING_DAYS = 15


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


def quoted(a: Article) -> str:
    """A title quoted as evaluators write it: 《…》, or “…” when it already holds 《》."""
    return f"“{a.title}”" if "《" in a.title else f"《{a.title}》"


def comes_due(p: Planter, day: dt.date) -> bool:
    """Whether a problem first found on ``day`` comes within `COMING_DAYS` after the portal's
    day (a `…/coming` planting: its manifest entry waits in `coming` until then)."""
    return p.as_of < day <= p.as_of + dt.timedelta(days=COMING_DAYS)


def column_label(column: Column) -> str:
    return f"「{column.name}」栏目"


@dataclass
class Change:
    """What a fix or a regression works on during `zwgk demo advance`: the portal already moved to
    `new_as_of`, the planter's state (so a fixed column can get new items again), a writer."""

    portal: Portal
    planter: Planter
    writer: timeline._Writer
    new_as_of: dt.date

    def article(self, entry: dict) -> Article:
        return self.portal.index.article[entry["details"]["article_id"]]

    def touch(self, entry: dict) -> None:
        """A changed page gets a new Last-Modified, as a CMS would stamp it."""
        article = self.portal.index.article.get(entry["details"].get("article_id"))
        if article is not None:
            article.modified = self.new_as_of

    def last_workday(self) -> dt.date:
        day = self.new_as_of
        while not self.writer.cal.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    def column_items_now(self, column: Column, count: int) -> None:
        """Publish `count` items in a column in the last days before the new as_of."""
        unit = self.portal.index.unit[column.unit_id]
        day = self.last_workday()
        for _ in range(count):
            if column.category == m.NEWS:
                timeline._news(self.writer, unit, column, day)
            elif column.category == m.BUDGET:
                title = self.writer.unique_title(
                    unit, lambda d=day: f"{unit.name}{d.year}年部门预算"
                )
                self.writer.add(unit, column, title, day, day, keywords=column.name)
            else:
                timeline._simple(self.writer, unit, column, day)
            day = timeline.on_or_after(day - dt.timedelta(days=3))
            if day > self.new_as_of:
                day = self.last_workday()
        self.portal.index.resort(column.id)


Fix = Callable[[Change, dict], None]  # a fix or a regression: changes the portal for one entry


# -- shared by the consultation kinds and the annual-report kinds ----------------------------
def feedback_of(p: Planter, consultation: Article) -> Article | None:
    for c in p.portal.index.columns_of.get(consultation.unit_id, []):
        if c.category == m.FEEDBACK:
            for a in p.portal.index.articles_of.get(c.id, []):
                if a.feedback_for == consultation.id:
                    return a
    return None


def last_annual_report(p: Planter, unit: Unit) -> tuple[Column, Article, int] | None:
    year = p.as_of.year - 1
    if p.as_of <= timeline.annual_report_deadline(unit.level, year):
        year -= 1
    column = annual_report_column(p, unit)
    if column is None:
        return None
    report = next(
        (a for a in p.portal.index.articles_of.get(column.id, []) if a.report_year == year), None
    )
    return (column, report, year) if report else None


def annual_report_column(p: Planter, unit: Unit) -> Column | None:
    """The unit's annual-report column, unless a planter took it already."""
    column = next(
        (c for c in p.portal.index.columns_of.get(unit.id, []) if c.category == m.ANNUAL_REPORT),
        None,
    )
    return None if column is None or column.id in p.used_columns else column


def annual_report_expires(entry: dict, as_of: dt.date, levels: dict[str, str]) -> bool:
    """A year's report is no longer judged once the next year's is the one due."""
    level = levels[entry["unit_id"]]
    judged = as_of.year - 1
    if as_of <= timeline.annual_report_deadline(level, judged):
        judged -= 1
    return int(entry["details"]["year"]) < judged
