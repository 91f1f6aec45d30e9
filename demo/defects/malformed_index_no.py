"""malformed_index_no: an index number (索引号) not in the form 机构代码/年月-5位流水号."""

from __future__ import annotations

from demo import model as m
from demo import urls
from demo.defects._common import Change, Planter, quoted
from demo.defects._registry import Kind, register


def malformed_index_no(p: Planter) -> list[dict]:
    candidates = p.articles(m.NOTICE, m.POLICY)
    if not candidates:
        return []
    a = p.take(p.rng.choice(candidates))
    original = a.index_no
    code, rest = a.index_no.split("/", 1)
    period, seq = rest.rsplit("-", 1)
    a.index_no = p.rng.choice(
        [f"{code}-{period}-{seq}", f"{code}/{period}-{int(seq)}", f"/{period}-{seq}"]
    )
    return [
        p.entry(
            a.unit_id,
            "malformed_index_no",
            urls.article_url(p.portal, a),
            f"{quoted(a)}索引号「{a.index_no}」格式不规范（应为 机构代码/年月-5位流水号）",
            article_id=a.id,
            index_no=a.index_no,
            original=original,
        )
    ]


def restore_index_no(change: Change, entry: dict) -> None:
    change.article(entry).index_no = entry["details"]["original"]


def malform_again(change: Change, entry: dict) -> None:
    change.article(entry).index_no = entry["details"]["index_no"]


register(
    Kind(
        "malformed_index_no",
        malformed_index_no,
        0.06,
        fix=restore_index_no,
        regress=malform_again,
        between_crawls=True,
    )
)
