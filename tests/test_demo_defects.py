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
