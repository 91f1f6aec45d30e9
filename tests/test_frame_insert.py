"""`store.frame_insert.insert_frame`: a frame's rows inserted as they are, a slice at a time."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Boolean, Column, Float, Integer, MetaData, String, Table, create_engine

from store import frame_insert

META = MetaData()
ROWS = Table(
    "rows",
    META,
    Column("n", Integer, primary_key=True),
    Column("name", String),
    Column("share", Float),
    Column("flag", Boolean),
    Column("evidence", JSON),
)


def _frame(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": range(count),
            "name": [None if i % 3 == 0 else f"行{i}" for i in range(count)],
            "share": [np.nan if i % 4 == 1 else i / 2 for i in range(count)],
            "flag": [i % 2 == 0 for i in range(count)],
            "evidence": [{"i": i, "url": f"http://x/{i}"} for i in range(count)],
            "ignored": range(count),  # not a column of the table: left out
        }
    )


def _inserted(frame: pd.DataFrame, per_slice: int) -> list[tuple]:
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with patch.object(frame_insert, "INSERT_ROWS", per_slice), engine.begin() as conn:
        frame_insert.insert_frame(conn, ROWS, frame)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(ROWS.select().order_by(ROWS.c.n))]


def test_every_slice_is_inserted_with_its_values():
    frame = _frame(7)
    expected = [
        (
            i,
            None if i % 3 == 0 else f"行{i}",
            None if i % 4 == 1 else i / 2,
            i % 2 == 0,
            {"i": i, "url": f"http://x/{i}"},
        )
        for i in range(7)
    ]
    assert _inserted(frame, 7) == expected
    for per_slice in (1, 2, 3):  # slices that divide the rows or leave a short last one
        assert _inserted(frame, per_slice) == expected


def test_a_slice_of_a_frame_with_a_sparse_index():
    frame = _frame(5).set_axis([10, 3, 7, 1, 0])
    assert [r[0] for r in _inserted(frame, 2)] == [0, 1, 2, 3, 4]


def test_an_empty_frame_inserts_nothing():
    assert _inserted(_frame(0), 2) == []
