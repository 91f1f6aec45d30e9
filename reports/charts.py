"""The round report's charts (matplotlib, PNG bytes): score distribution per level, problems by
indicator group, and the trend over rounds.

Figures are built with the object API (`Figure`), not pyplot, so nothing global is left behind
and no GUI backend is needed; the CJK font comes from `reports.fonts`.

Without a CJK font matplotlib warns once per missing glyph — dozens of lines on a fresh machine,
and an exception under ``python -W error``. `reports.fonts` has said it once already, so while a
chart is drawn without one those warnings are silenced (here only: `warnings.catch_warnings`,
not a global filter). With a CJK font they stay: a missing glyph then is news.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
from collections.abc import Iterator, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from common import vocabulary
from reports import fonts

DPI = 110
WIDTH = 9.0  # inches: about the width of the HTML page's content
STATUS_COLOURS = {"new": "#e45756", "open": "#f2a541", "regressed": "#8e44ad"}
# boxplot's `vert` is deprecated from matplotlib 3.10, which has `orientation` instead.
HORIZONTAL = (
    {"orientation": "horizontal"}
    if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)
STATUS_ZH = {status: vocabulary.STATUS_ZH[status] for status in vocabulary.PRESENT}


MISSING_GLYPH = r"Glyph \d+ .*missing from (current )?font"


# matplotlib's settings (rcParams) are one global dict and its pyplot state is not thread-safe:
# the portal draws charts in a server's worker threads, where one chart leaving its rc_context
# would put the default font back under another still drawing (its Chinese text as boxes).
_ONE_AT_A_TIME = threading.Lock()


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    """matplotlib set up for Chinese text (see the module docstring for the warnings), one
    chart at a time in this process."""
    with (
        _ONE_AT_A_TIME,
        matplotlib.rc_context(fonts.rc_params()),
        warnings.catch_warnings(),
    ):
        if fonts.cjk_family() is None:
            warnings.filterwarnings("ignore", MISSING_GLYPH, UserWarning)
        yield


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # No "Software" entry: the bytes depend on the data, not on the matplotlib version string.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _empty(fig: Figure, text: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color="#555")


def score_distribution(units: pd.DataFrame, levels: Sequence[str], pass_line: float) -> bytes:
    """A box per level with every unit's total as a dot (vetoed units as red crosses) and the
    pass line; units without a total (not observed) are left out."""
    with _drawing():
        scored = units[units["total"].notna()]
        shown = [lv for lv in levels if (scored["level"] == lv).any()]
        fig = Figure(figsize=(WIDTH, 1.2 + 0.75 * max(len(shown), 1)), layout="constrained")
        if not shown:
            _empty(fig, "本轮没有得分的单位")
            return _png(fig)
        ax = fig.add_subplot()
        rng = np.random.default_rng(0)  # fixed jitter: the same round draws the same picture
        data = [scored.loc[scored["level"] == lv, "total"].to_numpy(float) for lv in shown]
        y = np.arange(len(shown))[::-1]
        ax.boxplot(data, positions=y, widths=0.5, showfliers=False, **HORIZONTAL,
                   medianprops={"color": "#333"}, boxprops={"color": "#777"})  # fmt: skip
        for pos, lv in zip(y, shown, strict=True):
            part = scored[scored["level"] == lv]
            jitter = pos + rng.uniform(-0.18, 0.18, len(part))
            vetoed = part["vetoed"].astype(bool).to_numpy()
            ax.scatter(part["total"][~vetoed], jitter[~vetoed], s=18, color="#4c78a8", zorder=3)
            ax.scatter(part["total"][vetoed], jitter[vetoed], s=30, color="#d62728", marker="x",
                       zorder=3, label="单项否决")  # fmt: skip
        if scored["vetoed"].astype(bool).any():
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[:1], labels[:1], loc="lower left", fontsize=9)
        ax.axvline(pass_line, color="#d62728", linestyle="--", linewidth=1)
        ax.text(pass_line, len(shown) - 0.45, f" 合格线 {pass_line:g}", color="#d62728",
                va="bottom", fontsize=9)  # fmt: skip
        ax.set_yticks(y, [f"{lv}（{len(d)}家）" for lv, d in zip(shown, data, strict=True)])
        ax.set_ylim(-0.6, len(shown) - 0.2)
        low = min(float(scored["total"].min()), pass_line)
        ax.set_xlim(max(0.0, low - 5), max(100.0, float(scored["total"].max())) + 2)
        ax.set_xlabel("得分")
        ax.set_title("各层级得分分布")
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def problems_by_group(groups: pd.DataFrame) -> bytes:
    """Problems counted this round per 二级指标, coloured by 一级指标 (summary.by_group)."""
    with _drawing():
        fig = Figure(figsize=(WIDTH, 1.4 + 0.38 * max(len(groups), 1)), layout="constrained")
        if groups.empty:
            _empty(fig, "本轮未发现问题")
            return _png(fig)
        ax = fig.add_subplot()
        palette = matplotlib.colormaps["tab10"].colors
        colour = {g: palette[i % len(palette)] for i, g in enumerate(groups["group1"].unique())}
        labels = [
            g2 if g1 == g2 else f"{g1} · {g2}"
            for g1, g2 in zip(groups["group1"], groups["group2"], strict=True)
        ]
        y = np.arange(len(groups))[::-1]
        bars = ax.barh(y, groups["problems"], color=[colour[g] for g in groups["group1"]])
        ax.bar_label(bars, [f"{n}（{s * 100:.0f}%）" for n, s in
                            zip(groups["problems"], groups["share"], strict=True)],
                     padding=3, fontsize=9)  # fmt: skip
        ax.set_yticks(y, labels)
        ax.set_xlim(0, float(groups["problems"].max()) * 1.2 + 1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("问题数")
        ax.set_title("问题按指标分组（一级 · 二级指标）")
        handles = [Patch(color=c, label=g) for g, c in colour.items()]
        ax.legend(handles=handles, loc="lower right", fontsize=9, title="一级指标")
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def trend(
    rounds: pd.DataFrame, levels: Sequence[str], labels: dict[str, str] | None = None
) -> bytes:
    """Left: mean score per level in each stored round (``labels``: a level's legend text, e.g.
    市政府（仅1家） for a level of one unit); right: problems per round by status (counted: new,
    open, regressed) with the fixed ones as a line."""
    with _drawing():
        fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
        left, right = fig.subplots(1, 2)
        x = np.arange(len(rounds))
        names = rounds["round"].astype(str).tolist()
        for lv in levels:
            values = pd.to_numeric(rounds[lv], errors="coerce") if lv in rounds else None
            if values is not None and values.notna().any():
                left.plot(x, values, marker="o", label=(labels or {}).get(lv, lv))
        rotation = 45 if len(names) > 6 else 0  # round ids side by side stop fitting
        left.set_xticks(x, names, rotation=rotation)
        left.set_xlim(-0.5, len(rounds) - 0.5)
        left.set_ylabel("平均分")
        left.set_title("各层级平均分")
        left.grid(alpha=0.3)
        if left.get_legend_handles_labels()[0]:
            left.legend(fontsize=8)
        bottom = np.zeros(len(rounds))
        for status, colour in STATUS_COLOURS.items():
            values = rounds[status].to_numpy(float)
            right.bar(x, values, bottom=bottom, color=colour, width=0.55, label=STATUS_ZH[status])
            bottom += values
        right.plot(x, rounds["fixed"], color="#2ca02c", marker="s", label="已整改")
        right.set_xticks(x, names, rotation=rotation)
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_xlim(-0.5, len(rounds) - 0.5)
        right.set_ylim(0, max(float(bottom.max()), float(rounds["fixed"].max()), 1.0) * 1.15)
        right.set_ylabel("问题数")
        right.set_title("各轮问题数")
        right.grid(axis="y", alpha=0.3)
        right.legend(fontsize=8)
        return _png(fig)
