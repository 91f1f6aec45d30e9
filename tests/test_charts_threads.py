"""Charts drawn by several threads at once (the portal's server threads) come out exactly as
drawn alone: matplotlib's global settings are held by one chart at a time, so no chart loses
the CJK font to another leaving its settings (reports/charts.py `_drawing`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from reports import charts


def _groups(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group1": ["信息发布", "栏目建设", "政策解读"][: 1 + n % 3],
            "group2": ["元数据规范", "更新维护", "解读材料"][: 1 + n % 3],
            "problems": [3 + n, 2, 1][: 1 + n % 3],
            "share": [0.5, 0.3, 0.2][: 1 + n % 3],
        }
    )


def test_charts_drawn_in_threads_are_the_bytes_drawn_alone():
    inputs = [_groups(n) for n in range(12)]
    alone = [charts.problems_by_group(g) for g in inputs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(charts.problems_by_group, inputs))
    assert together == alone
