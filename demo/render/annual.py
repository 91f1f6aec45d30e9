"""Body of a 政府信息公开工作年度报告 in the six-section format of 国办公开办函〔2021〕30号.

The figures are drawn from the article's seed; the requests table keeps the printed consistency
rule 一 + 二 = 三 + 四 (new + carried over = handled + carried forward), as real reports must.
A report with `wording == "variant"` is written as many real ones are: parts headed 第一部分…,
two of them worded otherwise (存在的问题及改进措施, 其他需要报告事项), a sentence before the table
repeating its first two labels with their figures, full-width figures, and row 三 without a
number of its own, its total on a （七）总计 line — the same report, a careless reader's defects.
"""

from __future__ import annotations

import random

from demo.model import Article, Unit
from demo.render.common import esc

# The six parts' headings: the format's, and a variant's (numbering and wording of real reports).
_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
_VARIANT_HEADINGS = (
    "第一部分　总体情况",
    "第二部分　主动公开政府信息情况",
    "第三部分　收到和处理政府信息公开申请情况",
    "第四部分　政府信息公开行政复议、行政诉讼情况",
    "第五部分　存在的问题及改进措施",
    "第六部分　其他需要报告事项",
)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

_OUTCOMES = (
    "（一）予以公开",
    "（二）部分公开",
    "（三）不予公开",
    "（四）无法提供",
    "（五）不予处理",
    "（六）其他处理",
)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table class="nb_table" border="1" cellspacing="0" cellpadding="4"><tr>{head}</tr>{body}</table>'


def annual_report_body(article: Article, unit: Unit, rng: random.Random) -> str:
    day = article.published or article.written
    year = article.report_year or (day.year - 1 if day else 2000)
    active = rng.randint(120, 1800)
    new = rng.randint(0, 60)
    carried = rng.randint(0, 5)
    forward = rng.randint(0, min(3, new + carried))
    handled = new + carried - forward
    # Split `handled` over the six outcomes, most of it 予以公开.
    split = [0] * len(_OUTCOMES)
    for _ in range(handled):
        split[0 if rng.random() < 0.7 else rng.randrange(1, len(_OUTCOMES))] += 1
    review = [rng.randint(0, 2) for _ in range(2)]
    variant = article.wording == "variant"
    head = _VARIANT_HEADINGS if variant else _HEADINGS
    rows = [
        ["一、本年新收政府信息公开申请数量", new],
        ["二、上年结转政府信息公开申请数量", carried],
        ["三、本年度办理结果", "" if variant else handled],
        *[[outcome, count] for outcome, count in zip(_OUTCOMES, split, strict=True)],
        *([["（七）总计", handled]] if variant else []),
        ["四、结转下年度继续办理", forward],
    ]
    if variant:
        rows = [[label, str(n).translate(_FULL_WIDTH)] for label, n in rows]
    requests = _table(["本年度办理情况", "件数"], rows)
    if variant:
        lead = (
            f"{year}年，本年新收政府信息公开申请数量为{new}件，上年结转政府信息公开申请数量为"
            f"{carried}件，均已在法定期限内答复或结转下年度办理。"
        )
        requests = f"<p>{lead.translate(_FULL_WIDTH)}</p>{requests}"

    parts = [
        f"<p>本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。</p>",
        f"<h3>{head[0]}</h3>",
        f"<p>{year}年，{esc(unit.name)}坚持以公开为常态、不公开为例外，全年主动公开政府信息{active}条，"
        f"其中政策文件{rng.randint(5, 60)}件、政策解读{rng.randint(5, 40)}篇，"
        f"收到政府信息公开申请{new}件。</p>",
        f"<h3>{head[1]}</h3>",
        _table(
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            [
                ["规章", 0, 0, 0],
                ["行政规范性文件", rng.randint(0, 8), rng.randint(0, 3), rng.randint(5, 40)],
            ],
        ),
        _table(
            ["信息内容", "本年处理决定数量"],
            [
                ["行政许可", rng.randint(0, 900)],
                ["行政处罚", rng.randint(0, 300)],
                ["行政强制", rng.randint(0, 50)],
            ],
        ),
        _table(
            ["信息内容", "本年收费金额（单位：万元）"], [["行政事业性收费", rng.randint(0, 500)]]
        ),
        f"<h3>{head[2]}</h3>",
        requests,
        f"<h3>{head[3]}</h3>",
        _table(
            ["行政复议总计", "行政诉讼总计"],
            [[review[0], review[1]]],
        ),
        f"<h3>{head[4]}</h3>",
        "<p>一是政策解读形式较为单一，图解、视频等多元化解读占比不高；二是基层政务公开标准化规范化"
        "工作仍需深化。下一步，将加强业务培训，完善信息发布审核机制，提升公开质量。</p>",
        f"<h3>{head[5]}</h3>",
        f"<p>本单位{year}年度未收取信息处理费。{year}年度政务公开工作要点落实情况已在本网站"
        "“政务公开工作”栏目公开。</p>",
    ]
    return "".join(parts)
