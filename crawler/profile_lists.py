"""The parts of a platform profile that walk a site: its unit list (`zwgk units discover`), a
unit's column directory, and how a column is listed — row selectors and shapes, a data
endpoint, pagination by page numbers or by record ranges (Hanweb jpage).
"""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from crawler.extract.selectors import Selector
from crawler.profile_types import FirstPage, Rx, Rxs, Sel, Sels, Strict, StrMap, Strs


class DirectoryRule(Strict):
    """Column links on a unit's entry page, and the group headings above them (栏目目录)."""

    links: Sels
    name: Sels = []  # relative to the link; default: its text, else @title
    path: Sels = []  # relative to the link: group names from the root down to the parent
    url_pattern: Rx | None = None  # keep only links whose absolute URL matches
    exclude_url: Rxs = []
    exclude_text: Strs = []
    section_param: str | None = None  # URL query parameter naming the section (Lonsun type=)
    sections: StrMap = {}  # section parameter value → name (4 → 法定主动公开内容)
    same_host: bool = True


class UnitListRule(Strict):
    """A platform's list of units (单位列表), read by `zwgk units discover`: link selectors
    tried in order (the first that yields unit links wins), the URL shape of a unit's entry with
    its id in the named group `id`, and the heading above a group of links (a level name on many
    platforms). Without `entry_pattern`, links whose text matches `unit_name` are units and the
    id comes from the link's path."""

    # Defaults are written as in YAML and compiled like it, so a profile without `unit_list:`
    # gets the same rule as one that spells these out.
    model_config = ConfigDict(validate_default=True)

    links: Sels = ["a[href]"]
    entry_pattern: Rx | None = None  # (?P<id>…) names the unit's id inside its entry URL
    # Link text that ends like a unit's name (…局, …委员会, …人民政府, …办事处).
    unit_name: Rx = r"(人民政府|政府|办公室|委员会|局|办事处|管委会|中心|委|办|院|署|社|会)$"
    heading: Sel = "xpath:ancestor::ul[1]/preceding-sibling::*[self::h2 or self::h3 or self::h4][1]"
    # Links that are never a unit's entry however their text ends: article pages (a news title
    # ends like a unit's name too: …工作调度会, …新闻发布会).
    exclude_url: Rxs = []

    @field_validator("entry_pattern")
    @classmethod
    def _entry_names_the_id(cls, pattern: re.Pattern | None) -> re.Pattern | None:
        if pattern is not None and "id" not in pattern.groupindex:
            raise ValueError(
                f"entry_pattern {pattern.pattern!r} needs a named group (?P<id>…) for the unit's id"
            )
        return pattern

    @field_validator("links")
    @classmethod
    def _some_links(cls, links: list[Selector]) -> list[Selector]:
        if not links:
            raise ValueError("give at least one selector for the unit links")
        return links


class EndpointSpec(Strict):
    """A data URL that holds a column's rows (Lonsun /site/label/8888?…), built from values
    found by regex in the column page's URL (tried first) or its source text."""

    applies_to: Rx  # column-page URLs that need the endpoint
    template: str  # str.format template; {page} is the page number
    params: dict[str, Rxs]
    first_page: FirstPage = 1

    @model_validator(mode="after")
    def _placeholders_known(self) -> EndpointSpec:
        names = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        unknown = names - set(self.params) - {"page"}
        if unknown:
            raise ValueError(
                f"template uses {sorted(unknown)} but params define {sorted(self.params)}"
            )
        return self


class RecordRangeSpec(Strict):
    """Paging by record ranges (Hanweb jpage `dataproxy.jsp?startrecord=…&endrecord=…`): the
    later ranges' URL template ({start}, {end}, {per_page} and the named `params`, each found by
    regex in the page URL first, then its text), the total number of records, the rows a page
    shows and the pages one request holds (a range is per_page × group_size records)."""

    template: str
    params: dict[str, Rxs] = {}
    total: Rxs
    per_page: Rxs = []
    default_per_page: int = Field(15, ge=1, le=1000)
    group_size: Rxs = []
    start_param: str = "startrecord"
    end_param: str = "endrecord"

    @model_validator(mode="after")
    def _placeholders_known(self) -> RecordRangeSpec:
        names = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        unknown = names - set(self.params) - {"start", "end", "per_page"}
        if unknown:
            raise ValueError(
                f"template uses {sorted(unknown)} but params define {sorted(self.params)}"
            )
        return self


class PaginationSpec(Strict):
    page_count: Rxs = []  # group 'count' (or group 1); optional groups 'name', 'ext'
    scheme: Literal["auto", "param", "index", "next_link", "records", "none"] = "auto"
    records: RecordRangeSpec | None = None  # scheme: records
    params: Strs = ["pageIndex", "pageNo", "pageNum", "page", "curPage"]
    first_page: FirstPage = 1  # number of the first page in a page parameter
    next_link: Sels = []

    @model_validator(mode="after")
    def _records_given(self) -> PaginationSpec:
        if self.scheme == "records" and self.records is None:
            raise ValueError("scheme: records needs records: (template, params, total)")
        return self


class ListingSpec(Strict):
    endpoint: EndpointSpec | None = None
    rows: Sels = []  # first selector that finds rows wins
    rows_in_comments: bool = False  # also read rows kept inside <!-- --> (TRS)
    rows_in_tables: bool = False  # table rows under header cells (名称 | 索引号 | 发布日期 …)
    rows_in_scripts: bool = False  # JSON arrays of {title, date, url} in the page's scripts
    datastore: bool = False  # rows are the <record>s of a <datastore> block (Hanweb jpage)
    auto_rows: bool = False  # find the dated link list by itself when no selector matches
    # What a list prints when it holds nothing (div.no_data 暂无信息): such a page has no rows,
    # none are guessed from the latest-news widgets beside it.
    empty: Sels = []
    # URL shapes of article pages: a list page without rows that links to one was not read.
    article_links: Rxs = []
    link: Sels = ["a[href]"]  # the row's article link (relative to the row)
    title: Sels = []  # default: the link's @title, else its text
    date: Sels = []  # default: the first date in the row's text outside the link
    index_no: Sels = []
    index_no_pattern: Rx | None = None
    related: Sels = []  # 解读 / 文件 cross-links in the row
    repealed: Sels = []  # a red 废止 tag
    repealed_text: Rx = re.compile(r"^[\[【(（]?已?废止[\]】)）]?$")
    pagination: PaginationSpec = PaginationSpec()
