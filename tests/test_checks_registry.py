"""The check registry: names, entry points, and the guarantees `Check.run` gives every check."""

from __future__ import annotations

import logging
import sys
import textwrap
from importlib.metadata import EntryPoint
from typing import ClassVar

import pandas as pd
import pytest
from conftest_scoring import column, context, crawl_data, unit
from pydantic import BaseModel

from scoring.checks import base
from scoring.checks.base import (
    FINDING_COLUMNS,
    Check,
    CheckParams,
    UnknownCheck,
    available_checks,
    findings,
    get_check,
    register,
)

BUILT_IN = {
    "column_freshness", "blank_column", "required_columns", "required_fields", "field_format",
    "field_consistency", "date_sanity", "disclosure_lag", "interpretation_coverage",
    "interpretation_lag", "interpretation_backlink", "interpretation_forms",
    "periodic_publication", "annual_report", "broken_links", "duplicate_information", "consultation",
    "term_list", "veto_count",
}  # fmt: skip
# The smallest valid params of the checks that have required ones.
REQUIRED = {
    "column_freshness": {"max_age": "2 weeks"},
    "required_columns": {"by_level": {"市直部门": ["news"]}},
    "required_fields": {"fields": ["validity"]},
    "field_format": {"field": "index_no", "pattern": ".+"},
    "term_list": {"terms": {"错字": "正字"}},
    "veto_count": {"indicators": ["x"], "at_least": 1},
}


@pytest.fixture
def clean_registry(monkeypatch):
    """A registry that forgets what a test registers."""
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    monkeypatch.setattr(base, "_LOAD_ERRORS", {})
    base._load()
    return base


def test_every_built_in_check_is_registered():
    assert set(available_checks()) >= BUILT_IN
    assert available_checks() == sorted(available_checks())


def test_unknown_check_lists_the_known_ones():
    with pytest.raises(UnknownCheck, match="unknown check type 'freshnes'.*column_freshness"):
        get_check("freshnes")


def test_params_forbid_unknown_keys_everywhere():
    for name in BUILT_IN:
        params = get_check(name).Params
        assert params.model_config.get("extra") == "forbid", name
        with pytest.raises(ValueError, match="Extra inputs are not permitted"):
            params.model_validate({**REQUIRED.get(name, {}), "no_such_key": 1})


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_check_returns_the_findings_columns_and_nothing_on_an_unseen_unit(name):
    check = get_check(name)
    params = check.Params.model_validate(REQUIRED.get(name, {}))
    # A unit whose site was down: nothing observed, nothing reported.
    down = crawl_data(
        [unit("u")],
        [column(10, "u", "news", last_row_count=None)],
        issues=[{"kind": "host_unreachable", "unit_id": "u", "url": "http://gov.test/u/"}],
    )
    out = check.run(down, params, context(down))
    assert tuple(out.columns) == FINDING_COLUMNS
    assert out.empty
    # An observed but empty unit: whatever is reported still has the contract's columns.
    empty = crawl_data([unit("u")], [column(10, "u", "news")])
    assert tuple(check.run(empty, params, context(empty)).columns) == FINDING_COLUMNS


def test_register_refuses_bad_and_clashing_checks(clean_registry):
    class NoName(Check):
        Params = CheckParams

    with pytest.raises(TypeError, match="needs a `name`"):
        register(NoName)

    class BadParams(Check):
        name: ClassVar[str] = "bad_params"
        Params = dict  # type: ignore[assignment]

    with pytest.raises(TypeError, match="pydantic model"):
        register(BadParams)

    class Impostor(Check):
        name: ClassVar[str] = "blank_column"

    with pytest.raises(ValueError, match="defined twice"):
        register(Impostor)


def test_entry_points_add_checks_and_a_broken_one_is_named(clean_registry, tmp_path, monkeypatch):
    (tmp_path / "zwgk_extra_check.py").write_text(
        textwrap.dedent(
            """
            from typing import ClassVar
            from scoring.checks.base import Check, CheckParams, findings

            class HomepageUpdates(Check):
                name: ClassVar[str] = "homepage_updates"
                Params = CheckParams

                def find(self, data, params, ctx):
                    return findings([])
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [
        EntryPoint("homepage_updates", "zwgk_extra_check:HomepageUpdates", base.ENTRY_POINT_GROUP),
        EntryPoint("broken", "zwgk_no_such_module:Thing", base.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(
        base, "entry_points", lambda group: eps if group == base.ENTRY_POINT_GROUP else []
    )
    monkeypatch.setattr(base, "_loaded", False)
    assert "homepage_updates" in available_checks()
    assert get_check("homepage_updates").name == "homepage_updates"
    with pytest.raises(UnknownCheck, match="failed to load"):
        get_check("broken")
    sys.modules.pop("zwgk_extra_check", None)


class _Sloppy(Check):
    """Reports on every unit, twice, unsorted — what `run` must clean up."""

    name: ClassVar[str] = "sloppy"
    Params = CheckParams

    def find(self, data, params, ctx):
        rows = [
            {"unit_id": u, "subject": "s", "target_url": "http://x/", "evidence": {}}
            for u in ["v", "u", "down", "v"]
        ]
        return findings(rows)


def test_run_drops_findings_on_unobserved_or_foreign_units(caplog):
    data = crawl_data(
        [unit("u"), unit("v"), unit("down"), unit("w")],
        # u, v and w's lists were read (empty); down's was not.
        [column(10, "u", "news", last_row_count=0), column(11, "v", "news", last_row_count=0),
         column(12, "w", "news", last_row_count=0),
         column(13, "down", "news", last_row_count=None)],
        issues=[{"kind": "host_unreachable", "unit_id": "down", "url": "http://gov.test/down/"}],
    )  # fmt: skip
    ctx = context(data, units=data.units[data.units["id"] != "w"])
    with caplog.at_level(logging.WARNING, logger="scoring.checks.base"):
        out = _Sloppy().run(data, CheckParams(), ctx)
    assert list(out["unit_id"]) == ["u", "v"]  # sorted, 'down' dropped, duplicate merged
    assert list(out["weight"]) == [1.0, 1.0]
    assert "not observed" in caplog.text and "duplicate" in caplog.text


def test_findings_require_the_contract_columns():
    with pytest.raises(ValueError, match="lack column"):
        findings([{"unit_id": "u", "subject": "s"}])
    frame = findings(pd.DataFrame([{"unit_id": "u", "subject": "s", "target_url": None,
                                    "evidence": {}, "weight": 0.5, "extra": 1}]))  # fmt: skip
    assert tuple(frame.columns) == FINDING_COLUMNS
    assert frame["weight"][0] == 0.5
    assert isinstance(findings([]), pd.DataFrame)
    assert issubclass(get_check("blank_column").Params, BaseModel)


def test_the_registry_loads_once_for_threads_that_ask_at_the_same_time():
    # The portal serves pages from a thread pool: the first requests after a start may all
    # load an indicator set at once, and none may see a half-filled registry.
    import json
    import subprocess

    script = textwrap.dedent(
        """
        import json, threading
        from scoring.checks.base import available_checks
        barrier, seen = threading.Barrier(8), []
        def ask():
            barrier.wait()
            seen.append(len(available_checks()))
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps(sorted(seen)))
        """
    )
    for _ in range(3):  # a fresh process each time: the registry is empty when it starts
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        counts = json.loads(done.stdout)
        assert counts == [counts[-1]] * 8 and counts[-1] >= len(BUILT_IN), counts
