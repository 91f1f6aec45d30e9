"""`zwgk demo advance DIR --days N`: the portal a few weeks later.

Between two crawls a real city changes: new articles appear, units fix some problems, a few new
problems appear, and now and then a fixed problem comes back. This module does exactly that to a
generated portal and records each change in the manifest, so incremental crawling and
round-to-round tracking can be tested against known answers:

- **new articles**: `demo.timeline.populate` over (old as_of, new as_of];
- **fixed**: a share of the open defects whose kind can be fixed after the fact (a late
  publication cannot be un-late; a broken attachment can be repaired) — see `FIXES`;
- **new**: a few defects planted on articles published since the last as_of, or on columns;
- **regressed**: defects fixed by an earlier advance that come back on the same target — see
  `REGRESSIONS`;
- **expired**: open defects the rules stop judging as time passes, though nobody fixed them — a
  key-area month whose due date (the 15th of the next month) left the 12-month window, last
  year's annual report once the next year's is the one judged — see `expired`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo import defects as planting
from demo import manifest as manifest_io
from demo import model as m
from demo import timeline, vocab
from demo.model import Article, Column, Portal, Unit

Fix = Callable[["Change", dict], None]


@dataclass
class Change:
    portal: Portal
    planter: planting.Planter
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


# -- fixes ------------------------------------------------------------------------------------
def _fix_column(change: Change, entry: dict) -> None:
    column = change.portal.index.column[entry["details"]["column_id"]]
    change.planter.frozen.discard(column.id)
    change.column_items_now(column, 2)


def _fix_missing_column(change: Change, entry: dict) -> None:
    unit = change.portal.index.unit[entry["unit_id"]]
    category = entry["details"]["category"]
    column = Column(
        id=max(c.id for c in change.portal.columns) + 1,
        unit_id=unit.id,
        name=entry["details"]["column_name"],
        category=category,
        slug=vocab.SLUGS.get(category, "lm"),
        opened=change.new_as_of - dt.timedelta(days=7),
    )
    change.portal.columns.append(column)
    change.portal.reindex()
    change.column_items_now(column, 1)


def _fix_field(change: Change, entry: dict) -> None:
    change.article(entry).blank_fields = []


def _fix_index_no(change: Change, entry: dict) -> None:
    change.article(entry).index_no = entry["details"]["original"]


def _fix_doc_no(change: Change, entry: dict) -> None:
    doc = change.article(entry)
    doc.body_doc_no = doc.doc_no


def _fix_publish_date(change: Change, entry: dict) -> None:
    a = change.article(entry)
    a.published = dt.date.fromisoformat(entry["details"]["original"])
    change.portal.index.resort(a.column_id)


def _fix_backlink(change: Change, entry: dict) -> None:
    change.article(entry).links_back = True


def _fix_text_only(change: Change, entry: dict) -> None:
    column = change.portal.index.column[entry["details"]["column_id"]]
    unit = change.portal.index.unit[column.unit_id]
    interp = change.portal.index.articles_of[column.id][0]
    doc = change.portal.index.article[interp.interprets[0]]
    interp.form = m.FORM_GRAPHIC
    interp.title = change.writer.unique_title(
        unit,
        lambda: timeline.INTERPRETATION_TITLES[m.FORM_GRAPHIC].format(
            doc=timeline._doc_short(doc.title), short=unit.short
        ),
    )
    change.writer.attach(interp, "png")
    interp.modified = change.new_as_of
    change.planter.form_units.discard(unit.id)


def _fix_feedback(change: Change, entry: dict) -> None:
    consultation = change.article(entry)
    unit = change.portal.index.unit[consultation.unit_id]
    column = next(c for c in change.portal.index.columns_of[unit.id] if c.category == m.FEEDBACK)
    day = change.last_workday()
    name = consultation.title[consultation.title.index("《") + 1 : consultation.title.index("》")]
    title = change.writer.unique_title(unit, lambda: f"《{name}》征求意见采纳情况的反馈")
    change.writer.add(
        unit, column, title, day, day, feedback_for=consultation.id, keywords="意见反馈"
    )
    change.portal.index.resort(column.id)
    change.planter.skip.discard(("feedback", consultation.id))


def _fix_attachment(change: Change, entry: dict) -> None:
    for f in change.article(entry).attachments:
        if f.file_id == entry["details"]["file_id"]:
            f.broken = False


def _fix_link(change: Change, entry: dict) -> None:
    a = change.article(entry)
    a.links = [link for link in a.links if link.target != entry["details"]["target"]]


def _fix_duplicate(change: Change, entry: dict) -> None:
    a = change.article(entry)
    unit = change.portal.index.unit[a.unit_id]
    a.title = change.writer.unique_title(
        unit,
        lambda: timeline._fill(
            change.writer.rng.choice(vocab.NEWS_TITLES), unit, change.writer, a.written.year, 1
        ),
    )


FIXES: dict[str, Fix] = {
    "stale_column": _fix_column,
    "blank_column": _fix_column,
    "missing_column": _fix_missing_column,
    "missing_field": _fix_field,
    "malformed_index_no": _fix_index_no,
    "doc_no_mismatch": _fix_doc_no,
    "no_publish_date": _fix_publish_date,
    "interpretation_no_backlink": _fix_backlink,
    "interpretation_text_only": _fix_text_only,
    "consultation_without_feedback": _fix_feedback,
    "broken_attachment": _fix_attachment,
    "broken_link": _fix_link,
    "duplicate_title": _fix_duplicate,
}


# -- regressions: the same defect again, on the same target -----------------------------------
def _regress_field(change: Change, entry: dict) -> None:
    change.article(entry).blank_fields = [entry["details"]["field"]]


def _regress_index_no(change: Change, entry: dict) -> None:
    change.article(entry).index_no = entry["details"]["index_no"]


def _regress_doc_no(change: Change, entry: dict) -> None:
    change.article(entry).body_doc_no = entry["details"]["body_doc_no"]


def _regress_backlink(change: Change, entry: dict) -> None:
    change.article(entry).links_back = False


def _regress_attachment(change: Change, entry: dict) -> None:
    for f in change.article(entry).attachments:
        if f.file_id == entry["details"]["file_id"]:
            f.broken = True


def _regress_link(change: Change, entry: dict) -> None:
    change.article(entry).links.append(
        m.Link(text="相关文件", target=entry["details"]["target"], broken=True)
    )


REGRESSIONS: dict[str, Fix] = {
    "missing_field": _regress_field,
    "malformed_index_no": _regress_index_no,
    "doc_no_mismatch": _regress_doc_no,
    "interpretation_no_backlink": _regress_backlink,
    "broken_attachment": _regress_attachment,
    "broken_link": _regress_link,
}


def _pin_forms(change: Change, units: set[str], new: list[Article]) -> None:
    """Units planted as "text-only interpretations" keep publishing text only until fixed."""
    for a in new:
        if a.unit_id in units and a.form and a.form != m.FORM_TEXT:
            unit: Unit = change.portal.index.unit[a.unit_id]
            doc = change.portal.index.article[a.interprets[0]]
            if len(doc.interpretations) > 1:  # a second form of the same document: drop it
                change.planter.remove_articles([a])
                continue
            a.form = m.FORM_TEXT
            a.attachments = []
            a.title = change.writer.unique_title(
                unit,
                lambda doc=doc, unit=unit: timeline.INTERPRETATION_TITLES[m.FORM_TEXT].format(
                    doc=timeline._doc_short(doc.title), short=unit.short
                ),
            )


# Kinds a unit can newly get between two crawls, on what it published since the last one.
NEW_KINDS = [
    "missing_field",
    "malformed_index_no",
    "doc_no_mismatch",
    "no_publish_date",
    "normative_without_interpretation",
    "interpretation_late",
    "interpretation_no_backlink",
    "broken_attachment",
    "broken_link",
    "duplicate_title",
]


def _stop_a_news_column(planter: planting.Planter, rng: random.Random) -> Column | None:
    """A unit stops updating its news column: frozen before the new items are written."""
    columns = planter.columns(m.NEWS)
    if not columns:
        return None
    column = rng.choice(columns)
    planter.used_columns.add(column.id)
    planter.frozen.add(column.id)
    return column


def expired(entry: dict, as_of: dt.date, levels: dict[str, str]) -> bool:
    """True when the evaluation rules no longer judge this open defect on ``as_of``."""
    details = entry.get("details", {})
    if entry["kind"] == "key_area_missing_period":
        year, month = (int(p) for p in details["period"].split("-"))
        due = dt.date(year + month // 12, month % 12 + 1, 15)
        day = min(as_of.day, 28) if as_of.month == 2 else as_of.day
        return due <= as_of.replace(year=as_of.year - 1, day=day)
    if entry["kind"] in ("annual_report_missing", "annual_report_late"):
        level = levels[entry["unit_id"]]
        judged = as_of.year - 1
        if as_of <= timeline.annual_report_deadline(level, judged):
            judged -= 1
        return int(details["year"]) < judged
    return False


def advance_portal(
    portal: Portal,
    manifest: dict,
    days: int,
    *,
    fix_share: float = 0.4,
    new_defects: int = 4,
    regress_share: float = 0.5,
) -> dict:
    """Move the portal `days` ahead in place; returns the updated manifest."""
    if days < 1:
        raise ValueError("--days must be at least 1")
    old = portal.as_of
    new = old + dt.timedelta(days=days)
    rng = random.Random(f"zwgk-demo/advance/{portal.seed}/{new}")
    planter = planting.Planter(portal, rng, new, recent=old)
    planter.restore(manifest.get("state", {}))
    planter.serial = 0

    stale_column = _stop_a_news_column(planter, rng) if days > 30 else None
    new_articles = timeline.populate(
        portal, old, new, rng, skip=planter.skip, frozen=planter.frozen
    )
    portal.as_of = new
    change = Change(portal, planter, timeline._Writer(portal, rng), new)
    _pin_forms(change, planter.form_units, new_articles)
    planter.finish()
    stale = planting.stale_entry(planter, stale_column) if stale_column else []

    levels = {u.id: u.level for u in portal.units}
    aged = [d for d in manifest["defects"] if expired(d, new, levels)]
    aged_ids = {d["id"] for d in aged}
    current = [d for d in manifest["defects"] if d["id"] not in aged_ids]

    fixed: list[dict] = []
    still_open: list[dict] = []
    fixable = [d for d in current if d["kind"] in FIXES]
    chosen = (
        {
            d["id"]
            for d in rng.sample(fixable, min(len(fixable), max(1, round(fix_share * len(fixable)))))
        }
        if fixable
        else set()
    )
    for entry in current:
        if entry["id"] in chosen:
            FIXES[entry["kind"]](change, entry)
            change.touch(entry)
            fixed.append({**entry, "fixed_on": new.isoformat()})
        else:
            still_open.append(entry)

    regressed: list[dict] = []
    candidates = [d for d in manifest.get("fixed", []) if d["kind"] in REGRESSIONS]
    if candidates:
        for entry in rng.sample(candidates, max(1, round(regress_share * len(candidates)))):
            REGRESSIONS[entry["kind"]](change, entry)
            change.touch(entry)
            back = {k: v for k, v in entry.items() if k != "fixed_on"}
            regressed.append({**back, "regressed_on": new.isoformat()})
    regressed_ids = {d["id"] for d in regressed}

    planted: list[dict] = stale
    decoys: list[dict] = []
    for name in rng.sample(NEW_KINDS, min(new_defects, len(NEW_KINDS))):
        for entry in planting.KINDS[name].plant(planter):
            (decoys if entry["details"].get("decoy") else planted).append(entry)
    planter.finish()

    manifest = dict(manifest)
    manifest["as_of"] = new.isoformat()
    manifest["defects"] = still_open + regressed + planted
    manifest["decoys"] = manifest.get("decoys", []) + decoys
    manifest["fixed"] = [
        d for d in manifest.get("fixed", []) if d["id"] not in regressed_ids
    ] + fixed
    manifest["expired"] = manifest.get("expired", []) + [
        {**d, "expired_on": new.isoformat()} for d in aged
    ]
    manifest["history"] = manifest.get("history", []) + [
        {
            "as_of": new.isoformat(),
            "new": [d["id"] for d in planted],
            "fixed": [d["id"] for d in fixed],
            "regressed": sorted(regressed_ids),
            "expired": sorted(aged_ids),
        }
    ]
    manifest["state"] = planter.state()
    return manifest


def advance_directory(directory: Path, days: int, **options) -> dict:
    portal = m.load_portal(directory)
    manifest = manifest_io.load_manifest(directory)
    manifest = advance_portal(portal, manifest, days, **options)
    m.save_portal(portal, directory)
    manifest_io.write_manifest(manifest, directory)
    return manifest
