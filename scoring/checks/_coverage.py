"""Which units a check could judge, and why not (覆盖情况): `Check.coverage` by default.

For each observed unit the indicator applies to:
- **not_evaluated** — every column the check needs was unread this round (anti-bot page,
  timeout, host refused, a list that went from rows to none): nothing seen, nothing credited;
- **partial** — some of them, or some pages listed in them, were unread: the scorer deducts
  what was seen, but gives no full marks for what was not;
- **nothing** — all read, and nothing to judge (no 规范性文件 for "规范性文件均有解读", no item in
  the window): the indicator's `when_nothing` decides (not applicable, or full marks).

The reasons are plain Chinese for the unit: 「工作动态」栏目本轮未能读取（反爬虫页面）.
docs/indicators.md §2.5.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from common.vocabulary import BUILT_IN_CATEGORIES, COLUMN_CATEGORIES
from scoring.checks import _scope
from store.observed import UNREADABLE

if TYPE_CHECKING:
    from scoring.checks.base import Check, CheckContext
    from scoring.data import CrawlData

NOT_EVALUATED, PARTIAL, NOTHING = "not_evaluated", "partial", "nothing"
COVERAGE_COLUMNS = ("unit_id", "state", "reason", "unseen")
# Why a column or page could not be read, as a unit reads it (crawl issue kinds).
UNREAD_ZH = {
    "host_unreachable": "网站无法访问",
    "anti_bot": "反爬虫页面",
    "robots_blocked": "网站禁止采集",
    "http_error": "服务器返回错误",
    "timeout": "访问超时",
    "too_large": "页面过大",
    "extraction_anomaly": "页面内容无法识别",
}
NAMED = 3  # columns or pages named in a reason; more are counted (等N个)


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=int if c == "unseen" else object)
                         for c in COVERAGE_COLUMNS})  # fmt: skip


def rows(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(records), columns=list(COVERAGE_COLUMNS))
    return frame.astype({"unseen": int}) if len(frame) else empty()


def wanted_columns(
    data: CrawlData, ctx: CheckContext, categories: Iterable[str] | None
) -> pd.DataFrame:
    """Columns (read or not) of the in-scope observed units in ``categories`` (None: every
    evaluated category — folders of columns and columns marked not to evaluate left out)."""
    cols = data.columns
    cols = cols[cols["unit_id"].isin(_scope.unit_ids(data, ctx))]
    if categories is not None:
        return cols[cols["category"].isin(set(categories))]
    return cols[~cols["category"].isin(BUILT_IN_CATEGORIES)]


def what_items(categories: Iterable[str] | None) -> str:
    """行政规范性文件类信息 / 重点领域信息 / 政策文件、行政规范性文件类信息 (None or many:
    可评的信息)."""
    names = sorted(category_name(c) for c in categories or ())
    if not 0 < len(names) <= NAMED:
        return "可评的信息"
    text = "、".join(names)
    return text if text.endswith("信息") else f"{text}类信息"


def category_name(category: str) -> str:
    """A column category's Chinese name (common/vocabulary.py): normative → 行政规范性文件."""
    return COLUMN_CATEGORIES.get(category, category).split(" ", 1)[0]


def unread_reasons(data: CrawlData) -> dict[str, str]:
    """URL (no trailing slash) → why the run could not read it, in Chinese."""
    issues = data.crawl_issues
    if issues is None or issues.empty or "kind" not in issues:
        return {}
    bad = issues[issues["kind"].isin(UNREADABLE)]
    return {
        str(url).rstrip("/"): UNREAD_ZH.get(kind, "未能读取")
        for url, kind in zip(bad["url"], bad["kind"], strict=True)
        if isinstance(url, str) and url
    }


def unread_text(names: list[str], whys: Iterable[str], what: str = "栏目") -> str:
    """「工作动态」栏目本轮未能读取（反爬虫页面）; 「甲」「乙」等5个栏目本轮未能读取（…）."""
    quoted = "".join(f"「{n}」" for n in names[:NAMED])
    many = f"等{len(names)}个" if len(names) > NAMED or len(names) > 1 else ""
    kinds = "、".join(sorted(set(whys)))
    return f"{quoted}{many}{what}本轮未能读取" + (f"（{kinds}）" if kinds else "")


def coverage(check: Check, data: CrawlData, params: Any, ctx: CheckContext) -> pd.DataFrame:
    """The default coverage of ``check`` (see the module note); `check.judges` says what its
    items are."""
    if check.judges == "units":
        return empty()
    cats = check.read_categories(params, ctx)
    wanted = check.wanted_columns(data, params, ctx)
    whys = unread_reasons(data)
    counts = wanted.groupby("unit_id").size().to_dict()
    unread = wanted[~wanted["observed"].astype(bool)]
    gone = {u: g for u, g in unread.groupby("unit_id", sort=False)}
    pages = _unread_pages(data, wanted, whys) if check.judges == "articles" else None
    lost = {u: g for u, g in pages.groupby("unit_id", sort=False)} if pages is not None else {}
    judged = _judged_units(check, data, ctx, cats, wanted)
    nothing = f"{ctx.window.zh(ctx.as_of)}没有{what_items(cats)}"
    out = []
    for unit_id in sorted(_scope.unit_ids(data, ctx)):
        if unit_id in gone:
            cols = gone[unit_id]
            names = [_scope.text(n) or _scope.text(u)
                     for n, u in zip(cols["name"], cols["url"], strict=True)]  # fmt: skip
            text = unread_text(names, [whys.get(str(u).rstrip("/"), "") for u in cols["url"]])
            text = "；".join(t for t in (text, _pages_text(lost.get(unit_id))) if t)
            state = NOT_EVALUATED if len(cols) == counts.get(unit_id, 0) else PARTIAL
            out.append({"unit_id": unit_id, "state": state, "reason": text, "unseen": len(cols)})
        elif unit_id in lost:
            text = _pages_text(lost[unit_id])
            out.append({"unit_id": unit_id, "state": PARTIAL, "reason": text, "unseen": 0})
        elif unit_id not in judged:
            out.append({"unit_id": unit_id, "state": NOTHING, "reason": nothing, "unseen": 0})
    return rows(out)


def _judged_units(
    check: Check, data: CrawlData, ctx: CheckContext, cats: Any, wanted: pd.DataFrame
) -> set[str]:
    """Units with at least one item for the check to judge."""
    read = wanted[wanted["observed"].astype(bool)]
    if check.judges == "columns":
        return _scope.distinct(read["unit_id"])
    if check.judges == "column_items":
        items = _scope.column_items(data, read, ctx.as_of)
        return _scope.distinct(
            read.loc[read["id"].isin(_scope.distinct(items["column_id"])), "unit_id"]
        )
    return _scope.unit_ids_in(data, _scope.articles(data, ctx, cats, columns=["unit_id"]))


def _unread_pages(data: CrawlData, wanted: pd.DataFrame, whys: dict[str, str]) -> pd.DataFrame:
    """Pages listed in the wanted read columns that the run could not read (a crawl issue on
    the page, and no stored article): unit_id, title, why."""
    lst = data.listings
    if lst.empty or not whys:
        return pd.DataFrame(columns=["unit_id", "title", "why"])
    read = wanted[wanted["observed"].astype(bool)]
    lst = lst[lst["column_id"].isin(_scope.distinct(read["id"]))]
    key = lst["url"].map(lambda u: str(u).rstrip("/"))
    failed = key.isin(set(whys)).to_numpy(dtype=bool)
    stored = _scope.url_positions(data, lst["url"]) >= 0
    lost = lst[failed & ~stored]
    units = read.set_index("id")["unit_id"]
    return pd.DataFrame(
        {
            "unit_id": lost["column_id"].map(units).to_numpy(),
            "title": [_scope.text(t) for t in lost["title"]],
            "why": [whys[k] for k in key[failed & ~stored]],
        }
    ).drop_duplicates()


def _pages_text(lost: pd.DataFrame | None) -> str:
    if lost is None or lost.empty:
        return ""
    names = [t or "（无标题）" for t in lost["title"]]
    return unread_text(names, lost["why"], "页面").replace("「", "《").replace("」", "》")
