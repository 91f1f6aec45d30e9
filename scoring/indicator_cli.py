"""`zwgk indicators validate | list | explain | diff` — read and check indicator sets (指标体系).

FILE and SET arguments are a YAML path or a shipped set's id (`base`, `2025Q2`); without one the
newest shipped set is used, as `zwgk evaluate` does. `diff A B --impact --round R` also scores
round R's frozen crawl under both sets (`scoring.impact_cli`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from common.vocabulary import LEVELS
from scoring.cli import DB_OPTION
from scoring.indicators import (
    Indicator,
    IndicatorError,
    IndicatorSet,
    category_name,
    check_types,
    load_indicator_set,
    newest_set,
)

app = typer.Typer(
    help="Indicator sets (指标体系): validate, list, explain one indicator, diff two sets "
    "(--impact: what B does to a round's results).",
    no_args_is_help=True,
)

FILE_ARG = typer.Argument(None, help="Set YAML file or shipped set id (default: the newest set).")
KIND_ZH = {"deduction": "扣分项", "veto": "单项否决", "bonus": "加分项"}


def _load(path_or_id: str | None) -> IndicatorSet:
    try:
        return load_indicator_set(path_or_id or newest_set())
    except IndicatorError as exc:
        typer.echo(f"error: {len(exc.problems)} problem(s):\n{exc}", err=True)
        raise typer.Exit(1) from None


@app.command("validate")
def validate_command(file: str | None = FILE_ARG) -> None:
    """Check a set (and the sets it extends); print every problem as FILE:LINE, or a summary."""
    loaded = _load(file)
    kinds = [i.kind for i in loaded.indicators]
    counts = ", ".join(f"{n} {k}" for k in KIND_ZH if (n := kinds.count(k)))
    unchecked = sorted({i.check for i in loaded.indicators if check_types()[i.check] is None})
    chain = f" (extends {' → '.join(loaded.extends)})" if loaded.extends else ""
    typer.echo(
        f"{loaded.path}: OK — {loaded.id} {loaded.version}{chain}: {len(kinds)} indicators "
        f"({counts}), {loaded.total_points:g} points, pass line {loaded.pass_line:g}; "
        f"sha256 {loaded.sha256[:12]}"
    )
    if unchecked:
        typer.echo(f"note: params not validated, check(s) not registered: {', '.join(unchecked)}")


def applies_summary(indicator: Indicator) -> str:
    """applies_to in a few words: levels, column categories, date range."""
    scope = indicator.applies_to
    parts = ["全部层级" if set(scope.levels) == set(LEVELS) else "、".join(scope.levels)]
    if scope.categories:
        parts.append(", ".join(scope.categories))
    if scope.date_from or scope.date_until:
        parts.append(f"{scope.date_from or ''}~{scope.date_until or ''}")
    return "; ".join(parts)


def _points(indicator: Indicator) -> str:
    if indicator.veto:
        return "否决"
    return f"+{indicator.points:g}" if indicator.bonus else f"{indicator.points:g}"


@app.command("list")
def list_command(file: str | None = FILE_ARG) -> None:
    """One row per indicator: id, group, check, points, applies_to."""
    loaded = _load(file)
    table = Table(
        title=f"{loaded.name} ({loaded.id} {loaded.version})",
        caption=f"扣分项合计 {loaded.total_points:g} 分，合格线 {loaded.pass_line:g} 分",
    )
    for column in ("id", "group", "check", "points", "applies_to"):
        table.add_column(column, overflow="fold", justify="right" if column == "points" else "left")
    for i in loaded.indicators:
        table.add_row(i.id, " / ".join(i.group), i.check, _points(i), applies_summary(i))
    Console().print(table)


def params_of(indicator: Indicator) -> dict[str, Any]:
    """The indicator's parameters as plain values (defaults included once validated)."""
    if isinstance(indicator.params, BaseModel):
        return indicator.params.model_dump(mode="json", by_alias=True)
    return json.loads(json.dumps(indicator.params, default=str))


def _yaml(value: Any) -> str:
    """A parameter value on one line, as it would be written in the YAML."""
    text = yaml.safe_dump(
        value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=1 << 20
    )
    return text.strip().removesuffix("...").strip()


def _given(params: BaseModel) -> set[str]:
    """Parameter names (as written in YAML, aliases included) the set gave explicitly."""
    fields = type(params).model_fields
    return {fields[name].alias or name for name in params.model_fields_set}


def explain_text(loaded: IndicatorSet, indicator: Indicator) -> str:
    """Everything about one indicator, in Chinese, for an evaluator."""
    scope = indicator.applies_to
    lines = [
        f"指标 {indicator.id}：{indicator.name}",
        f"指标组（一级/二级/三级）：{' / '.join(indicator.group)}",
        f"指标集：{loaded.name}（{loaded.id} {loaded.version}，{loaded.path}）",
        f"类型：{KIND_ZH[indicator.kind]}",
    ]
    if indicator.veto:
        reason = indicator.veto.reason or "出现任一问题即判定不合格"
        lines.append(f"否决：{reason}")
    else:
        deduct = indicator.deduct
        cap = f"，最多{deduct.max:g}分" if deduct.max is not None else ""
        verb = "每项加" if indicator.bonus else "每个问题扣"
        lines.append(f"分值：{indicator.points:g}分；{verb}{deduct.per_problem:g}分{cap}")
    lines.append(f"适用单位层级：{'、'.join(scope.levels)}")
    if scope.categories:
        named = [f"{c}（{category_name(c)}）" for c in scope.categories]
        lines.append("适用栏目类别：" + "；".join(named))
    else:
        lines.append("适用栏目类别：不限（由检查类型决定）")
    if scope.date_from or scope.date_until:
        lines.append(f"适用日期：{scope.date_from or '不限'} 至 {scope.date_until or '不限'}")
    model = check_types().get(indicator.check)
    lines.append(f"检查类型：{indicator.check}")
    params = params_of(indicator)
    if params:
        given = _given(indicator.params) if isinstance(indicator.params, BaseModel) else params
        lines.append("参数：")
        for key, value in params.items():
            note = "" if key in given else "  （默认值）"
            lines.append(f"  {key}: {_yaml(value)}{note}")
    else:
        lines.append("参数：无")
    if model is None:
        lines.append("  （该检查类型尚未注册，参数未校验）")
    lines.append(
        "不适用单位：" + ("、".join(indicator.not_applicable) if indicator.not_applicable else "无")
    )
    if isinstance(indicator.suggestion, dict):
        lines.append("整改建议模板（按问题类型）：")
        lines += [f"  {kind}: {text}" for kind, text in indicator.suggestion.items()]
    elif indicator.suggestion:
        lines.append(f"整改建议模板：{indicator.suggestion}")
    lines += [
        f"内容要求（对单位）：{indicator.requirement or '（未写）'}",
        f"依据（对单位）：{indicator.basis or '（未写）'}",
        f"说明（编写者）：{indicator.description}",
        f"出处（编写者）：{indicator.source}",
    ]
    lines += _origin_lines(loaded.origins.get(indicator.id, {}))
    return "\n".join(lines)


def _origin_lines(origins: dict[str, str]) -> list[str]:
    """Where the indicator is defined, and which keys later files of the chain changed."""
    if "" not in origins:
        return []
    home = origins[""].rsplit(":", 1)[0]
    out = [f"定义位置：{origins['']}"]
    changed: dict[str, list[str]] = {}
    for key, where in origins.items():
        file = where.rsplit(":", 1)[0]
        if key and key != "id" and file != home:
            changed.setdefault(file, []).append(key)
    out += [f"修改：{file}（{'、'.join(keys)}）" for file, keys in changed.items()]
    return out


@app.command("explain")
def explain_command(
    indicator_id: str = typer.Argument(..., metavar="ID", help="Indicator id, e.g. freshness.news"),
    set_file: str | None = typer.Option(
        None, "--set", help="Set YAML file or id (default: newest)."
    ),
) -> None:
    """Everything about one indicator: scope, check, params, points, suggestion, source."""
    loaded = _load(set_file)
    try:
        indicator = loaded.get(indicator_id)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    typer.echo(explain_text(loaded, indicator))


def flat(indicator: Indicator) -> dict[str, Any]:
    """The indicator as dotted keys → values, for comparing two versions of it."""
    data = indicator.model_dump(mode="json", exclude={"params"})
    data["params"] = params_of(indicator)
    out: dict[str, Any] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        else:
            out[key] = value

    walk(data, "")
    return out


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def changed_keys(a: IndicatorSet, b: IndicatorSet) -> dict[str, list[str]]:
    """The indicators both sets hold that B changed, in B's order: id → the dotted keys."""
    old_ids = {i.id: i for i in a.indicators}
    out = {}
    for i in b.indicators:
        if i.id in old_ids:
            before, after = flat(old_ids[i.id]), flat(i)
            changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
            if changed:
                out[i.id] = changed
    return out


def diff_lines(a: IndicatorSet, b: IndicatorSet) -> list[str]:
    """Added, removed and changed indicators (with the keys and values that changed)."""
    lines = [f"{a.id} {a.version} ({a.path}) → {b.id} {b.version} ({b.path})"]
    for key in ("name", "pass_line", "total_points"):
        old, new = getattr(a, key), getattr(b, key)
        if old != new:
            lines.append(f"set {key}: {_show(old)} → {_show(new)}")
    old_ids = {i.id: i for i in a.indicators}
    new_ids = {i.id: i for i in b.indicators}
    for i in b.indicators:
        if i.id not in old_ids:
            lines.append(f"+ {i.id}  {i.name} ({i.check}, {_points(i)})")
    for i in a.indicators:
        if i.id not in new_ids:
            lines.append(f"- {i.id}  {i.name} ({i.check}, {_points(i)})")
    for i_id, changed in changed_keys(a, b).items():
        before, after = flat(old_ids[i_id]), flat(new_ids[i_id])
        lines.append(f"~ {i_id}  {new_ids[i_id].name}")
        lines += [f"    {k}: {_show(before.get(k))} → {_show(after.get(k))}" for k in changed]
    if len(lines) == 1:
        lines.append("no differences in the indicators")
    return lines


@app.command("diff")
def diff_command(
    set_a: str = typer.Argument(..., help="The older set (file or id)."),
    set_b: str = typer.Argument(..., help="The newer set (file or id)."),
    impact: bool = typer.Option(
        False,
        "--impact",
        help="Also score round --round's frozen crawl under both sets (新指标体系影响评估): "
        "totals, ranks, pass/fail (合格/不合格) per unit, the units whose result flips, the "
        "indicators behind the movement.",
    ),
    round_id: str | None = typer.Option(
        None, "--round", help="With --impact: the round whose crawl, day and decisions are used."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="With --impact: write the XLSX (概况, 单位, 指标影响, 结果变化的单位)."
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """What changed from SET_A to SET_B: added (+), removed (-), changed (~) indicators; with
    --impact --round R, what the change does to every unit's result on round R's crawl."""
    if not impact and (round_id or out):
        typer.echo("error: --round and --out go with --impact", err=True)
        raise typer.Exit(2)
    if impact and not round_id:
        typer.echo("error: --impact needs --round R (the round whose crawl to score)", err=True)
        raise typer.Exit(2)
    a, b = _load(set_a), _load(set_b)
    typer.echo("\n".join(diff_lines(a, b)))
    if impact:
        from scoring.impact_cli import run_impact

        typer.echo("")
        run_impact(a, b, round_id, out=out, database_url=database_url, changed=changed_keys(a, b))
