"""`zwgk units discover`: draft a unit registry from a platform's list of units (单位列表).

A Lonsun platform lists its units at `/public/index.html`, a TRS site at `/index.html`; each
link leads to a unit's disclosure entry. The draft takes ids from the link (Lonsun unit number,
TRS path segment), names from the link text, and guesses levels from the page's heading above
the link when it names a level, else from the name. Parents are left empty: the draft is for a
person to review, never to be crawled unread.

Where the unit links are is the profile's `unit_list:` (`crawler/profiles/*.yaml`, model
`crawler.profile_model.UnitListRule`), so a new platform needs a YAML file, not Python; a profile
that `extends:` another inherits its rule, one that says nothing gets the generic rule (links
whose text ends like a unit's name).
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from common.vocabulary import LEVELS
from common.yamlsource import dump_yaml
from crawler.extract.dom import Document, ExtractionError, parse_document
from crawler.extract.encoding import decode_html
from crawler.extract.text import node_text, norm_space
from crawler.politeness_limits import DEFAULT_TIMEOUT, configured_defaults
from crawler.profile_lists import UnitListRule
from crawler.profile_model import get_profile

logger = logging.getLogger(__name__)

MAX_PAGE_BYTES = 10 * 1024 * 1024  # a unit list is a few hundred KB; refuse runaway bodies

CITY_GOV, CITY_DEPT, COUNTY_GOV, COUNTY_DEPT, TOWNSHIP = LEVELS


class DiscoverError(RuntimeError):
    """Fetching or reading the unit list failed; the message names the URL. `status` is the
    HTTP status when the server answered with an error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


_TOWNSHIP = re.compile(r"(乡|镇|街道)(人民政府|政府|办事处)?(办公室)?$|街道办事处$")
_GOV = re.compile(r"(人民政府|政府)(办公室|办公厅)?$")
_COUNTY_GOV = re.compile(r"[县区旗](人民政府|政府)(办公室)?$")
_COUNTY_PREFIX = re.compile(r"^(?:[^县区旗]{1,8}?[省市州盟])?[^市县区旗]{1,6}?[县区旗](?!域)")


def guess_level(name: str) -> str:
    """A draft level from a unit's name: 乡/镇/街道 → 乡镇街道; …县/区人民政府 → 县区政府;
    other 人民政府(办公室) → 市政府; a department whose name starts with a county or district
    (西河县教育局) → 县直部门; any other → 市直部门."""
    name = norm_space(name).replace(" ", "")
    if _TOWNSHIP.search(name):
        return TOWNSHIP
    if _GOV.search(name):
        return COUNTY_GOV if _COUNTY_GOV.search(name) else CITY_GOV
    if _COUNTY_PREFIX.match(name):
        return COUNTY_DEPT
    return CITY_DEPT


@dataclass(frozen=True)
class DraftUnit:
    id: str
    name: str
    level: str
    entry: str


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[bytes, str | None]:
    """GET `url` with zwgk's User-Agent: (body, Content-Type header). DiscoverError names the URL.

    urllib rather than httpx: one page per command does not justify a runtime dependency."""
    # http.client writes header values as latin-1; the UA's Chinese goes out as its UTF-8 bytes,
    # as Scrapy sends it, so the two identify zwgk the same way in a site's logs.
    agent = configured_defaults().user_agent.encode("utf-8").decode("latin-1")
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            content_type = response.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        raise DiscoverError(f"{url}: HTTP {exc.code} {exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DiscoverError(f"{url}: cannot fetch ({reason})") from None
    if len(body) > MAX_PAGE_BYTES:
        raise DiscoverError(f"{url}: page larger than {MAX_PAGE_BYTES // 1024 // 1024} MB")
    return body, content_type


Fetcher = Callable[[str, float], tuple[bytes, str | None]]


def robots_allows(url: str, fetcher: Fetcher = fetch, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Whether the site's robots.txt lets zwgk fetch `url`. A missing robots.txt (HTTP error)
    allows everything, as the robots standard says."""
    robots_url = urljoin(url, "/robots.txt")
    try:
        body, _ = fetcher(robots_url, timeout)
    except DiscoverError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            return True
        raise DiscoverError(f"{url}: cannot check robots.txt — {exc}", exc.status) from None
    parser = urllib.robotparser.RobotFileParser(robots_url)
    parser.parse(body.decode("utf-8", errors="replace").splitlines())
    return parser.can_fetch(configured_defaults().user_agent, url)


def find_units(doc: Document, rule: UnitListRule) -> list[tuple[str, str, str, str | None]]:
    """(id source, name, entry URL, heading) for each unit link of a parsed unit-list page, in
    page order, each entry once."""
    for source in rule.links:
        found: list[tuple[str, str, str, str | None]] = []
        seen: set[str] = set()
        for a in source.elements(doc.index):
            target = doc.absolute(a.get("href"))
            name = norm_space(node_text(a) or a.get("title") or "")
            if not target or not name or target in seen:
                continue
            if target == doc.url or any(rx.search(target) for rx in rule.exclude_url):
                continue  # the list page itself (a site's logo link), or an article page
            if rule.entry_pattern is not None:
                hit = rule.entry_pattern.search(target)
                if not hit:
                    continue
                key = hit.group("id")
            else:
                if not rule.unit_name.search(name):
                    continue
                key = _key_from_path(target)
            seen.add(target)
            found.append((key, name, target, rule.heading.first(a)))
        if found:
            return found
    return []


# Path segments that name the platform's layout rather than the unit.
_LAYOUT_WORDS = {"public", "column", "content", "xxgk", "zwgk", "gkml", "site", "www", "html"}


def _key_from_path(url: str) -> str:
    """An id source for a unit link no rule knows: its last path segment that is not layout
    (/public/column/1002 → 1002, /zf/xxgk/index.html → zf), else the host name."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s and not s.lower().startswith("index.")]
    meaningful = [s for s in segments if s.lower() not in _LAYOUT_WORDS]
    return meaningful[-1] if meaningful else parts.hostname or ""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def draft_units(
    found: list[tuple[str, str, str, str | None]], prefix: str | None = None
) -> list[DraftUnit]:
    """Ids (unique, registry-safe), names and levels for the links `find_units` returned."""
    units: list[DraftUnit] = []
    used: set[str] = set()
    for n, (key, name, entry, heading) in enumerate(found, 1):
        slug = slugify(key) or f"unit{n}"
        if slug[0].isdigit() and not prefix:
            slug = f"u{slug}"  # YAML would read a bare number as an int
        ident = f"{slugify(prefix)}-{slug}" if prefix else slug
        base, k = ident, 2
        while ident in used:
            ident, k = f"{base}-{k}", k + 1
        used.add(ident)
        level = heading if heading in LEVELS else guess_level(name)
        units.append(DraftUnit(ident, name, level, entry))
    return units


def discover(
    url: str,
    profile: str,
    *,
    prefix: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    obey_robots: bool = True,
    fetcher: Fetcher = fetch,
) -> tuple[list[DraftUnit], str]:
    """Fetch a platform's unit list and draft its units; returns (units, page title)."""
    rule = get_profile(profile).unit_list  # raises ProfileError for an unknown/bad profile
    if obey_robots and not robots_allows(url, fetcher, timeout):
        raise DiscoverError(
            f"{url}: robots.txt does not allow {configured_defaults().user_agent!r} to fetch this page"
        )
    body, content_type = fetcher(url, timeout)
    try:
        doc = parse_document(decode_html(body, content_type)[0], url)
    except ExtractionError as exc:  # too large, or nested deeper than lxml reads
        raise DiscoverError(str(exc)) from None
    found = find_units(doc, rule)
    titles = doc.root.xpath("//title")
    title = norm_space(node_text(titles[0])) if titles else ""
    logger.info("%s: %d unit links with the %s rule", url, len(found), profile)
    return draft_units(found, prefix), title


def draft_yaml(units: list[DraftUnit], url: str, profile: str, title: str = "") -> str:
    """The draft registry text: a header saying what to review, then the YAML."""
    counts = {level: sum(u.level == level for u in units) for level in LEVELS}
    summary = ", ".join(f"{level} {n}" for level, n in counts.items() if n)
    header = (
        f"# DRAFT unit registry — written by `zwgk units discover {url} --profile {profile}`.\n"
        "# Review before crawling: ids come from the links, levels are GUESSED from headings and\n"
        "# names, and parents are empty — set `parent:` for every unit below a government.\n"
        f"# {len(units)} units: {summary or 'none'}. Check with `zwgk units check FILE`.\n"
    )
    data = {
        "version": 1,
        "name": title or f"units discovered at {url}",
        "defaults": {"robots": "obey"},
        "units": [
            {
                "id": u.id,
                "name": u.name,
                "level": u.level,
                "parent": None,
                "profile": profile,
                "entry": u.entry,
            }
            for u in units
        ],
    }
    return header + dump_yaml(data)
