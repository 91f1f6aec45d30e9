"""The table of why a unit's total changed since the previous round (得分变化说明), beside
`store.models` on the same metadata (migration 0019 mirrors it); the rule is `scoring.explain`,
the reads `store.explanations`."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, _round_fk


class RoundExplanation(Base):
    """Why a unit's total changed since the previous round (得分变化说明, `scoring.explain`): one
    line per part (rules / site / decisions / recomputed) and indicator (or the base and bonus
    lines), in points of the total; a unit's lines sum exactly to its change. Written with the
    round's rows; a unit without a total in either round has none."""

    __tablename__ = "round_explanations"

    round: Mapped[str] = _round_fk()
    unit_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    part: Mapped[str] = mapped_column(String(16), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    change: Mapped[float] = mapped_column(Float, nullable=False)
