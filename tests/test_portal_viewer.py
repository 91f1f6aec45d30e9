"""Who sees what: the scoping rules every portal page and API route asks (portal.viewer)."""

from __future__ import annotations

import pytest
from portal_fixtures import (
    C1_SUBTREE,
    EARLIER,
    ROUND,
    UNITS,
    portal_store_any_fixture,  # noqa: F401
    portal_store_fixture,  # noqa: F401
    portal_template_fixture,  # noqa: F401
)
from round_fixtures import planted_check  # noqa: F401
from sqlalchemy import insert

from portal import accounts
from portal.viewer import (
    PUBLICATIONS,
    Viewer,
    can_see_unit,
    round_visible,
    sees_drafts,
    visible_rounds,
    visible_units,
)


def viewer_of(world, login: str) -> Viewer:
    a = accounts.get_user(world.store, login)
    return Viewer(a.id, a.login, a.name, a.role, a.unit_id)


def test_each_role_sees_its_own_units(portal_store_any):
    world = portal_store_any
    assert visible_units(world.store, viewer_of(world, "admin")) is None
    assert visible_units(world.store, viewer_of(world, "eval")) is None
    assert visible_units(world.store, viewer_of(world, "eval_c1")) == C1_SUBTREE
    assert visible_units(world.store, viewer_of(world, "u_dept1")) == {"dept1"}
    assert visible_units(world.store, viewer_of(world, "u_c2")) == {"c2"}  # not its township


@pytest.mark.parametrize(
    ("login", "allowed"),
    [
        ("eval_c1", C1_SUBTREE),
        ("u_t1", {"t1"}),
        ("u_c2", {"c2"}),
        ("eval", set(UNITS)),
    ],
)
def test_can_see_unit_matches_visible_units_for_every_unit(portal_store, login, allowed):
    person = viewer_of(portal_store, login)
    for unit in [*UNITS, "city", "no-such-unit"]:
        expected = unit in allowed or (login == "eval")
        assert can_see_unit(portal_store.store, person, unit) is expected, unit


def test_units_see_a_round_only_once_it_is_published(portal_store):
    store = portal_store.store
    unit, evaluator = viewer_of(portal_store, "u_dept1"), viewer_of(portal_store, "eval_c1")
    assert not sees_drafts(unit) and sees_drafts(evaluator)
    assert not round_visible(store, unit, ROUND) and round_visible(store, evaluator, ROUND)
    assert visible_rounds(store, unit) == []
    assert visible_rounds(store, evaluator) == [EARLIER, ROUND]
    with store.engine.begin() as conn:
        conn.execute(insert(PUBLICATIONS), [{"round": ROUND, "state": "published"}])
    assert round_visible(store, unit, ROUND) and not round_visible(store, unit, EARLIER)
    assert visible_rounds(store, unit) == [ROUND]
    assert not round_visible(store, evaluator, "1999Q1")  # a guessed id


def test_a_cycle_in_the_unit_tree_ends(portal_store):
    store = portal_store.store
    store.upsert_units(
        [
            {
                "id": "c1",
                "name": "东城区",
                "level": "县区政府",
                "parent": "t1",
                "profile": "generic",
                "entry_url": "http://c1.example.gov.cn/",
            },
        ]
    )
    assert visible_units(store, viewer_of(portal_store, "eval_c1")) == C1_SUBTREE
