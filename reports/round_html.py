"""The round report as one self-contained HTML page (测评情况报告.html): inline CSS, charts as
base64 PNG ``data:`` URIs, nothing fetched from anywhere — it can be mailed or opened offline.

Numbers are formatted here, so the template (templates/round.html.j2) only places them.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
from typing import Any

import jinja2
import pandas as pd

from patrol.history import HEEDED, IGNORED, OUTCOME_ZH, PENDING
from reports import charts, round_change
from reports.round_data import RoundReportData
from reports.wording import cn_date, percent, points, round_label, signed
from scoring.durations import parse_duration

BEIJING = dt.timezone(dt.timedelta(hours=8))
KIND_ZH = {"quarterly": "季度测评", "special": "专项检查"}
TOP_INDICATORS = 10
DASH = "—"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _num(value: Any, digits: int = 2) -> str:
    return DASH if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def _int(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _passed(row: Any) -> bool:
    return row.passed is not None and not pd.isna(row.passed) and bool(row.passed)


def _trend_css(change: Any) -> str:
    if pd.isna(change) or change == 0:
        return ""
    return "up" if change > 0 else "down"


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def chart_images(data: RoundReportData) -> list[dict[str, Any]]:
    """The charts as ``{id, title, png}`` (drawn here; `render` embeds them)."""
    return [
        {
            "id": "scores",
            "title": "各层级得分分布",
            "png": charts.score_distribution(data.units, data.levels, data.info.pass_line),
        },
        {
            "id": "groups",
            "title": "问题按指标分组（一级、二级指标）",
            "png": charts.problems_by_group(data.summary.by_group),
        },
        {
            "id": "trend",
            "title": "历轮趋势：各层级平均分与问题数",
            "png": charts.trend(
                data.trend.assign(round=data.trend["round"].map(round_label)),
                data.levels,
                {lv: f"{lv}（仅1家）" for lv in data.single_levels},
            ),
        },
    ]


def embedded(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each chart with its ``data:`` URI (``src``) and its size in pixels, for an ``<img>``."""
    out = []
    for image in images:
        width, height = _png_size(image["png"])
        src = "data:image/png;base64," + base64.b64encode(image["png"]).decode("ascii")
        out.append(image | {"src": src, "width": width, "height": height})
    return out


def fix_cells(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a time-to-fix table (`reports.fix_tables`) with the median days and the share
    in time as text (— when nothing was fixed)."""
    return [
        r
        | {
            "median_days": DASH if pd.isna(r["median_days"]) else points(r["median_days"]),
            "in_time_share": DASH if pd.isna(r["in_time_share"]) else percent(r["in_time_share"]),
        }
        for r in frame.to_dict("records")
    ]


def _patrol(data: RoundReportData) -> dict[str, Any] | None:
    """The time-to-fix section's context; None when no patrol ran up to the as-of day."""
    found = data.patrol
    if found is None:
        return None
    return {
        "days": found.days,
        "first": cn_date(found.first),
        "last": cn_date(found.last),
        "deadline": parse_duration(found.deadline).zh,
        "fix": fix_cells(found.fix),
        "warnings": found.warnings.to_dict("records"),
        "outcomes": [OUTCOME_ZH[o] for o in (HEEDED, IGNORED, PENDING)],
    }


def _per_unit(total: float, units: int) -> str:
    return DASH if not units else signed(total / units)


def _movement(data: RoundReportData) -> dict[str, Any]:
    """The 得分变化原因 part's context: the sentences and the table's rows, or the one note."""
    found = data.movement
    if found is None or found.note:
        return {"note": found.note if found is not None else "", "rows": [], "sentences": []}
    frame = found.levels
    # The three parts always; 重新计算差异 and 未能分解 only when some level has them.
    parts = [
        p
        for p in round_change.SHOWN_PARTS
        if p in round_change.ALWAYS or frame[p].round(2).ne(0).any()
    ]
    rows = []
    for r in frame.to_dict("records"):
        n = r["units"]
        rows.append(
            {
                "level": r["level"],
                "units": n,
                "change": _per_unit(r["change"], n),
                "parts": [_per_unit(r[p], n) for p in parts],
            }
        )
    return {
        "note": "",
        "sentences": list(found.sentences),
        "headers": [round_change.part_title(p) for p in parts],
        "rows": rows,
    }


def _ranking(units: pd.DataFrame, single_levels: frozenset[str]) -> list[dict[str, Any]]:
    out = []
    for level, part in units.groupby("level", sort=False):
        rows = []
        for r in part.itertuples(index=False):
            change = r.change
            alone = level in single_levels and not pd.isna(r.rank_in_level)
            rows.append(
                {
                    "rank": DASH if alone else _int(r.rank_in_level),
                    "name": r.name,
                    "parent": r.parent_name,
                    "total": _num(r.total),
                    "change": DASH if pd.isna(change) else f"{change:+.2f}",
                    "change_css": _trend_css(change),
                    "problems": int(r.problems),
                    "new": r.new,
                    "fixed": r.fixed,
                    "regressed": r.regressed,
                    "verdict": r.verdict,
                    "css": "unscored" if not r.observed else ("" if _passed(r) else "fail"),
                }
            )
        out.append({"level": level, "rows": rows})
    return out


def render(data: RoundReportData, images: list[dict[str, Any]]) -> str:
    """The HTML text of the report, with ``images`` (from `chart_images`) embedded."""
    info, summary = data.info, data.summary
    charts_ctx = embedded(images)
    levels = [
        r
        | {
            "average": _num(r["average"])
            + ("（仅1家，为该单位得分）" if r["level"] in data.single_levels else "")
        }
        for r in summary.by_level.to_dict("records")
    ]
    groups = [
        r | {"points_lost": _num(r["points_lost"], 1), "share": f"{r['share'] * 100:.1f}%"}
        for r in summary.by_group.to_dict("records")
    ]
    top = data.indicators[data.indicators["counted"] > 0]
    top = top.sort_values("counted", ascending=False, kind="stable").head(TOP_INDICATORS)
    counties = [
        r
        | {
            "total": _num(r["total"]),
            "rank": _int(r["rank_in_level"]),
            "township_average": _num(r["township_average"]),
            "township_passed": f"{r['township_passed']}/{r['townships']}",
        }
        for r in summary.counties.to_dict("records")
    ]
    template = _env().get_template("round.html.j2")
    return template.render(
        title=f"政务公开{KIND_ZH.get(info.kind, '测评')}情况报告（{round_label(info.id)}）",
        as_of=info.as_of.isoformat(),
        indicator_set=data.indicator_set_name,
        pass_line=f"{info.pass_line:g}",
        crawl_run=info.crawl_run,
        previous_round=round_label(info.previous_round) if info.previous_round else None,
        generated_at=dt.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M"),
        paragraph=data.paragraph,
        levels=levels,
        charts=charts_ctx,
        groups=groups,
        indicators=top.to_dict("records"),
        ranking=_ranking(data.units, data.single_levels),
        counties=counties,
        unread=data.unread.to_dict("records"),
        not_evaluated=data.not_evaluated.to_dict("records"),
        patrol=_patrol(data),
        movement=_movement(data),
    )
