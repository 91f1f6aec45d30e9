"""Two stored rounds whose problems are planted (tests/round_fixtures.py), scored with a real
indicator set YAML, for the checklist and responses tests. Milliseconds, no crawling.

江淮市教育局 (dept1) in 2025Q2: a stale column still there (open), an article titled
``=HYPERLINK("http://x","y")`` without a date (open), a new one titled ``@SUM(1)`` carrying a
control character, a column fixed since 2025Q1 (fixed) and a problem an evaluator dismissed.
江淮市财政局 (dept2) could not be read in 2025Q2: its 2025Q1 problem is not comparable.

Test modules import the fixtures (``any_store_fixture``, ``sqlite_store_fixture``,
``sqlite_template_fixture``) and ``round_fixtures.planted_check``; they use them as
``any_store``, ``sqlite_store``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from round_fixtures import HandMadeCrawl, columns, planted

from scoring.indicators import load_indicator_set
from scoring.round import evaluate_data
from scoring.scorer import fingerprint
from store import Store, open_store
from store import rounds as round_store
from store.testing import StoreUrls, backend_url

SET_YAML = """\
id: t
version: "1"
name: 测试指标
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
    source: test
  - id: undated
    name: 信息标注发布日期
    group: [信息发布, 元数据规范]
    check: planted_findings
    window: as_of
    points: 4
    deduct: {per_problem: 1}
    suggestion: "{title}未标注发布日期。请补充发布日期。"
    description: "信息应标注发布日期，每条扣1分 [L: 霍邱]。"
    source: test
  - id: veto.stale
    name: 栏目长期未更新
    group: [栏目建设]
    check: veto_count
    window: as_of
    params: {indicators: [fresh], at_least: 2}
    veto: true
    suggestion: "本单位{count}个栏目未按期更新，达到单项否决标准。请立即更新。"
    description: 未按期更新栏目达到2个即否决。
    source: test
"""
C1, C2, X = "http://a/c1", "http://a/c2", "http://b/x"
A1, A2, A3 = "http://a/1.html", "http://a/2.html", "http://a/3.html"
FORMULA_TITLE = '=HYPERLINK("http://x","y")'
NAMES = {"dept1": "江淮市教育局", "dept2": "江淮市财政局"}


def fp(unit: str, indicator: str, subject: str) -> str:
    return fingerprint(unit, indicator, subject)


def _units(dept2_observed: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["dept1", "dept2"],
            "name": [NAMES["dept1"], NAMES["dept2"]],
            "level": ["市直部门", "市直部门"],
            "parent": ["city", "city"],
            "observed": [True, dept2_observed],
        }
    )


def _round(
    store: Store,
    indicator_set: Any,
    round_id: str,
    as_of: dt.date,
    found: list[tuple[str, str, str, dict[str, Any]]],
    *,
    dept2: bool = True,
) -> None:
    run = store.start_run("full")
    store.finish_run(run)
    data = HandMadeCrawl(
        units=_units(dept2),
        columns=columns((1, "dept1", C1, True), (2, "dept1", C2, True), (3, "dept2", X, dept2)),
        planted=planted(*found),
        run_id=run,
    )
    evaluate_data(store, round_id, as_of, indicator_set, data)


def build_rounds(store: Store, tmp_path: Path) -> None:
    """2025Q1 and 2025Q2 as described in the module docstring."""
    path = tmp_path / "t.yaml"
    path.write_text(SET_YAML, encoding="utf-8")
    indicator_set = load_indicator_set(path)
    _round(
        store,
        indicator_set,
        "2025Q1",
        dt.date(2025, 3, 31),
        [
            ("fresh", "dept1", C1, {"column": "工作动态", "days": 40}),
            ("fresh", "dept1", C2, {"column": "通知公告", "days": 50}),
            ("undated", "dept1", A1, {"title": FORMULA_TITLE}),
            ("undated", "dept1", A3, {"title": "关于开展培训的通知"}),
            ("fresh", "dept2", X, {"column": "部门动态", "days": 30}),
        ],
    )
    round_store.record_decision(
        store, fp("dept1", "undated", A3), "dismissed", by="张三", reason="日期在正文中已标注"
    )
    _round(
        store,
        indicator_set,
        "2025Q2",
        dt.date(2025, 6, 30),
        [
            ("fresh", "dept1", C1, {"column": "工作动态", "days": 130}),
            ("undated", "dept1", A1, {"title": FORMULA_TITLE}),
            ("undated", "dept1", A2, {"title": "@SUM(1)\x07年度报告"}),
            ("undated", "dept1", A3, {"title": "关于开展培训的通知"}),
        ],
        dept2=False,
    )


@pytest.fixture(
    name="any_store",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def any_store_fixture(request: pytest.FixtureRequest, tmp_path: Path, planted_check) -> Store:
    """The two rounds on SQLite and on PostgreSQL (built for each test)."""
    with backend_url(request.param, tmp_path) as url:
        store = open_store(url, create=True)
        build_rounds(store, tmp_path)
        yield store
        store.close()


@pytest.fixture(name="sqlite_template", scope="module")
def sqlite_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two rounds built once per module into a SQLite file that tests copy."""
    from round_fixtures import PLANTED, PlantedFindings

    from scoring.checks import base

    folder = tmp_path_factory.mktemp("checklist_rounds")
    base._load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(base._REGISTRY, PLANTED, PlantedFindings)
        store = open_store(f"sqlite:///{folder}/rounds.sqlite", create=True)
        build_rounds(store, folder)
        store.close()
    return folder / "rounds.sqlite"


@pytest.fixture(name="sqlite_store")
def sqlite_store_fixture(sqlite_template: Path, store_urls: StoreUrls, planted_check) -> Store:
    """The two rounds on the suite's backend (copied from the SQLite template): a fresh copy
    for each test (it may record answers)."""
    store = open_store(store_urls.copy_of(sqlite_template), create=True)
    yield store
    store.close()
