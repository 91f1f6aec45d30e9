"""The catalogue of defect kinds: each kind module registers its `Kind`, `ORDER` says when it is
planted.

The order of planting decides the bytes of the sample portal (each planter draws from the same
dice and takes targets the earlier ones left), so it is written down here once, by name, rather
than left to the order in which modules happen to be imported. A kind module that registers a
name missing from `ORDER` (or an `ORDER` name no module registers) is an error at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from demo.defects._common import Fix, Planter

# When each planting runs. Changing this order changes every generated portal.
ORDER = (
    # Pinning interpretation forms first, so later planters keep them pinned.
    "interpretation_text_only",
    "stale_column/news",
    "stale_column/notice",
    "stale_column/personnel",
    "blank_column",
    "missing_column",
    "key_area_missing_period",
    "missing_field",
    "malformed_index_no",
    "doc_no_mismatch",
    "no_publish_date",
    "late_disclosure",
    "normative_without_interpretation",
    "interpretation_late",
    "interpretation_no_backlink",
    "consultation_too_short",
    "consultation_without_feedback",
    "annual_report_missing",
    "annual_report_late",
    "broken_attachment",
    "broken_link",
    # Until issue 12 the `duplicate_title` defect: same title, different content, now a decoy.
    "same_title_decoy",
    # Issue 12: real duplicates, and decoys (look like a defect, are none) for each check type.
    "duplicate_doc_no",
    "duplicate_body",
    "consultation_decoy/notice",
    "consultation_decoy/extended",
    "consultation_decoy/feedback_in_column",
    "annual_report_decoy",
    "key_area_decoy",
    "interpretation_decoy/picture_only",
    "interpretation_decoy/second_form",
    "metadata_decoy/cited_doc_no",
    "metadata_decoy/revised",
    "wording_decoy",
    # Issue 12, the other check types' decoys.
    "field_decoy/ministry_index_no",
    "field_decoy/repealed_tag",
    "column_decoy/dated_in_list",
    "column_decoy/statement",
    "column_decoy/statement_only",
    "column_decoy/other_names",
    "date_decoy/byline_only",
    "date_decoy/revised",
    "link_decoy",
    "interpretation_decoy/url_variant",
    "interpretation_decoy/body_link",
    # Issue 12, decoys of the checks of the reference's rules (validity, formats, presence).
    "reference_decoy_a/validity_wording",
    "reference_decoy_a/wps_word",
    "reference_decoy_a/interpretation_elsewhere",
    # Issue 12, decoys of the reference's rules. The lead merges "reference_decoy_a" (validity,
    # download_formats, interpretation_presence; helper dec5a) in before these two.
    "reference_decoy_b/annual_report_content",
    "reference_decoy_b/consultation_materials",
    # Issue 14, deadlines the daily patrol warns of: defects that come due within a short step
    # after the portal's day (manifest `coming`, each with its `due`).
    "consultation_without_feedback/coming",
    "key_area_missing_period/coming",
    "annual_report_missing/coming",
)


@dataclass(frozen=True)
class Kind:
    """One defect kind as the manifest names it (`kind`), with what makes, fixes and repeats it.

    `variant` plants the same kind on another target (`stale_column/news`); the planting's name
    (`key`, what `--rate` takes) is then `kind/variant`. A kind without a fix or a regression says
    why in `no_fix` / `no_regression`. `expires(entry, as_of, unit levels)` is True once the rules
    stop judging an open defect of this kind; `between_crawls` kinds can newly appear on what a
    unit published since the last crawl (`zwgk demo advance` plants them). `decoy`: the check
    type a kind that plants only decoys tries (entries with `details.decoy`, never reported).
    """

    name: str
    plant: Callable[[Planter], list[dict]]
    rate: float  # expected share of eligible units that get one (at least one is always planted)
    fix: Fix | None = None
    regress: Fix | None = None
    no_fix: str = ""
    no_regression: str = ""
    expires: Callable[[dict, dt.date, dict[str, str]], bool] | None = None
    between_crawls: bool = False
    variant: str = ""
    # A kind that plants only decoys names the check type they try (no indicator reports them).
    decoy: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}/{self.variant}" if self.variant else self.name


_REGISTERED: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a defect kind (or one variant of it) known by its key."""
    where = f"defect kind {kind.key!r}"
    if not 0 <= kind.rate <= 1:
        raise ValueError(f"{where}: rate {kind.rate} is not a share between 0 and 1")
    if (kind.fix is None) == (not kind.no_fix):
        raise ValueError(f"{where}: give either a fix or, in `no_fix`, why it has none")
    if (kind.regress is None) == (not kind.no_regression):
        raise ValueError(f"{where}: give either a regression or, in `no_regression`, why not")
    if kind.regress is not None and kind.fix is None:
        raise ValueError(f"{where}: a regression undoes a fix, and the kind has no fix")
    if kind.key in _REGISTERED and _REGISTERED[kind.key] != kind:
        raise ValueError(f"{where} is registered twice")
    for other in _REGISTERED.values():
        if other.name == kind.name and (other.fix, other.regress, other.expires) != (
            kind.fix,
            kind.regress,
            kind.expires,
        ):
            raise ValueError(f"{where}: its variants disagree on fix, regression or expiry")
    _REGISTERED[kind.key] = kind
    return kind


def in_order() -> dict[str, Kind]:
    """The registered kinds by key, in planting order (`ORDER`)."""
    missing = [key for key in ORDER if key not in _REGISTERED]
    unplaced = [key for key in _REGISTERED if key not in ORDER]
    if missing or unplaced:
        raise LookupError(
            "demo/defects/_registry.py ORDER and the kind modules disagree: "
            f"not registered: {missing or 'none'}; registered but not in ORDER: {unplaced or 'none'}"
        )
    return {key: _REGISTERED[key] for key in ORDER}


# A decoy is planted like a rare defect: at least one on the sample, a few on a city.
DECOY_RATE = 0.03


def register_decoy(
    name: str,
    plant: Callable[[Planter], list[dict]],
    check: str,
    *,
    variant: str = "",
    rate: float = DECOY_RATE,
    between_crawls: bool = False,
) -> Kind:
    """Register a kind that plants only decoys of the check type `check` (nothing to fix or
    undo: a decoy is not a defect)."""
    return register(
        Kind(
            name,
            plant,
            rate,
            no_fix="a decoy: there is nothing to fix",
            no_regression="a decoy has no fix to undo",
            between_crawls=between_crawls,
            variant=variant,
            decoy=check,
        )
    )
