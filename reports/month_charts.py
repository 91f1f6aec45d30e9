"""The monthly monitoring report's charts (PNG bytes), drawn as the round report's are
(`reports.charts`: the object API, the CJK font, one chart at a time): problems found and fixed
side by side per indicator group or level, the month's warnings by outcome per level, and each
night's problems and warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from patrol.history import HEEDED, IGNORED, OUTCOME_ZH, PENDING
from reports.charts import WIDTH, _drawing, _empty, _png

FOUND, FIXED = "#e45756", "#2ca02c"
OUTCOME_COLOURS = {HEEDED: "#2ca02c", IGNORED: "#e45756", PENDING: "#bbbbbb"}


def found_and_fixed(labels: list[str], found: list[int], fixed: list[int], title: str) -> bytes:
    """Two bars per label, found (新发现) and fixed (已整改), labels top to bottom."""
    with _drawing():
        fig = Figure(figsize=(WIDTH, 1.4 + 0.5 * max(len(labels), 1)), layout="constrained")
        if not labels:
            _empty(fig, "本月没有新发现或已整改的问题")
            return _png(fig)
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        for values, colour, name, shift in (
            (found, FOUND, "新发现", 0.2),
            (fixed, FIXED, "已整改", -0.2),
        ):
            bars = ax.barh(y + shift, values, height=0.38, color=colour, label=name)
            ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, max([*found, *fixed, 1]) * 1.15 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("问题数")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def warning_outcomes(counts: pd.DataFrame) -> bytes:
    """Per level (not the 合计 row), the month's warnings stacked by outcome."""
    with _drawing():
        body = counts.iloc[:-1] if len(counts) else counts
        fig = Figure(figsize=(WIDTH, 1.4 + 0.5 * max(len(body), 1)), layout="constrained")
        if body.empty:
            _empty(fig, "本月未发出预警")
            return _png(fig)
        ax = fig.add_subplot()
        y = np.arange(len(body))[::-1]
        left = np.zeros(len(body))
        for outcome, colour in OUTCOME_COLOURS.items():
            values = body[outcome].to_numpy(float)
            ax.barh(y, values, left=left, color=colour, label=OUTCOME_ZH[outcome], height=0.5)
            left += values
        ax.set_yticks(y, body["level"].tolist())
        ax.set_xlim(0, float(left.max()) * 1.1 + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("预警数")
        ax.set_title("本月预警及其结果（截至月末）")
        ax.legend(loc="lower right", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def nightly(nights: pd.DataFrame) -> bytes:
    """Each patrol's problems and warnings, by day."""
    with _drawing():
        fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
        ax = fig.add_subplot()
        days = pd.to_datetime(nights["as_of"])
        ax.plot(days, nights["problems"], marker="o", color=FOUND, label="问题")
        ax.plot(days, nights["warnings"], marker="s", color="#f2a541", label="预警")
        ax.set_xticks(
            days, [f"{d.month}/{d.day}" for d in days], rotation=45 if len(days) > 10 else 0
        )
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(float(nights[["problems", "warnings"]].to_numpy().max()), 1.0) * 1.15)
        ax.set_ylabel("数量")
        ax.set_title("每次巡查的问题数和预警数")
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)
        return _png(fig)
