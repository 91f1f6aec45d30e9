"""Time to fix from the patrols (issue 14, point 3): each stretch a problem stayed open, ended
only by a night that read its unit; per level the median days to fix, the share fixed within
the deadline (working days), the problems that came back, and those still open."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from patrol.history import fix_times, spans, warning_outcomes
from store import open_store
from store.patrols import FINDING_COLUMNS, write_patrol

SET = type("Set", (), {"id": "t", "version": "1", "sha256": "0" * 64})
UNITS = {"a": "县直部门", "b": "县直部门", "c": "乡镇街道"}


def problem(fp: str, unit: str) -> dict:
    return {"fingerprint": fp, "kind": "problem", "unit_id": unit, "indicator_id": "i",
            "subject": fp, "target_url": None, "evidence": {}, "suggestion": "", "deduction": 1.0,
            "due": None}  # fmt: skip


def warning(fp: str, unit: str, due: dt.date) -> dict:
    return {**problem(fp, unit), "kind": "warning", "due": due}


@pytest.fixture
def nights(store_url):
    """Five nights in July 2025 (Tue 1 … Fri 11): a1 fixed in 2 days, b1 fixed only after 10 (its
    unit unread on the 3rd: not a fix), a2 fixed and back, c1 never fixed."""
    store = open_store(store_url, create=True)
    store.upsert_units([{"id": u, "name": u, "level": lv, "profile": "trs",
                         "entry_url": f"http://{u}/"} for u, lv in UNITS.items()])  # fmt: skip
    plan = [
        (dt.date(2025, 7, 1), ["a1", "b1", "a2", "c1"], []),
        (dt.date(2025, 7, 3), ["c1"], ["b"]),  # a1, a2 gone; b unread: b1 not seen gone
        (dt.date(2025, 7, 4), ["b1", "c1"], []),
        (dt.date(2025, 7, 7), ["b1", "c1", "a2"], []),
        (dt.date(2025, 7, 11), ["c1", "a2"], []),
    ]
    for day, fps, unread in plan:
        rows = [problem(fp, fp[0]) for fp in fps]
        write_patrol(store, as_of=day, crawl_run=1, indicator_set=SET, within="5 workdays",
                     findings=pd.DataFrame(rows, columns=FINDING_COLUMNS),
                     stats={"units_not_observed": unread})  # fmt: skip
    yield store
    store.close()


def test_each_stretch_a_problem_stayed_open(nights):
    got = spans(nights)
    rows = {(r.fingerprint, r.stretch): (r.first_seen.date().isoformat(),
            None if pd.isna(r.gone_on) else r.gone_on.date().isoformat(), r.days)
            for r in got.itertuples()}  # fmt: skip
    assert rows == {
        ("a1", 1): ("2025-07-01", "2025-07-03", 2),
        ("a2", 1): ("2025-07-01", "2025-07-03", 2),  # gone with a1 on the 3rd
        ("a2", 2): ("2025-07-07", None, 4),  # came back, open up to the 11th
        ("b1", 1): ("2025-07-01", "2025-07-11", 10),  # the 3rd did not read b
        ("c1", 1): ("2025-07-01", None, 10),
    }


def test_per_level_median_days_share_in_time_came_back_and_still_open(nights):
    units = pd.DataFrame({"id": list(UNITS), "level": list(UNITS.values())})
    table = fix_times(spans(nights), units, deadline="5 workdays").set_index("level")
    county = table.loc["县直部门"]
    # a1 2 days, a2 2 days (and back: open again), b1 10 days: 5 working days from 1 July end
    # on the 7th, so a1 and a2 in time, b1 not.
    assert (county["problems"], county["fixed"], county["still_open"]) == (4, 3, 1)
    assert county["median_days"] == 2 and county["came_back"] == 1
    assert county["in_time_share"] == pytest.approx(2 / 3, abs=0.001)
    town = table.loc["乡镇街道"]
    assert (town["problems"], town["fixed"], town["still_open"]) == (1, 0, 1)
    assert pd.isna(town["median_days"]) and pd.isna(town["in_time_share"])


def test_until_reads_only_the_patrols_up_to_that_day(nights):
    got = spans(nights, until=dt.date(2025, 7, 4))
    assert set(got["fingerprint"]) == {"a1", "a2", "b1", "c1"}
    assert got["gone_on"].isna().sum() == 2  # b1 and c1, open as of the 4th
    assert got["days"].max() == 3


@pytest.fixture
def warned(store_url):
    """Warnings given over a week of July 2025 (Mon 7 … Mon 14), each due on the 10th: w1 heeded
    (not found on the 10th), w2 ignored (found on the 10th), w3 came early (found on the 9th),
    w4's unit unread on the 10th and 11th: pending until a night reads it, then heeded; w5 due on
    the 21st, pending; w6 given twice with the same due: one warning."""
    store = open_store(store_url, create=True)
    store.upsert_units([{"id": u, "name": u, "level": "县直部门", "profile": "trs",
                         "entry_url": f"http://{u}/"} for u in "abcd"])  # fmt: skip
    due, later = dt.date(2025, 7, 10), dt.date(2025, 7, 21)
    plan = [
        (dt.date(2025, 7, 7), [warning("w1", "a", due), warning("w2", "a", due),
                               warning("w3", "b", due), warning("w4", "c", due),
                               warning("w6", "b", due)], []),
        (dt.date(2025, 7, 8), [warning("w6", "b", due), warning("w5", "a", later)], []),
        (dt.date(2025, 7, 9), [problem("w3", "b")], []),
        (dt.date(2025, 7, 10), [problem("w2", "a"), problem("w3", "b")], ["c"]),
        (dt.date(2025, 7, 11), [problem("w2", "a")], ["c"]),
        (dt.date(2025, 7, 14), [problem("w2", "a")], []),
    ]
    for day, rows, unread in plan:
        write_patrol(store, as_of=day, crawl_run=1, indicator_set=SET, within="5 workdays",
                     findings=pd.DataFrame(rows, columns=FINDING_COLUMNS),
                     stats={"units_not_observed": unread})  # fmt: skip
    yield store
    store.close()


def test_what_came_of_each_warning(warned):
    got = warning_outcomes(warned)
    outcomes = {r.fingerprint: (r.outcome, None if pd.isna(r.became_problem)
                else r.became_problem.date().day) for r in got.itertuples()}  # fmt: skip
    assert outcomes == {
        "w1": ("heeded", None),
        "w2": ("ignored", 10),
        "w3": ("ignored", 9),
        "w4": ("heeded", None),  # read again on the 14th, not found
        "w5": ("pending", None),
        "w6": ("heeded", None),
    }
    assert len(got) == 6 and got.set_index("fingerprint").loc["w6", "warned_on"].day == 7


def test_a_warning_is_pending_while_its_unit_goes_unread(warned):
    got = warning_outcomes(warned, until=dt.date(2025, 7, 11)).set_index("fingerprint")
    assert got.loc["w4", "outcome"] == "pending"
    assert got.loc["w1", "outcome"] == "heeded" and got.loc["w2", "outcome"] == "ignored"
    on_due_day = warning_outcomes(warned, until=dt.date(2025, 7, 10)).set_index("fingerprint")
    assert on_due_day.loc["w1", "outcome"] == "heeded"  # decided on the due day itself
    assert on_due_day.loc["w5", "outcome"] == "pending"
