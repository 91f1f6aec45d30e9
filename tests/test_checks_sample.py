"""Every check type against the crawled small sample portal: its findings are exactly the
manifest's planted defects of the corresponding kinds (matched by unit and target URL), the
decoys and the operational hazards cause nothing. Precision and recall are printed per check.

Parameters are those of docs/domain.md §3. The crawl (≈2 minutes) runs once per test process.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest_scoring import crawled_sample, run_check

from scoring.data import load_crawl
from store import open_store

# One xdist worker builds the module fixture (sample: every check over the crawled sample) for all its tests.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("checks_sample")]

EVERY_LEVEL = ["rules", "guide", "annual_report", "news", "notice", "personnel", "plan", "budget"]
ISSUERS = ["normative", "policy", "interpretation"]
GOVERNMENT = ["consultation", "feedback", "key_area"]
BY_LEVEL = {
    "市政府": EVERY_LEVEL + ISSUERS + GOVERNMENT,
    "县区政府": EVERY_LEVEL + ISSUERS + GOVERNMENT,
    "市直部门": EVERY_LEVEL + ISSUERS,
    "县直部门": EVERY_LEVEL + ISSUERS,
    "乡镇街道": EVERY_LEVEL + ["township_area"],
}
# The shipped pattern (indicators/base.yaml): the local form and the national ones (gov.cn,
# ministries) — the sample plants a ministry-style 索引号 as a decoy.
INDEX_NO = r"^(?:[0-9A-Z]{9,18}/[0-9]{4}([0-9]{2})?-[0-9]{5}|[0-9A-Z]{6}-[0-9]{2}-[0-9]{4}-[0-9]{4}-[0-9])$"

# check → (runs as (params, categories), manifest kinds it must reproduce)
CASES: dict[str, tuple[list[tuple[dict, list[str] | None]], set[str]]] = {
    "column_freshness": (
        [
            ({"max_age": "2 weeks"}, ["news"]),
            ({"max_age": "6 months"}, ["notice", "policy", "normative"]),
            ({"max_age": "1 year"}, ["personnel", "plan"]),
        ],
        {"stale_column"},
    ),
    "blank_column": ([({}, None)], {"blank_column"}),
    "required_columns": ([({"by_level": BY_LEVEL}, None)], {"missing_column"}),
    "required_fields": (
        [
            (
                {
                    "fields": [
                        "doc_no",
                        "written_date",
                        "publish_date",
                        "validity",
                        "keywords",
                        "publisher",
                        "index_no",
                        "subject",
                        "info_category",
                    ]
                },  # fmt: skip
                ["normative"],
            )
        ],
        {"missing_field"},
    ),
    "field_format": ([({"field": "index_no", "pattern": INDEX_NO}, None)], {"malformed_index_no"}),
    "field_consistency": (
        [({"against": ["body_doc_no", "attachments"]}, None)],
        {"doc_no_mismatch"},
    ),
    "date_sanity": ([({}, None)], {"no_publish_date"}),
    "disclosure_lag": ([({"max_workdays": 20}, None)], {"late_disclosure"}),
    "interpretation_coverage": ([({}, None)], {"normative_without_interpretation"}),
    "interpretation_lag": ([({"max_workdays": 3}, None)], {"interpretation_late"}),
    "interpretation_backlink": ([({}, None)], {"interpretation_no_backlink"}),
    "interpretation_forms": ([({}, None)], {"interpretation_text_only"}),
    "periodic_publication": ([({}, ["key_area"])], {"key_area_missing_period"}),
    "annual_report": ([({}, None)], {"annual_report_missing", "annual_report_late"}),
    "broken_links": ([({}, None)], {"broken_attachment", "broken_link"}),
    "duplicate_information": ([({}, None)], {"duplicate_doc_no", "duplicate_body"}),
    "consultation": ([({}, None)], {"consultation_too_short", "consultation_without_feedback"}),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory, module_store_urls):
    directory = crawled_sample(tmp_path_factory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    with open_store(module_store_urls.copy_of(directory / "zwgk.sqlite")) as store:
        data = load_crawl(store)
    found = {}
    for name, (runs, _) in CASES.items():
        frames = [run_check(name, data, params, cats) for params, cats in runs]
        found[name] = pd.concat(frames, ignore_index=True)
    return data, manifest, found


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["unit_id"], frame["target_url"], strict=True))


@pytest.mark.parametrize("name", list(CASES))
def test_findings_are_exactly_the_planted_defects(sample, name, capsys):
    data, manifest, found = sample
    kinds = CASES[name][1]
    want = {(d["unit_id"], d["target_url"]) for d in manifest["defects"] if d["kind"] in kinds}
    got = _pairs(found[name])
    hit = len(got & want)
    precision = hit / len(got) if got else 1.0
    recall = hit / len(want) if want else 1.0
    with capsys.disabled():
        print(
            f"\n{name:24} precision {precision:.2f} recall {recall:.2f} "
            f"({len(got)} found, {len(want)} planted: {', '.join(sorted(kinds))})"
        )
    assert want, f"the sample planted no {kinds}: the test would prove nothing"
    assert got - want == set(), "reported but not planted"
    assert want - got == set(), "planted but not reported"
    # One finding per planted defect: subjects are distinct and stable strings.
    assert len(found[name]) == len(want)
    assert found[name]["subject"].map(lambda s: isinstance(s, str) and s != "").all()


def test_hazards_and_decoys_cause_nothing(sample):
    data, manifest, found = sample
    every = pd.concat(found.values(), ignore_index=True)
    # A unit whose site is down or whose column is behind an anti-bot page has no planted
    # defect at all, so nothing may be reported on it.
    blocked_units = {
        h["unit_id"] for h in manifest["hazards"] if h["kind"] in ("host_down", "anti_bot")
    }
    assert blocked_units
    assert set(every["unit_id"]) & blocked_units == set()
    hazard_urls = {h["target_url"] for h in manifest["hazards"]}
    hazard_urls |= {h.get("params", {}).get("page_url") for h in manifest["hazards"]} - {None}
    assert set(every["target_url"]) & hazard_urls == set()
    decoys = {d["target_url"] for d in manifest["decoys"]}
    assert decoys and set(every["target_url"]) & decoys == set()
    # The hanging link is only suspected: the crawler did check it.
    timeout = next(h for h in manifest["hazards"] if h["kind"] == "timeout_link")
    outcome = data.links.loc[data.links["url"] == timeout["target_url"], "outcome"]
    assert list(outcome) == ["suspected"]


def test_unobserved_units_are_marked(sample):
    data, manifest, _ = sample
    down = {h["unit_id"] for h in manifest["hazards"] if h["kind"] == "host_down"}
    assert set(data.units.loc[~data.units["observed"], "id"]) == down
    blocked = {h["url"] for h in manifest["hazards"] if h["kind"] == "anti_bot"}
    assert set(data.columns.loc[~data.columns["observed"], "url"]) == blocked


def test_every_planted_kind_is_covered(sample):
    _, manifest, _ = sample
    covered = set().union(*(kinds for _, kinds in CASES.values()))
    assert {d["kind"] for d in manifest["defects"]} <= covered
