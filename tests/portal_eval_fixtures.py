"""For the evaluator pages' tests: `publishable` — the portal's world (tests/portal_fixtures.py)
whose rounds can be published: `portal.lifecycle` re-scores through the same planted findings
the fixture scored them from (what `scoring.round.reevaluate` does with a real crawl run)."""

from __future__ import annotations

from typing import Any

import pytest
from portal_fixtures import UNITS, PortalWorld, _findings, _units_frame, column_url
from round_fixtures import HandMadeCrawl, columns, planted

from scoring.indicators import set_from_text
from scoring.round import evaluate_data
from store import Store
from store.rounds import get_round


def rescore(store: Store, round_id: str, **_: Any) -> Any:
    """`scoring.round.reevaluate` for the fixture's hand-made rounds."""
    info = get_round(store, round_id)
    indicator_set = set_from_text(info.indicator_set_text, f"round {round_id}")
    cols = [(n, unit, column_url(unit, 1), True) for n, unit in enumerate(UNITS, 1)]
    data = HandMadeCrawl(
        units=_units_frame(),
        columns=columns(*cols),
        planted=planted(*_findings(round_id)),
        run_id=info.crawl_run,
    )
    return evaluate_data(store, round_id, info.as_of, indicator_set, data)


@pytest.fixture(name="publishable")
def publishable_fixture(portal_store: PortalWorld, monkeypatch: pytest.MonkeyPatch) -> PortalWorld:
    import portal.lifecycle

    monkeypatch.setattr(portal.lifecycle, "reevaluate", rescore)
    return portal_store
