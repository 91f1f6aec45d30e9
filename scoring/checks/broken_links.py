"""broken_links — 链接失效: a link (attachment, in-body) the crawler *confirmed* broken (on-site
404/403). Timeouts, 5xx and 429 are only `suspected` and never reported: a crawler hiccup must
not become a unit's deduction (docs/domain.md §3.6). Subject: the link URL; a URL broken on several
pages of a unit is one finding listing the pages.

Not the unit's dead link either: a link to another site (`on_site_only`: the other site's
owner answers for it), and a link whose address, spelled otherwise (http/https, a trailing
slash, index.html, percent-encoding: `_urls.spellings`), answered in a check of this crawl —
the crawler's spelling of the address is then in doubt, not the page. (A 404 to a link check's
HEAD is asked again with GET before it counts: crawler/linkcheck.py.)
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from scoring.checks import _scope, _urls
from scoring.checks.base import Check, CheckContext, CheckParams, findings, register
from scoring.data import CrawlData

CONFIRMED = "confirmed_broken"
WORKING = "ok"
# What a unit reads instead of a status code (404, 410: gone; 403: refused twice).
STATUS_ZH = {404: "网页不存在", 410: "网页已删除", 403: "拒绝访问"}


class BrokenLinksParams(CheckParams):
    kinds: list[Literal["attachment", "body", "related"]] = Field(
        default=["attachment", "body"], min_length=1
    )
    on_site_only: bool = True


@register
class BrokenLinks(Check):
    name: ClassVar[str] = "broken_links"
    Params = BrokenLinksParams
    description: ClassVar[str] = "confirmed broken link (never a suspected one)"

    def find(self, data: CrawlData, params: BrokenLinksParams, ctx: CheckContext) -> pd.DataFrame:
        links = data.links
        mask = links["outcome"].astype(object).eq(CONFIRMED) & links["kind"].isin(params.kinds)
        if params.on_site_only:
            mask &= links["on_site"].astype("boolean").fillna(False).astype(bool)
        broken = links[mask.astype(bool)]
        if broken.empty:
            return findings([])
        broken = broken[_urls.stored(broken["url"], _working(data, set(broken["unit_id"]))) < 0]
        if broken.empty:
            return findings([])
        # Only links on pages the indicator may judge (observed, in scope).
        pages = _scope.articles(data, ctx, dated=False, columns=["url"])
        # By row position (the URL index is built once per crawl), not a hash of every URL.
        pos = _scope.url_positions(data, broken["article_url"])
        judged = _scope.in_articles(data, pages)
        keep = (pos >= 0) & judged[np.maximum(pos, 0)]
        broken, pos = broken[keep], pos[keep]
        if broken.empty:
            return findings([])
        titles = dict(
            zip(
                broken["article_url"].to_numpy(dtype=object),
                data.articles["title"].to_numpy(dtype=object)[pos],
                strict=True,
            )
        )
        # Each (unit, address)'s rows by position, in sorted order (plain arrays: a pandas
        # group per broken address costs more than the rest of the check).
        cells = {c: broken[c].to_numpy(dtype=object)
                 for c in ("unit_id", "url", "article_url", "kind", "text", "status_code")}  # fmt: skip
        groups: dict[tuple, list[int]] = {}
        for i, key in enumerate(zip(cells["unit_id"], cells["url"], strict=True)):
            if not (pd.isna(key[0]) or pd.isna(key[1])):
                groups.setdefault(key, []).append(i)
        rows = []
        for (unit_id, url), at in sorted(groups.items()):
            pages = sorted({cells["article_url"][i] for i in at})
            first = next(i for i in at if cells["article_url"][i] == pages[0])
            code, kind = cells["status_code"][first], cells["kind"][first]
            status = None if pd.isna(code) else int(code)
            rows.append(
                {
                    "unit_id": unit_id,
                    "subject": url,
                    "target_url": pages[0],
                    "evidence": {
                        "url": url,
                        "kind": kind,
                        "kind_zh": "附件" if kind == "attachment" else "链接",
                        "text": _scope.text(cells["text"][first]),
                        "status_code": status,
                        "status_zh": STATUS_ZH.get(status, "无法访问"),
                        "page_url": pages[0],
                        "page_title": _scope.text(titles.get(pages[0])),
                        "pages": pages,
                        "other_pages": len(pages) - 1,
                        "other_pages_zh": f"（另有{len(pages) - 1}个页面含同一失效地址）"
                        if len(pages) > 1
                        else "",
                    },
                }
            )
        return findings(rows)

    def looked_at(
        self, problems: pd.DataFrame, data: CrawlData, params: BrokenLinksParams, ctx: CheckContext
    ) -> pd.Series:
        """A link reported broken before and not confirmed broken now was looked at when it is
        gone from the unit's pages, or every check of it now says it works; a link checked only
        as *suspected* (timeout, 5xx) or *unchecked* (refused address) was not: not fixed."""
        links = data.links
        if problems.empty or links.empty:
            return pd.Series(True, index=problems.index, dtype=bool)
        mine = links[links["kind"].isin(params.kinds)]
        works = mine["outcome"].astype(object).eq(WORKING)
        unseen = set(zip(mine.loc[~works, "unit_id"], mine.loc[~works, "url"], strict=True))
        keys = zip(problems["unit_id"], problems["subject"], strict=True)
        return pd.Series([key not in unseen for key in keys], index=problems.index, dtype=bool)


def _working(data: CrawlData, units: set[str]) -> pd.Index:
    """Addresses linked from the pages of `units` whose latest check said they work."""
    links = data.links
    works = links["outcome"].astype(object).eq(WORKING) & links["unit_id"].isin(units)
    return pd.Index(pd.unique(links["url"].to_numpy(dtype=object)[works.to_numpy(dtype=bool)]))
