"""consultation_materials — 意见征集材料不全: a consultation on a draft whose page does not publish
the materials the reference asks for with the draft: its 依据 and a 起草说明 (docs/domain.md §3.5).

A material is published when the page's body text or an attachment's name holds one of its
`materials` words. Real portals name the notes after the draft as often as by their kind
(附件2：关于《…（征求意见稿）》的说明; 起草情况说明) and state the basis in the body's first sentence
(根据《…法》…起草了…) as often as under the word 依据: both count. A page whose body text was not
read (empty) is not judged: the crawl, not the unit, may have missed it. Subject `<url>#materials`.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field

from scoring.checks import _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.checks.consultation import is_draft
from scoring.data import CrawlData

DEFAULT_MATERIALS = {
    # 》的说明: notes named after the draft (关于《…》的说明), not by their kind.
    "起草说明": ["起草说明", "编制说明", "制定说明", "修订说明", "起草情况说明", "》的说明"],
    # A law or document named as what the draft rests on: 根据《…》, 依照《…》, 按照《…》.
    "制定依据": ["依据", "根据《", "依照《", "按照《"],
}


class MaterialsParams(CheckParams):
    categories: list[str] = Field(default=["consultation"], min_length=1)
    # material (as the unit reads it) → words that show it is published
    materials: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_MATERIALS.items()}, min_length=1
    )


@register
class ConsultationMaterials(Check):
    name: ClassVar[str] = "consultation_materials"
    Params = MaterialsParams
    description: ClassVar[str] = "consultation page without its 依据 or 起草说明"

    def find(self, data: CrawlData, params: MaterialsParams, ctx: CheckContext) -> pd.DataFrame:
        drafts = _scope.articles(
            data, ctx, params.categories, columns=["id", "unit_id", "url", "title"]
        )
        # Only drafts open for comment: a feedback, an extension notice or a 公示 filed in the
        # consultation column has no 依据 or 起草说明 to publish (the consultation check's rule).
        drafts = drafts[drafts["title"].map(lambda t: is_draft(_scope.text(t))).to_numpy(bool)]
        if drafts.empty:
            return findings([])
        bodies = _scope.as_dict(data.body_text(drafts["id"]))
        links = data.links
        links = links[(links["kind"] == "attachment").to_numpy(dtype=bool)]
        links = links[
            links["article_url"].isin(_scope.distinct(drafts["url"])).to_numpy(dtype=bool)
        ]
        names = _scope.as_dict(
            links.groupby("article_url")["text"].agg(lambda t: "\n".join(_scope.text(v) for v in t))
        )
        rows = []
        for row in _scope.rows(drafts, ["id", "unit_id", "url", "title"]):
            body = _scope.text(bodies.get(int(row.id), ""))
            if not body.strip():
                continue
            said = body + "\n" + names.get(row.url, "")
            missing = [
                name
                for name, words in params.materials.items()
                if not any(w in said for w in words)
            ]
            if missing:
                rows.append(_scope.article_finding(row, "#materials", missing=missing))
        return findings(rows)
