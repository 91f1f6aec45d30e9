"""`manifest.json`: every defect planted in the sample portal, every hazard, and the decoys.

    {"as_of": "2025-06-30", "seed": 1, "scale": "small",
     "defects":  [{"id", "unit_id", "kind", "target_url", "expected", "since", "details"}],
     "coming":   [defects planted but not due yet: "details" has "due", the first day they are],
     "hazards":  [{"kind", "unit_id", "url", "target_url", "expected", "params"?}],
     "decoys":   [entries that look like defects but are not — nothing may be reported],
     "fixed":    [defects fixed by `zwgk demo advance`, with "fixed_on"],
     "history":  [{"as_of", "new": [ids], "fixed": [ids], "regressed": [ids], "came_due": [ids]}]}

A defect's `id` is stable across `advance`; a regressed defect keeps the id it had when first
planted and has `"regressed_on"`. A deadline-type defect says in `details.due` the first day it
is a problem (a stale column: the day its newest item passed the window): one in `defects` is
due by the manifest's day, one in `coming` after it — `advance` moves it into `defects` (and
into its step's `new` and `came_due`) once the step reaches that day. The daily patrol warns of
each before its `due` (docs/patrol.md).
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_FILE = "manifest.json"


def new_manifest(
    portal, defects: list[dict], decoys: list[dict], hazards: list[dict], coming: list[dict] = ()
) -> dict:
    """The manifest of a generated portal. `coming`: planted defects not due yet on its day
    (each with `details.due`, the first day a correct evaluator reports it): `zwgk demo advance`
    moves each into `defects` once its day reaches `due`."""
    for h in hazards:
        h.setdefault("target_url", h["url"])
    return {
        "as_of": portal.as_of.isoformat(),
        "seed": portal.seed,
        "scale": portal.scale,
        "defects": defects,
        "coming": list(coming),
        "hazards": hazards,
        "decoys": decoys,
        "fixed": [],
        "history": [
            {
                "as_of": portal.as_of.isoformat(),
                "new": [d["id"] for d in defects],
                "fixed": [],
                "regressed": [],
            }
        ],
    }


def write_manifest(manifest: dict, directory: Path) -> Path:
    path = Path(directory) / MANIFEST_FILE
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


def load_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no manifest (run `zwgk demo generate` first)")
    return json.loads(path.read_text(encoding="utf-8"))
