"""reference_decoy_a: decoys of three checks of the rules issue 12 added from the reference
(docs/domain.md §3.3, §3.4) — each looks like a defect to a careless check and is none (nothing
may be reported):

- `validity_wording`: a 行政规范性文件 whose 有效性 reads 现行有效, as many platforms print it (the
  national policy library among them) — 有效, not a value outside 有效、失效、废止 (`validity`);
- `wps_word`: a 行政规范性文件 offering its WORD version as a .wps file (WPS 文字, the format
  government offices write in) beside the PDF — both formats are there (`download_formats`);
- `interpretation_elsewhere`: a unit whose only interpretation of its 政策文件 (a 图解, a
  负责人解读 …) is filed under its news column (工作动态), listed under the document's 相关解读
  and linking back — the unit has interpreted its policy documents (`interpretation_presence`).
"""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, column_label, quoted
from demo.defects._registry import register_decoy


def validity_wording(p: Planter) -> list[dict]:
    candidates = p.articles(
        m.NORMATIVE, where=lambda a: a.validity == "有效" and "validity" not in a.blank_fields
    )
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    doc.validity = "现行有效"
    return [
        p.entry(
            doc.unit_id,
            "reference_decoy_a",
            urls.article_url(p.portal, doc),
            f"不应判为有效性标注不规范：{quoted(doc)}的有效性标注为“现行有效”，即有效",
            article_id=doc.id,
            validity=doc.validity,
            variant="validity_wording",
            check="validity",
            decoy=True,
        )
    ]


def wps_word(p: Planter) -> list[dict]:
    def word_and_pdf(a: m.Article) -> bool:
        exts = sorted(f.ext for f in a.attachments)
        return exts == ["docx", "pdf"] and not any(f.broken for f in a.attachments)

    candidates = p.articles(m.NORMATIVE, where=word_and_pdf)
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    word = next(f for f in doc.attachments if f.ext == "docx")
    word.ext, word.name = "wps", word.name.removesuffix(".docx") + ".wps"
    return [
        p.entry(
            doc.unit_id,
            "reference_decoy_a",
            urls.article_url(p.portal, doc),
            f"不应判为未同时提供WORD和PDF下载：{quoted(doc)}的WORD版是WPS文字格式（{word.name}），"
            "另有PDF版",
            article_id=doc.id,
            attachment=urls.attachment_url(p.portal, doc, word),
            variant="wps_word",
            check="download_formats",
            decoy=True,
        )
    ]


def _non_text(articles: list[m.Article]) -> bool:
    return any(a.form != m.FORM_TEXT for a in articles)


def interpretation_elsewhere(p: Planter) -> list[dict]:
    index = p.portal.index
    units = [u for u in p.units() if u.id not in p.form_units]
    p.rng.shuffle(units)
    for unit in units:
        by_category: dict[str, list[m.Column]] = {}
        for c in index.columns_of.get(unit.id, []):
            by_category.setdefault(c.category, []).append(c)
        interp_cols = by_category.get(m.INTERPRETATION, [])
        news = [c for c in by_category.get(m.NEWS, []) if c.id not in p.used_columns]
        policies = by_category.get(m.POLICY, [])
        if len(interp_cols) != 1 or not news or not policies:
            continue
        if any(c.id in p.used_columns for c in interp_cols + policies):
            continue
        docs = [
            a
            for c in policies
            for a in index.articles_of.get(c.id, [])
            if a.published is not None and a.published <= p.as_of
        ]
        interpreted = [a for a in docs if a.interpretations]
        if len(interpreted) != 1 or any(a.id in p.used_articles for a in docs):
            continue
        doc = interpreted[0]
        if len(doc.interpretations) != 1:
            continue
        interp = index.article.get(doc.interpretations[0])
        if (
            interp is None
            or interp.id in p.used_articles
            or interp.interprets != [doc.id]
            or not interp.links_back
        ):
            continue
        rest = [a for a in index.articles_of.get(interp_cols[0].id, []) if a.id != interp.id]
        newest = max((a.published for a in rest if a.published), default=None)
        if (
            len(rest) < 2
            or not _non_text(rest)
            or newest is None
            or interp.published is None
            or interp.published > newest
        ):
            continue  # the interpretation column keeps its forms and its freshness
        column = news[0]
        interp.column_id = column.id
        p.take(interp), p.take(doc)
        p.portal.reindex()
        return [
            p.entry(
                unit.id,
                "reference_decoy_a",
                urls.column_url(p.portal, min(policies, key=lambda c: c.id)),
                f"不应判为政策文件一篇都没有解读：{quoted(doc)}由{quoted(interp)}解读，该解读发布在"
                f"{column_label(column)}，文件页“相关解读”链接了它",
                article_id=interp.id,
                document_id=doc.id,
                column_id=column.id,
                interpretation_url=urls.article_url(p.portal, interp),
                document_url=urls.article_url(p.portal, doc),
                variant="interpretation_elsewhere",
                check="interpretation_presence",
                decoy=True,
            )
        ]
    return []


for _variant, _plant, _check in (
    ("validity_wording", validity_wording, "validity"),
    ("wps_word", wps_word, "download_formats"),
    ("interpretation_elsewhere", interpretation_elsewhere, "interpretation_presence"),
):
    register_decoy("reference_decoy_a", _plant, _check, variant=_variant)
