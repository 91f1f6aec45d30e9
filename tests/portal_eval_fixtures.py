"""For the evaluator pages' tests: `publishable` — the portal's world (tests/portal_fixtures.py)
whose rounds can be published: `portal.lifecycle` re-scores through the same planted findings
the fixture scored them from (what `scoring.round.reevaluate` does with a real crawl run) —,
the fixture's fingerprints, the pages every evaluator has, and small checks the tests share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from portal_fixtures import (
    ROUND,
    UNITS,
    PortalWorld,
    _findings,
    _units_frame,
    article_url,
    column_url,
)
from round_fixtures import HandMadeCrawl, columns, planted
from sqlalchemy import select

from portal import lifecycle
from portal.audit import AUDIT
from reports.wording import today_in_beijing
from scoring.indicators import set_from_text
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from store import Store
from store.rounds import get_round

SCRIPT = fingerprint("dept1", "undated", article_url("dept1", 1))
DEPT1_FRESH = fingerprint("dept1", "fresh", column_url("dept1", 1))
T1_FRESH = fingerprint("t1", "fresh", column_url("t1", 1))
C2_UNDATED = fingerprint("c2", "undated", article_url("c2", 1))
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
EVALUATORS = ("admin", "eval", "eval_c1")
UNIT_USERS = ("u_dept1", "u_t1", "u_c2")
LATER = today_in_beijing() + dt.timedelta(days=30)


def pages(unit: str, problem: str) -> list[str]:
    return [
        "/rounds",
        f"/rounds/{ROUND}",
        f"/rounds/{ROUND}/problems",
        f"/rounds/{ROUND}/problems/{problem}",
        f"/rounds/{ROUND}/units/{unit}",
    ]


def assert_safe(html: str) -> None:
    """The crawled title never reaches the page as markup."""
    assert "<script>alert(1)" not in html
    assert "<b>x</b>" not in html


def audit(store, action: str) -> list[dict]:
    with store.engine.connect() as conn:
        stmt = select(AUDIT).where(AUDIT.c.action == action).order_by(AUDIT.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def publish(world, deadline: dt.date = LATER) -> None:
    lifecycle.publish(world.store, ROUND, by="eval", deadline=deadline)


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
