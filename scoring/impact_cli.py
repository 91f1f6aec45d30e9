"""`zwgk indicators diff A B --impact --round R [--out FILE.xlsx]` (新指标体系影响评估): round R's
frozen crawl under set A and set B, printed as a summary — the units whose result flips first,
then the biggest movers — and written as an XLSX for the office's meeting
(`scoring.impact_xlsx`); the work is `scoring.impact`."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from scoring.cli import _errors, _fail, _open_store, _row, _say
from scoring.impact import FLIP_ZH, Impact, ImpactError, result_zh
from scoring.impact_xlsx import labels, write_impact
from store.text import console as output_console
from store.text import shown

TOP = 20  # movers printed after the flips


def run_impact(
    set_a: Any,
    set_b: Any,
    round_id: str,
    *,
    out: Path | None,
    database_url: str | None,
    changed: Collection[str] = (),
    top: int = TOP,
) -> Impact:
    """Compute, print and (with ``out``) write the impact; errors exit with status 2."""
    from scoring.impact import impact

    store = _open_store(database_url)
    try:
        got = impact(store, round_id, set_a, set_b)
    except (ImpactError, *_errors()) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    console = output_console()
    for line in summary_lines(got):
        _say(console, line)
    console.print(_table(got, top))
    if out is not None:
        try:
            written = write_impact(got, out, changed=changed)
        except OSError as exc:
            raise _fail(f"--out {out}: {exc}") from None
        _say(console, f"已写入 {written}")
    return got


def summary_lines(got: Impact) -> list[str]:
    """The counts above the table: units, flips each way, the mean change per level."""
    la, lb = labels(got)
    units = got.units
    flips = units["flip"].value_counts()
    lines = [
        f"新指标体系影响评估：轮次 {got.round_id}（{got.as_of}）的抓取数据，{la} → {lb}",
        f"{len(units)} 个单位；结果变化 {int(flips.sum() - flips.get('', 0))} 个（"
        + "，".join(f"{zh} {int(flips.get(k, 0))}" for k, zh in FLIP_ZH.items())
        + "）",
    ]
    for r in got.by_level().itertuples(index=False):
        if r.compared:
            lines.append(
                f"{r.level}：{r.compared} 个单位平均 {r.mean_a:.2f} → {r.mean_b:.2f}"
                f"（{r.mean_change:+.2f}），合格 {r.passed_a} → {r.passed_b}"
            )
    return lines


def _table(got: Impact, top: int) -> Table:
    la, lb = labels(got)
    flips = got.flips
    movers = got.movers()
    movers = movers[~movers["unit_id"].isin(flips["unit_id"])].head(top)
    shown_units = pd.concat([flips, movers])
    table = Table(title=shown(f"结果变化的单位，及分值变化最大的 {len(movers)} 个单位"))
    for header in ("单位", "层级", la, lb, "变化", "排名", "结果", "主要影响指标"):
        table.add_column(header, overflow="fold")
    for r in shown_units.itertuples(index=False):
        rank = f"{_int(r.rank_a)} → {_int(r.rank_b)}"
        result = f"{FLIP_ZH[r.flip]}（{result_zh(r, 'b')}）" if r.flip else result_zh(r, "b")
        _row(table, r.name, r.level, _total(r.total_a), _total(r.total_b), f"{r.change:+.2f}",
             rank, result, got.causes_text(r.causes))  # fmt: skip
    return table


def _total(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.2f}"


def _int(value: Any) -> str:
    return "—" if pd.isna(value) else str(int(value))
