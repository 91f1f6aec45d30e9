"""Scoring speed: `zwgk evaluate` on a city-sized store vs reading its articles into pandas.

    python benchmarks/score.py [--units 509] [--articles 1000000] [--db URL] [--keep] [--previous]
                               [--indicators FILE] [--pages sample|none]

Builds a store directly (SQL inserts, no HTTP): 509 units (city government, 40 city departments,
13 counties with 20 departments and 15 townships each), ~16 columns per unit, 1,000,000 articles
with realistic metadata (索引号, 文号 in metadata and body, dates, 有效性, 关键词, related
解读/文件 links, consultation periods), one listing per article (a few listed twice), an
attachment per policy document with link checks, each page's bytes as the crawler stores them
(gzip'd sample-portal pages of real weight, ≈ 7 KB; `--pages none` leaves them out), and planted problems at low rates (stale and
blank columns, missing fields, malformed 索引号, 文号 mismatches, late publication, broken
attachments). Then, each in a fresh process so the peak memory of one does not hide the other:

1. `store.articles_frame()` — the plain read the target is measured against (run twice; the
   second, warm read is the reference);
2. `scoring.round.evaluate` with the indicator set (default: the newest shipped set) —
   load_crawl, every check, scoring, tracking, and storing the round.

Prints both times, the ratio (target ≤ 3), each phase's peak RSS (target ≤ 2 GiB for
evaluate), from `resource.getrusage`, and evaluate's stages: load_crawl, the checks with the
five slowest check types, problems and scores, tracking, storing the round. Asserts nothing
about time (machines differ). `--db URL --keep` reuses a store built by an earlier run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and would shadow nothing here, but
# keep the project's packages first like benchmarks/store.py does.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

AS_OF = dt.date(2025, 6, 30)
START = dt.date(2021, 1, 1)
LEVELS = ("市政府", "市直部门", "县区政府", "县直部门", "乡镇街道")
# category → (column name, share of a unit's articles)
COLUMNS = {
    "news": ("工作动态", 0.40),
    "notice": ("通知公告", 0.14),
    "policy": ("其他文件", 0.12),
    "normative": ("行政规范性文件", 0.04),
    "interpretation": ("政策解读", 0.04),
    "personnel": ("人事信息", 0.05),
    "plan": ("规划计划", 0.03),
    "budget": ("财政预决算", 0.02),
    "key_area": ("环境空气质量", 0.08),
    "key_area2": ("饮用水安全", 0.07),
    "consultation": ("意见征集", 0.005),
    "feedback": ("意见反馈", 0.005),
    "annual_report": ("政府信息公开年报", 0.0),
    "guide": ("政府信息公开指南", 0.0),
    "rules": ("政府信息公开制度", 0.0),
    "org": ("机构职能", 0.0),
}
FIXED_ITEMS = {"annual_report": 5, "guide": 1, "rules": 1, "org": 2}
RATE = {  # planted problems, per article (or per column)
    "blank_field": 0.004,
    "bad_index_no": 0.002,
    "doc_no_mismatch": 0.01,
    "late": 0.01,
    "broken": 0.005,
    "stale_column": 0.02,
    "blank_column": 0.01,
    "duplicate": 0.001,
}
WORDS = [
    "关于",
    "印发",
    "实施方案",
    "通知",
    "工作",
    "意见",
    "加强",
    "推进",
    "落实",
    "深化",
    "改革",
    "建设",
    "管理",
    "服务",
    "规范",
    "监督",
    "考核",
    "评估",
    "项目",
    "资金",
    "安全",
    "生产",
    "教育",
    "卫生",
    "交通",
    "住房",
    "农业",
]


ARTICLE_KEYS = (
    "id", "unit_id", "column_id", "url", "title", "index_no", "publisher", "doc_no",
    "written_date", "publish_date", "validity", "subject", "keywords", "body_text", "date_source",
    "repealed", "listed_date", "first_seen_run", "last_seen_run", "version_run", "content_hash",
    "fetched_at", "extra",
)  # fmt: skip


def article_row(**values: object) -> dict:
    """An articles row with every column present (executemany needs the same keys each row)."""
    return {key: values.get(key) for key in ARTICLE_KEYS}


def units_plan(count: int, city: str = "c", city_name: str = "江淮市") -> list[dict]:
    """City gov, 40 city departments, then counties with 20 departments and 15 townships each
    (``city``: the city government's id, which prefixes the others' beyond the first city)."""
    # The first city's ids and names are those the city benchmark always had.
    short = "" if city == "c" else city_name.removesuffix("市")
    prefix = "" if city == "c" else f"{city}-"
    units = [{"id": city, "name": f"{city_name}人民政府", "level": "市政府", "parent": None}]
    units += [
        {
            "id": f"{city}-d{i:02d}",
            "name": f"{city_name}第{i}局",
            "level": "市直部门",
            "parent": city,
        }
        for i in range(1, 41)
    ]
    county = 0
    while len(units) < count:
        county += 1
        cid = f"{prefix}x{county:02d}"
        units.append(
            {"id": cid, "name": f"{short}第{county}县人民政府", "level": "县区政府", "parent": city}
        )
        units += [
            {
                "id": f"{cid}-d{i:02d}",
                "name": f"{short}第{county}县第{i}局",
                "level": "县直部门",
                "parent": cid,
            }
            for i in range(1, 21)
        ]
        units += [
            {
                "id": f"{cid}-t{i:02d}",
                "name": f"{short}第{county}县第{i}镇",
                "level": "乡镇街道",
                "parent": cid,
            }
            for i in range(1, 16)
        ]
    return units


def stored_pages(count: int = 64) -> list[bytes]:
    """Sample-portal article pages as the store keeps them (gzip): real pages' weight."""
    from demo.generate import make_sample
    from demo.site import article_pages
    from store.rows import gzip_page

    return [gzip_page(page) for page in article_pages(make_sample(seed=1)[0], count)]


def build(
    url: str,
    n_units: int,
    n_articles: int,
    seed: int = 1,
    pages: list[bytes] | None = None,
    units: list[dict] | None = None,
) -> dict:
    """Fill an empty store at ``url``; returns counts. `pages`: gzip'd page bytes stored with
    the articles in turn (None: no page bytes); `units`: the units (default: one city's
    `units_plan(n_units)`), ``n_articles`` shared among them."""
    from store import open_store
    from store.writes import ARTICLES, LINK_CHECKS, LINKS, LISTINGS, PAGES
    from store.writes import COLUMNS as COLUMN_TABLE

    rng = random.Random(seed)
    store = open_store(url, create=True)
    units = units or units_plan(n_units)
    store.upsert_units(
        [
            {**u, "profile": "lonsun", "entry_url": f"http://{u['id']}.example.gov.cn/"}
            for u in units
        ]
    )
    run = store.start_run("full", [u["id"] for u in units], "bench")
    per_unit = n_articles // len(units)
    counts = {"units": len(units), "columns": 0, "articles": 0, "links": 0, "listings": 0}
    column_id = article_id = link_id = 0
    now = dt.datetime.now(dt.UTC)
    span = (AS_OF - START).days
    buffers: dict[str, list[dict]] = {
        "articles": [], "pages": [], "listings": [], "links": [], "checks": []
    }  # fmt: skip

    def flush(force: bool = False) -> None:
        if not force and len(buffers["articles"]) < 20_000:
            return
        with store.engine.begin() as conn:
            for table, key in (
                (ARTICLES, "articles"),
                (PAGES, "pages"),
                (LISTINGS, "listings"),
                (LINKS, "links"),
                (LINK_CHECKS, "checks"),
            ):
                if buffers[key]:
                    conn.execute(table.insert(), buffers[key])
                    buffers[key] = []

    for unit in units:
        uid, host = unit["id"], f"http://{unit['id']}.example.gov.cn"
        code = f"11341{rng.randrange(10**8):08d}X"
        prefix = unit["name"][:2]
        columns = []
        for category, (name, _) in COLUMNS.items():
            column_id += 1
            columns.append((column_id, category, name, f"{host}/col/{category}"))
        with store.engine.begin() as conn:
            conn.execute(
                COLUMN_TABLE.insert(),
                [
                    {"id": cid, "unit_id": uid, "url": curl, "name": name,
                     "category": "key_area" if cat == "key_area2" else cat,
                     "first_seen_run": run, "last_seen_run": run, "last_listed_run": run}
                    for cid, cat, name, curl in columns
                ],
            )  # fmt: skip
        row_counts = {}
        interps: list[tuple[str, str, str]] = []  # (interpretation url, document url, title)
        for cid, category, name, _ in columns:
            blank = rng.random() < RATE["blank_column"] and category not in FIXED_ITEMS
            share = COLUMNS[category][1]
            count = 0 if blank else FIXED_ITEMS.get(category, max(1, round(per_unit * share)))
            row_counts[cid] = count
            stale = rng.random() < RATE["stale_column"]
            newest = AS_OF - dt.timedelta(days=rng.randrange(400, 700) if stale else 0)
            for k in range(count):
                article_id += 1
                url = f"{host}/art/{article_id}.html"
                if category == "annual_report":
                    year = AS_OF.year - 1 - k
                    day = dt.date(year + 1, 1, 10 + rng.randrange(15))
                    title = f"{unit['name']}{year}年政府信息公开工作年度报告"
                elif category in ("key_area", "key_area2"):
                    # Monthly cadence, newest month first.
                    month = (AS_OF.year * 12 + AS_OF.month - 1) - k
                    day = dt.date(month // 12, month % 12 + 1, 5 + rng.randrange(20))
                    day = min(day, AS_OF)
                    title = f"{name}{day:%Y年%m月}情况通报"
                else:
                    day = newest - dt.timedelta(days=int(span * (k / max(count, 1)) ** 1.3))
                    day = max(day, START)
                    title = f"{unit['name']}{''.join(rng.sample(WORDS, 4))}的通知（{article_id}）"
                written = day - dt.timedelta(days=rng.randrange(1, 10))
                if rng.random() < RATE["late"]:
                    written = day - dt.timedelta(days=rng.randrange(40, 90))
                is_doc = category in ("policy", "normative")
                doc_no = f"{prefix}〔{day.year}〕{k + 1}号" if is_doc else None
                extra: dict = {"category": "综合政务"}
                if is_doc:
                    body_no = doc_no
                    if rng.random() < RATE["doc_no_mismatch"]:
                        body_no = f"{prefix}〔{day.year}〕{k + 101}号"
                    extra["body_doc_no"] = body_no
                body = f"{title}。各有关单位：现将有关事项通知如下。"
                if category == "consultation":
                    end = day + dt.timedelta(days=30 + rng.randrange(5))
                    body = f"征求意见时间：{day:%Y年%-m月%-d日}至{end:%Y年%-m月%-d日}。" + body
                    title = f"关于《江淮市{''.join(rng.sample(WORDS, 3))}办法》公开征求意见的公告（{article_id}）"
                if category == "feedback":
                    title = f"《江淮市{''.join(rng.sample(WORDS, 3))}办法》征求意见采纳情况的反馈（{article_id}）"
                if category == "normative":
                    interp_url = f"{host}/art/i{article_id}.html"
                    extra["related"] = [{"url": interp_url, "text": "解读", "kind": "related"}]
                    interps.append((interp_url, url, title))
                index_no = f"{code}/{day:%Y%m}-{k % 100000:05d}"
                if rng.random() < RATE["bad_index_no"]:
                    index_no = f"{code}-{day:%Y%m}{k}"
                row = article_row(**{
                    "id": article_id, "unit_id": uid, "column_id": cid, "url": url,
                    "title": title, "index_no": index_no, "publisher": unit["name"],
                    "doc_no": doc_no, "written_date": written, "publish_date": day,
                    "validity": "有效" if category == "normative" else None,
                    "subject": "综合政务", "keywords": "政务公开", "body_text": body,
                    "date_source": "metadata", "repealed": False, "listed_date": day,
                    "first_seen_run": run, "last_seen_run": run, "version_run": run,
                    "content_hash": f"{article_id:064x}", "fetched_at": now, "extra": extra,
                })  # fmt: skip
                if rng.random() < RATE["blank_field"]:
                    row["keywords"] = None
                if pages:  # as a crawl stores it: in article_pages, under the version's run
                    buffers["pages"].append(
                        {"article_id": article_id, "version_run": run,
                         "html_gz": pages[article_id % len(pages)]}
                    )  # fmt: skip
                buffers["articles"].append(row)
                buffers["listings"].append(
                    {"column_id": cid, "url": url, "title": title, "listed_date": day,
                     "page": k // 15 + 1, "position": k, "first_seen_run": run,
                     "last_seen_run": run}
                )  # fmt: skip
                if rng.random() < RATE["duplicate"]:
                    other = columns[0][0] if cid != columns[0][0] else columns[1][0]
                    buffers["listings"].append(
                        {"column_id": other, "url": url, "title": title, "listed_date": day,
                         "page": 1, "position": 999, "first_seen_run": run, "last_seen_run": run}
                    )  # fmt: skip
                if is_doc:
                    link_id += 1
                    file_url = f"{host}/files/{article_id}.pdf"
                    buffers["links"].append(
                        {"id": link_id, "article_id": article_id, "url": file_url,
                         "kind": "attachment", "text": "附件", "type": "pdf", "on_site": True,
                         "position": 0, "first_seen_run": run, "last_seen_run": run}
                    )  # fmt: skip
                    broken = rng.random() < RATE["broken"]
                    buffers["checks"].append(
                        {"run_id": run, "url": file_url, "checked_at": now,
                         "status_code": 404 if broken else 200,
                         "outcome": "confirmed_broken" if broken else "ok", "attempts": 1}
                    )  # fmt: skip
                counts["articles"] += 1
                flush()
        # Interpretations are written after their documents so both ids exist; each links back.
        interp_column = next(c for c in columns if c[1] == "interpretation")[0]
        for interp_url, doc_url, doc_title in interps:
            article_id += 1
            day = AS_OF - dt.timedelta(days=rng.randrange(span))
            buffers["articles"].append(
                article_row(**{"id": article_id, "unit_id": uid, "column_id": interp_column, "url": interp_url,
                 "title": f"{doc_title}政策解读", "publish_date": day, "written_date": day,
                 "index_no": f"{code}/{day:%Y%m}-{article_id % 100000:05d}", "publisher": unit["name"],
                 "subject": "综合政务", "keywords": "解读", "body_text": "图文解读：" + doc_title,
                 "listed_date": day, "first_seen_run": run, "last_seen_run": run,
                 "version_run": run, "content_hash": f"{article_id:064x}", "fetched_at": now,
                 "extra": {"category": "政策解读",
                           "related": [{"url": doc_url, "text": "文件", "kind": "related"}]}})
            )  # fmt: skip
            buffers["listings"].append(
                {"column_id": interp_column, "url": interp_url, "title": f"{doc_title}政策解读",
                 "listed_date": day, "page": 1, "position": 0, "first_seen_run": run,
                 "last_seen_run": run}
            )  # fmt: skip
            row_counts[interp_column] += 1
            counts["articles"] += 1
        flush()
        store.set_column_counts(run, row_counts)
        counts["columns"] += len(columns)
    flush(force=True)
    counts["links"] = link_id
    store.finish_run(run, "finished", {"benchmark": True})
    store.close()
    return counts


def peak_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_read(url: str) -> dict:
    from store import open_store

    store = open_store(url, create=True)
    started = time.perf_counter()
    frame = store.articles_frame()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(frame), "peak_mib": peak_mib()}


def _timed(owner: object, name: str, seconds: dict[str, float], key: str) -> None:
    """Wrap ``owner.name`` so its wall time adds up in ``seconds[key]`` (key "check:<name>"
    uses the check's own name: time per check type)."""
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            label = f"check:{args[0].name}" if key == "check" else key
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, timed)


def phase_evaluate(url: str, indicators: str | None, previous: bool = False) -> dict:
    import logging

    import scoring.data
    import scoring.round
    import scoring.scorer
    import scoring.tracking
    import store.rounds as round_store
    from scoring.checks.base import Check
    from scoring.indicators import load_indicator_set, newest_set
    from scoring.round import evaluate
    from store import open_store

    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    logging.getLogger("scoring.round").setLevel(logging.INFO)  # stage timings
    store = open_store(url, create=True)
    indicator_set = load_indicator_set(indicators or newest_set())
    # Stage timings: the functions `evaluate` calls, wrapped (a few calls, no measurable cost).
    stages: dict[str, float] = {}
    _timed(scoring.data, "load_crawl", stages, "load")
    _timed(scoring.scorer, "score_crawl", stages, "score")
    _timed(scoring.tracking, "track_round", stages, "track")
    _timed(round_store, "save_round", stages, "store")
    _timed(Check, "run", stages, "check")
    if previous:  # a quarter before, on the same crawl: BENCH is then explained against it
        evaluate(store, "BENCH0", AS_OF - dt.timedelta(days=91), indicator_set, replace=True)
        stages.clear()
    _timed(scoring.round, "explanation", stages, "explain")  # as `scoring.round` calls it
    started = time.perf_counter()
    result = evaluate(store, "BENCH", AS_OF, indicator_set, replace=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "units": len(result.totals),
        "problems": len(result.problems),
        "indicators": len(indicator_set.indicators),
        "set": f"{indicator_set.id} {indicator_set.version}",
        "peak_mib": peak_mib(),
        "stages": stages,
    }


def stage_line(stages: dict[str, float]) -> str:
    """One line: load_crawl, the checks (the five slowest check types), problems and scores,
    tracking, storing the round."""
    checks = {k.split(":", 1)[1]: v for k, v in stages.items() if k.startswith("check:")}
    total = sum(checks.values())
    top = sorted(checks.items(), key=lambda kv: -kv[1])[:5]
    other = stages.get("score", 0.0) - total
    if stages.get("explain"):  # its loads, scorings and checks are counted in it, not above
        return (
            f"explained against the previous round in {stages['explain']:.1f} s (its crawl "
            "loaded, the three scorings); "
            + stage_line({k: v for k, v in stages.items() if k != "explain"})
        )
    return (
        f"load_crawl {stages.get('load', 0):.1f} s, checks {total:.1f} s ("
        + ", ".join(f"{name} {value:.1f} s" for name, value in top)
        + f"), problems and scores {other:.1f} s, tracking {stages.get('track', 0):.1f} s, "
        f"storing the round {stages.get('store', 0):.1f} s"
    )


def child(phase: str, url: str, indicators: str | None, previous: bool = False) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--db", url]
    if indicators:
        command += ["--indicators", indicators]
    if previous:
        command.append("--previous")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{phase} phase failed:\n{done.stderr[-4000:]}")
    for line in done.stderr.splitlines():
        if "round BENCH:" in line:
            print(line)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=509)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="reuse --db if it is already built")
    parser.add_argument(
        "--pages",
        choices=("sample", "none"),
        default="sample",
        help="store each article's page: sample-portal pages of real weight (default), or none",
    )
    parser.add_argument("--indicators", help="indicator set (default: the newest shipped set)")
    parser.add_argument(
        "--previous",
        action="store_true",
        help="evaluate a round a quarter earlier first, so the measured round is explained "
        "against it (得分变化说明: the previous crawl loaded, three more scorings)",
    )
    parser.add_argument("--phase", choices=["read", "evaluate"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        out = (
            phase_read(args.db)
            if args.phase == "read"
            else phase_evaluate(args.db, args.indicators, args.previous)
        )
        print(json.dumps(out))
        return
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as tmp:
        url = args.db or f"sqlite:///{tmp}/score.sqlite"
        if not args.keep:
            started = time.perf_counter()
            pages = stored_pages() if args.pages == "sample" else None
            counts = build(url, args.units, args.articles, pages=pages)
            weight = (
                f", pages of {sum(map(len, pages)) / len(pages) / 1024:.1f} KB gzip'd"
                if pages
                else ", no page bytes"
            )
            print(
                f"built {counts['units']} units, {counts['columns']} columns, "
                f"{counts['articles']:,} articles, {counts['links']:,} attachments{weight} in "
                f"{time.perf_counter() - started:.0f} s ({url})"
            )
        child("read", url, None)  # warm the page cache the same way for both phases
        read = child("read", url, None)
        ev = child("evaluate", url, args.indicators, args.previous)
        print(
            f"read articles into pandas: {read['seconds']:.1f} s ({read['rows']:,} rows), "
            f"peak {read['peak_mib']:.0f} MiB"
        )
        print(
            f"zwgk evaluate ({ev['set']}, {ev['indicators']} indicators): {ev['seconds']:.1f} s, "
            f"{ev['units']} units, {ev['problems']:,} problems, peak {ev['peak_mib']:.0f} MiB"
        )
        print(f"evaluate stages: {stage_line(ev['stages'])}")
        ratio = ev["seconds"] / read["seconds"]
        print(
            f"ratio evaluate / read = {ratio:.2f} (target ≤ 3); evaluate peak memory "
            f"{ev['peak_mib'] / 1024:.2f} GiB (target ≤ 2 GiB)"
        )


if __name__ == "__main__":
    main()
