"""missing_field: a normative document's metadata lacks a field (有效性, 主题词, 主题分类)."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def missing_field(p: Planter) -> list[dict]:
    candidates = p.articles(m.NORMATIVE)
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    name = p.rng.choice(["validity", "keywords", "subject"])
    platform = p.portal.index.host[p.portal.index.unit[doc.unit_id].host].platform
    if name == "validity" and doc.validity == "废止" and platform == "lonsun":
        name = "keywords"  # the red 废止 tag by its title would still give its 有效性
    doc.blank_fields = [name]
    label = m.FIELD_LABELS[name]
    return [
        p.entry(
            doc.unit_id,
            "missing_field",
            urls.article_url(p.portal, doc),
            f"{quoted(doc)}元数据缺少「{label}」",
            article_id=doc.id,
            field=name,
            label=label,
        )
    ]


def fill_field(change: Change, entry: dict) -> None:
    change.article(entry).blank_fields = []


def blank_field_again(change: Change, entry: dict) -> None:
    change.article(entry).blank_fields = [entry["details"]["field"]]


register(
    Kind(
        "missing_field",
        missing_field,
        0.06,
        fix=fill_field,
        regress=blank_field_again,
        between_crawls=True,
    )
)
