"""field_decoy: metadata that looks wrong at a glance and is right (nothing may be reported):

- `ministry_index_no`: a notice republishing a ministry's document keeps the ministry's 索引号,
  部门代码-类别-年份-流水号-序号 (教育部: 360A12-07-2024-0008-1) — a national format, not the
  local 机构代码/年月-流水号 one, and not malformed (`field_format`);
- `repealed_tag`: a repealed 规范性文件 on the Lonsun platform whose 有效性 cell is empty and
  whose title carries the red 废止 tag — the field is given, as the platform shows it
  (docs/domain.md §4.1), not missing (`required_fields`).
"""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Planter, quoted
from demo.defects._registry import register_decoy


def ministry_index_no(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, m.POLICY, where=lambda a: a.published is not None)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    original = a.index_no
    office = f"360A{p.rng.randint(1, 30):02d}"
    a.index_no = (
        f"{office}-{p.rng.randint(1, 12):02d}-{a.published.year}-{p.rng.randint(1, 60):04d}-1"
    )
    return [
        p.entry(
            a.unit_id,
            "field_decoy",
            urls.article_url(p.portal, a),
            f"不应判为索引号格式不规范：{quoted(a)}转载部委文件，沿用部委的索引号「{a.index_no}」"
            "（部门代码-类别-年份-流水号-序号，如教育部 360A12-07-2024-0008-1），是全国通行的格式",
            article_id=a.id,
            index_no=a.index_no,
            original=original,
            variant="ministry_index_no",
            check="field_format",
            decoy=True,
        )
    ]


def repealed_tag(p: Planter) -> list[dict]:
    def on_lonsun(a: m.Article) -> bool:
        unit = p.portal.index.unit[a.unit_id]
        return p.portal.index.host[unit.host].platform == "lonsun" and not a.blank_fields

    candidates = p.articles(m.NORMATIVE, where=on_lonsun)
    if not candidates:
        return []
    doc = p.take(p.rng.choice(candidates))
    doc.validity, doc.blank_fields = "废止", ["validity"]
    return [
        p.entry(
            doc.unit_id,
            "field_decoy",
            urls.article_url(p.portal, doc),
            f"不应判为元数据缺少「有效性」：{quoted(doc)}的有效性一栏为空，但标题后有红色“废止”标记，"
            "即有效性为废止",
            article_id=doc.id,
            field="validity",
            shown_as="废止",
            variant="repealed_tag",
            check="required_fields",
            decoy=True,
        )
    ]


for _variant, _plant, _check in (
    ("ministry_index_no", ministry_index_no, "field_format"),
    ("repealed_tag", repealed_tag, "required_fields"),
):
    register_decoy("field_decoy", _plant, _check, variant=_variant)
