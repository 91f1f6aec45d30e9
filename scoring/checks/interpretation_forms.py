"""interpretation_forms — 解读形式单一: a unit whose interpretations are all plain text (no 图解,
audio/video, 负责人解读, press conference, expert article …; docs/domain.md §3.3). Subject `forms`,
target the unit's interpretation column.

An interpretation's form is read from its title and the head of its body, by the keywords in
`forms` (first match wins); a page naming no form is read from what it shows: a video file it
links is a video, a picture it links with next to no text (fewer than `PICTURE_TEXT`
characters) is a graphic (一图读懂 pages often carry a plain title and only the picture, linked to
its full size; a bare `<img>` is seen only where the profile stores inline images,
`attachments.include_images`); anything else is text.
Units without interpretations are not judged here (that is `interpretation_coverage`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _interpretation, _scope
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

DEFAULT_FORMS = {
    "graphic": ["图解", "一图读懂", "一图看懂", "图说", "图读", "漫画"],
    "video": ["视频", "音频", "动漫", "动画", "H5", "微课"],
    "leader": ["负责人解读", "负责人谈", "主要负责人", "局长解读", "书记解读", "县长解读", "访谈"],
    "press": ["新闻发布会", "发布会", "吹风会"],
    "expert": ["专家解读", "专家谈", "学者"],
}
TEXT = "text"
HEAD = 80  # characters of body text that may name the form ("一图读懂《…》", "视频解读：…")
PICTURE_TEXT = 120  # a page with a picture and less text than this is a graphic
IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
VIDEOS = (".mp4", ".flv", ".m3u8", ".mov", ".wmv", ".avi", ".webm")


class FormsParams(CheckParams):
    non_text_required: bool = True  # all-text is a problem
    min_forms: int | None = Field(default=None, ge=1, le=20)  # fewer distinct forms is a problem
    forms: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_FORMS))


def classify(titles: pd.Series, heads: pd.Series, forms: dict[str, list[str]]) -> pd.Series:
    """The form of each interpretation (vectorised keyword search, first form that matches)."""
    text = titles.fillna("").astype(str) + "\n" + heads.fillna("").astype(str)
    out = pd.Series(TEXT, index=titles.index, dtype=object)
    for form, words in reversed(list(forms.items())):  # reversed: the first listed wins
        if words:
            # An empty keyword matches everything, as it would inside a regex alternation.
            hit = np.ones(len(text), bool) if "" in words else _scope.rows_containing(text, words)
            out[hit] = form
    return out


@register
class InterpretationForms(Check):
    name: ClassVar[str] = "interpretation_forms"
    Params = FormsParams
    description: ClassVar[str] = "unit whose interpretations are all text (or too few forms)"
    reads: ClassVar[frozenset[str]] = frozenset({_interpretation.INTERPRETATION})

    def find(self, data: CrawlData, params: FormsParams, ctx: CheckContext) -> pd.DataFrame:
        interps = _scope.articles(
            data,
            ctx,
            [_interpretation.INTERPRETATION],
            columns=["id", "unit_id", "url", "title", "column_id"],
        )
        if interps.empty:
            return findings([])
        bodies = data.body_text(interps["id"])
        heads = bodies.str.slice(0, HEAD)
        forms = classify(
            interps["title"], pd.Series(heads.to_numpy(), index=interps.index), params.forms
        )
        forms = _by_media(data, interps, forms, bodies)
        interps = interps.assign(form=forms)
        per_unit = interps.groupby("unit_id").agg(
            items=("url", "size"),
            forms=("form", lambda f: sorted(set(f))),
            column_id=("column_id", "min"),
        )
        bad = pd.Series(False, index=per_unit.index)
        if params.non_text_required:
            bad |= per_unit["forms"].map(lambda f: f == [TEXT])
        if params.min_forms is not None:
            bad |= per_unit["forms"].map(len) < params.min_forms
        column_url = data.columns.set_index("id")["url"]
        column_name = data.columns.set_index("id")["name"]
        return findings(
            {
                "unit_id": unit_id,
                "subject": "forms",
                "target_url": column_url.get(row["column_id"]),
                "evidence": {
                    "column_url": column_url.get(row["column_id"]),
                    "column_name": column_name.get(row["column_id"]),
                    "count": int(row["items"]),
                    "forms": list(row["forms"]),
                },
            }
            for unit_id, row in per_unit[bad].iterrows()
        )


def _by_media(
    data: CrawlData, interps: pd.DataFrame, forms: pd.Series, bodies: pd.Series
) -> pd.Series:
    """`forms` with the pages classified as text but showing a video file, or a picture with
    next to no text, classified as video or graphic."""
    text = forms == TEXT
    links = data.links
    if not text.any() or links.empty:
        return forms
    plain = text.to_numpy(dtype=bool)
    urls = interps["url"].to_numpy(dtype=object)
    mine = links[links["article_url"].isin(set(urls[plain])).to_numpy(dtype=bool)]
    paths = mine["url"].astype(str).str.lower().str.split("?").str[0]
    video = set(mine.loc[paths.str.endswith(VIDEOS).to_numpy(dtype=bool), "article_url"])
    picture = set(mine.loc[paths.str.endswith(IMAGES).to_numpy(dtype=bool), "article_url"])
    length = bodies.fillna("").astype(str).str.replace(r"\s+", "", regex=True).str.len()
    short = dict(
        zip(urls, (length.reindex(interps["id"]).fillna(0) < PICTURE_TEXT).to_numpy(), strict=True)
    )
    # Labels gathered, then set at once: a Series set item by item costs a call each.
    shown: dict[str, list] = {"video": [], "graphic": []}
    for idx, url in zip(interps.index[plain], urls[plain], strict=True):
        if url in video:
            shown["video"].append(idx)
        elif url in picture and short.get(url, False):
            shown["graphic"].append(idx)
    out = forms.copy()
    for form, labels in shown.items():
        out.loc[labels] = form
    return out
