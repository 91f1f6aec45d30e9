"""metadata_decoy: documents whose dates or numbers look wrong at a glance and are right
(nothing may be reported):

- `cited_doc_no`: a policy document whose body prints no 文号 of its own but cites a provincial
  document's ("根据《…》（皖政办〔2024〕5号）精神…") — the cited number is not the document's, so
  the metadata 文号 does not disagree with the body;
- `revised`: a notice whose 生成日期 is more than a year before its publication, republished
  after a revision the page states ("本通知于…修订") within 20 working days — counted from the
  change (条例 art. 26: 形成或者变更之日).
"""

from __future__ import annotations

import datetime as dt

from demo import model as m
from demo import timeline, urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy
from demo.render.common import cn_date
from scoring.workdays import default_calendar


def cited_doc_no(p: Planter) -> list[dict]:
    candidates = p.articles(m.POLICY, where=lambda a: bool(a.doc_no) and a.written is not None)
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    cited = f"皖政办〔{doc.written.year - 1}〕{p.rng.randint(3, 40)}号"
    doc.body_doc_no = ""
    doc.lead = f"根据《安徽省人民政府办公厅关于进一步做好政务公开工作的通知》（{cited}）精神，结合本地实际，制定本文件。"
    return [
        p.entry(
            doc.unit_id,
            "metadata_decoy",
            urls.article_url(p.portal, doc),
            f"不应判为文号不一致：{quoted(doc)}正文引用的{cited}是所依据的省级文件的文号，"
            f"不是本文件的文号（{doc.doc_no}）",
            article_id=doc.id,
            doc_no=doc.doc_no,
            cited=cited,
            variant="cited_doc_no",
            check="field_consistency",
            decoy=True,
        )
    ]


def revised(p: Planter) -> list[dict]:
    cal = default_calendar()
    candidates = p.articles(
        m.NOTICE, where=lambda a: a.published is not None and a.published.year >= p.as_of.year - 1
    )
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    a.written = timeline.on_or_after(a.published - dt.timedelta(days=p.rng.randint(400, 500)))
    change = a.published
    for _ in range(p.rng.randint(3, 8)):
        change -= dt.timedelta(days=1)
        while not cal.is_workday(change):
            change -= dt.timedelta(days=1)
    a.lead = f"（本通知于{cn_date(change)}修订，现予重新公布。）"
    return [
        p.entry(
            a.unit_id,
            "metadata_decoy",
            urls.article_url(p.portal, a),
            f"不应判为公开不及时：{quoted(a)}生成日期为{a.written:%Y-%m-%d}，但页面注明于{change:%Y-%m-%d}修订，"
            f"自变更之日起{cal.lag(change, a.published)}个工作日内发布",
            article_id=a.id,
            written=a.written.isoformat(),
            changed=change.isoformat(),
            published=a.published.isoformat(),
            variant="revised",
            check="disclosure_lag",
            decoy=True,
        )
    ]


for _variant, _plant, _check in (
    ("cited_doc_no", cited_doc_no, "field_consistency"),
    ("revised", revised, "disclosure_lag"),
):
    register_decoy("metadata_decoy", _plant, _check, variant=_variant)
