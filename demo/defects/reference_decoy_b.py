"""reference_decoy_b: decoys of two checks of the reference's rules (issue 12) — pages written
otherwise than the usual template, as real portals write them, with nothing missing:

- `annual_report_content`: last year's annual report with its parts headed 第一部分…第六部分, two
  of them worded as many reports word them (存在的问题及改进措施, 其他需要报告事项), a sentence
  before the requests table repeating its first two labels with their figures, full-width figures
  and row 三 totalled on a （七）总计 line — all six parts there, and 一＋二＝三＋四 holds;
- `consultation_materials`: a draft whose basis is said in its first sentence (根据《…》…起草了)
  and whose drafting notes are an attachment named after the draft (关于《…》的说明), never
  under the words 依据 or 起草说明.
"""

from __future__ import annotations

import re

from demo import model as m
from demo import urls
from demo.defects._common import Planter, last_annual_report, quoted
from demo.defects._registry import register_decoy


def _entry(p: Planter, a: m.Article, check: str, expected: str, **details) -> list[dict]:
    return [
        p.entry(
            a.unit_id,
            "reference_decoy_b",
            urls.article_url(p.portal, a),
            expected,
            article_id=a.id,
            variant=check,
            check=check,
            decoy=True,
            **details,
        )
    ]


def annual_report_wording(p: Planter) -> list[dict]:
    for unit in p.rng.sample(p.units(), len(p.units())):
        found = last_annual_report(p, unit)
        if not found or found[1].id in p.used_articles:
            continue
        column, report, year = found
        p.take(report)
        p.used_columns.add(column.id)
        report.wording = "variant"
        return _entry(
            p, report, "annual_report_content",
            f"不应判为年度报告内容不规范：{quoted(report)}六个部分齐全，只是以“第一部分”等编号、"
            "“存在的问题及改进措施”“其他需要报告事项”等写法作标题；申请情况表用全角数字，表前一句话"
            "复述了前两行的数字，本年度办理结果的合计在“（七）总计”一行，一＋二＝三＋四成立",
            year=year, column_id=column.id,
        )  # fmt: skip
    return []


def consultation_wording(p: Planter) -> list[dict]:
    drafts = p.articles(
        m.CONSULTATION,
        where=lambda a: a.open_from is not None and a.published and "《" in a.title,
    )
    if not drafts:
        return []
    a = p.take(p.rng.choice(drafts))
    a.wording = "variant"
    draft = re.search(r"《([^》]+)》", a.title).group(1)  # the draft, as the body names it
    notes = f"附件{len(a.attachments) + 1}：关于《{draft}》的说明.docx"
    a.attachments.append(m.Attachment(name=notes, ext="docx", file_id=p.portal.new_id()))
    return _entry(
        p, a, "consultation_materials",
        f"不应判为意见征集材料不全：{quoted(a)}正文首句写明“根据《……》等法律法规……起草了”，"
        f"即制定依据；起草说明是附件“{notes}”，只是没有用“依据”“起草说明”的字样",
        notes=notes,
    )  # fmt: skip


for _variant, _plant in (
    ("annual_report_content", annual_report_wording),
    ("consultation_materials", consultation_wording),
):
    register_decoy("reference_decoy_b", _plant, _variant, variant=_variant)
