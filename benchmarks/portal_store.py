"""The store benchmarks/portal.py measures: a city of units, a crawl, and two rounds.

- the crawl: benchmarks/score.py's `build` (SQL inserts, no HTTP) over exactly ``n_units``
  units — a unit tree with levels (city government, city departments, counties with their
  departments and townships), columns, articles with their stored pages;
- round ``REAL_ROUND``: that crawl evaluated for real (`scoring.round.evaluate` with the newest
  shipped indicator set), so that publishing it re-scores a crawl the store can load;
- round ``ROUND``: ``n_problems`` problems over the units, written with `store.rounds.save_round`
  from DataFrames the way a round is stored — the same frozen indicator set and crawl run,
  scores per unit × indicator with the set's points, per-problem deductions and caps, totals
  rescaled to 100 with pass/fail and ranks within each level, statuses (new, open, regressed,
  not_comparable, fixed), some decisions (with their `decisions` rows), evidence and suggestion
  text from the indicators' templates, targets on the unit's stored articles where it has
  enough — and published (a `round_publications` row), so unit users can download checklists.

Publishing ``ROUND`` itself would re-score it from the crawl and replace its problems with the
crawl's own findings, so the benchmark measures publishing on ``REAL_ROUND`` instead (and says
so).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROUND = "2025Q2"
REAL_ROUND = "2025Q2-real"
AS_OF = dt.date(2025, 6, 30)
STATUS_SHARES = {"new": 0.45, "open": 0.38, "regressed": 0.05, "not_comparable": 0.02}
FIXED_SHARE = 0.10  # rows of problems fixed since the previous round (no deduction)
DECISION_SHARES = {"confirmed": 0.03, "dismissed": 0.02}
COLUMN_CHECKS = {
    "column_freshness", "blank_column", "periodic_publication", "interpretation_presence",
    "interpretation_forms", "required_columns",
}  # fmt: skip
WORDS = [
    "关于", "印发", "实施方案", "通知", "工作", "意见", "加强", "推进", "落实", "管理", "服务",
    "规范", "教育", "卫生", "交通", "农业",
]  # fmt: skip


def sibling(name: str) -> Any:
    """Another benchmark script as a module (benchmarks/ is not a package, and putting it on
    sys.path would shadow the `store` package with benchmarks/store.py)."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class _Fields(dict):
    """Template fields: the evidence's, then a plausible stand-in for any other."""

    def __missing__(self, key: str) -> str:
        return {"count": "3", "days": "45", "year": "2024"}.get(key, "相关内容")


def _suggestion(indicator: Any, evidence: dict[str, Any]) -> str:
    template = indicator.suggestion
    if isinstance(template, dict):
        template = next(iter(template.values()), "")
    return template.format_map(_Fields(evidence)) if template else ""


def build(url: str, n_units: int, n_problems: int, crawl_articles: int, seed: int = 1) -> dict:
    """Fill an empty store at ``url``; returns what was built."""
    score = sibling("score")
    whole_plan = score.units_plan
    score.units_plan = lambda count: whole_plan(count)[:count]  # exactly n_units
    pages = score.stored_pages() if crawl_articles else None
    crawl = score.build(url, n_units, crawl_articles, seed=seed, pages=pages)

    from scoring.indicators import load_indicator_set, newest_set
    from scoring.round import evaluate
    from store import open_store

    store = open_store(url)
    try:
        indicator_set = load_indicator_set(newest_set())
        real = evaluate(store, REAL_ROUND, AS_OF, indicator_set)
        made = problem_round(store, indicator_set, real.info.crawl_run, n_problems, seed)
    finally:
        store.close()
    return {**crawl, "real_problems": len(real.problems), **made}


def _articles_by_unit(store: Any) -> dict[str, list[str]]:
    from sqlalchemy import select

    from store.writes import ARTICLES

    found: dict[str, list[str]] = defaultdict(list)
    with store.engine.connect() as conn:
        for unit_id, url in conn.execute(select(ARTICLES.c.unit_id, ARTICLES.c.url)):
            found[unit_id].append(url)
    return found


def problem_round(store: Any, indicator_set: Any, run: int, n_problems: int, seed: int) -> dict:
    """Round ``ROUND``: ``n_problems`` problems over the store's units, stored and published."""
    import pandas as pd
    from sqlalchemy import insert, select

    from reports.checklist.data import default_deadline
    from reports.wording import today_in_beijing
    from scoring.scorer import fingerprint
    from store import rounds as round_store
    from store.models import Decision, Unit
    from store.portal_models import RoundPublication
    from store.types import utcnow

    rng = random.Random(seed)
    with store.engine.connect() as conn:
        units = [dict(r._mapping) for r in conn.execute(select(Unit.__table__))]
    articles = _articles_by_unit(store)
    scored = [i for i in indicator_set.indicators if i.deduct is not None and i.points > 0]
    # Skewed like a real round: a few units hold many problems, most a few dozen.
    weights = [rng.lognormvariate(0, 0.8) for _ in units]
    per_unit = [int(n_problems * w / sum(weights)) for w in weights]
    per_unit[0] += n_problems - sum(per_unit)
    now = utcnow()
    problems, decisions = [], []
    used: dict[tuple[str, str], int] = defaultdict(int)
    lost: dict[tuple[str, str], float] = defaultdict(float)
    counted: dict[tuple[str, str], int] = defaultdict(int)
    n = 0
    for unit, count in zip(units, per_unit, strict=True):
        uid, host = unit["id"], f"http://{unit['id']}.example.gov.cn"
        pool = articles.get(uid, [])
        for _ in range(count):
            n += 1
            ind = rng.choice(scored)
            k = used[uid, ind.id]
            used[uid, ind.id] += 1
            if ind.check in COLUMN_CHECKS:
                subject = f"{host}/col/{ind.id}/{k}/"
            else:
                subject = pool[(k * 7919) % len(pool)] if k < len(pool) else f"{host}/art/x{n}.html"
            title = f"{unit['name']}{''.join(rng.sample(WORDS, 4))}的通知"
            evidence = {
                "title": title, "title_quoted": f"《{title}》", "url": subject,
                "column_name": "工作动态", "newest": "2025-03-02", "newest_title": title,
                "published": "2025-05-20", "written": "2025-03-01", "page_url": subject,
                "page_title_quoted": f"《{title}》", "text": "附件", "value": "11341-202501",
            }  # fmt: skip
            roll = rng.random()
            status = "fixed"
            for name, share in STATUS_SHARES.items():
                if roll < share:
                    status = name
                    break
                roll -= share
            decision = None
            pick = rng.random()
            if status != "fixed" and pick < sum(DECISION_SHARES.values()):
                decision = "confirmed" if pick < DECISION_SHARES["confirmed"] else "dismissed"
            present = status in ("new", "open", "regressed")
            nominal = float(ind.deduct.per_problem)
            cap = ind.deduct.amount(10**6, ind.points)
            deduction = 0.0
            if present and decision != "dismissed":
                deduction = round(min(nominal, cap - lost[uid, ind.id]), 4)
                lost[uid, ind.id] += deduction
                counted[uid, ind.id] += 1
            fp = fingerprint(uid, ind.id, subject)
            problems.append(
                {"fingerprint": fp, "unit_id": uid, "indicator_id": ind.id, "subject": subject,
                 "target_url": subject, "weight": 1.0, "nominal": nominal,
                 "deduction": deduction, "evidence": evidence,
                 "suggestion": _suggestion(ind, evidence), "status": status,
                 "first_seen_round": ROUND if status == "new" else "2025Q1",
                 "decision": decision, "rechecked_at": None, "moved_from": None,
                 "rectifiable": ind.rectifiable is not False}
            )  # fmt: skip
            if decision:
                reason = "经核实确属问题" if decision == "confirmed" else "经核实页面已标注"
                decisions.append(
                    {"fingerprint": fp, "decision": decision, "reason": reason, "by": "bench",
                     "at": now}
                )  # fmt: skip
    scores = [
        {"unit_id": u["id"], "indicator_id": i.id, "points": float(i.points),
         "deduction": lost[u["id"], i.id], "score": float(i.points) - lost[u["id"], i.id],
         "problems": counted[u["id"], i.id], "not_applicable": False, "veto": False,
         "bonus": False, "state": "scored", "reason": None}
        for u in units for i in scored
    ]  # fmt: skip
    totals = _totals(units, scores, float(indicator_set.pass_line))
    info = round_store.RoundInfo(
        id=ROUND,
        kind="quarterly",
        as_of=AS_OF,
        crawl_run=run,
        previous_round=None,
        indicator_set_id=str(indicator_set.id),
        indicator_set_version=str(indicator_set.version),
        indicator_set_sha256=indicator_set.sha256,
        indicator_set_text=indicator_set.text,
        pass_line=float(indicator_set.pass_line),
        stats={"problems": sum(counted.values())},
    )
    round_store.save_round(
        store, info, pd.DataFrame(scores), pd.DataFrame(totals), pd.DataFrame(problems)
    )
    with store.engine.begin() as conn:
        if decisions:
            conn.execute(insert(Decision.__table__), decisions)
        conn.execute(
            insert(RoundPublication.__table__).values(
                round=ROUND,
                state="published",
                deadline=default_deadline(today_in_beijing(), 20),
                published_at=now,
                published_by="bench",
            )
        )
    return {"units": len(units), "problems": len(problems), "decisions": len(decisions)}


def _totals(units: list[dict], scores: list[dict], pass_line: float) -> list[dict]:
    """Each unit's total over its scores (rescaled to 100), pass/fail, rank within its level."""
    points: dict[str, float] = defaultdict(float)
    got: dict[str, float] = defaultdict(float)
    problems: dict[str, int] = defaultdict(int)
    for s in scores:
        points[s["unit_id"]] += s["points"]
        got[s["unit_id"]] += s["score"]
        problems[s["unit_id"]] += s["problems"]
    rows = []
    for u in units:
        rescaled = round(got[u["id"]] / points[u["id"]] * 100, 2)
        rows.append(
            {"unit_id": u["id"], "name": u["name"], "level": u["level"], "parent": u["parent"],
             "observed": True, "points": points[u["id"]], "score": got[u["id"]],
             "rescaled": rescaled, "bonus": 0.0, "total": rescaled,
             "problems": problems[u["id"]], "vetoed": False, "passed": rescaled >= pass_line,
             "rank_in_level": None}
        )  # fmt: skip
    by_level: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_level[row["level"]].append(row)
    for level_rows in by_level.values():
        level_rows.sort(key=lambda r: -r["total"])
        for position, row in enumerate(level_rows, 1):
            same = position > 1 and row["total"] == level_rows[position - 2]["total"]
            row["rank_in_level"] = level_rows[position - 2]["rank_in_level"] if same else position
    return rows
