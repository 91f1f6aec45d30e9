"""The data layer's two small helpers: the bounded, time-limited memo (portal/_memo.py) and the
audit row (portal/audit.py `record`) written in the caller's transaction or one of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal import _memo
from portal._memo import Memo
from portal.audit import AUDIT, PUBLISH, record
from store import open_store


def test_a_memo_keeps_values_until_their_time_is_up(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(_memo.time, "monotonic", lambda: clock[0])
    memo: Memo[int] = Memo(size=4, ttl=30)
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert memo.get("k", compute) == 1
    clock[0] += 29
    assert memo.get("k", compute) == 1
    clock[0] += 2
    assert memo.get("k", compute) == 2 and len(calls) == 2


def test_a_memo_forgets_the_least_recently_used_first():
    memo: Memo[str] = Memo(size=2)
    memo.get("a", lambda: "A")
    memo.get("b", lambda: "B")
    memo.get("a", lambda: "not again")  # a is used: b is now the oldest
    memo.get("c", lambda: "C")
    assert memo.get("a", lambda: "again") == "A"
    assert memo.get("b", lambda: "B2") == "B2"
    memo.clear()
    assert memo.get("a", lambda: "fresh") == "fresh"


@pytest.fixture
def store(store_url):
    s = open_store(store_url, create=True)
    yield s
    s.close()


def entries(store):
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(AUDIT).order_by(AUDIT.c.id)).mappings()]


def test_an_audit_row_keeps_who_what_and_values_as_json(store):
    record(store, "eval", PUBLISH, round="2025Q2", target="2025Q2",
           before={"deadline": dt.date(2025, 7, 31)}, after={"note": "a\x1bb"}, address="10.0.0.1")  # fmt: skip
    (row,) = entries(store)
    assert (row["actor"], row["action"], row["round"], row["address"]) == (
        "eval",
        "round_publish",
        "2025Q2",
        "10.0.0.1",
    )
    assert row["before"] == {"deadline": "2025-07-31"} and row["after"] == {"note": "ab"}
    assert row["at"].tzinfo is not None


def test_an_audit_row_in_a_transaction_that_fails_is_not_kept(store):
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        record(conn, "eval", PUBLISH, target="x")
        raise RuntimeError("the change it records failed")
    assert entries(store) == []


def test_an_audit_row_needs_an_actor(store):
    with pytest.raises(ValueError, match="needs the actor"):
        record(store, " ", PUBLISH)
