"""What `zwgk units probe` found (`crawler.probe` fills it, `crawler.probe_report` shows it):
the profiles tried, the columns with their categories, each list's pagination, the sample
articles, and what failed with its reason. Plain dataclasses, JSON-ready through
`dataclasses.asdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.extract.fingerprints import FingerprintHit
from crawler.probe_fetch import ANTI_BOT, Fetch
from crawler.probe_fields import FieldRead


@dataclass
class Failure:
    """Something the probe could not read: `problem` (anti_bot, robots, http_error, timeout,
    unreachable, unknown_platform, no_columns, empty_list, extraction_anomaly, budget …), the
    URL, and the reason in one phrase."""

    problem: str
    url: str
    reason: str


@dataclass
class Trial:
    """One profile tried: its fingerprint score on the entry page and on every page read, the
    fingerprints matched, and how much it reads of the pages fetched."""

    profile: str
    score: int = 0
    hits: list[FingerprintHit] = field(default_factory=list)
    columns: int = 0
    rows: int | None = None  # on the first list page read
    fields: int | None = None  # on the first sample article


@dataclass
class ColumnFound:
    name: str
    url: str
    path: tuple[str, ...] = ()
    category: str | None = None
    reason: str = ""


@dataclass
class Pagination:
    """A column's list: the rows of page 1, the pages it claims, and (for up to two columns)
    the last or next page fetched with its rows and how many are new."""

    column: str
    url: str
    rows: int
    claimed: int | None
    other_url: str | None = None
    other_page: int | None = None
    other_rows: int | None = None
    other_new: int | None = None

    @property
    def works(self) -> bool | None:
        """True when the other page listed rows page 1 did not; None when not checked."""
        if self.other_url is None:
            return None
        return bool(self.other_new)


@dataclass
class Sample:
    """One article of a category's column, with every field read and where it came from."""

    category: str
    column: str
    url: str
    fields: list[FieldRead] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    attachments: int = 0
    related: int = 0
    body_chars: int = 0
    anomaly: str | None = None


@dataclass
class ProbeResult:
    url: str
    profile: str | None = None
    detected: bool = False  # chosen by fingerprints (not --profile)
    trials: list[Trial] = field(default_factory=list)
    unit_id: str = ""
    unit_name: str = ""
    title: str = ""
    columns: list[ColumnFound] = field(default_factory=list)
    pagination: list[Pagination] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    not_sampled: list[str] = field(default_factory=list)  # categories left for lack of budget
    failures: list[Failure] = field(default_factory=list)
    fetches: list[Fetch] = field(default_factory=list)
    unreadable: str | None = None  # why the entry page could not be read (exit 3)

    @property
    def unmatched(self) -> list[ColumnFound]:
        return [c for c in self.columns if c.category is None]

    @property
    def blocked(self) -> str | None:
        """One sentence when the site cannot be probed or answers with an anti-bot wall."""
        if self.unreadable:
            return self.unreadable
        walls = [f.url for f in self.failures if f.problem == ANTI_BOT]
        if walls:
            return (
                f"{walls[0]}: the site answered with an anti-bot challenge page (瑞数 $_ts) "
                f"on {len(walls)} page(s); a crawl would not read them"
            )
        return None
