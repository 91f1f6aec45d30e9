"""Store throughput: upsert N articles in batches, re-upsert them unchanged, read them back.

    python benchmarks/store.py [--articles 100000] [--batch 500] [--pages sample|synthetic]
                               [--html-bytes 8000] [--url URL]

Pages stored with each article: by default 64 article pages rendered by the sample portal, which
weigh and compress like real ones (≈ 35–41 KB with their navigation, widgets, scripts and
footer; demo/render/furniture.py); `--pages synthetic` makes pages of `--html-bytes` instead,
`--html-bytes 0` stores none. Without --url a fresh SQLite file in a temporary directory is used. Prints rows/s for each
phase; asserts nothing about time (machines differ), only that every row was stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this module would shadow the
# `store` package it benchmarks.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from store import BatchWriter, open_store  # noqa: E402

UNITS = 500
COLUMNS_PER_UNIT = 10


WORDS = [
    "政务公开",
    "关于",
    "印发",
    "实施方案",
    "通知",
    "工作",
    "意见",
    "加强",
    "推进",
    "全面",
    "落实",
    "深化",
    "改革",
    "发展",
    "建设",
    "管理",
    "服务",
    "单位",
    "部门",
    "人民政府",
    "各县区",
    "市直",
    "有关",
    "规定",
    "要求",
    "按照",
    "组织",
    "开展",
    "检查",
    "监督",
    "考核",
    "评估",
    "信息",
    "公开",
    "政策",
    "解读",
    "文件",
    "规范性",
    "年度",
    "报告",
    "统计",
    "数据",
    "项目",
    "资金",
    "预算",
    "决算",
    "采购",
    "招标",
    "安全",
    "生产",
    "环境",
    "保护",
    "教育",
    "卫生",
    "健康",
    "医疗",
    "社会",
    "保障",
    "就业",
    "住房",
    "交通",
    "农业",
    "农村",
    "乡村",
    "振兴",
]


def _html(rng: random.Random, size: int) -> str:
    """A page of about ``size`` bytes shaped like the saved real pages — mostly markup around
    Chinese prose — which compresses about as well (~3.5×), so the gzip cost is realistic."""
    out = ['<html><head><meta charset="utf-8"><title>通知</title></head><body><ul class="nav">']
    n = 0
    while n < size:
        if rng.random() < 0.5:
            art = rng.randrange(10**7)
            piece = (
                f'<li><a href="/art/2024/{rng.randrange(1, 13)}/{rng.randrange(1, 29)}/'
                f'art_{rng.randrange(9999)}_{art}.html" target="_blank" title="'
                f'{"".join(rng.choices(WORDS, k=6))}">{"".join(rng.choices(WORDS, k=6))}</a>'
                f'<span class="date">2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}'
                "</span></li>\n"
            )
        else:
            piece = f'<p style="text-indent:2em">{"，".join(rng.choices(WORDS, k=12))}。</p>\n'
        out.append(piece)
        n += len(piece.encode())
    return "".join(out) + "</ul></body></html>"


def sample_pages(count: int = 64) -> list[bytes]:
    """Article pages of the sample portal (both platforms, UTF-8 and GBK), as served."""
    from demo.generate import make_sample
    from demo.site import article_pages

    return article_pages(make_sample(seed=1)[0], count)


def article_rows(
    n: int, html_bytes: int, seed: int = 1, pages: list[bytes] | None = None
) -> list[dict]:
    rng = random.Random(seed)
    if pages is None:
        pages = [_html(rng, html_bytes) for _ in range(64)] if html_bytes else [None]
    base = dt.date(2020, 1, 1)
    rows = []
    for i in range(n):
        unit = i % UNITS
        written = base + dt.timedelta(days=rng.randrange(1500))
        rows.append(
            {
                "url": f"http://127.0.0.{unit % 200 + 1}/u{unit}/art/{i}.html",
                "unit_id": f"u{unit}",
                "column_id": unit * COLUMNS_PER_UNIT + i % COLUMNS_PER_UNIT + 1,
                "title": f"关于印发第{i}号工作实施方案的通知",
                "index_no": f"11340100MB{unit:07d}/2024-{i:05d}",
                "publisher": f"第{unit}单位",
                "doc_no": f"江发〔2024〕{i % 300}号",
                "written_date": written,
                "publish_date": written + dt.timedelta(days=rng.randrange(30)),
                "validity": "有效",
                "subject": "综合政务",
                "keywords": "通知",
                "body_text": "正文" * 200,
                "date_source": "meta_table",
                "html": pages[i % len(pages)],
                "links": [{"url": f"/files/{i}.pdf", "kind": "attachment", "type": "pdf"}],
            }
        )
    return rows


def seed_structure(store, run_id: int) -> None:
    store.upsert_units(
        {
            "id": f"u{u}",
            "name": f"第{u}单位",
            "level": "市直部门",
            "parent": None,
            "profile": "lonsun",
            "entry_url": f"http://127.0.0.{u % 200 + 1}/u{u}/",
        }
        for u in range(UNITS)
    )
    for u in range(UNITS):
        store.upsert_columns(
            run_id,
            [
                {
                    "unit_id": f"u{u}",
                    "url": f"http://127.0.0.{u % 200 + 1}/u{u}/col/{c}",
                    "name": f"栏目{c}",
                }
                for c in range(COLUMNS_PER_UNIT)
            ],
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--pages", choices=("sample", "synthetic"), default="sample")
    ap.add_argument("--html-bytes", type=int, default=8000, help="with --pages synthetic")
    ap.add_argument("--url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        store = open_store(url, create=True)
        run = store.start_run("full")
        seed_structure(store, run)
        pages = sample_pages() if args.pages == "sample" else None
        rows = article_rows(args.articles, args.html_bytes, pages=pages)
        sizes = [len(p) for p in pages] if pages else [len((rows[0]["html"] or "").encode())]
        print(
            f"store: {store.url}, {args.articles:,} articles, batches of {args.batch}, "
            f"{args.pages} pages of {sum(sizes) / len(sizes) / 1024:,.1f} KB each"
        )

        t = time.perf_counter()
        with BatchWriter(store, run, size=args.batch) as w:
            for row in rows:
                w.add_article(row)
        first = time.perf_counter() - t
        print(f"  insert   : {first:6.1f} s  {args.articles / first:9,.0f} articles/s  {w.counts}")

        run2 = store.start_run("full")
        t = time.perf_counter()
        with BatchWriter(store, run2, size=args.batch) as w:
            for row in rows:
                w.add_article(row)
        again = time.perf_counter() - t
        print(f"  unchanged: {again:6.1f} s  {args.articles / again:9,.0f} articles/s  {w.counts}")

        t = time.perf_counter()
        frame = store.articles_frame()
        read = time.perf_counter() - t
        print(
            f"  read     : {read:6.1f} s  {len(frame) / read:9,.0f} rows/s into pandas "
            f"({frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB)"
        )
        assert len(frame) == args.articles, (len(frame), args.articles)
        assert (frame["last_seen_run"] == run2).all()
        store.close()


if __name__ == "__main__":
    main()
