"""What the portal keeps of a round per process — the problem list's index (portal/round_index.py)
and the units' results (portal/unit_results.py): read once per round version, so that every
list page after the first sends one query, for its rows; a round rewritten in place (`zwgk
recheck`) is a new version, shown as it now is at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from portal_data_fixtures import ALL_Q2, listed
from portal_data_fixtures import rounds_fixture as rounds_fixture  # noqa: F401
from portal_data_fixtures import rounds_template_fixture as rounds_template_fixture  # noqa: F401
from round_fixtures import planted_check as planted_check  # noqa: F401
from sqlalchemy import event

from portal.problem_filter import ProblemFilter
from portal.problem_query import query
from portal.round_index import FEW_VALUES, _among
from portal.unit_results import unit_result
from store import rounds as round_store
from store.rounds import round_scores_frame, round_totals_frame


@contextmanager
def statements(store) -> Iterator[list[str]]:
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split())[:80])

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_after_the_first_page_each_page_sends_one_query_for_its_rows(rounds):
    store = rounds.store
    listed(store, "")  # the round's context and its index are read
    filters = [
        ProblemFilter("2025Q2", statuses=("new",), sort="deduction", descending=True, page=2,
                      per_page=3),
        ProblemFilter("2025Q2", sort="first_seen", page=3, per_page=3),
        ProblemFilter("2025Q2", indicator="fresh", decision="none"),
        ProblemFilter("2025Q2", unit_ids=("dept1", "t1"), sort="status"),
    ]  # fmt: skip
    for f in filters:
        with statements(store) as sent:
            page = query(store, f, None)
        # round_context's one small query, then the page's rows: no count, no paging query
        assert len(sent) == 2 and sent[1].startswith("SELECT problems.fingerprint"), sent
        assert page.rows and page.total <= ALL_Q2


def test_values_the_round_does_not_hold_match_nothing(rounds):
    store = rounds.store
    assert listed(store, "indicator=no-such-indicator").total == 0
    assert listed(store, "unit=no-such-unit").total == 0
    assert listed(store, "status=expired").total == 0  # a status no row of the round has


@st.composite
def coded_column(draw) -> tuple[np.ndarray, list[str], list[str]]:
    """Codes into ``values`` (-1: none), and wanted values, some the column does not hold."""
    values = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), unique=True, max_size=30))
    codes = draw(st.lists(st.integers(-1, len(values) - 1), max_size=60))
    wanted = draw(st.lists(st.sampled_from(values), max_size=len(values))) if values else []
    wanted += draw(st.lists(st.text("xyz", min_size=1, max_size=2), max_size=3))
    return np.array(codes, dtype=np.int32), values, wanted


@given(coded_column())
def test_among_matches_a_row_exactly_when_its_value_is_wanted(column):
    """Both ways `_among` works — a comparison a value, or a lookup table past FEW_VALUES."""
    codes, values, wanted = column
    expected = [code >= 0 and values[code] in wanted for code in codes]
    assert _among(codes, values, wanted).tolist() == expected


def test_among_is_checked_on_both_sides_of_few_values():
    values = [f"u{i}" for i in range(3 * FEW_VALUES)]
    codes = np.arange(-1, len(values), dtype=np.int32)
    for many in (FEW_VALUES, FEW_VALUES + 1, 2 * FEW_VALUES):
        wanted = values[1 : 1 + many]
        assert _among(codes, values, wanted).tolist() == [
            code >= 0 and values[code] in wanted for code in codes
        ]


def test_a_round_rewritten_in_place_is_listed_as_it_now_is_at_once(rounds):
    store = rounds.store
    new = [row.fingerprint for row in listed(store, "status=new&per_page=200").rows]
    round_store.update_problems(store, "2025Q2", [{"fingerprint": new[0], "status": "fixed"}])
    assert new[0] not in [row.fingerprint for row in listed(store, "status=new").rows]
    (row,) = [r for r in listed(store, "status=fixed&per_page=200").rows if r.fingerprint == new[0]]
    assert row.status == "fixed"
    assert listed(store, "status=new").total == len(new) - 1


def test_an_index_is_read_once_by_requests_arriving_together(rounds, monkeypatch):
    from portal import round_index

    reads = []
    read = round_index.RoundIndex.read.__func__

    def counted(cls, store, round_id):
        reads.append(round_id)
        time.sleep(0.2)  # long enough for every other thread to miss too
        return read(cls, store, round_id)

    monkeypatch.setattr(round_index.RoundIndex, "read", classmethod(counted))
    store = rounds.store
    pages = []
    threads = [
        threading.Thread(target=lambda: pages.append(listed(store, "status=new"))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(pages) == 6 and len({page.total for page in pages}) == 1
    assert reads == ["2025Q2"]


def test_a_units_total_rewritten_in_place_is_shown_at_once(rounds):
    store = rounds.store
    before = unit_result(store, "2025Q2", "dept1")
    totals = round_totals_frame(store, "2025Q2").drop(columns="round", errors="ignore")
    scores = round_scores_frame(store, "2025Q2").drop(columns="round", errors="ignore")
    totals.loc[totals["unit_id"] == "dept1", "score"] = before.score - 7
    round_store.replace_unit_results(store, "2025Q2", scores, totals)
    assert unit_result(store, "2025Q2", "dept1").score == before.score - 7
