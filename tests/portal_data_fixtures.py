"""Two hand-made rounds over a small unit tree, for the portal's data layer (portal/lifecycle,
problem_query, decisions, answers, round_views, evidence). Milliseconds, no crawling.

The tree: city departments dept1 (江淮市教育局), dept2 (江淮市财政局); county c1 (金安区) with its
department c1d and township t1; county c2 (裕安区) with township t2. Findings are planted
(tests/round_fixtures.py) and scored with a real indicator set YAML:

- ``fresh`` (a column not updated; rectifiable), ``undated`` (an article without a date;
  rectifiable), ``late`` (a document published late: `rectifiable: false`, a one-time event);
- dept1 has an article titled `SCRIPT_TITLE`, whose page is stored (with another one's) so the
  evidence view has something to show; c2 has no problem at all;
- 2025Q1 holds a few of the same problems, so 2025Q2 has open ones beside new ones.

`Rounds.rescore` evaluates a stored round again from the same hand-made data — what
`scoring.round.reevaluate` does with a real crawl — so tests can publish these rounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from round_fixtures import PLANTED, HandMadeCrawl, PlantedFindings, columns, planted

from portal.problem_filter import ProblemFilter
from portal.problem_query import query
from scoring.checks import base
from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from store import Store, open_store
from store.testing import StoreUrls, backend_url

SET_YAML = """\
id: portal-test
version: "1"
name: 门户测试指标
pass_line: 60
indicators:
  - id: fresh
    name: 动态要闻类栏目更新及时
    group: [栏目建设, 更新维护]
    check: planted_findings
    window: as_of
    points: 6
    deduct: {per_problem: 3}
    suggestion: "「{column}」栏目已{days}天未更新。请及时发布本单位工作动态。"
    description: 动态类栏目超过2周未更新，每个栏目扣3分。
    source: test
  - id: undated
    name: 信息标注发布日期
    group: [信息发布, 元数据规范]
    check: planted_findings
    window: as_of
    points: 4
    deduct: {per_problem: 1}
    suggestion: "{title}未标注发布日期。请补充发布日期。"
    description: 信息应标注发布日期，每条扣1分。
    source: test
  - id: late
    name: 文件公开及时
    group: [信息发布, 公开时效]
    check: planted_findings
    window: as_of
    points: 4
    rectifiable: false
    deduct: {per_problem: 2}
    suggestion: "《{title}》（{doc_no}）于{published}公开，超过20个工作日。今后请在规定时限内公开。"
    description: 文件应在形成之日起20个工作日内公开，每件扣2分。
    source: test
"""
SCRIPT_TITLE = "<script>alert(1)</script><b>x</b>"
LATE_TITLE = "关于印发《江淮市教育督导办法》的通知"
LATE_DOC_NO = "江教〔2025〕3号"
UNITS = (  # id, name, level, parent
    ("dept1", "江淮市教育局", "市直部门", "city"),
    ("dept2", "江淮市财政局", "市直部门", "city"),
    ("c1", "金安区人民政府", "县区政府", "city"),
    ("c1d", "金安区教育局", "县直部门", "c1"),
    ("t1", "三十铺镇人民政府", "乡镇街道", "c1"),
    ("c2", "裕安区人民政府", "县区政府", "city"),
    ("t2", "苏埠镇人民政府", "乡镇街道", "c2"),
)
NAMES = {u[0]: u[1] for u in UNITS}
C1_SUBTREE = frozenset({"c1", "c1d", "t1"})
ALL_Q2 = 10  # 2025Q2's problems as listed: 9 found in 2025Q2 and dept2's 2025Q1 one, fixed since


def listed(store: Store, query_string: str = "", visible=None, round_id: str = "2025Q2"):
    """The problem list's page of a filter written as in the URL."""
    return query(store, ProblemFilter.from_query(round_id, query_string), visible)


def col(unit: str) -> str:
    return f"http://{unit}.gov.test/col/dongtai"


def art(unit: str, n: int) -> str:
    return f"http://{unit}.gov.test/art/{n}.html"


Q1 = [
    ("fresh", "dept1", col("dept1"), {"column": "工作动态", "days": 20}),
    ("undated", "t2", art("t2", 1), {"title": "苏埠镇秋粮收购公告"}),
    ("undated", "dept2", art("dept2", 9), {"title": "已经改好的通知"}),
]
Q2 = [
    ("fresh", "dept1", col("dept1"), {"column": "工作动态", "days": 40}),
    ("undated", "dept1", art("dept1", 1), {"title": SCRIPT_TITLE}),
    (
        "late",
        "dept1",
        art("dept1", 2),
        {
            "title": LATE_TITLE,
            "doc_no": LATE_DOC_NO,
            "published": "2025-05-20",
            "written": "2025-03-01",  # in the evidence only, not in the suggestion
            "attachment_url": "http://dept1.gov.test/files/ducha.pdf",
        },
    ),
    ("undated", "dept2", art("dept2", 1), {"title": "2025年财政预算公开"}),
    ("fresh", "c1", col("c1"), {"column": "政务动态", "days": 30}),
    ("undated", "c1d", art("c1d", 1), {"title": "金安区教育局招生简章"}),
    ("fresh", "t1", col("t1"), {"column": "乡镇动态", "days": 50}),
    ("undated", "t1", art("t1", 1), {"title": "三十铺镇防汛通知"}),
    ("undated", "t2", art("t2", 1), {"title": "苏埠镇秋粮收购公告"}),
]
AS_OF = {"2025Q1": dt.date(2025, 3, 31), "2025Q2": dt.date(2025, 6, 30)}
PAGES = {
    art("dept1", 1): (
        "<html><head><title>通知</title><script>var t='2025-06-01';</script></head><body>"
        "<div class='nav'>首页 &gt; 信息公开</div><h1>&lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;b&gt;x&lt;/b&gt;</h1><p>发布机构：江淮市教育局</p><p>正文第一段。</p></body></html>"
    ),
    art("dept1", 2): (
        "<html><body><table><tr><td>文号：</td><td>" + LATE_DOC_NO + "</td></tr>"
        "<tr><td>发布日期：</td><td>2025年5月20日</td></tr></table>"
        "<h1>" + LATE_TITLE + "</h1><p>各学校：现将《江淮市教育督导办法》印发给你们。</p>"
        "<p><a href='/files/ducha.pdf'>附件：督导办法</a></p></body></html>"
    ),
}


def fp(unit: str, indicator: str, subject: str) -> str:
    return fingerprint(unit, indicator, subject)


def _units_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [u[0] for u in UNITS],
            "name": [u[1] for u in UNITS],
            "level": [u[2] for u in UNITS],
            "parent": [u[3] for u in UNITS],
            "observed": [True] * len(UNITS),
        }
    )


@dataclass
class Rounds:
    """The store and what re-scoring a round needs."""

    store: Store
    indicator_set: Any
    data: dict[str, HandMadeCrawl] = field(default_factory=dict)

    def rescore(self, store: Store, round_id: str, **_: Any) -> Any:
        """`scoring.round.reevaluate` for these hand-made rounds."""
        return evaluate_data(
            store, round_id, AS_OF[round_id], self.indicator_set, self.data[round_id]
        )


def _store_rows(store: Store, run: int) -> None:
    """The units, their columns and the two stored article pages (run ``run``)."""
    store.upsert_units(
        [
            {"id": u, "name": n, "level": lv, "parent": p, "profile": "generic"}
            | {"entry_url": f"http://{u}.gov.test/"}
            for u, n, lv, p in UNITS
        ]
    )
    store.upsert_columns(
        run, [{"unit_id": u, "url": col(u), "name": "工作动态"} for u, *_ in UNITS]
    )
    store.upsert_articles(
        run,
        [
            {"url": url, "unit_id": "dept1", "title": f"页面{i}", "html": html}
            for i, (url, html) in enumerate(PAGES.items())
        ],
    )


def build(store: Store, folder: Path) -> Rounds:
    path = folder / "portal-test.yaml"
    path.write_text(SET_YAML, encoding="utf-8")
    rounds = Rounds(store, load_indicator_set(path))
    for round_id, found in (("2025Q1", Q1), ("2025Q2", Q2)):
        run = store.start_run("full")
        if round_id == "2025Q2":
            _store_rows(store, run)
        store.finish_run(run)
        cols = [(u[0], col(u[0])) for u in UNITS]
        data = HandMadeCrawl(
            units=_units_frame(),
            columns=columns(*((i, u, url, True) for i, (u, url) in enumerate(cols, start=1))),
            planted=planted(*found),
            run_id=run,
        )
        rounds.data[round_id] = data
        rounds.rescore(store, round_id)
    return rounds


@pytest.fixture(name="rounds_template", scope="module")
def rounds_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rounds]:
    """The two rounds built once per module into a SQLite file that tests copy."""
    folder = tmp_path_factory.mktemp("portal_rounds")
    base._load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(base._REGISTRY, PLANTED, PlantedFindings)
        store = open_store(f"sqlite:///{folder}/rounds.sqlite", create=True)
        rounds = build(store, folder)
        store.close()
    return folder / "rounds.sqlite", rounds


@pytest.fixture(name="rounds")
def rounds_fixture(rounds_template, store_urls: StoreUrls, planted_check) -> Rounds:
    """The two rounds on the suite's backend: a fresh copy for each test."""
    template, built = rounds_template
    store = open_store(store_urls.copy_of(template), create=True)
    yield Rounds(store, built.indicator_set, built.data)
    store.close()


@pytest.fixture(
    name="any_rounds",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def any_rounds_fixture(request: pytest.FixtureRequest, tmp_path: Path, planted_check) -> Rounds:
    """The two rounds on SQLite and on PostgreSQL (built for each test)."""
    with backend_url(request.param, tmp_path) as url:
        store = open_store(url, create=True)
        yield build(store, tmp_path)
        store.close()


@pytest.fixture(name="publishable")
def publishable_fixture(rounds: Rounds, monkeypatch: pytest.MonkeyPatch) -> Rounds:
    """`rounds` with `portal.lifecycle` re-scoring through `Rounds.rescore`."""
    import portal.lifecycle

    monkeypatch.setattr(portal.lifecycle, "reevaluate", rounds.rescore)
    return rounds
