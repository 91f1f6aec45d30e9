"""doc_no_mismatch: the document number (文号) in the metadata differs from the one in the body."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def doc_no_mismatch(p: Planter) -> list[dict]:
    candidates = p.articles(m.NORMATIVE, m.POLICY, where=lambda a: bool(a.doc_no))
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    head, number = doc.doc_no.rsplit("〕", 1)
    n = int(number.rstrip("号"))
    doc.body_doc_no = f"{head}〕{n + p.rng.randint(1, 9)}号"
    return [
        p.entry(
            doc.unit_id,
            "doc_no_mismatch",
            urls.article_url(p.portal, doc),
            f"{quoted(doc)}元数据文号「{doc.doc_no}」与正文文号「{doc.body_doc_no}」不一致",
            article_id=doc.id,
            doc_no=doc.doc_no,
            body_doc_no=doc.body_doc_no,
        )
    ]


def match_doc_no(change: Change, entry: dict) -> None:
    doc = change.article(entry)
    doc.body_doc_no = doc.doc_no


def mismatch_again(change: Change, entry: dict) -> None:
    change.article(entry).body_doc_no = entry["details"]["body_doc_no"]


register(
    Kind(
        "doc_no_mismatch",
        doc_no_mismatch,
        0.05,
        fix=match_doc_no,
        regress=mismatch_again,
        between_crawls=True,
    )
)
