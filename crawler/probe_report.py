"""What `zwgk units probe` hands back: the onboarding report (rich tables on a terminal, plain
text elsewhere), its JSON, the draft registry (`--write`) and the saved pages (`--save`).

Every crawled value reaches the terminal through `store.text.shown` and the JSON through
`store.text.inert_json`: a portal's page cannot colour or rewrite the operator's screen.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table

from common.vocabulary import COLUMN_CATEGORIES
from common.yamlsource import dump_yaml
from crawler.discover import guess_level
from store.text import inert_json, shown

if TYPE_CHECKING:
    from rich.console import Console

    from crawler.probe import ProbeResult
    from crawler.probe_fetch import Fetch

INDEX_FILE = "index.json"
_EXT = {"robots": ".txt"}


def category_zh(category: str | None) -> str:
    """A category with its Chinese name: "notice 通知公告"."""
    if category is None:
        return "—"
    description = COLUMN_CATEGORIES.get(category, "")
    return f"{category} {description.split(' ')[0]}" if description else category


# -- JSON ------------------------------------------------------------------------------------
def to_json(result: ProbeResult) -> dict[str, Any]:
    """The whole report as JSON-ready data (page bodies left out)."""
    data = dataclasses.asdict(result)
    for fetch in data["fetches"]:
        fetch.pop("body", None)
        fetch.pop("retry_after", None)
    for record, source in zip(data["pagination"], result.pagination, strict=True):
        record["works"] = source.works
    data["unmatched"] = [c.name for c in result.unmatched]
    data["blocked"] = result.blocked
    return inert_json(data)


# -- terminal --------------------------------------------------------------------------------
def _table(out: Console, title: str, *columns: str) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD if out.is_terminal else None,
        show_edge=out.is_terminal,
        pad_edge=False,
    )
    for column in columns:
        table.add_column(column)
    return table


def print_report(result: ProbeResult, out: Console) -> None:
    """The onboarding report, section by section."""
    out.print(shown(f"探测 probe: {result.url}"))
    if result.title:
        out.print(shown(f"页面标题 page title: {result.title}"))
    if result.profile:
        how = "detected by fingerprints" if result.detected else "given or fallback"
        out.print(shown(f"平台 profile: {result.profile} ({how}); 单位 unit: {result.unit_name}"))
    _print_trials(result, out)
    _print_columns(result, out)
    _print_pagination(result, out)
    _print_samples(result, out)
    _print_failures(result, out)
    asked = sum(f.requested for f in result.fetches)
    out.print(shown(f"{asked} requests made."))


def _print_trials(result: ProbeResult, out: Console) -> None:
    if not result.trials:
        return
    table = _table(out, "平台识别 profiles tried", "profile", "score (entry)", "columns", "rows",
                   "fields", "fingerprints found (every page)")  # fmt: skip
    for t in result.trials:
        hits = "; ".join(f"{h.kind} {h.pattern}" for h in t.hits) or "—"
        table.add_row(shown(t.profile), shown(t.score), shown(t.columns), shown(t.rows),
                      shown(t.fields), shown(hits))  # fmt: skip
    out.print(table)


def _print_columns(result: ProbeResult, out: Console) -> None:
    if not result.columns:
        return
    table = _table(out, f"栏目 columns ({len(result.columns)})", "column 栏目", "under",
                   "category 类别", "why")  # fmt: skip
    for c in result.columns:
        style = "" if c.category else "bold red"
        table.add_row(shown(c.name), shown(" / ".join(c.path)),
                      shown(category_zh(c.category) if c.category else "unmatched 未匹配", style),
                      shown(c.reason))  # fmt: skip
    out.print(table)
    if result.unmatched:
        names = ", ".join(c.name for c in result.unmatched)
        out.print(shown(
            f"未匹配栏目 unmatched ({len(result.unmatched)}): {names} — add a rule to the column "
            "map or an `overrides: columns:` entry (docs/registry.md §5)"
        ))  # fmt: skip


def _print_pagination(result: ProbeResult, out: Console) -> None:
    if not result.pagination:
        return
    table = _table(out, "分页 list pages", "column", "rows p.1", "pages claimed", "page fetched",
                   "rows", "new", "works")  # fmt: skip
    for p in result.pagination:
        works = {True: "yes 是", False: "NO 否", None: "not checked"}[p.works]
        table.add_row(shown(p.column), shown(p.rows), shown(p.claimed or "?"),
                      shown(p.other_page), shown(p.other_rows), shown(p.other_new),
                      shown(works, "" if p.works is not False else "bold red"))  # fmt: skip
    out.print(table)


def _print_samples(result: ProbeResult, out: Console) -> None:
    for s in result.samples:
        table = _table(out, f"样例文章 sample article — {category_zh(s.category)} ({s.column})",
                       "field 字段", "value 值", "from 来源")  # fmt: skip
        for f in s.fields:
            table.add_row(shown(f"{f.name} {f.field}"), shown(f.value), shown(f.source))
        out.print(table)
        extra = (f"  {s.url}\n  attachments {s.attachments}, related links {s.related}, body "
                 f"{s.body_chars} characters; not read: {', '.join(s.missing) or 'none'}")  # fmt: skip
        out.print(shown(extra))
    if result.not_sampled:
        out.print(shown(f"未抽样 not sampled (request budget): {', '.join(result.not_sampled)}"))


def _print_failures(result: ProbeResult, out: Console) -> None:
    if not result.failures:
        out.print(shown("问题 failures: none"))
        return
    table = _table(out, "问题 what failed", "problem", "url", "reason")
    for f in result.failures:
        table.add_row(shown(f.problem, "bold red"), shown(f.url), shown(f.reason))
    out.print(table)


# -- --write ---------------------------------------------------------------------------------
def draft_registry(result: ProbeResult) -> str:
    """A draft registry with the probed unit, in `zwgk units discover`'s format."""
    profile = result.profile or "generic"
    unmatched = ", ".join(c.name for c in result.unmatched) or "none"
    header = (
        f"# DRAFT unit registry — written by `zwgk units probe {result.url}`.\n"
        "# Review before crawling: the name comes from the page title, the level is GUESSED from\n"
        "# the name, and the parent is empty. Check with `zwgk units check FILE`.\n"
        f"# Columns no rule matched: {unmatched}.\n"
    )
    unit = {
        "id": result.unit_id or "unit1",
        "name": result.unit_name or result.title or result.url,
        "level": guess_level(result.unit_name or result.title),
        "parent": None,
        "profile": profile,
        "entry": result.url,
    }
    data = {
        "version": 1,
        "name": result.title or f"units probed at {result.url}",
        "defaults": {"robots": "obey"},
        "units": [unit],
    }
    return header + dump_yaml(inert_json(data))


# -- --save ----------------------------------------------------------------------------------
def save_pages(fetches: list[Fetch], directory: Path) -> Path:
    """Write every page fetched (error pages too) as NN-kind.html and an index.json of URL,
    status, Content-Type and fetched time (Beijing), for test fixtures. Returns the index."""
    directory.mkdir(parents=True, exist_ok=True)
    index = []
    for n, fetch in enumerate(fetches, 1):
        entry: dict[str, Any] = {
            "url": fetch.url,
            "kind": fetch.kind,
            "status": fetch.status,
            "content_type": fetch.content_type,
            "fetched_at": fetch.fetched_at,
        }
        if fetch.final_url and fetch.final_url != fetch.url:
            entry["final_url"] = fetch.final_url
        if fetch.problem:
            entry["problem"], entry["error"] = fetch.problem, fetch.error
        if fetch.body is not None:
            name = f"{n:02d}-{fetch.kind}{_EXT.get(fetch.kind, '.html')}"
            _write_whole(directory / name, fetch.body)
            entry["file"] = name
        index.append(entry)
    path = directory / INDEX_FILE
    text = json.dumps(inert_json(index), ensure_ascii=False, indent=1) + "\n"
    _write_whole(path, text.encode("utf-8"))
    return path


def _write_whole(path: Path, data: bytes) -> None:
    """Whole or absent: written under a temporary name, then renamed."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
