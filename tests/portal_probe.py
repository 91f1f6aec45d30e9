"""Test helper: look at the served sample portal the way an evaluator would, independently of the
crawler's extraction code, and say whether a manifest entry is really there.

`Probe.present(entry)` fetches the pages an entry names over HTTP, parses them with parsel and
returns True when the defect can be seen. The manifest tests assert `present` for every open
defect and `not present` for every fixed one, so the manifest can never drift from the pages.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import urllib.error
import urllib.request
from functools import cache
from urllib.parse import urljoin

import chinese_calendar
from parsel import Selector
from portal_probe_decoys import DecoyProbes

INDEX_NO = re.compile(r"^[0-9A-Z]{9,18}/\d{4}(\d{2})?-\d{5}$")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def workday_lag(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end, straight from chinese_calendar."""
    return sum(
        chinese_calendar.is_workday(start + dt.timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )


def weekday_lag(start: dt.date, end: dt.date) -> int:
    return sum(
        (start + dt.timedelta(days=i)).weekday() < 5 for i in range(1, (end - start).days + 1)
    )


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for pattern in (ISO_DATE, CN_DATE):
        found = pattern.search(text)
        if found:
            return dt.date(*map(int, found.groups()))
    return None


class Fetched:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        charset = re.search(r"charset=([\w-]+)", self.headers.get("Content-Type", ""))
        if charset:
            return self.body.decode(charset.group(1))
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return self.body.decode("gb18030")


class Probe(DecoyProbes):
    def __init__(self, manifest: dict, portal) -> None:
        self.manifest = manifest
        self.portal = portal
        self.as_of = dt.date.fromisoformat(manifest["as_of"])
        self.get = cache(self._get)

    # -- HTTP ---------------------------------------------------------------------------------
    def _get(self, url: str) -> Fetched:
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                return Fetched(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return Fetched(exc.code, dict(exc.headers), exc.read())

    def page(self, url: str) -> Selector:
        fetched = self.get(url)
        assert fetched.status == 200, f"{url}: HTTP {fetched.status}"
        return Selector(text=fetched.text)

    # -- what pages say -------------------------------------------------------------------------
    def metadata(self, url: str) -> dict[str, str]:
        """Label → value from either platform's metadata block (by label, never position)."""
        sel = self.page(url)
        out: dict[str, str] = {}
        for th in sel.css("table.table_suoyin th"):
            label = _label(th.xpath("string()").get())
            out.setdefault(
                label, th.xpath("following-sibling::td[1]").xpath("string()").get().strip()
            )
        for p in sel.xpath("//p[strong]"):
            label = _label(p.xpath("string(strong)").get())
            value = p.xpath("string()").get().split("：", 1)[-1].strip()
            out.setdefault(label, value)
        for td in sel.css("table.xxgk td"):  # Hanweb: "索引号: 002482082/2024-00332"
            label, _, value = td.xpath("string()").get().partition(": ")
            out.setdefault(_label(label), value.strip())
        for b in sel.css("table.bd1 td > b"):  # gov.cn: <td><b>索　引　号：</b></td><td>…</td>
            value = b.xpath("../following-sibling::td[1]").xpath("string()").get() or ""
            out.setdefault(_label(b.xpath("string()").get()), value.strip())
        return out

    def published(self, url: str) -> dt.date | None:
        return parse_date(self.metadata(url).get("发布日期"))

    def written(self, url: str) -> dt.date | None:
        meta = self.metadata(url)
        return parse_date(meta.get("生成日期") or meta.get("成文日期") or meta.get("发文日期"))

    def body_text(self, url: str) -> str:
        sel = self.page(url)
        return " ".join(
            sel.css("div.j-fontContent, div.TRS_Editor, div#zoom, div#UCAP-CONTENT")
            .xpath("string()")
            .getall()
        )

    def links(self, url: str) -> list[tuple[str, str]]:
        """(absolute href, text) of every link on the page, hidden blocks included."""
        sel = self.page(url)
        return [
            (urljoin(url, a.attrib.get("href", "")), a.xpath("string()").get().strip())
            for a in sel.css("a[href]")
        ]

    def rows(self, column) -> list[dict]:
        """Every row of a column over all its list pages (TRS rows inside comments included)."""
        from demo import urls

        rows: list[dict] = []
        page = 0
        while True:
            url = urls.list_page_url(self.portal, column, page)
            fetched = self.get(url)
            assert fetched.status == 200, f"{url}: HTTP {fetched.status}"
            text = fetched.text
            if "<datastore>" in text:  # Hanweb: records in CDATA, the total in the jpage call
                for record in re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text, re.S):
                    a = Selector(text=record).css("a")[0]
                    rows.append(
                        {"url": urljoin(url, a.attrib["href"]), "title": a.attrib["title"],
                         "related": []}
                    )  # fmt: skip
                total = re.search(r"totalRecord: (\d+)|<totalrecord>(\d+)</totalrecord>", text)
                count = -(-int(total.group(1) or total.group(2)) // urls.HANWEB_RECORDS)
            elif '<table class="xxgk_table"' in text:  # gov.cn: the 信息公开目录 table
                listed = re.search(r'<table class="xxgk_table".*?</table>', text, re.S).group(0)
                for href, title in re.findall(
                    r'<td class="mc"><a href="([^"]+)" title="([^"]*)"', listed
                ):
                    rows.append({"url": urljoin(url, href), "title": title, "related": []})
                count = int(re.search(r"createPageHTML\((\d+)", text).group(1))
            elif "xxgk_navli" in text or "pageCount" in text:
                sel = Selector(text=text)
                for ul in sel.css("div.xxgk_navli > ul"):
                    links = ul.css("li.mc a")
                    rows.append(
                        {
                            "url": urljoin(url, links[0].attrib["href"]),
                            "title": links[0].attrib.get("title", ""),
                            "related": [
                                (urljoin(url, a.attrib["href"]), a.xpath("string()").get())
                                for a in links[1:]
                            ],
                        }
                    )
                count = int(re.search(r"pageCount:(\d+)", text).group(1))
            else:
                rows.extend(
                    {"url": urljoin(url, href), "title": title, "related": []}
                    for href, title in _trs_rows(text)
                )
                count = int(re.search(r"createPageHTML\((\d+)", text).group(1))
            page += 1
            if page >= count:
                return rows

    def directory_names(self, unit) -> set[str]:
        from demo import urls

        sel = self.page(urls.unit_entry(self.portal, unit))
        return {a.xpath("string()").get().strip() for a in sel.css("a")}

    # -- is the defect there? -------------------------------------------------------------------
    def present(self, entry: dict) -> bool:
        return getattr(self, "_" + entry["kind"])(entry)

    def _column(self, entry: dict):
        return self.portal.index.column[entry["details"]["column_id"]]

    def _stale_column(self, entry: dict) -> bool:
        rows = self.rows(self._column(entry))
        dates = [self.published(r["url"]) for r in rows]
        newest = max((d for d in dates if d), default=None)
        return (
            newest is not None and (self.as_of - newest).days > entry["details"]["threshold_days"]
        )

    def _blank_column(self, entry: dict) -> bool:
        return self.rows(self._column(entry)) == []

    def _missing_column(self, entry: dict) -> bool:
        unit = self.portal.index.unit[entry["unit_id"]]
        return entry["details"]["column_name"] not in self.directory_names(unit)

    def _key_area_missing_period(self, entry: dict) -> bool:
        year, month = entry["details"]["period"].split("-")
        wanted = f"{year}年{int(month)}月"
        titles = [r["title"] for r in self.rows(self._column(entry))]
        prev = dt.date(int(year), int(month), 1) - dt.timedelta(days=1)
        assert any(f"{prev.year}年{prev.month}月" in t for t in titles), (
            "the month before is listed"
        )
        return not any(wanted in t for t in titles)

    def _missing_field(self, entry: dict) -> bool:
        meta = self.metadata(entry["target_url"])
        label = entry["details"]["label"]
        return label in meta and meta[label] == ""

    def _malformed_index_no(self, entry: dict) -> bool:
        value = self.metadata(entry["target_url"]).get("索引号", "")
        return value == entry["details"]["index_no"] and not INDEX_NO.match(value)

    def _doc_no_mismatch(self, entry: dict) -> bool:
        meta_no = self.metadata(entry["target_url"]).get("文号")
        body = self.body_text(entry["target_url"])
        return (
            meta_no == entry["details"]["doc_no"]
            and entry["details"]["body_doc_no"] in body
            and meta_no not in body
        )

    def _no_publish_date(self, entry: dict) -> bool:
        url = entry["target_url"]
        text = self.get(url).text
        return self.published(url) is None and not re.search("发布(时间|日期)：20", text)

    def _late_disclosure(self, entry: dict) -> bool:
        url = entry["target_url"]
        lag = workday_lag(self.written(url), self.published(url))
        if entry["details"]["variant"] == "makeup_workday":
            return lag > 20 and weekday_lag(self.written(url), self.published(url)) <= 20
        return lag > 20

    def _late_disclosure_decoy(self, entry: dict) -> bool:
        """A decoy is 'present' when it looks late in calendar days but is on time."""
        url = entry["target_url"]
        written, published = self.written(url), self.published(url)
        return workday_lag(written, published) <= 20 and (published - written).days >= 30

    def _interpretation_links(self, url: str) -> list[str]:
        """Links in the page's 相关解读 block (hidden or not)."""
        sel = self.page(url)
        block = sel.xpath(
            "//*[h2[contains(., '相关解读')] or h3[contains(., '相关解读')]]//a/@href"
        )
        return [urljoin(url, href) for href in block.getall()]

    def _normative_without_interpretation(self, entry: dict) -> bool:
        doc = self.portal.index.article[entry["details"]["article_id"]]
        interp_columns = [
            c for c in self.portal.index.columns_of[doc.unit_id] if c.category == "interpretation"
        ]
        from demo.timeline import _doc_short

        name = _doc_short(doc.title)
        named = [r for c in interp_columns for r in self.rows(c) if name in r["title"]]
        return not named and not self._interpretation_links(entry["target_url"])

    def _interpretation_late(self, entry: dict) -> bool:
        from demo import urls

        doc = self.portal.index.article[entry["details"]["document_id"]]
        doc_published = self.published(urls.article_url(self.portal, doc))
        return workday_lag(doc_published, self.published(entry["target_url"])) > 3

    def _interpretation_no_backlink(self, entry: dict) -> bool:
        from demo import urls

        doc_url = urls.article_url(
            self.portal, self.portal.index.article[entry["details"]["document_id"]]
        )
        assert entry["target_url"] in self._interpretation_links(doc_url), (
            "the document links forward"
        )
        return doc_url not in [href for href, _ in self.links(entry["target_url"])]

    def _interpretation_text_only(self, entry: dict) -> bool:
        for row in self.rows(self._column(entry)):
            sel = self.page(row["url"])
            if sel.css(
                "div.j-fontContent img, div.TRS_Editor img, div#zoom img, div#UCAP-CONTENT img, video"
            ) or re.search("图解|视频|负责人", row["title"]):
                return False
        return True

    def _consultation_window(self, url: str) -> tuple[dt.date, dt.date]:
        text = self.body_text(url)
        found = re.search(
            r"征求意见时间：(\d{4}年\d{1,2}月\d{1,2}日)至(\d{4}年\d{1,2}月\d{1,2}日)", text
        )
        return parse_date(found.group(1)), parse_date(found.group(2))

    def _consultation_too_short(self, entry: dict) -> bool:
        start, end = self._consultation_window(entry["target_url"])
        return (end - start).days + 1 < 30

    def _consultation_without_feedback(self, entry: dict) -> bool:
        consultation = self.portal.index.article[entry["details"]["article_id"]]
        name = consultation.title[
            consultation.title.index("《") + 1 : consultation.title.index("》")
        ]
        feedback = [
            c
            for c in self.portal.index.columns_of[consultation.unit_id]
            if c.category == "feedback"
        ]
        return not any(name in r["title"] for c in feedback for r in self.rows(c))

    def _annual_report_missing(self, entry: dict) -> bool:
        wanted = f"{entry['details']['year']}年政府信息公开工作年度报告"
        return not any(wanted in r["title"] for r in self.rows(self._column(entry)))

    def _annual_report_late(self, entry: dict) -> bool:
        return self.published(entry["target_url"]) > dt.date.fromisoformat(
            entry["details"]["deadline"]
        )

    def _broken_attachment(self, entry: dict) -> bool:
        page, dead = entry["details"]["page_url"], entry["details"]["link_url"]
        linked = dead in [href for href, _ in self.links(page)]
        return linked and self.get(dead).status == 404

    _broken_link = _broken_attachment

    # -- duplicates: the same information twice, and the same title over other content ------
    def _column_of(self, url: str) -> str:
        """The page's breadcrumb (its column), as the reader sees it."""
        crumb = self.page(url).css(
            "div.wzy_position, div.position, div.crumb, div.current-position"
        )
        return _label(crumb.xpath("string()").get())

    def _both_served(self, entry: dict) -> bool:
        return all(
            self.get(u).status == 200 for u in (entry["target_url"], entry["details"]["other_url"])
        )

    def _duplicate_doc_no(self, entry: dict) -> bool:
        a, b = entry["target_url"], entry["details"]["other_url"]
        if not self._both_served(entry):
            return False  # the copy was deleted (a unit may also choose this)
        numbers = {_label(self.metadata(u).get("文号", "")) for u in (a, b)}
        return (
            numbers == {_label(entry["details"]["doc_no"])}
            and self.metadata(a).get("名称") != self.metadata(b).get("名称")
            and self._column_of(a) != self._column_of(b)
        )

    def _duplicate_body(self, entry: dict) -> bool:
        a, b = entry["target_url"], entry["details"]["other_url"]
        if not self._both_served(entry):
            return False
        return (
            _label(self.body_text(a)) == _label(self.body_text(b))
            and len(_label(self.body_text(a))) >= 50
            and self.metadata(a).get("名称") != self.metadata(b).get("名称")
            and self._column_of(a) != self._column_of(b)
        )

    def _same_title_decoy(self, entry: dict) -> bool:
        """Present: one title in two columns over two different texts (and no shared 文号)."""
        a, b = entry["target_url"], entry["details"]["other_url"]
        texts = [_label(self.body_text(u)) for u in (a, b)]
        numbers = [_label(self.metadata(u).get("文号", "")) for u in (a, b)]
        return (
            self.metadata(a).get("名称") == self.metadata(b).get("名称")
            and self._column_of(a) != self._column_of(b)
            and difflib.SequenceMatcher(None, *texts).ratio() < 0.6
            and not (numbers[0] and numbers[0] == numbers[1])
        )

    # -- decoys of the consultation check ---------------------------------------------------
    def _consultation_decoy(self, entry: dict) -> bool:
        url, variant = entry["target_url"], entry["details"]["variant"]
        text = self.body_text(url)
        if variant == "notice":  # a 公示 of a few days, no draft put up for comment
            title = self.metadata(url).get("名称", "")
            window = re.search(
                r"公示时间：(\d{4}年\d{1,2}月\d{1,2}日)至(\d{4}年\d{1,2}月\d{1,2}日)", text
            )
            start, end = parse_date(window.group(1)), parse_date(window.group(2))
            return title.endswith("公示") and "征求" not in title + text and (end - start).days < 29
        if variant == "extended":  # 15 days on the page, extended to 30 or more
            start, end = self._consultation_window(url)
            later = parse_date(text[text.index("延长至") :])
            return (end - start).days + 1 < 30 and (later - start).days + 1 >= 30
        # feedback_in_column: the feedback is listed in the consultation's column, not elsewhere
        consultation = self.portal.index.article[entry["details"]["article_id"]]
        name = consultation.title[
            consultation.title.index("《") + 1 : consultation.title.index("》")
        ]
        own = self.portal.index.column[consultation.column_id]
        feedback = [
            c
            for c in self.portal.index.columns_of[consultation.unit_id]
            if c.category == "feedback"
        ]
        listed = [r["title"] for r in self.rows(own) if name in r["title"] and "反馈" in r["title"]]
        elsewhere = [r for c in feedback for r in self.rows(c) if name in r["title"]]
        return bool(listed) and not elsewhere

    def _annual_report_decoy(self, entry: dict) -> bool:
        """Present: the report is listed under a title without 年度报告/年报, on time."""
        year, report = entry["details"]["year"], entry["details"]["report_url"]
        title = self.metadata(report).get("名称", "")
        listed = [r["title"] for r in self.rows(self._column(entry))]
        return (
            title in listed
            and f"{year}年度政府信息公开工作报告" in title
            and "年度报告" not in title
            and "年报" not in title
            and self.published(report) <= dt.date.fromisoformat(entry["details"]["deadline"])
        )

    def _key_area_decoy(self, entry: dict) -> bool:
        """Present: one item names January and February together, none names either alone."""
        year = entry["details"]["months"][0][:4]
        titles = [r["title"] for r in self.rows(self._column(entry))]
        return (
            any(f"{year}年1-2月" in t for t in titles)
            and not any(f"{year}年1月" in t or f"{year}年2月" in t for t in titles)
            and any(f"{int(year) - 1}年12月" in t for t in titles)
        )

    def _interpretation_decoy(self, entry: dict) -> bool:
        from demo import urls

        details = entry["details"]
        if details["variant"] == "picture_only":
            picture = urls.article_url(
                self.portal, self.portal.index.article[details["article_id"]]
            )
            forms = "图解|一图|图说|视频|音频|负责人|发布会|专家"
            body = self.page(picture).css(
                "div.j-fontContent, div.TRS_Editor, div#zoom, div#UCAP-CONTENT"
            )
            others = [r for r in self.rows(self._column(entry)) if r["url"] != picture]
            return (
                bool(body.css("a img"))
                and not re.search(forms, self.metadata(picture).get("名称", "") + self.body_text(picture))
                and len(others) >= 2
                and not any(re.search(forms, r["title"]) for r in others)
                and not any(self.page(r["url"]).css("div.j-fontContent img, div.TRS_Editor img, "
                                                    "div#zoom img, div#UCAP-CONTENT img") for r in others)
            )  # fmt: skip
        doc = urls.article_url(self.portal, self.portal.index.article[details["document_id"]])
        if details["variant"] == "body_link":  # no 相关文件 block; the body links the document
            interp = entry["target_url"]
            block = self.page(interp).xpath(
                "//*[h2[contains(., '相关文件')] or h3[contains(., '相关文件')]]//a/@href"
            )
            body = self.page(interp).css(
                "div.j-fontContent a, div.TRS_Editor a, div#zoom a, div#UCAP-CONTENT a"
            )
            return (
                not block.getall()
                and interp in self._interpretation_links(doc)
                and doc in [urljoin(interp, a.attrib.get("href", "")) for a in body]
            )
        if details["variant"] == "url_variant":
            interp = urls.article_url(self.portal, self.portal.index.article[details["article_id"]])
            name = _quoted_name(self.metadata(doc).get("名称", ""))
            hrefs = [href for href, _ in self.links(interp)]
            return (
                not self._interpretation_links(doc)
                and details["linked"] in hrefs
                and doc not in hrefs
                and self.get(details["linked"]).status == 200
                and self.metadata(details["linked"]).get("名称") == self.metadata(doc).get("名称")
                and f"《{name}》" not in self.metadata(interp).get("名称", "")
            )
        first = urls.article_url(self.portal, self.portal.index.article[details["first_id"]])
        linked = self._interpretation_links(doc)
        published = self.published(doc)
        return (
            {first, entry["target_url"]} <= set(linked)
            and workday_lag(published, self.published(first)) <= 3
            and workday_lag(published, self.published(entry["target_url"])) > 3
        )

    def _metadata_decoy(self, entry: dict) -> bool:
        url, details = entry["target_url"], entry["details"]
        body = self.body_text(url)
        if details["variant"] == "cited_doc_no":  # the body cites another's 文号, not its own
            own = self.metadata(url).get("文号")
            return (
                own == details["doc_no"] and f"》（{details['cited']}）" in body and own not in body
            )
        found = re.search(r"(\d{4}年\d{1,2}月\d{1,2}日)修订", body)
        written, published = self.written(url), self.published(url)
        return (
            found is not None
            and workday_lag(written, published) > 20
            and workday_lag(parse_date(found.group(1)), published) <= 20
        )

    def _wording_decoy(self, entry: dict) -> bool:
        """Present: the term is in the body, and only inside the quoted name."""
        body = self.body_text(entry["target_url"])
        name = f"《{entry['details']['quoted']}》"
        term = entry["details"]["term"]
        return name in body and term in name and body.count(term) == body.count(name)


def _trs_rows(text: str) -> list[tuple[str, str]]:
    """(href, title) of a TRS list page's rows, in whichever shape the page prints them
    (demo/render/trs.py, demo/render/list_shapes.py) — never the left menu or the side box."""
    # ul.list_ul, rows inside a comment included.
    listed = re.search(r'<ul class="list_ul".*?</ul>', text, re.S)
    if listed:
        return re.findall(r'<li><a href="([^"]+)" title="([^"]*)"', listed.group(0))
    data = re.search(r"var listData = (\[.*?\]);\n", text, re.S)
    if data:  # a JSON array the script draws
        return [(row["url"], row["title"]) for row in json.loads(data.group(1))]
    sel = Selector(text=text)
    # The 信息公开目录 table: the link in the column headed 名称, by header, not position.
    for table in sel.xpath("//table"):
        header = [_label(c.xpath("string()").get()) for c in table.xpath("./tr[1]/*")]
        if "名称" in header:
            n = header.index("名称") + 1
            return [
                (a.attrib["href"], a.attrib["title"])
                for a in table.xpath(f"./tr[position() > 1]/td[{n}]/a")
            ]
    # A ul without classes directly in the list area.
    return [
        (a.attrib["href"], a.attrib["title"])
        for a in sel.xpath('//div[@class="xxgk_right"]/ul[not(@class)]/li/a')
    ]


def _quoted_name(title: str) -> str:
    found = re.search(r"《([^》]+)》", title)
    return found.group(1) if found else title


def _label(text: str) -> str:
    return re.sub(r"[\s\u3000\xa0：:]", "", text or "")
