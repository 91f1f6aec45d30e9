"""The defect-kind registry of the sample portal (`demo/defects/`): one module per kind, planted
in an explicit order that decides the bytes of every generated portal."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import demo.defects
from demo import advance
from demo.defects import FIXES, KINDS, ORDER, REGRESSIONS, Kind, _registry, register

# The order of planting before the kinds moved into their own modules. A different order draws
# different targets from the same dice, so every portal generated with a seed would change.
PLANTING_ORDER = [
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
    "same_title_decoy",  # the `duplicate_title` defect until issue 12, in the same place
    # Issue 12: real duplicates, then a decoy for each false finding the checks guard against.
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
    # Issue 12: decoys for the check types that had none.
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
    # Issue 12: decoys of the checks of the reference's rules.
    "reference_decoy_a/validity_wording",
    "reference_decoy_a/wps_word",
    "reference_decoy_a/interpretation_elsewhere",
    # Issue 12: decoys of the reference's rules (reference_decoy_a merges in before these).
    "reference_decoy_b/annual_report_content",
    "reference_decoy_b/consultation_materials",
    "consultation_without_feedback/coming",
    "key_area_missing_period/coming",
    "annual_report_missing/coming",
]


def _kind_modules() -> list[str]:
    return [
        m.name for m in pkgutil.iter_modules(demo.defects.__path__) if not m.name.startswith("_")
    ]


def test_planting_order_is_explicit_and_unchanged():
    assert list(KINDS) == PLANTING_ORDER
    assert list(ORDER) == PLANTING_ORDER
    assert [
        KINDS[key].rate for key in ("stale_column/news", "missing_field", "late_disclosure")
    ] == [
        0.08,
        0.06,
        0.03,
    ]


def test_advance_picks_from_the_same_kinds_as_before():
    assert advance.NEW_KINDS == [
        "missing_field",
        "malformed_index_no",
        "doc_no_mismatch",
        "no_publish_date",
        "normative_without_interpretation",
        "interpretation_late",
        "interpretation_no_backlink",
        "broken_attachment",
        "broken_link",
        "same_title_decoy",
    ]
    assert set(FIXES) == {
        "stale_column",
        "blank_column",
        "missing_column",
        "missing_field",
        "malformed_index_no",
        "doc_no_mismatch",
        "no_publish_date",
        "interpretation_no_backlink",
        "interpretation_text_only",
        "consultation_without_feedback",
        "broken_attachment",
        "broken_link",
        "duplicate_doc_no",
        "duplicate_body",
    }
    assert set(REGRESSIONS) == {
        "missing_field",
        "malformed_index_no",
        "doc_no_mismatch",
        "interpretation_no_backlink",
        "broken_attachment",
        "broken_link",
    }


@pytest.mark.parametrize("module_name", _kind_modules())
def test_every_kind_module_has_a_planter_and_says_how_it_is_fixed(module_name):
    module = importlib.import_module(f"demo.defects.{module_name}")
    kinds = [k for k in KINDS.values() if k.name == module_name]
    assert kinds, f"demo/defects/{module_name}.py registers no kind named {module_name!r}"
    for kind in kinds:
        assert callable(kind.plant)
        assert kind.plant.__module__ == module.__name__
        # A fix, or the reason there is none; the same for a regression.
        assert (kind.fix is not None) != bool(kind.no_fix), kind.key
        assert (kind.regress is not None) != bool(kind.no_regression), kind.key
        for hook in (kind.fix, kind.regress, kind.expires):
            assert hook is None or callable(hook)


def test_every_registered_kind_lives_in_its_own_module():
    assert {k.name for k in KINDS.values()} == set(_kind_modules())


@pytest.mark.parametrize(
    "bad, words",
    [
        (dict(no_regression="x"), "fix"),  # neither a fix nor why not
        (dict(fix=print), "regression"),  # a fix, but no word on regressions
        (dict(no_fix="x", regress=print), "undoes a fix"),
        (dict(no_fix="x", no_regression="x", rate=1.5), "rate"),
        (dict(fix=print, no_fix="x", no_regression="x"), "either"),
    ],
)
def test_register_refuses_a_kind_that_does_not_say_how_it_is_fixed(bad, words):
    fields = {"rate": 0.1, **bad}
    with pytest.raises(ValueError, match=words):
        register(Kind("made_up", lambda p: [], **fields))
    assert "made_up" not in _registry._REGISTERED


def test_a_kind_outside_the_planting_order_is_an_error(monkeypatch):
    stray = Kind("stray", lambda p: [], 0.1, no_fix="x", no_regression="x")
    monkeypatch.setitem(_registry._REGISTERED, "stray", stray)
    with pytest.raises(LookupError, match=r"ORDER.*registered but not in ORDER: \['stray'\]"):
        _registry.in_order()
    monkeypatch.delitem(_registry._REGISTERED, "stray")
    monkeypatch.delitem(_registry._REGISTERED, "broken_link")
    with pytest.raises(LookupError, match=r"not registered: \['broken_link'\]"):
        _registry.in_order()


def test_variants_of_one_kind_must_agree_on_the_fix():
    with pytest.raises(ValueError, match="variants disagree"):
        register(
            Kind(
                "stale_column",
                lambda p: [],
                0.1,
                fix=print,
                no_regression="x",
                variant="other",
            )
        )


# -- deadlines that come due within a short step (issue 14: the patrol warns of them) ----------


def test_an_annual_report_coming_due_is_planted_on_a_january_portal_and_warned_of():
    """The sample's day (30 June) is months from an annual report's deadline, so the planting
    is shown on a portal of 26 January 2026: one department has not published its 2025 report
    and will not — due 31 January, a Saturday, so 2 February (holiday_rule next_workday), a
    problem from 3 February. The check, fed the model's own rows, agrees on both days, and the
    patrol's forecast warns of it on the portal's day with that due day; the advance past it
    makes it an open defect, the report still absent."""
    import dataclasses
    import datetime as dt

    from conftest_scoring import article, column, crawl_data, run_check, unit

    from demo import urls
    from demo.advance import advance_portal
    from demo.generate import make_sample
    from patrol.forecast import forecast
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.workdays import default_calendar

    portal, manifest = make_sample(seed=11, as_of=dt.date(2026, 1, 26))
    [entry] = [d for d in manifest["coming"] if d["kind"] == "annual_report_missing"]
    assert entry["id"] not in {d["id"] for d in manifest["defects"]}
    assert (entry["details"]["year"], entry["details"]["deadline"], entry["details"]["due"]) == (
        2025,
        "2026-01-31",
        "2026-02-03",
    )
    owner = portal.index.unit[entry["unit_id"]]
    assert owner.level in ("市直部门", "县直部门")  # departments report by 31 January
    report_column = portal.index.column[entry["details"]["column_id"]]
    assert entry["target_url"] == urls.column_url(portal, report_column)
    items = portal.index.articles_of[report_column.id]
    assert items and not any(a.report_year == 2025 for a in items)

    data = crawl_data(
        [unit(owner.id, owner.level)],
        [column(report_column.id, owner.id, "annual_report", url=entry["target_url"])],
        [
            article(
                a.id,
                owner.id,
                report_column.id,
                title=a.title,
                publish_date=a.published.isoformat(),
                url=urls.article_url(portal, a),
            )
            for a in items
        ],  # fmt: skip
    )
    params = {"holiday_rule": "next_workday"}
    assert run_check("annual_report", data, params, as_of=dt.date(2026, 2, 2)).empty
    [late] = run_check("annual_report", data, params, as_of=dt.date(2026, 2, 3)).itertuples()
    assert (late.subject, late.target_url) == ("annual_report/2025", entry["target_url"])
    shipped = load_indicator_set(newest_set())
    only = dataclasses.replace(
        shipped, indicators=[i for i in shipped.indicators if i.id == "annual_report.deadline"]
    )
    warned = forecast(data, only, portal.as_of, set(), within="10 workdays",
                      calendar=default_calendar())  # fmt: skip
    assert list(zip(warned["subject"], warned["target_url"], warned["due"], strict=True)) == [
        ("annual_report/2025", entry["target_url"], dt.date(2026, 2, 3))
    ]

    later = advance_portal(portal, manifest, 14)  # to 9 February
    assert entry["id"] in later["history"][-1]["came_due"]
    assert entry["id"] in {d["id"] for d in later["defects"]}
    assert entry["id"] not in {d["id"] for d in later["coming"]}
    assert not any(a.report_year == 2025 for a in portal.index.articles_of[report_column.id])


def test_a_coming_deadline_waits_in_the_manifest_until_a_step_reaches_its_day():
    """On the sample (30 June) a consultation closed in June without feedback and June's
    air-quality report kept back are not defects yet (no problem on the day: the accuracy
    gate's answer key holds only what is due), each with the first day it is one; a step short
    of that day leaves them coming, a step reaching it makes them defects of that step."""
    import datetime as dt

    from demo.advance import advance_portal
    from demo.generate import make_sample

    portal, manifest = make_sample(seed=11, port=8000, first_address=101)
    coming = {d["kind"]: d for d in manifest["coming"]}
    assert set(coming) == {"consultation_without_feedback", "key_area_missing_period"}
    for entry in coming.values():
        assert portal.as_of < dt.date.fromisoformat(entry["details"]["due"])
        assert entry["id"] not in manifest["history"][0]["new"]
    consultation = portal.index.article[
        coming["consultation_without_feedback"]["details"]["article_id"]
    ]
    assert (
        coming["consultation_without_feedback"]["details"]["due"]
        == (
            consultation.open_until + dt.timedelta(days=31)  # 30 days to answer, late the day after
        ).isoformat()
    )
    assert coming["key_area_missing_period"]["details"] == {
        "column_id": coming["key_area_missing_period"]["details"]["column_id"],
        "period": "2025-06",
        "due": "2025-07-15",  # the 15th of the next month
    }
    short = advance_portal(portal, manifest, 3)  # to 3 July: nothing due yet
    assert [d["id"] for d in short["coming"]] == [d["id"] for d in manifest["coming"]]
    assert short["history"][-1]["came_due"] == []
    reached = advance_portal(portal, short, 12)  # to 15 July
    assert reached["coming"] == []
    assert sorted(reached["history"][-1]["came_due"]) == sorted(d["id"] for d in coming.values())
    assert set(reached["history"][-1]["came_due"]) <= set(reached["history"][-1]["new"])
    assert set(reached["history"][-1]["came_due"]) <= {d["id"] for d in reached["defects"]}
