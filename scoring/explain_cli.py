"""`zwgk explain` (得分变化说明): why each unit's total changed since the previous round — the
indicator set, the site, the evaluators' decisions — per indicator; the work is
`scoring.explain`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from scoring.cli import DB_OPTION, _errors, _fail, _open_store, _row, _say
from scoring.explain import BASE, BONUS, PART_ZH, PARTS, ExplainError, Explanation
from store.text import console as output_console
from store.text import shown

LINE_ZH = {BASE: "计分基数变化（参与计分的指标变了，原有失分的权重随之变化）", BONUS: "加分项"}


def explain_command(
    round_id: str = typer.Option(..., "--round", help="The round whose change to explain."),
    unit: list[str] = typer.Option(
        [], "--unit", "-u", help="Only these units, with each indicator's line (repeatable)."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """得分变化说明: each unit's total against the previous round, split into the indicator
    set's change (指标体系调整), the site's change (网站自身变化) and the evaluators' decisions
    (测评人员核定), summing exactly to the change. With --unit, each part per indicator."""
    from scoring.explain import explain_round

    store = _open_store(database_url)
    try:
        previous, info, explained = explain_round(store, round_id, unit_ids=unit or None)
        names = _unit_names(store)
    except (ExplainError, *_errors()) as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()
    console = output_console()
    missing = sorted(set(unit) - set(explained.units["unit_id"]))
    if missing:
        raise _fail(
            f"no change to explain for {', '.join(missing)}: not a unit of both rounds, or a "
            f"crawl of {previous.id} or {round_id} could not read it"
        )
    indicator_names = {i.id: i.name for r in (previous, info) for i in _frozen(r).indicators}
    console.print(_units_table(explained, names, previous.id, round_id))
    if unit:
        for unit_id in unit:
            _say(console, "")
            _unit_lines(console, explained, unit_id, names, indicator_names)


def _frozen(info: Any) -> Any:
    from scoring.round import frozen_set

    return frozen_set(info)


def _unit_names(store: Any) -> dict[str, str]:
    units = store.units_frame()
    return dict(zip(units["id"], units["name"], strict=True))


def _points(value: float) -> str:
    return f"{value:+.2f}" if round(value, 2) != 0 else "0"


def _units_table(explained: Explanation, names: dict[str, str], before: str, after: str) -> Table:
    table = Table(title=shown(f"得分变化说明 — {before} → {after}"))
    for header in ("单位", before, after, "变化", *(PART_ZH[p] for p in PARTS), "结论"):
        table.add_column(header)
    for r in explained.units.itertuples(index=False):
        verdict = _verdict(r)
        _row(table, names.get(r.unit_id, r.unit_id), f"{r.before:.2f}", f"{r.after:.2f}",
             _points(r.change), *(_points(getattr(r, p)) for p in PARTS), verdict)  # fmt: skip
    return table


def _verdict(row: Any) -> str:
    if row.passed_before == row.passed_after:
        return ""
    became = "合格" if row.passed_after else "不合格"
    veto = f"（单项否决：{row.vetoed_after}）" if row.vetoed_after and not row.passed_after else ""
    return f"变为{became}{veto}"


def _unit_lines(
    console: Console,
    explained: Explanation,
    unit_id: str,
    names: dict[str, str],
    indicator_names: dict[str, str],
) -> None:
    row, lines = explained.for_unit(unit_id)
    if row is None:
        return
    table = Table(title=shown(f"{names.get(unit_id, unit_id)}：{row.before:.2f} → {row.after:.2f}"))
    for header in ("原因", "指标", "分值变化"):
        table.add_column(header)
    order = {p: i for i, p in enumerate(PARTS)}
    lines = lines.assign(o=lines["part"].map(order), a=-lines["change"].abs())
    for r in lines.sort_values(["o", "a"]).itertuples(index=False):
        what = LINE_ZH.get(r.indicator_id) or indicator_names.get(r.indicator_id, r.indicator_id)
        _row(table, PART_ZH[r.part], what, _points(r.change))
    if lines.empty:
        _say(console, f"{names.get(unit_id, unit_id)}：得分未变化。")
        return
    console.print(table)
    _say(console, f"合计 {_points(float(pd.Series(lines['change']).sum()))} 分")
