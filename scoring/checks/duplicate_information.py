"""duplicate_information — 信息重复发布: the same information published as two pages in two or
more columns of a unit ("信息多头发布", docs/domain.md §3.7).

The same title is not the same information: a 2025 meeting report and a 2024 公示 may share a
title, and deleting one would delete real news. Two pages carry the same information when
- their metadata give the same 文号 (normalised; neither page a 政策解读, whose metadata may
  repeat its document's 文号), or
- their body texts are near-identical (at least `min_similarity`, measured with rapidfuzz's
  normalised Indel similarity over the text without spaces; both at least `min_body`
  characters) and their publish dates at most `max_days` apart (a yearly notice repeats last
  year's text under this year's date).

Which pages are compared: those of a unit that share a title (normalised), its core (the name in
《》, or the title without a 【…】/转发：/（全文） tag, 关于/印发 and 的通知-type endings), or the 文号
printed at the head of their body. Only those pages' bodies and 文号 are read, so a million-page
crawl is not read twice; a copy under an unrelated title and without a printed 文号 is not
looked for. One page listed in two columns (filed under two categories, 组配分类) is one page,
not a duplicate: there is no copy to delete.

One finding per group of pages holding the same information, subject `dup/<hash of the URL of
the page to keep>`. The target is the copy: pages rank by their column (`prefer`: the
disclosure-content columns before 动态 news), then the later publication is the copy. The
evidence names both pages and says why they are the same (`problem`: `doc_no` — 文号相同, or
`body` — 正文N%相同). With `across_columns: false` copies inside one column count too.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field
from rapidfuzz import fuzz

from scoring.checks import _doc_no, _scope
from scoring.checks._interpretation import INTERPRETATION
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.checks.duplicate_keys import normalise_titles, title_keys
from scoring.data import CrawlData

DEFAULT_PREFER = [
    "normative",
    "policy",
    "notice",
    "interpretation",
    "annual_report",
    "budget",
    "key_area",
    "consultation",
    "feedback",
    "personnel",
    "plan",
    "township_area",
    "news",
]
_SPACE = re.compile(r"\s+")


class DuplicateParams(CheckParams):
    across_columns: bool = True
    prefer: list[str] = Field(default_factory=lambda: list(DEFAULT_PREFER))
    # Shorter titles (“通知”) are too generic to pair pages by; no title is 200 characters long.
    min_length: int = Field(default=6, ge=1, le=200)
    # Share of identical text (0–1) that makes two bodies the same information.
    min_similarity: float = Field(default=0.9, gt=0, le=1)
    # Bodies shorter than this (characters without spaces) are not compared: a page that is
    # only an attachment or a picture says nothing by its text.
    min_body: int = Field(default=50, ge=1, le=100_000)
    # Publish dates of two near-identical bodies at most this many days apart.
    max_days: int = Field(default=30, ge=0, le=3660)


@register
class DuplicateInformation(Check):
    name: ClassVar[str] = "duplicate_information"
    Params = DuplicateParams
    description: ClassVar[str] = (
        "the same information (same 文号 or near-identical body) published in two columns"
    )
    judges: ClassVar[str] = "column_items"

    def find(self, data: CrawlData, params: DuplicateParams, ctx: CheckContext) -> pd.DataFrame:
        wanted = ["id", "unit_id", "column_id", "url", "title", "publish_date", "category"]
        arts = _scope.articles(data, ctx, columns=[*wanted, "body_doc_no"])
        arts = arts[arts["column_id"].notna().to_numpy(dtype=bool)]
        candidates = _candidates(arts, params)
        if candidates.empty:
            return findings([])
        rows = data.article_columns(candidates, ["doc_no"])
        bodies = data.body_text(rows["id"].astype("int64").unique())
        bodies = dict(zip(bodies.index, bodies.to_numpy(dtype=object), strict=True))
        rows = rows.assign(
            doc_key=[
                _doc_no.normalise(v) if isinstance(v, str) and _doc_no.valid(v) else None
                for v in rows["doc_no"].to_numpy(dtype=object)
            ],
            text=[
                _SPACE.sub("", str(bodies.get(int(i), "") or ""))
                for i in rows["id"].to_numpy(dtype="int64")
            ],
        )
        rows.loc[(rows["category"] == INTERPRETATION).to_numpy(dtype=bool), "doc_key"] = None
        edges = _same_information(rows, params)
        return findings(_findings(rows, edges, data, params))


def _candidates(arts: pd.DataFrame, params: DuplicateParams) -> pd.DataFrame:
    """The pages that share a pairing key (title, title core or printed 文号) with another page
    of their unit, with a `group` number per shared key (a page may be in several groups)."""
    titles = normalise_titles(arts["title"])
    keys = [
        # A title, its untagged form and its core share one namespace: a copy titled with
        # the document's name pairs with the document "关于印发《name》的通知".
        ("t", titles),
        *(("t", derived) for derived in title_keys(titles)),
        ("b", _printed_doc_nos(arts["body_doc_no"])),
    ]
    del titles  # held by `keys` until the loop below hands each key over
    # Integer codes, not strings: a page, its unit and a key as numbers, one hash pass each.
    pos_of: dict[str, list] = {"t": [], "b": []}
    values_of: dict[str, list] = {"t": [], "b": []}
    while keys:
        tag, key = keys.pop(0)
        values = key.to_numpy(dtype=object)
        present = np.flatnonzero(key.notna().to_numpy(dtype=bool))
        if tag == "t":  # short titles (通知) are too generic to pair pages by
            short = params.min_length
            present = present[[len(v) >= short for v in values[present]]]
        pos_of[tag].append(present)
        values_of[tag].append(values[present])
        del key, values
    pos_all, codes, offset = [], [], 0
    for tag in ("t", "b"):  # one factorization per namespace, codes offset apart
        found = pd.factorize(np.concatenate(values_of.pop(tag)))[0].astype("int64")
        # The keys' strings (a normalised copy of every title) go here, before the
        # grouping below: a city's million titles are its largest transient.
        pos_all.append(np.concatenate(pos_of[tag]))
        codes.append(found + offset)
        offset += int(found.max(initial=-1)) + 1
        del found
    pos_all = np.concatenate(pos_all)
    key_code = np.concatenate(codes)
    unit_code = pd.factorize(arts["unit_id"])[0].astype("int64")[pos_all]
    group = key_code * (int(unit_code.max(initial=0)) + 1) + unit_code
    keyed = pd.DataFrame({"pos": pos_all, "group": group}).drop_duplicates()
    shared = keyed["group"].duplicated(keep=False).to_numpy()
    keyed = keyed[shared]
    if keyed.empty:
        return arts.iloc[:0].assign(group=pd.Series(dtype="int64"))
    if params.across_columns:  # a group inside one column (a daily report) pairs nothing
        column = arts["column_id"].to_numpy()[keyed["pos"].to_numpy()]
        spread = pd.Series(column).groupby(keyed["group"].to_numpy()).nunique()
        keyed = keyed[keyed["group"].isin(spread.index[spread.to_numpy() >= 2]).to_numpy()]
    out = arts.iloc[keyed["pos"].to_numpy()].copy()
    out["group"] = keyed["group"].to_numpy()
    return out


def _same_information(rows: pd.DataFrame, params: DuplicateParams) -> list[tuple[Any, Any, dict]]:
    """(row label, row label, why) for each pair of distinct pages in one group that hold the
    same information: the same metadata 文号, else near-identical bodies with close dates."""
    edges = []
    done: set[tuple[Any, Any]] = set()
    # Plain arrays walked group by group: a pandas selection per group costs more than the
    # comparisons on a city's thousands of small groups.
    ordered = rows.assign(page_label=rows.index).sort_values("group", kind="stable")
    groups = ordered["group"].to_numpy()
    members_all = list(
        _scope.rows(ordered, ["page_label", "url", "column_id", "publish_date", "doc_key", "text"])
    )
    bounds = np.flatnonzero(np.diff(groups)) + 1
    for start, stop in zip(
        np.concatenate([[0], bounds]), np.concatenate([bounds, [len(groups)]]), strict=True
    ):
        members = members_all[start:stop]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (min(a.page_label, b.page_label), max(a.page_label, b.page_label))
                if a.url == b.url or pair in done:
                    continue
                if params.across_columns and a.column_id == b.column_id:
                    continue
                why = _why(a, b, params)
                if why is not None:
                    done.add(pair)
                    edges.append((a.page_label, b.page_label, why))
    return edges


def _why(a: Any, b: Any, params: DuplicateParams) -> dict | None:
    if a.doc_key is not None and a.doc_key == b.doc_key:
        return {"problem": "doc_no", "doc_no": a.doc_key}
    if min(len(a.text), len(b.text)) < params.min_body:
        return None
    if pd.isna(a.publish_date) or pd.isna(b.publish_date):
        return None
    if abs((a.publish_date - b.publish_date).days) > params.max_days:
        return None
    similarity = fuzz.ratio(a.text, b.text, score_cutoff=params.min_similarity * 100) / 100
    if similarity < params.min_similarity:
        return None
    return {"problem": "body", "similarity": int(similarity * 100)}


def _findings(
    rows: pd.DataFrame, edges: list[tuple[Any, Any, dict]], data: CrawlData, params: DuplicateParams
) -> list[dict]:
    """One finding per connected group of pages holding the same information (plain Python
    over the few pages in pairs: per-group pandas selections cost seconds on a city)."""
    parent: dict[Any, Any] = {}

    def root(x: Any) -> Any:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    pairs_of: dict[Any, list[tuple[Any, dict]]] = {}
    for a, b, why in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
        pairs_of.setdefault(a, []).append((b, why))
        pairs_of.setdefault(b, []).append((a, why))
    pages = rows[~rows.index.duplicated()]
    page = {
        label: row
        for label, row in zip(
            pages.index,
            _scope.rows(pages, ["unit_id", "column_id", "url", "title", "publish_date"]),
            strict=True,
        )  # fmt: skip
    }
    col = data.columns.set_index("id")
    category, column_name = col["category"].to_dict(), col["name"].to_dict()
    rank = {c: i for i, c in enumerate(params.prefer)}
    components: dict[Any, list[Any]] = {}
    for label in sorted(pairs_of):
        components.setdefault(root(label), []).append(label)

    def order(label: Any) -> tuple:
        row = page[label]
        day = row.publish_date
        undated = day is None or pd.isna(day)
        return (rank.get(category.get(row.column_id), len(rank)), undated,
                None if undated else day, row.url)  # fmt: skip

    out = []
    for members in components.values():
        ranked = sorted(members, key=order)
        keep, copy = page[ranked[0]], page[ranked[-1]]
        why = _pair_why(pairs_of, set(members), ranked[-1])
        names = [str(column_name.get(page[m].column_id)) for m in ranked]
        out.append(
            {
                "unit_id": copy.unit_id,
                "subject": f"dup/{_scope.short_hash(keep.url)}",
                "target_url": copy.url,
                "evidence": {
                    **why,
                    "title": _scope.text(copy.title),
                    "url": copy.url,
                    "column_name": column_name.get(copy.column_id),
                    "published": _scope.iso(copy.publish_date),
                    "other_title": _scope.text(keep.title),
                    "other_url": keep.url,
                    "other_column_name": column_name.get(keep.column_id),
                    "other_published": _scope.iso(keep.publish_date),
                    "other_urls": sorted({page[m].url for m in ranked} - {copy.url}),
                    "columns": sorted(set(names)),
                    "count": len(ranked),
                    "why": _why_zh(why),
                },
            }
        )
    return out


def _pair_why(pairs_of: dict[Any, list[tuple[Any, dict]]], members: set[Any], copy: Any) -> dict:
    """Why the copy is the same information: its own pairing, the 文号 one first."""
    mine = [why for other, why in pairs_of.get(copy, ()) if other in members]
    mine.sort(key=lambda w: w["problem"] != "doc_no")
    return mine[0] if mine else {"problem": "body", "similarity": 0}


def _why_zh(why: dict) -> str:
    if why["problem"] == "doc_no":
        return f"文号同为{why['doc_no']}"
    return f"正文{why['similarity']}%相同"


def _printed_doc_nos(values: pd.Series) -> pd.Series:
    """The normalised 文号 each body prints first (None where it prints none): normalised only
    where there is one (most pages have none), each distinct one once."""
    out = np.full(len(values), None, dtype=object)
    known: dict[str, str] = {}
    raw = values.to_numpy(dtype=object, na_value=None)
    for i in np.flatnonzero(pd.notna(raw)):
        value = raw[i]
        if str(value).strip():
            if value not in known:
                known[value] = _doc_no.normalise(value)
            out[i] = known[value]
    return pd.Series(out, index=values.index, dtype=object)
