"""`zwgk demo advance DIR --days N`: the portal a few weeks later.

Between two crawls a real city changes: new articles appear, units fix some problems, a few new
problems appear, and now and then a fixed problem comes back. This module does exactly that to a
generated portal and records each change in the manifest, so incremental crawling and
round-to-round tracking can be tested against known answers:

- **new articles**: `demo.timeline.populate` over (old as_of, new as_of];
- **fixed**: a share of the open defects whose kind can be fixed after the fact (a late
  publication cannot be un-late; a broken attachment can be repaired) — each kind's `fix` in
  `demo/defects/<kind>.py`;
- **new**: a few defects planted on articles published since the last as_of, or on columns;
- **regressed**: defects fixed by an earlier advance that come back on the same target — see
  each kind's `regress`;
- **came due**: defects planted before and not due then (the manifest's `coming`) whose `due`
  the step reaches — a consultation's feedback, a key-area month, an annual report never
  published in time: new problems nobody planted in this step, that the patrol warned of;
- **expired**: open defects the rules stop judging as time passes, though nobody fixed them — a
  key-area month whose due date (the 15th of the next month) left the 12-month window, last
  year's annual report once the next year's is the one judged — each kind's `expires`.

What is generic stays here: the new articles, choosing what is fixed and what comes back, and the
manifest's history.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from demo import defects as planting
from demo import manifest as manifest_io
from demo import model as m
from demo import timeline
from demo.defects import FIXES, KINDS, REGRESSIONS, Change, expired
from demo.defects.interpretation_text_only import pin_forms
from demo.defects.stale_column import stale_entry, stop_a_news_column
from demo.model import Portal

# Kinds a unit can newly get between two crawls, on what it published since the last one (in
# planting order, which decides which ones the dice pick).
NEW_KINDS = [key for key, kind in KINDS.items() if kind.between_crawls]


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

    # A long step freezes any news column (it is stale by the step's end); a short one a column
    # that goes stale within it (the daily patrol's warning: zwgk patrol).
    stale_column = stop_a_news_column(planter, rng, None if days > 30 else new)
    new_articles = timeline.populate(
        portal, old, new, rng, skip=planter.skip, frozen=planter.frozen
    )
    portal.as_of = new
    change = Change(portal, planter, timeline._Writer(portal, rng), new)
    pin_forms(change, planter.form_units, new_articles)
    planter.finish()
    stale = stale_entry(planter, stale_column) if stale_column else []

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

    # Planted before, due by now: a problem from this step on (the patrol warned of it).
    came_due = [d for d in manifest.get("coming", []) if d["details"]["due"] <= new.isoformat()]
    coming = [d for d in manifest.get("coming", []) if d["details"]["due"] > new.isoformat()]

    planted: list[dict] = stale + came_due
    decoys: list[dict] = []
    for name in rng.sample(NEW_KINDS, min(new_defects, len(NEW_KINDS))):
        for entry in KINDS[name].plant(planter):
            (decoys if entry["details"].get("decoy") else planted).append(entry)
    planter.finish()

    manifest = dict(manifest)
    manifest["as_of"] = new.isoformat()
    manifest["defects"] = still_open + regressed + planted
    manifest["coming"] = coming
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
            "came_due": [d["id"] for d in came_due],
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
