"""Two stored rounds with a 回头看 between them, one-unit and several-unit levels, a one-time
event, a unit not read and an indicator not evaluated — for the checklist notice, the round
report and the documents scan. Problems are planted (tests/round_fixtures.py), scored with a
set whose texts are plain Chinese. Milliseconds, no crawling.

2025Q2 (as of 2025-06-30)             回头看 of 2025Q2          2025Q3 (as of 2025-09-30)
  city  stale news C (new)                                      C again (open)
  d1    stale news A (new)                                      A gone (fixed)
        broken link K1 (new)          K1 fixed                  K1 gone (fixed at 回头看: credit)
        broken link K2 (new)          K2 fixed                  K2 again (regressed)
                                                                late publication L (new, one-time)
  d2    broken link K3 (new)                                    K3 again (open)
  d3    not read                                                stale news D (new); links
                                                                  not evaluated (anti-bot)
  d4    —                                                       not read (anti-bot page)
  t1,t2 nothing                                                 nothing

The state / rectifiable columns are set as the scorer of issue 12 stores them (SQL here, so the
tests do not depend on how the scorer decides them).

Why d1's total changed from 2025Q2 to 2025Q3 (得分变化说明) is stored as hand-made
`round_explanations` lines (`EXPLAINED`, SQL here too: `evaluate_data` on hand-made crawls
computes none, the previous crawl not being one the store can load again): a rules part and a
site part summing exactly to its change 64.2857 → 85.7143.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from round_fixtures import PLANTED, HandMadeCrawl, PlantedFindings, columns, planted
from sqlalchemy import insert, update

from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from store import Store, open_store
from store import rounds as round_store
from store.explanation_models import RoundExplanation
from store.models import Problem, RoundScore
from store.testing import StoreUrls
from store.types import utcnow

SET_YAML = """\
id: t12
version: "2025.3"
name: 政务公开测评指标
pass_line: 60
indicators:
  - id: fresh
    name: 动态要闻类栏目更新及时
    group: [栏目建设, 更新维护, 动态要闻类栏目]
    check: planted_findings
    window: as_of
    points: 6
    deduct: {per_problem: 3}
    suggestion: "「{column}」栏目已{days}天未更新。请及时发布本单位工作动态。"
    description: 动态类栏目超过2周未更新，每个栏目扣3分 [V]。
    source: 测试
  - id: lag
    name: 信息公开及时
    group: [信息发布, 公开时限]
    check: planted_findings
    window: as_of
    points: 4
    deduct: {per_problem: 1}
    suggestion: "{title_quoted}形成后{days}个工作日才公开，超过20个工作日的时限。今后请在信息形成之日起20个工作日内公开。"
    description: 信息应在形成之日起20个工作日内公开，每条扣1分 [V]。
    source: 测试
  - id: links
    name: 无失效链接
    group: [网站运维, 链接可用性]
    check: planted_findings
    window: as_of
    points: 4
    deduct: {per_problem: 1}
    suggestion: "{page_title_quoted}中的链接无法打开（{url}）。请修复或删除失效链接。"
    description: 页面中的链接和附件应能打开，每处扣1分 [L]。
    source: 测试
"""
UNITS = [
    ("city", "江淮市人民政府办公室", "市政府", None),
    ("d1", "江淮市教育局", "市直部门", "city"),
    ("d2", "江淮市财政局", "市直部门", "city"),
    ("d3", "江淮市民政局", "市直部门", "city"),
    ("d4", "江淮市司法局", "市直部门", "city"),
    ("t1", "东山县青松镇人民政府", "乡镇街道", "city"),
    ("t2", "东山县白石乡人民政府", "乡镇街道", "city"),
]
NAME = {u: n for u, n, _, _ in UNITS}
Q2, Q3 = ("2025Q2", dt.date(2025, 6, 30)), ("2025Q3", dt.date(2025, 9, 30))
C, A, D = "http://city.test/c/news", "http://d1.test/c/news", "http://d3.test/c/news"
K1, K2, K3 = "http://d1.test/a/1.html#k1", "http://d1.test/a/2.html#k2", "http://d2.test/a/9.html#k"
L = "http://d1.test/a/5.html"
NOT_EVALUATED = "「政务公开」栏目页面出现人机验证，本轮未能读取"
PAGE = {"page_title": "关于开展安全检查的通知", "url": "http://d1.test/files/x.pdf"}
# d1, 2025Q2 → 2025Q3: +21.4286 = rules −7.1429 (lag) + site +28.5714 (fresh, links, 计分基数)
EXPLAINED = [
    ("d1", "rules", "lag", -7.1429),
    ("d1", "site", "fresh", 21.4286),
    ("d1", "site", "links", 7.8571),
    ("d1", "site", "(计分基数)", -0.7142),
]


def fp(unit: str, indicator: str, subject: str) -> str:
    return fingerprint(unit, indicator, subject)


def _crawl(store: Store, found: list[tuple], unread: set[str]) -> HandMadeCrawl:
    run = store.start_run("full")
    store.finish_run(run)
    units = pd.DataFrame(
        {
            "id": [u for u, *_ in UNITS],
            "name": [n for _, n, _, _ in UNITS],
            "level": [lv for _, _, lv, _ in UNITS],
            "parent": [p for *_, p in UNITS],
            "observed": [u not in unread for u, *_ in UNITS],
        }
    )
    urls = sorted({s.split("#")[0] for _, _, s, _ in found} | {C, A, D})
    owner = {url: url.split("//")[1].split(".")[0] for url in urls}
    cols = columns(*((i, owner[u], u, owner[u] not in unread) for i, u in enumerate(urls, 1)))
    if unread:
        store.record_crawl_issues(
            run,
            [
                {"kind": "anti_bot", "unit_id": u, "host": f"{u}.test", "url": f"http://{u}.test/",
                 "detail": "验证码页面", "at": utcnow()}
                for u in sorted(unread)
            ],
        )  # fmt: skip
    return HandMadeCrawl(units=units, columns=cols, planted=planted(*found), run_id=run)


def _set(store: Store, round_id: str, table: Any, where: dict[str, str], **values: Any) -> None:
    with store.engine.begin() as conn:
        clauses = [getattr(table, k) == v for k, v in where.items()]
        conn.execute(update(table).where(table.round == round_id, *clauses).values(**values))


def build(store: Store, folder: Path) -> None:
    """The two rounds and the 回头看 between them (see the module's docstring)."""
    store.upsert_units(
        [
            {"id": u, "name": n, "level": lv, "parent": p, "profile": "lonsun",
             "entry_url": f"http://{u}.test/"}
            for u, n, lv, p in UNITS
        ]
    )  # fmt: skip
    (folder / "t12.yaml").write_text(SET_YAML, encoding="utf-8")
    indicator_set = load_indicator_set(folder / "t12.yaml")
    news = {"column": "工作动态", "days": 60}
    data = _crawl(
        store,
        [
            ("fresh", "city", C, news),
            ("fresh", "d1", A, news),
            ("links", "d1", K1, PAGE),
            ("links", "d1", K2, PAGE),
            ("links", "d2", K3, PAGE),
        ],
        {"d3", "d4"},
    )
    evaluate_data(store, Q2[0], Q2[1], indicator_set, data)
    # 回头看 of 2025Q2 (what scoring.recheck.apply_recheck stores): K1 and K2 fixed.
    now = utcnow()
    round_store.update_problems(
        store,
        Q2[0],
        [
            {"fingerprint": fp("d1", "links", k), "status": "fixed", "rechecked_at": now}
            for k in (K1, K2)
        ],
    )
    late = {"title": "关于2025年防汛工作的通知", "days": 24}
    data = _crawl(
        store,
        [
            ("fresh", "city", C, news),
            ("links", "d1", K2, PAGE),
            ("lag", "d1", L, late),
            ("links", "d2", K3, PAGE),
            ("fresh", "d3", D, news),
        ],
        {"d4"},
    )
    evaluate_data(store, Q3[0], Q3[1], indicator_set, data)
    _set(store, Q3[0], Problem, {"fingerprint": fp("d1", "lag", L)}, rectifiable=False)
    _set(store, Q3[0], Problem, {"indicator_id": "fresh"}, rectifiable=True)
    _set(
        store,
        Q3[0],
        RoundScore,
        {"unit_id": "d3", "indicator_id": "links"},
        state="not_evaluated",
        reason=NOT_EVALUATED,
    )
    _set(store, Q3[0], RoundScore, {"unit_id": "t1", "indicator_id": "lag"}, state="not_applicable")
    with store.engine.begin() as conn:
        conn.execute(
            insert(RoundExplanation),
            [
                {"round": Q3[0], "unit_id": u, "part": part, "indicator_id": i, "change": change}
                for u, part, i, change in EXPLAINED
            ],
        )


@pytest.fixture(name="report_template", scope="module")
def report_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scoring.checks import base

    folder = tmp_path_factory.mktemp("report_rounds")
    base._load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(base._REGISTRY, PLANTED, PlantedFindings)
        store = open_store(f"sqlite:///{folder}/rounds.sqlite", create=True)
        build(store, folder)
        store.close()
    return folder / "rounds.sqlite"


@pytest.fixture(name="report_store")
def report_store_fixture(report_template: Path, store_urls: StoreUrls, planted_check) -> Store:
    """The two rounds on the suite's backend: a fresh copy for each test."""
    store = open_store(store_urls.copy_of(report_template), create=True)
    yield store
    store.close()
