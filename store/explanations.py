"""Why each unit's total changed since the previous round (得分变化说明), as the round stored it
(`round_explanations`, written by `scoring.round` from `scoring.explain` right after the
round's rows, once its crawl is let go): the
lines, and per unit the change with its parts beside the two rounds' totals."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import delete, select

from store.core import Store
from store.frame_insert import insert_frame
from store.rounds import EXPLANATIONS, TOTALS, RoundInfo, _frame

LINE_COLUMNS = ["unit_id", "part", "indicator_id", "change"]


def write_explanation(
    store: Store,
    round_id: str,
    lines: pd.DataFrame | None,
    unit_ids: Sequence[str] | None = None,
) -> None:
    """Store a round's explanation (`LINE_COLUMNS`; ``unit_ids``: a city's part, its units'
    lines only) in one transaction, replacing what was there; None leaves none (a first round,
    or one whose previous inputs could not be read again)."""
    e = EXPLANATIONS.c
    with store.engine.begin() as conn:
        stmt = delete(EXPLANATIONS).where(e.round == round_id)
        if unit_ids is not None:
            stmt = stmt.where(e.unit_id.in_(list(unit_ids)))
        conn.execute(stmt)
        if lines is not None and len(lines):
            insert_frame(conn, EXPLANATIONS, lines[LINE_COLUMNS].assign(round=round_id))


def explanation_lines(
    store: Store, round_id: str, unit_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """The round's lines (`LINE_COLUMNS`), by unit, part and indicator."""
    e = EXPLANATIONS.c
    stmt = (
        select(*(e[c] for c in LINE_COLUMNS))
        .where(e.round == round_id)
        .order_by(e.unit_id, e.part, e.indicator_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(e.unit_id.in_(list(unit_ids)))
    return _frame(store, stmt)


def has_explanation(store: Store, round_id: str) -> bool:
    """Whether the round was stored with its explanation (rounds stored before revision 0019,
    and first rounds, were not: a first round has nothing to compare with)."""
    with store.engine.connect() as conn:
        return (
            conn.execute(
                select(EXPLANATIONS.c.round).where(EXPLANATIONS.c.round == round_id).limit(1)
            ).first()
            is not None
        )


def unit_changes(
    store: Store, info: RoundInfo, unit_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per unit with a total in both this round and its previous one: before, after, change
    and the sum of each part's lines (a part without lines is 0). Empty for a first round."""
    if not info.previous_round:
        return pd.DataFrame(columns=["unit_id", "before", "after", "change"])
    t = TOTALS.c
    both = []
    for rid in (info.previous_round, info.id):
        stmt = select(t.unit_id, t.total).where(t.round == rid, t.total.is_not(None))
        if unit_ids is not None:
            stmt = stmt.where(t.unit_id.in_(list(unit_ids)))
        both.append(_frame(store, stmt).set_index("unit_id")["total"].astype(float))
    out = pd.DataFrame({"before": both[0], "after": both[1]}).dropna()
    out["change"] = (out["after"] - out["before"]).round(4)
    lines = explanation_lines(store, info.id, unit_ids)
    parts = lines.pivot_table(
        index="unit_id", columns="part", values="change", aggfunc="sum", fill_value=0.0
    )
    out = out.join(parts, how="left").fillna(0.0)
    return out.reset_index(names="unit_id")
