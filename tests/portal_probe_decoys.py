"""Test helper: the probes of the decoys planted for the check types that had none before
issue 12 (demo/defects/field_decoy.py, column_decoy.py, date_decoy.py, link_decoy.py,
reference_decoy_a.py, reference_decoy_b.py). A decoy is 'present' when the served pages show
what could fool its check while the rule is kept.

`DecoyProbes` is mixed into `portal_probe.Probe`, whose page readers (`metadata`, `rows`,
`published`, …) it uses; like the rest of the probe it reads the pages independently of the
crawler's extraction.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

# The local form (机构代码/年月-流水号) and the ministries' (教育部 360A12-07-2024-0008-1).
INDEX_NO = re.compile(r"^[0-9A-Z]{9,18}/\d{4}(\d{2})?-\d{5}$")
MINISTRY_INDEX_NO = re.compile(r"^[0-9A-Z]{6}-\d{2}-\d{4}-\d{4}-\d$")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
FULL_WIDTH = re.compile("[０-９]+")


class DecoyProbes:
    def _field_decoy(self, entry: dict) -> bool:
        url, details = entry["target_url"], entry["details"]
        meta = self.metadata(url)
        if details["variant"] == "ministry_index_no":
            value = meta.get("索引号", "")
            return (
                value == details["index_no"]
                and not INDEX_NO.match(value)
                and bool(MINISTRY_INDEX_NO.match(value))
            )
        # repealed_tag: the 有效性 cell is there and empty, the title carries a red 废止 tag
        tags = self.page(url).xpath("//h1//span[contains(@style, 'red')]/text()").getall()
        return meta.get("有效性") == "" and "废止" in tags

    def _undated_page(self, url: str) -> bool:
        return self.published(url) is None and not re.search(
            "发布(时间|日期)：20", self.get(url).text
        )

    def _list_shows(self, column, url: str, day: str) -> bool:
        """The column's first list page (newest first) prints the item's link and then, close
        by, `day`."""
        from demo import urls as demo_urls

        text = self.get(demo_urls.list_page_url(self.portal, column, 0)).text
        path = re.escape(urllib.parse.urlsplit(url).path)
        return re.search(path + r".{0,800}?" + re.escape(day), text, re.S) is not None

    def _column_decoy(self, entry: dict) -> bool:
        from demo import urls as demo_urls

        details = entry["details"]
        variant = details["variant"]
        if variant == "other_names":
            names = self.directory_names(self.portal.index.unit[entry["unit_id"]])
            renamed = set(details["renamed"].values())
            return renamed <= names and not {"财政预决算", "公开制度"} & names
        column = self._column(entry)
        rows = self.rows(column)
        item = demo_urls.article_url(self.portal, self.portal.index.article[details["article_id"]])
        if variant == "statement_only":
            return (
                [r["url"] for r in rows] == [item]
                and "暂无信息" in rows[0]["title"]
                and "暂无" in self.body_text(item)
            )
        threshold = dt.timedelta(days=details["threshold_days"])
        others = [self.published(r["url"]) for r in rows if r["url"] != item]
        stale_without = bool(others) and all(d and self.as_of - d > threshold for d in others)
        if variant == "statement":
            return (
                stale_without
                and any(r["url"] == item and "暂无新增信息" in r["title"] for r in rows)
                and self.as_of - self.published(item) <= threshold
            )
        # dated_in_list: the newest item's page has no date, its list row has
        listed = details["listed"]
        return (
            stale_without
            and self._undated_page(item)
            and self._list_shows(column, item, listed)
            and self.as_of - dt.date.fromisoformat(listed) <= threshold
        )

    def _date_decoy(self, entry: dict) -> bool:
        url, details = entry["target_url"], entry["details"]
        if details["variant"] == "byline_only":
            shown = re.search(
                r"发布(时间|日期)：\s*" + re.escape(details["published"]), self.get(url).text
            )
            return self.metadata(url).get("发布日期") == "" and shown is not None
        found = re.search(r"(\d{4}年\d{1,2}月\d{1,2}日)修订", self.body_text(url))
        written, published = self.written(url), self.published(url)
        return (
            found is not None
            and written is not None
            and published < written
            and dt.date(*map(int, CN_DATE.fullmatch(found.group(1)).groups())) == written
        )

    def _link_decoy(self, entry: dict) -> bool:
        page, target = entry["details"]["page_url"], entry["target_url"]
        host = urllib.parse.urlsplit
        return (
            target in [href for href, _ in self.links(page)]
            and self.get(target).status == 404
            and host(target).netloc != host(page).netloc
        )

    def _reference_decoy_a(self, entry: dict) -> bool:
        url, details = entry["target_url"], entry["details"]
        variant = details["variant"]
        if variant == "validity_wording":
            return self.metadata(url).get("有效性") == "现行有效"
        if variant == "wps_word":
            files = [href for href, _ in self.links(url)]
            wps = details["attachment"]
            return (
                wps in files
                and any(href.endswith(".pdf") for href in files)
                and not any(href.endswith((".doc", ".docx")) for href in files)
                and self.get(wps).status == 200
            )
        # interpretation_elsewhere: the document lists the interpretation under 相关解读, which
        # is in the news column's list (not the interpretation column's) and links back
        interp, document = details["interpretation_url"], details["document_url"]
        news = self.portal.index.column[details["column_id"]]
        interp_columns = [
            c
            for c in self.portal.index.columns_of[entry["unit_id"]]
            if c.category == "interpretation"
        ]
        in_interp = any(r["url"] == interp for c in interp_columns for r in self.rows(c))
        return (
            interp in self._interpretation_links(document)
            and any(r["url"] == interp for r in self.rows(news))
            and not in_interp
            and document in [href for href, _ in self.links(interp)]
        )

    def _reference_decoy_b(self, entry: dict) -> bool:
        url, details = entry["target_url"], entry["details"]
        text = self.body_text(url)
        if details["variant"] == "consultation_materials":
            # basis said as 根据《…》, notes a served attachment named after the draft, and
            # neither under the words a careless check looks for
            notes = [href for href, name in self.links(url) if name == details["notes"]]
            return (
                "根据《" in text
                and not any(w in text for w in ("依据", "起草说明", "编制说明", "制定说明"))
                and len(notes) == 1
                and self.get(notes[0]).status == 200
            )
        # annual_report_content: other headings, the labels repeated in a sentence, full-width
        # figures, and the table still adds up (row 三's total on its （七）总计 line)
        cells = {}
        for tr in self.page(url).xpath("//table//tr"):
            row = [c.strip() for c in tr.xpath("./td").xpath("string()").getall()]
            if len(row) == 2:
                cells[row[0]] = row[1]
        figures = [cells.get(k, "") for k in ("一、本年新收政府信息公开申请数量",
                   "二、上年结转政府信息公开申请数量", "（七）总计", "四、结转下年度继续办理")]  # fmt: skip
        if not all(f and FULL_WIDTH.fullmatch(f) for f in figures):
            return False
        new, carried, handled, forward = map(int, figures)
        return (
            new + carried == handled + forward
            and cells.get("三、本年度办理结果") == ""
            and f"本年新收政府信息公开申请数量为{figures[0]}件" in text
            and all(w in text for w in ("第一部分", "存在的问题及改进措施", "其他需要报告事项"))
            and not any(w in text for w in ("存在的主要问题", "其他需要报告的事项"))
        )
