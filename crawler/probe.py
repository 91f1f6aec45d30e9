"""`zwgk units probe URL`: what zwgk can read of a portal before anyone writes its registry.

An office onboarding its own city points zwgk at one unit's 信息公开 entry page. The probe fetches
a handful of pages politely (`crawler.probe_fetch`), detects the platform family by the
fingerprints each profile declares (`crawler.extract.fingerprints`), tries the matching profiles
and `generic` on the entry page, and with the best one reads: the column directory (栏目) and the
category each column maps to (`crawler.columns`), the first list page of one column per category
with its pagination (pages claimed, and the last or next page fetched for up to two columns), and
one sample article per category with every field read and where it came from. What failed is
kept with its reason. `crawler.probe_report` prints it, writes the draft registry and saves pages.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlsplit

from common.vocabulary import COLUMN_CATEGORIES
from crawler.columns import default_column_map
from crawler.discover import _key_from_path, draft_units, find_units
from crawler.extract import ExtractionError, decode_html, parse_directory, parse_listing
from crawler.extract.article import read_article
from crawler.extract.dom import Document, parse_document
from crawler.extract.fingerprints import fingerprint_hits, score
from crawler.extract.text import node_text, norm_space
from crawler.probe_fetch import BUDGET, REFUSED, Fetch, PoliteFetcher
from crawler.probe_fields import read_fields
from crawler.probe_result import (
    ColumnFound,
    Failure,
    Pagination,
    ProbeResult,
    Sample,
    Trial,
)
from crawler.profile_model import Profile, ProfileError, available_profiles, get_profile

logger = logging.getLogger(__name__)

GENERIC = "generic"
MAX_PAGINATION_CHECKS = 2  # columns whose later page is fetched
SKIPPED_CATEGORIES = ("group", "skip")
# A title's 信息公开 suffix; 政府 stays when it ends 人民政府 (西河县人民政府信息公开 → 西河县人民政府).
_NAME_SUFFIX = re.compile(r"(?:(?<!人民)政府)?信息公开(?:目录|专栏|平台)?$|政务公开(?:目录|专栏)?$")
# Why the entry page could not be read, as the one sentence of exit 3.
_ENTRY_PROBLEM = {
    "unreachable": "the site is down or unreachable",
    "timeout": "the site did not answer in time",
    "robots": "robots.txt does not allow zwgk to fetch the entry page",
    "anti_bot": "the site answered with an anti-bot challenge page (瑞数 $_ts)",
    "http_error": "the entry page answered with an HTTP error",
    "too_large": "the entry page is too large",
}


class ProbeInputError(ValueError):
    """Bad input (exit 2): a URL that is not http(s), an unknown profile, a refused address."""


def _page(fetch: Fetch) -> Document:
    text, encoding = decode_html(fetch.body, fetch.content_type)
    return parse_document(text, fetch.final_url or fetch.url, encoding)


def _profiles(given: str) -> list[Profile]:
    if given != "auto":
        return [get_profile(given)]  # ProfileError: exit 2
    loaded = []
    for name in available_profiles():
        try:
            loaded.append(get_profile(name))
        except ProfileError as exc:  # one broken profile on ZWGK_PROFILE_PATH spoils no probe
            logger.warning("profile %s not tried: %s", name, exc)
    return loaded


class Probe:
    """One probe run; `run()` returns the result."""

    def __init__(self, url: str, fetcher: PoliteFetcher, profile: str = "auto") -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProbeInputError(f"{url}: not an http(s) URL")
        self.url = url
        self.fetcher = fetcher
        self.given = profile
        self.candidates = _profiles(profile)
        self.result = ProbeResult(url=url, fetches=fetcher.fetches)
        self.pages: list[tuple[str, Document]] = []  # (kind, page) of every page read

    def fail(self, problem: str, url: str, reason: str) -> None:
        self.result.failures.append(Failure(problem, url, reason))

    def get(self, url: str, kind: str) -> Document | None:
        """A page read, or None with the failure noted."""
        fetch = self.fetcher.get(url, kind)
        if fetch.problem == BUDGET:
            return None  # said once, with the categories left (`sample_columns`)
        if not fetch.ok:
            self.fail(fetch.problem or "http_error", url, fetch.error or "no page")
            return None
        try:
            doc = _page(fetch)
        except ExtractionError as exc:
            self.fail("unreadable", url, str(exc))
            return None
        self.pages.append((kind, doc))
        return doc

    def run(self) -> ProbeResult:
        entry = self.fetcher.get(self.url, "entry")
        if entry.problem == REFUSED:
            raise ProbeInputError(
                f"{self.url}: {entry.error} — the probe only connects to public addresses; "
                "add --allow-address ADDRESS for a site of your own"
            )
        if not entry.ok:
            self.fail(entry.problem or "http_error", self.url, entry.error or "no page")
            what = _ENTRY_PROBLEM.get(entry.problem or "", "the entry page cannot be read")
            self.result.unreadable = f"{self.url}: {what} ({entry.error}); nothing else was fetched"
            return self.result
        try:
            doc = _page(entry)
        except ExtractionError as exc:
            self.result.unreadable = f"{self.url}: the entry page cannot be read — {exc}"
            return self.result
        self.pages.append(("entry", doc))
        profile = self.choose(doc)
        self.result.profile = profile.name
        self.read_directory(doc, profile)
        first_list, first_article = self.sample_columns(profile)
        self.compare(first_list, first_article)
        return self.result

    # -- platform ----------------------------------------------------------------------------
    def choose(self, doc: Document) -> Profile:
        """The profile to read with: --profile, else the platform whose fingerprints the entry
        page shows most that finds columns on it (ties: more columns), else generic."""
        trials: list[tuple[Trial, Profile]] = []
        for profile in self.candidates:
            hits = fingerprint_hits(doc, profile)
            trial = Trial(profile.name, score(hits), hits)
            if self.given != "auto" or trial.score or profile.name == GENERIC:
                trial.columns = len(parse_directory(doc.text, doc.url, profile))
                trials.append((trial, profile))
        trials.sort(key=lambda tp: (tp[0].profile != GENERIC, tp[0].score, tp[0].columns))
        trials.reverse()
        self.result.trials = [t for t, _ in trials]
        if self.given != "auto":
            return trials[0][1]
        platforms = [(t, p) for t, p in trials if t.profile != GENERIC]
        reading = [(t, p) for t, p in platforms if t.columns]
        generic = next(((t, p) for t, p in trials if t.profile == GENERIC), None)
        if reading:
            self.result.detected = True
            return max(reading, key=lambda tp: (tp[0].score, tp[0].columns))[1]
        if platforms:
            names = ", ".join(t.profile for t, _ in platforms)
            self.fail("no_columns", doc.url, f"fingerprints of {names} found, but no column links")
        else:
            self.fail(
                "unknown_platform", doc.url, "no platform profile's fingerprints on the entry page"
            )
        if generic is not None and (generic[0].columns or not platforms):
            return generic[1]
        return platforms[0][1] if platforms else get_profile(GENERIC)

    # -- directory ---------------------------------------------------------------------------
    def read_directory(self, doc: Document, profile: Profile) -> None:
        result = self.result
        titles = doc.root.xpath("//title")
        result.title = norm_space(node_text(titles[0])) if titles else ""
        result.unit_name = unit_name(result.title, profile)
        result.unit_id = self.unit_id(profile)
        links = parse_directory(doc.text, doc.url, profile)
        column_map = default_column_map()
        classified, unmatched = column_map.classify_all(links)
        found = {id(c.column): c for c in [*classified, *unmatched]}
        folder = f"{column_map.path.parent}{os.sep}"
        for link in links:
            c = found[id(link)]
            why = c.reason.replace(folder, "")  # columns.yaml:81 '通知公告'
            result.columns.append(ColumnFound(link.name, link.url, link.path, c.category, why))
        if not links:
            units = find_units(doc, profile.unit_list) if profile.unit_list.entry_pattern else []
            hint = (
                f"; it lists {len(units)} units — draft them with `zwgk units discover "
                f"{doc.url} -p {profile.name}` and probe one unit's entry"
                if units
                else ""
            )
            self.fail(
                "no_columns", doc.url, f"no column links with the {profile.name} profile{hint}"
            )

    def unit_id(self, profile: Profile) -> str:
        pattern = profile.unit_list.entry_pattern
        hit = pattern.search(self.url) if pattern is not None else None
        key = hit.group("id") if hit else _key_from_path(self.url)
        return draft_units([(key, self.result.unit_name, self.url, None)])[0].id

    # -- lists and articles ------------------------------------------------------------------
    def sample_columns(self, profile: Profile) -> tuple[Document | None, Document | None]:
        """One column per category: its first list page, up to two pagination checks, one
        article. Returns the first list page and the first article read (for `compare`)."""
        first_list = first_article = None
        for category, column in self.sampled_columns():
            if self.fetcher.remaining <= 0:
                self.result.not_sampled.append(category)
                continue
            listing, page = self.list_page(column, profile)
            if listing is None:
                if self.fetcher.fetches[-1].problem == BUDGET:
                    self.result.not_sampled.append(category)
                continue
            first_list = first_list or page
            self.check_pagination(column, listing, profile)
            row = listing.rows[0]
            article = self.get(row.url, "article")
            if article is None:
                if self.fetcher.fetches[-1].problem == BUDGET:
                    self.result.not_sampled.append(category)
                continue
            first_article = first_article or article
            self.result.samples.append(self.sample(category, column, article, profile))
        if self.result.not_sampled:
            self.fail(
                "budget",
                self.url,
                f"request budget ({self.fetcher.max_requests}) spent before the categories "
                f"{', '.join(self.result.not_sampled)}; raise it with --max-requests",
            )
        return first_list, first_article

    def sampled_columns(self) -> list[tuple[str, ColumnFound]]:
        """The first column of each category, the categories in the vocabulary's order (news,
        notice, policy documents … first: what a budget of requests should see first)."""
        first: dict[str, ColumnFound] = {}
        for column in self.result.columns:
            category = column.category
            if category is not None and category not in SKIPPED_CATEGORIES:
                first.setdefault(category, column)
        order = list(COLUMN_CATEGORIES)
        ranked = sorted(first, key=lambda c: order.index(c) if c in order else len(order))
        return [(category, first[category]) for category in ranked]

    def list_page(self, column: ColumnFound, profile: Profile):
        """(ListingPage with rows, its page) for a column, or (None, None) with the failure."""
        doc = self.get(column.url, "list")
        if doc is None:
            return None, None
        listing = parse_listing(doc.text, doc.url, profile)
        if not listing.rows and listing.data_url:  # Lonsun: the rows come from the endpoint
            doc = self.get(listing.data_url, "list")
            if doc is None:
                return None, None
            listing = parse_listing(doc.text, doc.url, profile)
        if not listing.rows:
            claims = f", though it claims {listing.page_count} pages" if (
                listing.page_count or 0) > 1 else ""  # fmt: skip
            links = len(doc.root.xpath("//a[@href]"))
            self.fail(
                "empty_list", doc.url,
                f"{column.name}: the list shows no rows{claims} ({links} links on the page)",
            )  # fmt: skip
            self.result.pagination.append(Pagination(column.name, doc.url, 0, listing.page_count))
            return None, None
        return listing, doc

    def check_pagination(self, column: ColumnFound, listing, profile: Profile) -> None:
        record = Pagination(column.name, listing.url, len(listing.rows), listing.page_count)
        self.result.pagination.append(record)
        checked = sum(p.other_url is not None for p in self.result.pagination)
        if checked >= MAX_PAGINATION_CHECKS or self.fetcher.remaining <= 1:
            return  # keep a request for the column's sample article
        if listing.page_urls:
            record.other_url, record.other_page = listing.page_urls[-1], listing.page_count
        elif listing.next_url:
            record.other_url, record.other_page = listing.next_url, (listing.page or 1) + 1
        else:
            return
        doc = self.get(record.other_url, "list")
        if doc is None:
            record.other_rows = record.other_new = 0
            return
        other = parse_listing(doc.text, doc.url, profile)
        first = {row.url for row in listing.rows}
        record.other_rows = len(other.rows)
        record.other_new = sum(row.url not in first for row in other.rows)
        if not record.other_new:
            why = "lists no rows" if not other.rows else "repeats page 1's rows"
            self.fail(
                "pagination", record.other_url, f"{column.name}: page {record.other_page} {why}"
            )

    def sample(self, category: str, column: ColumnFound, doc: Document, profile: Profile) -> Sample:
        data = read_article(doc, profile.article)
        read, missing = read_fields(data, doc, profile)
        sample = Sample(category, column.name, doc.url, read, missing)
        sample.attachments, sample.related = len(data.attachments), len(data.related)
        sample.body_chars = len(data.body_text)
        sample.anomaly = data.anomaly
        if data.anomaly:
            self.fail("extraction_anomaly", doc.url, data.anomaly)
        return sample

    def compare(self, first_list: Document | None, first_article: Document | None) -> None:
        """Every profile tried, on the pages the chosen one fetched (no more requests)."""
        by_name = {p.name: p for p in self.candidates}
        for trial in self.result.trials:
            profile = by_name[trial.profile]
            for _, doc in self.pages[1:]:  # fingerprints on the later pages too
                trial.hits += [
                    h for h in fingerprint_hits(doc, profile)
                    if (h.kind, h.pattern) not in {(x.kind, x.pattern) for x in trial.hits}
                ]  # fmt: skip
            if first_list is not None:
                trial.rows = len(parse_listing(first_list.text, first_list.url, profile).rows)
            if first_article is not None:
                copy = parse_document(first_article.text, first_article.url)
                read, _ = read_fields(read_article(copy, profile.article), copy, profile)
                trial.fields = len(read)


def unit_name(title: str, profile: Profile) -> str:
    """The unit's name from its entry page's <title>: the part before the site's name, without
    a trailing 信息公开 (西河县人民政府信息公开_西河县人民政府 → 西河县人民政府)."""
    name = profile.article.title_split.split(title, maxsplit=1)[0].strip() if title else ""
    return _NAME_SUFFIX.sub("", name) or name


def probe(url: str, fetcher: PoliteFetcher, profile: str = "auto") -> ProbeResult:
    """Probe one entry page (see the module docstring). ProbeInputError / ProfileError: exit 2."""
    return Probe(url, fetcher, profile).run()
